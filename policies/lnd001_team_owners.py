"""Every team is owned by a GitHub team, not only by individuals.

CODEOWNERS routes the review of a team's files to the team's `owners`. When those
are only personal accounts, a holiday or a leaver blocks every change of the team,
and nobody notices until a release is stuck. At least one owner must be a GitHub
team (`@org/team`); people may be listed next to it.

The rest of ownership is enforced by the built-in checks that run before any policy
and cannot be waived: every resource names a declared team (`ref-team`), lives in
that team's folder (`layout`) and belongs to a system that the team owns
(`ref-system-owner`), and every system's owner is a declared team.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level

ID = "LND001"
LEVEL = Level.ERROR
SCOPE = Scope.TEAMS_AND_SYSTEMS
TITLE = "Teams are owned by a GitHub team"

PASSING = """\
kind: Team
metadata: {name: call-center}
spec:
  owners: ["@dom-komfort/call-center", "@i-petrova"]
"""
FAILING = """\
kind: Team
metadata: {name: call-center}
spec:
  owners: ["@i-petrova"]   # LND001: only a person
"""


def check(context: Context) -> Iterator[Violation]:
    for team in context.landscape.teams.values():
        if not any("/" in owner for owner in team.owners):
            yield violation(
                team,
                "spec",
                "owners",
                message=f"team '{team.name}' is owned only by individuals: "
                f"{', '.join(team.owners)}",
                hint="add the team's GitHub team, e.g. '@org/" + team.name + "'",
            )
