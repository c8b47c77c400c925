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

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from platform_cli.findings import Level
from platform_cli.model import Database, Resource, Server, Service, Stack, Team
from platform_cli.policy import Context, Violation, violation
from platform_cli.quantities import format_bytes, format_cpu, parse_bytes, parse_cpu

ID = "LND007"
LEVEL = Level.ERROR
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
    services = [r for r in resources if isinstance(r, Service)]
    databases = [r for r in resources if isinstance(r, Database)]
    servers = [r for r in resources if isinstance(r, Server)]
    cpu = {
        "services": [
            _scaled(s, s.limit_millicores, s.max_replicas(stack), format_cpu) for s in services
        ],
        "servers": [(v.cpu * 1000, f"{v.name} {v.cpu}") for v in servers],
    }
    memory = {
        "services": [
            _scaled(s, s.limit_memory, s.max_replicas(stack), format_bytes) for s in services
        ],
        "servers": [(v.memory_bytes, f"{v.name} {format_bytes(v.memory_bytes)}") for v in servers],
    }
    storage = {
        "databases": [
            _scaled(d, d.storage_bytes, d.instances(stack), format_bytes) for d in databases
        ],
        "servers": [(v.disk_bytes, f"{v.name} {format_bytes(v.disk_bytes)}") for v in servers],
    }
    count = {"servers": [(1, v.name) for v in servers]}
    checks: list[
        tuple[str, str, dict[str, list[Term]], Callable[[str], int], Callable[[int], str]]
    ] = [
        ("cpu", "CPU", cpu, parse_cpu, format_cpu),
        ("memory", "memory", memory, parse_bytes, format_bytes),
        ("storage", "storage", storage, parse_bytes, format_bytes),
        ("servers", "servers", count, int, str),
    ]
    for key, label, groups, parse, show in checks:
        allowed = parse(str(quota[key]))
        total = sum(amount for terms in groups.values() for amount, _ in terms)
        if total <= allowed:
            continue
        parts = [
            f"{group} {show(sum(a for a, _ in terms))} ({_largest(terms)})"
            for group, terms in groups.items()
            if terms
        ]
        yield violation(
            team,
            "spec",
            "quotas",
            stack.name,
            key,
            message=f"team '{team.name}' requests {label} {show(total)} in stack "
            f"'{stack.name}', over its quota of {show(allowed)}: {' + '.join(parts)}",
            hint="shrink the resources, or raise the quota with the architects' approval",
            stack=stack.name,
        )


def _scaled(resource: Resource, amount: int, times: int, show: Callable[[int], str]) -> Term:
    return amount * times, f"{resource.name} {show(amount)} x {times}"


def _largest(terms: list[Term]) -> str:
    ranked = sorted(terms, key=lambda t: (-t[0], t[1]))
    shown = ", ".join(text for _, text in ranked[:SHOWN_TERMS])
    rest = len(ranked) - SHOWN_TERMS
    return shown + (f", and {rest} more" if rest > 0 else "")
