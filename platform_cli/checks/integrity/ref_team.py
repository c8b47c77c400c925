"""`ref-team`: the owner team of a system and the team of a resource are declared."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest, undeclared
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-team", Level.ERROR, RuleScope.ENTITY, "A reference to a team that is not declared."
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for system in land.systems.values():
        if not loaded.in_focus(system.path):
            continue
        if system.owner not in land.teams and undeclared(loaded, "Team", system.owner):
            yield at(
                system,
                RULE,
                f"owner team '{system.owner}' is not declared",
                suggest(system.owner, land.teams, "team"),
                "spec",
                "owner",
            )
    for resource in loaded.resources():
        if resource.team not in land.teams and undeclared(loaded, "Team", resource.team):
            yield at(
                resource,
                RULE,
                f"team '{resource.team}' is not declared",
                suggest(resource.team, land.teams, "team"),
                "metadata",
                "team",
            )
