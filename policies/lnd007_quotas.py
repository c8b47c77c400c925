"""A team's resources in a stack fit the team's quota there.

Teams declare their quotas per stack in `landscape/teams/<team>.yaml`, and the
architects approve changes to them. For each team and stack the totals are:

- CPU: the sum over services of `resources.limits.cpu` x the most replicas the
  service can run (`replicas`, or `autoscaling.maxReplicas` when larger), plus the
  vCPUs of servers;
- memory: the same with `resources.limits.memory`, plus the memory of servers;
- storage: the sum over databases of `storage.size` x instances, plus server disks;
- servers: the number of servers.

Limits, not requests, are counted, and autoscalers at their maximum: the quota is
what the team may use at peak. A stack missing from `quotas` gives the team nothing.
The finding shows the arithmetic with the largest contributors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Resource, Stack, Team
from platform_cli.render.usage import QUOTA_KEYS, contributions, format_amount, parse_quota

ID = "LND007"
LEVEL = Level.ERROR
SCOPE = Scope.TEAM
TITLE = "Team totals per stack fit the team's quota"

PASSING = """\
# landscape/teams/call-center.yaml
spec: {quotas: {prod: {cpu: "8", memory: 16Gi, storage: 200Gi, servers: 1}}}
# stacks/prod/call-center/: crm-api limits.cpu 1 x 4 replicas + pbx-1 cpu 4 = 8
"""
FAILING = """\
spec: {quotas: {prod: {cpu: "6", memory: 16Gi, storage: 200Gi, servers: 1}}}
# LND007: CPU 8 > quota 6: services 4 (crm-api 1 x 4) + servers 4 (pbx-1 4)
"""

# One contribution: (amount, how it is computed, e.g. "crm-api 1 x 4")
Term = tuple[int, str]
SHOWN_TERMS = 3


def check(context: Context) -> Iterator[Violation]:
    land = context.landscape
    for (team_name, stack_name), resources in sorted(context.by_team_and_stack.items()):
        team, stack = land.teams.get(team_name), land.stacks.get(stack_name)
        if team is None or stack is None:
            continue  # reported by ref-team / stack-file
        quota = team.quota(stack_name)
        if quota is None:
            yield violation(
                team,
                "spec",
                "quotas",
                message=f"team '{team_name}' has {len(resources)} resource"
                f"{'' if len(resources) == 1 else 's'} in stack '{stack_name}' but no "
                "quota there",
                hint=f"add quotas.{stack_name} (approved by the architects)",
                stack=stack_name,
            )
            continue
        yield from _over(team, stack, resources, quota)


def _over(
    team: Team, stack: Stack, resources: list[Resource], quota: Mapping[str, Any]
) -> Iterator[Violation]:
    # key -> group -> its terms, in the order the groups first appear
    groups: dict[str, dict[str, list[Term]]] = {key: {} for key in QUOTA_KEYS}
    for resource in resources:
        for c in contributions(resource, stack):
            groups[c.key].setdefault(c.group, []).append((c.amount, c.text))
    for key in QUOTA_KEYS:
        allowed = parse_quota(key, quota[key])
        terms_by_group = groups[key]
        total = sum(amount for terms in terms_by_group.values() for amount, _ in terms)
        if total <= allowed:
            continue
        parts = [
            f"{group} {format_amount(key, sum(a for a, _ in terms))} ({_largest(terms)})"
            for group, terms in sorted(terms_by_group.items(), key=lambda g: _GROUP_ORDER[g[0]])
        ]
        label = "CPU" if key == "cpu" else key
        yield violation(
            team,
            "spec",
            "quotas",
            stack.name,
            key,
            message=f"team '{team.name}' requests {label} {format_amount(key, total)} in stack "
            f"'{stack.name}', over its quota of {format_amount(key, allowed)}: {' + '.join(parts)}",
            hint="shrink the resources, or raise the quota with the architects' approval",
            stack=stack.name,
        )


_GROUP_ORDER = {"services": 0, "databases": 1, "servers": 2}


def _largest(terms: list[Term]) -> str:
    ranked = sorted(terms, key=lambda t: (-t[0], t[1]))
    shown = ", ".join(text for _, text in ranked[:SHOWN_TERMS])
    rest = len(ranked) - SHOWN_TERMS
    return shown + (f", and {rest} more" if rest > 0 else "")
