"""`retired-team`: every resource of a retired team is retired itself.

A team's retirement (`spec.retirement` in `landscape/teams/<team>.yaml`) takes effect
through its resources: `platform retire Team/NAME` writes the same retirement into
every resource file of the team in every stack, so each file says what happens to it
and the plan shows each. A resource of a retired team without its own retirement,
an old one missed or a new one added after the team retired, is an error: a retired
team adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "retired-team",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource of a retired team is not retired itself (a retired team adds nothing).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    teams = loaded.landscape.teams
    for resource in loaded.resources():
        team = teams.get(resource.team)
        if team is None or team.retirement is None or resource.retirement is not None:
            continue
        yield at(
            resource,
            RULE,
            f"team '{team.name}' is retired ({team.path}); its {resource.kind.lower()} "
            f"'{resource.name}' is not",
            f"retire it too (`platform retire {resource.kind.lower()}/{resource.name} --stack "
            f"{resource.stack}`), or move it to a team that stays",
            "metadata",
            "team",
        )
