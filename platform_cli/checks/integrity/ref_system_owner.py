"""`ref-system-owner`: a team declares resources only for the systems it owns."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-system-owner",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource belongs to a system that its team does not own.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    systems = loaded.landscape.systems
    for resource in loaded.resources():
        system = systems.get(resource.system)
        if system is not None and system.owner != resource.team:
            yield at(
                resource,
                RULE,
                f"system '{system.name}' is owned by team '{system.owner}', not '{resource.team}'",
                "a team declares resources only for the systems it owns",
                "metadata",
                "system",
            )
