"""`namespace-clash`: no two teams get one namespace in a stack.

A team's namespaces are its name in the stack's patterns (`Stack.namespaces`, the
renderer's own answer): `{stack}-{team}` for its services and databases and
`{stack}-{team}-vms` for its servers, by default. A team named `billing-vms` would then
be given `prod-billing-vms`, the namespace of billing's servers: its Role, quota and
network policy would be applied to billing's virtual machines, and its shard would take
over theirs. Rendering the whole stack finds the clash too, but only at plan or apply
time; this check names the teams at `platform check`. Every team of a clash is named,
at its file, since either may be the one to rename.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "namespace-clash",
    Level.ERROR,
    RuleScope.GLOBAL,
    "Two teams would get the same namespace in a stack (for example a team named "
    "'<team>-vms' and the servers' namespace of <team>).",
)
_WHAT = ("namespace", "VM namespace")


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack_name in sorted(land.stacks):
        stack = land.stacks[stack_name]
        owners: dict[str, list[tuple[str, int]]] = {}  # namespace -> (team, which)
        for team in sorted(land.teams):
            for which, namespace in enumerate(stack.namespaces(team)):
                owners.setdefault(namespace, []).append((team, which))
        for namespace, claims in owners.items():
            if len({team for team, _ in claims}) < 2:
                continue  # one team's two patterns alike: render-name-clash, at the stack
            for team, which in claims:
                others = ", ".join(f"the {_WHAT[w]} of team '{t}'" for t, w in claims if t != team)
                yield at(
                    land.teams[team],
                    RULE,
                    f"in stack '{stack_name}' the {_WHAT[which]} of team '{team}' is "
                    f"'{namespace}', which is also {others}",
                    "rename the team so that its namespaces are its own (a team name "
                    "must not end like another team's namespace, such as '-vms')",
                    "metadata",
                    "name",
                )
