"""`ref-system`: the systems a system integrates with, and the system of a resource,
are declared; a system does not integrate with itself."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest, undeclared
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-system", Level.ERROR, RuleScope.ENTITY, "A reference to a system that is not declared."
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for system in land.systems.values():
        if not loaded.in_focus(system.path):
            continue
        for index, other in enumerate(system.integrates_with):
            if other == system.name:
                yield at(
                    system,
                    RULE,
                    "a system cannot integrate with itself",
                    "remove it from integratesWith",
                    "spec",
                    "integratesWith",
                    index,
                )
            elif other not in land.systems and undeclared(loaded, "System", other):
                yield at(
                    system,
                    RULE,
                    f"integration with undeclared system '{other}'",
                    suggest(other, land.systems, "system"),
                    "spec",
                    "integratesWith",
                    index,
                )
    for resource in loaded.resources():
        if resource.system not in land.systems and undeclared(loaded, "System", resource.system):
            yield at(
                resource,
                RULE,
                f"system '{resource.system}' is not declared",
                suggest(resource.system, land.systems, "system"),
                "metadata",
                "system",
            )
