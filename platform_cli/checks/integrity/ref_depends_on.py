"""`ref-depends-on`: a dependency names a service, database or server declared in the
resource's own stack."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest, undeclared
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-depends-on",
    Level.ERROR,
    RuleScope.ENTITY,
    "A dependency on a service or database that does not exist in the same stack.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        for index, (kind, name) in enumerate(resource.depends_on):
            if (kind, name) == (resource.kind, resource.name):
                continue  # a dependency on itself is a cycle (dependency_cycle.py)
            if undeclared(loaded, kind, name, resource.stack):
                known = [
                    n
                    for (k, n) in land.in_stack(resource.stack)
                    if k == kind and n != resource.name
                ]
                yield at(
                    resource,
                    RULE,
                    f"{kind.lower()} '{name}' is not declared in stack '{resource.stack}'",
                    suggest(name, known, kind.lower()),
                    "spec",
                    "dependsOn",
                    index,
                    kind.lower(),
                )
