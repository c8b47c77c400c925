"""What the catalog shows, gathered once: costs and quota usage from the one resource
model (`render/usage.py`), hosts, dependencies between systems, the last change of every
file, the apply status when `platform status` data is given, and the findings.

Everything is computed in one pass over the resources (the catalog of a 10,000-resource
landscape must build in at most twice a cold `platform check`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from platform_cli.errors import UsageError
from platform_cli.load.model import Landscape, Resource, Service, Stack
from platform_cli.render.hosts import Host, host_of
from platform_cli.render.usage import Cost, Usage, cost, usage
from platform_cli.sources.git import Change


@dataclass(frozen=True)
class StackStatus:
    """One Pulumi stack (a team's shard of a landscape stack) as `platform status` saw it."""

    state: str
    commit: str
    applied_at: str
    drift: str
    run: str


@dataclass(frozen=True)
class ApplyStatus:
    """`platform status --format json`: the commit it compared with and each shard."""

    commit: str
    shards: dict[str, StackStatus]  # "<stack>.<team>"


def parse_status(text: str, source: str) -> ApplyStatus:
    """The JSON `platform status --format json` prints; a clear error when it is not."""
    try:
        data = json.loads(text)
        stacks = data["stacks"]
        shards = {
            str(s["stack"]): StackStatus(
                str(s.get("state") or "unknown"),
                str(s.get("commit") or ""),
                str(s.get("appliedAt") or ""),
                str(s.get("drift") or ""),
                str(s.get("run") or ""),
            )
            for s in stacks
        }
        return ApplyStatus(str(data.get("commit") or ""), shards)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"{source} is not the output of `platform status --format json` ({exc})",
            hint="write it with `platform status --format json > status.json`, or leave "
            "--status out: the catalog then says the apply status is not available",
        ) from None


@dataclass(frozen=True)
class Month:
    """The start of the month the catalog compares costs with, and what it found there."""

    start: str  # ISO date of the first day of HEAD's month
    commit: str  # the last commit before it; "" when the history starts later
    costs: Mapping[tuple[str, str, str], Decimal]  # (stack, team, system) -> cost then


@dataclass
class Facts:
    landscape: Landscape
    cost: dict[int, Cost] = field(default_factory=dict)  # id(resource) -> its cost
    hosts: dict[int, Host] = field(default_factory=dict)
    usage: dict[tuple[str, str], Usage] = field(default_factory=dict)  # (stack, team)
    by_team: dict[str, list[Resource]] = field(default_factory=dict)
    by_system: dict[str, list[Resource]] = field(default_factory=dict)
    # system -> the systems its resources depend on (dependsOn across systems)
    depends: dict[str, set[str]] = field(default_factory=dict)
    changes: dict[str, Change] = field(default_factory=dict)
    status: ApplyStatus | None = None
    month: Month | None = None

    def cost_of(self, resources: list[Resource]) -> Decimal:
        return sum((self.cost[id(r)].total for r in resources if id(r) in self.cost), Decimal(0))

    def month_cost(self, stack: str = "", team: str = "", system: str = "") -> Decimal | None:
        """The cost at the start of the month of what matches (empty matches all)."""
        if self.month is None or not self.month.commit:
            return None
        return sum(
            (
                v
                for (s, t, y), v in self.month.costs.items()
                if (not stack or s == stack)
                and (not team or t == team)
                and (not system or y == system)
            ),
            Decimal(0),
        )

    def shard_status(self, resource: Resource) -> StackStatus | None:
        if self.status is None:
            return None
        return self.status.shards.get(f"{resource.stack}.{resource.team}")


def costs_by_scope(landscape: Landscape) -> dict[tuple[str, str, str], Decimal]:
    """The monthly cost of each (stack, team, system), from the price sheet."""
    out: dict[tuple[str, str, str], Decimal] = {}
    if landscape.prices is None:
        return out
    for resource in landscape.all_resources():
        stack = landscape.stacks.get(resource.stack)
        if stack is None:
            continue
        key = (resource.stack, resource.team, resource.system)
        out[key] = out.get(key, Decimal(0)) + cost(resource, stack, landscape.prices).total
    return out


def gather(landscape: Landscape) -> Facts:
    """Costs, hosts, usage and the system graph of a landscape, in one pass."""
    facts = Facts(landscape)
    shards: dict[tuple[str, str], list[Resource]] = {}
    for resource in landscape.all_resources():
        stack = landscape.stacks.get(resource.stack)
        facts.by_team.setdefault(resource.team, []).append(resource)
        facts.by_system.setdefault(resource.system, []).append(resource)
        if stack is None:
            continue
        shards.setdefault((resource.stack, resource.team), []).append(resource)
        _priced(facts, resource, stack)
        for kind, name in resource.depends_on:
            target = landscape.find(resource.stack, kind, name)
            if target is not None and target.system != resource.system:
                facts.depends.setdefault(resource.system, set()).add(target.system)
    for (stack_name, team), resources in shards.items():
        facts.usage[(stack_name, team)] = usage(resources, landscape.stacks[stack_name])
    return facts


def resource_facts(landscape: Landscape, resources: Iterable[Resource]) -> Facts:
    """The facts of these resources' own pages (their cost and host) and no others':
    what a process that makes only their pages needs (catalog/shares.py)."""
    facts = Facts(landscape)
    for resource in resources:
        stack = landscape.stacks.get(resource.stack)
        if stack is not None:
            _priced(facts, resource, stack)
    return facts


def _priced(facts: Facts, resource: Resource, stack: Stack) -> None:
    """A resource's cost and host, into `facts`."""
    if facts.landscape.prices is not None:
        facts.cost[id(resource)] = cost(resource, stack, facts.landscape.prices)
    if isinstance(resource, Service):
        host = host_of(resource, stack)
        if host is not None:
            facts.hosts[id(resource)] = host


def spec_summary(resource: Resource, facts: Facts) -> list[tuple[str, str]]:
    """The few facts of a resource's spec people ask about, as (label, value)."""
    spec: Mapping[str, Any] = resource.spec
    rows: list[tuple[str, str]] = []

    def add(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            rows.append((label, str(value)))

    if resource.kind == "Service":
        add("image", spec.get("image"))
        auto = spec.get("autoscaling")
        add(
            "replicas",
            f"{auto['minReplicas']}-{auto['maxReplicas']} (autoscaled)"
            if auto
            else spec.get("replicas", "stack default"),
        )
        add("ports", ", ".join(f"{p['name']} {p['port']}" for p in spec.get("ports", [])))
        limits = spec.get("resources", {}).get("limits", {})
        add("limits", f"cpu {limits.get('cpu')}, memory {limits.get('memory')}" if limits else "")
        host = facts.hosts.get(id(resource))
        add("host", str(host) if host else "")
    elif resource.kind == "Database":
        add("engine", f"PostgreSQL {spec.get('version', '')}".strip())
        add("instances", spec.get("instances", "stack default"))
        storage = spec.get("storage", {})
        add("storage", f"{storage.get('size')} ({storage.get('class', 'default class')})")
        backup = spec.get("backup")
        add("backup", f"{backup.get('retentionDays')} days" if isinstance(backup, Mapping) else "")
    elif resource.kind == "Server":
        add("image", spec.get("image"))
        add("cpu", spec.get("cpu"))
        add("memory", spec.get("memory"))
        disk = spec.get("disk", {})
        add("disk", f"{disk.get('size')} ({disk.get('class', 'default class')})")
        add("running", spec.get("running", True))
    add("depends on", ", ".join(f"{k}/{n}" for k, n in resource.depends_on))
    add("deletion protection", "yes" if resource.deletion_protection else "")
    retirement = resource.retirement
    if retirement is not None:
        keep = retirement.keep_data_until
        add(
            "retired",
            f"on {retirement.requested}"
            + (f", data kept until {keep}" if keep else "")
            + (f": {retirement.reason}" if retirement.reason else ""),
        )
    return rows
