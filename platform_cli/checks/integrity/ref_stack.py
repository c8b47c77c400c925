"""`ref-stack`: a team's quotas name declared stacks."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-stack", Level.ERROR, RuleScope.GLOBAL, "A team quota names a stack that is not declared."
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for team in land.teams.values():
        for stack in team.spec["quotas"]:
            if stack not in land.stacks and stack not in loaded.stack_files:
                yield at(
                    team,
                    RULE,
                    f"quota for undeclared stack '{stack}'",
                    suggest(stack, land.stacks, "stack"),
                    "spec",
                    "quotas",
                    stack,
                    at_key=True,
                )
