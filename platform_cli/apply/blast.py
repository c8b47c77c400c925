"""Blast radius: which shards a landscape's check errors refuse, so that `platform up`
applies every other one.

A red main must not stop every team: two green pull requests that together break one
team's shard leave the others deployable. An error refuses what it can reach:

- in a resource file (`stacks/<stack>/<team>/...`): that team's shard of the stack, the
  shards of the teams whose resources it depends on (their NetworkPolicies admit it,
  so applying them would act on a broken declaration) and of the teams that depend on
  its resources. When nothing of the file
  loaded, the dependencies cannot be known, and every shard of that stack is refused;
- in a stack file (`stacks/<stack>/stack.yaml`): every shard of that stack;
- in a team file (`landscape/teams/<team>.yaml`): every shard of that team;
- in a system file (`landscape/systems/<system>.yaml`): the shards holding that system's
  resources;
- anywhere else (policies, their configuration and waivers, schemas, CODEOWNERS, a
  file without a place, a finding without a file): every shard. These are the global
  inputs; an error there means the verdict on every shard is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable

from platform_cli.findings import Finding, Level
from platform_cli.load.model import Landscape, Resource
from platform_cli.plan.shards import Shard
from platform_cli.sources.layout import file_stem, place_of


def refused_shards(
    landscape: Landscape, every: Iterable[Shard], findings: Iterable[Finding]
) -> dict[Shard, list[Finding]]:
    """The shards the errors among `findings` refuse, each with the errors that do."""
    known = sorted(set(every))
    refused: dict[Shard, list[Finding]] = {}
    by_path: dict[str, list[Resource]] = {}
    consumers: dict[tuple[str, str, str], set[Shard]] = {}
    for resource in landscape.all_resources():
        by_path.setdefault(resource.path, []).append(resource)
        for kind, name in resource.depends_on:
            key = (resource.stack, kind, name)
            consumers.setdefault(key, set()).add(Shard(resource.stack, resource.team))

    def refuse(shards: Iterable[Shard], finding: Finding) -> None:
        for shard in shards:
            found = refused.setdefault(shard, [])
            if finding not in found:
                found.append(finding)

    for finding in findings:
        if finding.level is not Level.ERROR:
            continue
        refuse(_reach(finding.path, landscape, known, by_path, consumers), finding)
    return {shard: refused[shard] for shard in sorted(refused)}


def _reach(
    path: str,
    landscape: Landscape,
    known: list[Shard],
    by_path: dict[str, list[Resource]],
    consumers: dict[tuple[str, str, str], set[Shard]],
) -> list[Shard]:
    place = place_of(path) if path else None
    if place is None:
        return known
    if place.holds_resources:
        loaded = by_path.get(path)
        if not loaded:
            return [s for s in known if s.stack == place.stack]
        reached = {Shard(place.stack, place.team)}
        for resource in loaded:
            reached.add(Shard(resource.stack, resource.team))
            reached |= consumers.get((resource.stack, resource.kind, resource.name), set())
            for kind, name in resource.depends_on:
                provider = landscape.find(resource.stack, kind, name)
                if provider is not None:
                    reached.add(Shard(provider.stack, provider.team))
        return [s for s in known if s in reached]
    if place.kinds == ("Stack",):
        return [s for s in known if s.stack == place.stack]
    if place.kinds == ("Team",):
        return [s for s in known if s.team == file_stem(path)]
    if place.kinds == ("System",):
        system = file_stem(path)
        holding = {Shard(r.stack, r.team) for r in landscape.all_resources() if r.system == system}
        return [s for s in known if s in holding]
    return known
