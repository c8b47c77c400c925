"""The catalog's work split by shard (a team's part of a stack) between processes.

A resource's page needs the resource's rendered objects, and rendering a shard needs
only the landscape: `render_stack(landscape, stack, teams)` is what `platform up`
applies per shard. So each process renders its own shards and makes their pages
(site.py forks them with processes.py), while the first process gathers the facts of
the whole landscape, checks it and makes the summary pages.

`split` gives each process its shards, largest first to the least loaded process. The
first process starts loaded with its own work, which costs about FIRST_LOAD resource
pages per resource of the landscape.

What rendering the whole stack would find, the shards find together: a stack renders
only if each of its shards rendered without errors and no two objects of its shards
clash (`render.clashes` over every shard's objects, as `render_stack` of the whole
stack checks them). `stacks_failed` says which stacks did not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.load.model import Landscape, Resource
from platform_cli.render import ObjectId, clashes, placed, render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION

# The first process's own work (gathering the whole landscape's facts, the checks after
# loading, the summary pages) in resource pages per resource of the landscape. Measured
# at 10,000 resources: 0.33 s, 0.55 s and 0.34 s, against about 0.19 ms to gather a
# resource's facts, render it and make its page in memory, and some 0.1 ms more to
# create its file on this project's VM disk (docs/performance.md): 0.63 evens the
# processes out in memory, 0.41 on that disk.
FIRST_LOAD = 0.55

Shard = tuple[str, str]  # (stack, team)


@dataclass(frozen=True)
class Share:
    """The shards one process renders, by stack, and their resources in the landscape's
    order. A stack without teams is the first share's, with no team: rendering it still
    finds what is wrong with the stack itself."""

    teams: Mapping[str, tuple[str, ...]]  # stack -> its teams in this share
    resources: tuple[Resource, ...]


def split(landscape: Landscape, count: int, first_load: float = FIRST_LOAD) -> list[Share]:
    """`count` shares of every shard, the first with `first_load` per resource less."""
    resources = list(landscape.all_resources())
    sizes = Counter((r.stack, r.team) for r in resources)
    shards = {(stack, team) for stack in landscape.stacks for team in landscape.teams}
    shards |= sizes.keys()
    loads = [first_load * len(resources)] + [0.0] * (count - 1)
    owned: list[set[Shard]] = [set() for _ in range(count)]
    for shard in sorted(shards, key=lambda s: (-sizes[s], s)):
        least = loads.index(min(loads))
        owned[least].add(shard)
        loads[least] += sizes[shard]
    shares = []
    for i, mine in enumerate(owned):
        teams: dict[str, tuple[str, ...]] = {}
        for stack in sorted(landscape.stacks):
            names = tuple(sorted(team for s, team in mine if s == stack))
            if names or (i == 0 and not landscape.teams):
                teams[stack] = names
        mine_resources = tuple(r for r in resources if (r.stack, r.team) in mine)
        shares.append(Share(teams, mine_resources))
    return shares


@dataclass
class Rendered:
    """A share's rendered objects by their source file; the stacks that did not render
    in it; and every object's id and source by stack, to find clashes across shares."""

    by_source: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    placed: dict[str, list[tuple[ObjectId, str]]] = field(default_factory=dict)


def render_share(landscape: Landscape, share: Share) -> Rendered:
    out = Rendered()
    for stack, names in share.teams.items():
        rendered = render_stack(landscape, stack, names)
        if rendered.failed:
            out.failed.add(stack)
            continue
        out.placed[stack] = list(placed(rendered.objects))
        for obj in rendered.objects:
            source = obj["metadata"]["annotations"][SOURCE_ANNOTATION]
            out.by_source.setdefault(str(source), []).append(obj)
    return out


def stacks_failed(shares: Iterable[Rendered]) -> set[str]:
    """The stacks that do not render: a shard failed, or two shards' objects clash."""
    failed: set[str] = set()
    by_stack: dict[str, list[Sequence[tuple[ObjectId, str]]]] = {}
    for share in shares:
        failed |= share.failed
        for stack, objects in share.placed.items():
            by_stack.setdefault(stack, []).append(objects)
    for stack, parts in by_stack.items():
        if len(parts) > 1 and clashes(o for part in parts for o in part):
            failed.add(stack)
    return failed
