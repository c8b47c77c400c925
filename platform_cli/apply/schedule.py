"""Applying shards concurrently, in dependency order, with a bound.

A shard waits for the shards of its stack that provide what its resources depend on:
their NetworkPolicies admit it, so a consumer's new workload comes up after the policy
that lets it through. Shards with no such relation run side by side, at most `parallel`
at a time. A shard runs whatever became of the shards it waited for: one team's failure
never holds another team back (the failure itself is reported, and `up --pending`
retries it). A dependency cycle between shards is broken in name order.

The work runs in threads: the Pulumi engine is a process of its own per update, and the
inline program's runtime state is held in context variables, one set per thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from platform_cli.errors import UsageError
from platform_cli.load.model import Landscape
from platform_cli.plan.shards import Shard

T = TypeVar("T")
MAX_PARALLEL = 16


def prerequisites(landscape: Landscape, selected: Iterable[Shard]) -> dict[Shard, set[Shard]]:
    """For each selected shard, the selected shards of its stack it depends on."""
    chosen = set(selected)
    needs: dict[Shard, set[Shard]] = {shard: set() for shard in chosen}
    for resource in landscape.all_resources():
        consumer = Shard(resource.stack, resource.team)
        if consumer not in chosen:
            continue
        for kind, name in resource.depends_on:
            provider = landscape.find(resource.stack, kind, name)
            if provider is None:
                continue
            shard = Shard(provider.stack, provider.team)
            if shard in chosen and shard != consumer:
                needs[consumer].add(shard)
    return needs


def check_parallel(parallel: int) -> int:
    if not 1 <= parallel <= MAX_PARALLEL:
        raise UsageError(
            f"--parallel must be between 1 and {MAX_PARALLEL}, not {parallel}",
            hint="each update runs its own Pulumi engine and provider; 4 suits a CI runner",
        )
    return parallel


def run_ordered(
    shards: list[Shard],
    needs: Mapping[Shard, set[Shard]],
    work: Callable[[Shard], T],
    parallel: int = 1,
) -> dict[Shard, T]:
    """`work` for every shard, each after the shards it needs, at most `parallel` at a
    time. `work` must not raise (it returns its failure as a value)."""
    waiting = {shard: set(needs.get(shard, set())) & set(shards) for shard in shards}
    done: dict[Shard, T] = {}
    with ThreadPoolExecutor(max_workers=check_parallel(parallel)) as pool:
        running: dict[Future[T], Shard] = {}
        while waiting or running:
            ready = sorted(s for s, before in waiting.items() if not before)
            if not ready and not running and waiting:
                ready = [min(waiting)]  # a cycle: break it in name order
            for shard in ready[: max(0, parallel - len(running))]:
                del waiting[shard]
                running[pool.submit(work, shard)] = shard
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                shard = running.pop(future)
                done[shard] = future.result()
                for before in waiting.values():
                    before.discard(shard)
    return {shard: done[shard] for shard in shards}
