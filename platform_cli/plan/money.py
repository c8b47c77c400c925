"""Money and quota: what a change does to the two budgets a team is held to.

A plan prices each shard (the resources of one team in one stack) that the change can
move, before and after, and the whole of each stack it touches; and it compares each
such team's usage in the stack with its quota, before and after. The arithmetic of a
resource's cost and usage is `platform_cli/render/usage.py`'s, which the renderer and
the checks use too; this module only chooses what to sum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from platform_cli.evaluate.incremental import Evaluated
from platform_cli.evaluate.store import StateStore
from platform_cli.load.cache import DocumentCache
from platform_cli.load.model import Landscape, Resource
from platform_cli.plan.landscape_diff import Change
from platform_cli.plan.shards import Shard
from platform_cli.render.usage import QUOTA_KEYS, Usage, cost, parse_quota, usage
from platform_cli.sources.layout import RESOURCE_KINDS

STACK_COSTS = "stackCosts"  # the key of the base's stack costs in its stored state


@dataclass(frozen=True)
class CostLine:
    """Monthly cost of a shard (`team` set) or of a whole stack (`team` empty)."""

    stack: str
    team: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class QuotaLine:
    """A team's usage of one quota key in one stack, before and after, and its quota."""

    stack: str
    team: str
    key: str
    before: int
    after: int
    quota: int | None  # after the change; None when the team has no quota there
    quota_before: int | None

    @property
    def over(self) -> bool:
        return self.quota is not None and self.after > self.quota


def price_data(landscape: Landscape) -> Any:
    """The price sheet's values, to tell whether a change moves every price."""
    return landscape.prices.doc.data.get("spec") if landscape.prices else None


def _shards_of(landscape: Landscape, stack: str) -> set[Shard]:
    found = {Shard(stack, r.team) for r in landscape.in_stack(stack).values()}
    found |= {Shard(stack, t.name) for t in landscape.teams.values() if t.quota(stack)}
    return found


def scopes(
    old: Landscape, new: Landscape, changes: list[Change], prices_changed: bool
) -> tuple[set[Shard], set[Shard]]:
    """The shards whose cost, and whose quota usage or quota, the change can move."""
    cost_scope: set[Shard] = set()
    quota_scope: set[Shard] = set()
    for change in changes:
        if change.kind in RESOURCE_KINDS:
            for entity in (change.old, change.new):
                if isinstance(entity, Resource):
                    cost_scope.add(Shard(change.stack, entity.team))
        elif change.kind == "Stack":
            # Defaults (replicas, instances) and the default storage class
            for landscape in (old, new):
                cost_scope |= _shards_of(landscape, change.name)
        elif change.kind == "Team":
            for landscape in (old, new):
                team = landscape.teams.get(change.name)
                if team is not None:
                    quota_scope |= {
                        Shard(stack, team.name)
                        for stack in team.spec["quotas"]
                        if stack in landscape.stacks
                    }
    quota_scope |= cost_scope
    if prices_changed:
        for landscape in (old, new):
            for stack in landscape.stacks:
                cost_scope |= _shards_of(landscape, stack)
    return cost_scope, quota_scope


def _by_shard(landscape: Landscape, scope: Iterable[Shard]) -> dict[Shard, list[Resource]]:
    """The resources of each shard in `scope`, in file order."""
    out: dict[Shard, list[Resource]] = {}
    teams: dict[str, dict[str, list[Resource]]] = {}
    for shard in scope:
        teams.setdefault(shard.stack, {})[shard.team] = out.setdefault(shard, [])
    for stack, wanted in teams.items():
        for resource in landscape.in_stack(stack).values():
            found = wanted.get(resource.team)
            if found is not None:
                found.append(resource)
    return out


def _cost_of(landscape: Landscape, resources: Iterable[Resource]) -> tuple[Decimal, set[str]]:
    total, unpriced = Decimal(0), set[str]()
    if landscape.prices is None:
        return total, unpriced
    for resource in resources:
        stack = landscape.stacks.get(resource.stack)
        if stack is None:
            continue
        c = cost(resource, stack, landscape.prices)
        total += c.total
        unpriced |= set(c.unpriced)
    return total, unpriced


def costs(
    old: Landscape, new: Landscape, scope: set[Shard]
) -> tuple[tuple[CostLine, ...], tuple[str, ...]]:
    """The cost of each shard in `scope` before and after, and the storage classes
    that have no price."""
    before, after = _by_shard(old, scope), _by_shard(new, scope)
    unpriced: set[str] = set()
    lines = []
    for shard in sorted(scope):
        was, missing_old = _cost_of(old, before.get(shard, []))
        now, missing_new = _cost_of(new, after.get(shard, []))
        unpriced |= missing_old | missing_new
        lines.append(CostLine(shard.stack, shard.team, was, now))
    return tuple(lines), tuple(sorted(unpriced))


def stack_costs(
    old: Landscape,
    new: Landscape,
    stacks: list[str],
    base_run: Evaluated,
    cache: DocumentCache | None,
) -> tuple[CostLine, ...]:
    """The whole cost of each stack before and after. Pricing every resource of a
    large stack is slow, so the base's totals are kept with its stored state, and
    when the stack and the price sheet are the very same objects on both sides (an
    incremental evaluation shares everything it did not change) the head's total is
    the base's minus the resources that left the stack plus those that joined it:
    money is rounded per resource, so the sums are exact."""
    state = base_run.state
    saved: dict[str, str] = dict(state.extras.get(STACK_COSTS, {})) if state else {}
    lines = []
    for stack in stacks:
        if stack in saved:
            was = Decimal(saved[stack])
        else:
            was, _ = _cost_of(old, old.in_stack(stack).values())
            saved[stack] = str(was)
        if old.stacks.get(stack) is new.stacks.get(stack) and old.prices is new.prices:
            before = {id(r): r for r in old.in_stack(stack).values()}
            after = {id(r): r for r in new.in_stack(stack).values()}
            left, _ = _cost_of(old, [before[i] for i in before.keys() - after.keys()])
            joined, _ = _cost_of(new, [after[i] for i in after.keys() - before.keys()])
            now = was - left + joined
        else:
            now, _ = _cost_of(new, new.in_stack(stack).values())
        lines.append(CostLine(stack, "", was, now))
    store = StateStore.of(cache)
    if state is not None and store is not None and saved != state.extras.get(STACK_COSTS):
        state.extras[STACK_COSTS] = saved
        store.put(state)
    return tuple(lines)


def _usage_of(landscape: Landscape, shard: Shard, resources: list[Resource]) -> Usage:
    stack = landscape.stacks.get(shard.stack)
    return usage(resources, stack) if stack is not None else Usage()


def _quota_of(landscape: Landscape, shard: Shard, key: str) -> int | None:
    team = landscape.teams.get(shard.team)
    quota = team.quota(shard.stack) if team is not None else None
    if quota is None or key not in quota:
        return None
    return parse_quota(key, quota[key])


def quotas(old: Landscape, new: Landscape, scope: set[Shard]) -> list[QuotaLine]:
    """Each shard's usage of every quota key, before and after, with its quota."""
    before, after = _by_shard(old, scope), _by_shard(new, scope)
    lines = []
    for shard in sorted(scope):
        was = _usage_of(old, shard, before.get(shard, []))
        now = _usage_of(new, shard, after.get(shard, []))
        for key in QUOTA_KEYS:
            lines.append(
                QuotaLine(
                    shard.stack,
                    shard.team,
                    key,
                    was.get(key),
                    now.get(key),
                    _quota_of(new, shard, key),
                    _quota_of(old, shard, key),
                )
            )
    return lines
