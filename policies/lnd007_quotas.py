"""A team's namespace in each stack admits everything the team's resources will run.

Teams declare their quotas per stack in `landscape/teams/<team>.yaml`, and the
architects approve changes to them. The renderer turns a quota into the namespace's
ResourceQuota (`limits.cpu`, `limits.memory`, `requests.storage` and the count of
VirtualMachines), and the cluster charges it for **every** pod and volume claim in the
namespace, including those the operators create. So the policy counts what the
resource model (`platform_cli/render/pods.py`, described in docs/model.md) says each
resource runs at its peak:

- a service: its container's limits x (its replicas, or `autoscaling.maxReplicas`,
  plus the pods a rolling update adds: 25% of them, rounded up);
- a database: its `resources` (or the stack's `defaults.databaseResources`) x
  instances, and `storage.size` x instances;
- a server: while it runs, KubeVirt's virt-launcher pod: the vCPUs, the guest memory
  plus KubeVirt's memory overhead (page tables, 220Mi for its processes, 8Mi per vCPU,
  8Mi for the I/O thread, 32Mi of video memory and 100Mi for a Guaranteed pod) plus
  the `guest-console-log` sidecar (15m, 60M); during the first import of its disk,
  CDI's importer pod (750m, 600M) and three claims of the disk's size (the disk, CDI's
  prime copy and its scratch space), each inflated for the filesystem overhead of
  5.5%; one of the VirtualMachine count.

Each resource counts at its largest moment, and the namespace at the sum: what the
cluster must admit when everything is rolled out, scaled up and imported at once (a
first apply, or a rebuild). A stack missing from `quotas` gives the team nothing.

The finding names the resource that tips the namespace over (the first, in file
order, at which the running total passes the quota) with its file and line, and
shows the arithmetic by group with the largest contributors, every amount of one
finding in one unit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Database, Resource, Server, Service, Stack, Team
from platform_cli.render.pods import (
    QUOTA_KEYS,
    Demand,
    Peak,
    demand,
    in_unit,
    quota_amounts,
    unit_for,
)

ID = "LND007"
LEVEL = Level.ERROR
SCOPE = Scope.TEAM
TITLE = "Team totals per stack fit the team's quota"

PASSING = """\
# landscape/teams/call-center.yaml
spec: {quotas: {prod: {cpu: "14", memory: 24Gi, storage: 400Gi, servers: 1}}}
# stacks/prod/call-center/: crm-api limits.cpu 1 x (4 + 1 surge) + pbx-1's launcher
# (8 vCPUs + 15m console log) = 13.015
"""
FAILING = """\
spec: {quotas: {prod: {cpu: "12", memory: 24Gi, storage: 400Gi, servers: 1}}}
# LND007: needs CPU 13.015 at peak, over its quota of 12; stacks/prod/call-center/
# pbx-1.yaml:9 tips it over: services 5 (crm-api 1 x 5 (4 + 1 surge)) + servers 8.015
"""

SHOWN_TERMS = 3
_GROUPS = {"Service": "services", "Database": "databases", "Server": "servers"}
_LABELS = {"cpu": "CPU", "memory": "memory", "storage": "storage", "servers": "servers"}


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
    allowed = quota_amounts(quota)
    assert allowed is not None
    demands = [(r, demand(r, stack)) for r in resources]
    peaks = [d.peak for _, d in demands]
    total = Peak()
    for peak in peaks:
        total = total.plus(peak)
    over = [key for key in QUOTA_KEYS if total.get(key) > allowed.get(key)]
    if not over:
        return
    order = sorted(range(len(demands)), key=lambda i: demands[i][0].path)
    for key in over:
        limit = allowed.get(key)
        unit = unit_for(key, [total.get(key), limit])
        running, tipping = 0, order[-1]
        for i in order:
            running += peaks[i].get(key)
            if running > limit:
                tipping = i
                break
        resource, found = demands[tipping]
        line, _ = resource.locate(*_field(resource, key))
        groups: dict[str, list[tuple[int, str]]] = {}
        for (r, d), peak in zip(demands, peaks, strict=True):
            amount = peak.get(key)
            if amount:
                groups.setdefault(_GROUPS[r.kind], []).append((amount, _term(d, key, unit)))
        parts = [
            f"{group} {in_unit(sum(a for a, _ in terms), unit, up=True)} ({_largest(terms)})"
            for group, terms in sorted(groups.items(), key=lambda g: _ORDER[g[0]])
        ]
        label = _LABELS[key]
        yield violation(
            team,
            "spec",
            "quotas",
            stack.name,
            key,
            message=f"team '{team.name}' needs {label} {in_unit(total.get(key), unit, up=True)} "
            "at peak "
            f"in stack '{stack.name}', over its quota of {in_unit(limit, unit)}; "
            f"{resource.path}:{line} tips it over (+{_term(found, key, unit)}): "
            + " + ".join(parts),
            hint="shrink the resources, or raise the quota with the architects' approval "
            "(docs/model.md says what each resource counts)",
            stack=stack.name,
        )


_ORDER = {"services": 0, "databases": 1, "servers": 2}


def _field(resource: Resource, key: str) -> tuple[str, ...]:
    """The field of a resource that drives its share of `key`."""
    if isinstance(resource, Service):
        return ("spec", "resources", "limits", key) if key in ("cpu", "memory") else ("spec",)
    if isinstance(resource, Database):
        if key == "storage":
            return ("spec", "storage", "size")
        return ("spec", "resources", key) if resource.spec.get("resources") else ("spec",)
    assert isinstance(resource, Server)
    return {
        "cpu": ("spec", "cpu"),
        "memory": ("spec", "memory"),
        "storage": ("spec", "disk", "size"),
    }.get(key, ("metadata", "name"))


def _term(found: Demand, key: str, unit: tuple[str, int]) -> str:
    """How one resource's share is made up: `crm-api 1 x 8 (6 + 2 surge)`."""
    amount = in_unit(found.peak.get(key), unit, up=True)
    if key == "servers":
        return found.name
    moment = found.peak_moment(key)
    if key == "storage":
        if found.kind == "Server" and moment.name == "first import":
            return f"{found.name} {amount} during its first import (disk, prime, scratch)"
        return f"{found.name} {amount}"
    if found.kind == "Service":
        pods = {p.role: p.number for p in moment.pods}
        each = in_unit(getattr(moment.pods[0].each("limits"), key), unit, up=True)
        count = pods.get("replica", 0) + pods.get("surge", 0)
        surge = f" ({pods['replica']} + {pods['surge']} surge)" if pods.get("surge") else ""
        return f"{found.name} {each} x {count}{surge}"
    if found.kind == "Database":
        pod = moment.pods[0]
        each = in_unit(getattr(pod.each("limits"), key), unit, up=True)
        return f"{found.name} {each} x {pod.number}"
    role = moment.pods[0].role if moment.pods else "nothing"
    return f"{found.name} {amount} ({role})"


def _largest(terms: list[tuple[int, str]]) -> str:
    ranked = sorted(terms, key=lambda t: (-t[0], t[1]))
    shown = ", ".join(text for _, text in ranked[:SHOWN_TERMS])
    rest = len(ranked) - SHOWN_TERMS
    return shown + (f", and {rest} more" if rest > 0 else "")
