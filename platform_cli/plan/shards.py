"""Which Pulumi stacks (shards) a change touches.

By default every (stack, team) pair is its own Pulumi stack, named `<stack>.<team>`:
the team's namespace, its VM namespace when it has servers, and everything in them.
Small shards keep previews and updates fast and a failure contained. The renderer
produces no cluster-wide objects besides the teams' Namespaces, which belong to their
team's shard (both carry the team label `select_team` reads).

A changed path affects:

- `stacks/<stack>/<team>/...`: that team's shard, and the shards of the teams that
  provide what the changed resources depend on (before and after the change), because
  the providers' NetworkPolicies admit their consumers;
- `stacks/<stack>/stack.yaml`: every shard of that stack;
- `landscape/teams/<team>.yaml`: every shard of that team (quotas, RBAC group);
- `landscape/systems/<system>.yaml`: the shards holding resources of that system;
- the code, the schemas, the Pulumi project and the policy configuration or waivers
  (`platform_cli/`, `policies/*.py`, `deploy/`, `schemas/`, `Pulumi.yaml`,
  `pyproject.toml`, `policies/config.yaml`, `policies/waivers.yaml`): every shard;
- anything else (`policies/prices.yaml`, docs, tests, workflows): nothing, because
  no deployed object depends on it.

Those are the candidates. A plan then renders every candidate shard on both sides,
and keeps only those that render differently (`settle`): its objects or its Pulumi
configuration (the stack's kube context) differ. A waiver, a policy, a comment or a
reformatted file renders nothing new and affects no shard; the plan lists such
candidates as unaffected. A change of the toolkit itself (`CODE_PREFIXES`,
`CODE_FILES`) keeps every shard affected: the plan renders both sides with one
version of the code, so it cannot see what the other version renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from platform_cli.load.model import Landscape, Resource
from platform_cli.sources.layout import file_stem, place_of

# Paths whose change can alter every deployed object or the verdict that gates it
GLOBAL_PREFIXES = ("platform_cli/", "deploy/", "schemas/")
GLOBAL_FILES = ("Pulumi.yaml", "pyproject.toml", "policies/config.yaml", "policies/waivers.yaml")
# The code that renders and deploys: its change cannot be judged by rendering
CODE_PREFIXES = ("platform_cli/", "deploy/")
CODE_FILES = ("Pulumi.yaml", "pyproject.toml")


@dataclass(frozen=True, order=True)
class Shard:
    stack: str
    team: str

    @property
    def name(self) -> str:
        """The Pulumi stack name."""
        return f"{self.stack}.{self.team}"

    @classmethod
    def parse(cls, name: str) -> Shard:
        stack, _, team = name.partition(".")
        return cls(stack, team)


def shards(landscape: Landscape) -> list[Shard]:
    """Every shard of a landscape: teams with resources or a quota in a stack."""
    found = {(r.stack, r.team) for r in landscape.all_resources()}
    for team in landscape.teams.values():
        for stack in team.spec["quotas"]:
            if stack in landscape.stacks:
                found.add((stack, team.name))
    return [Shard(stack, team) for stack, team in sorted(found)]


@dataclass(frozen=True)
class Affected:
    shard: Shard
    reasons: tuple[str, ...]


def affected_shards(base: Landscape, head: Landscape, changed: Iterable[str]) -> list[Affected]:
    """The shards a change between `base` and `head` touches, each with its reasons
    (the changed paths that pull it in), in shard order."""
    known = sorted(set(shards(base)) | set(shards(head)))
    reasons: dict[Shard, set[str]] = {}

    def add(shard: Shard, path: str) -> None:
        if shard in known_set:
            reasons.setdefault(shard, set()).add(path)

    known_set = set(known)
    by_path = _resources_by_path(base, head, changed)
    for path in sorted(set(changed)):
        place = place_of(path)
        if _is_global(path):
            for shard in known:
                add(shard, path)
        elif place is not None and place.kinds == ("Stack",):
            for shard in known:
                if shard.stack == place.stack:
                    add(shard, path)
        elif place is not None and place.holds_resources:
            add(Shard(place.stack, place.team), path)
            for landscape, resource in by_path.get(path, []):
                add(Shard(resource.stack, resource.team), path)
                for kind, name in resource.depends_on:
                    provider = landscape.find(resource.stack, kind, name)
                    if provider is not None:
                        add(Shard(provider.stack, provider.team), path)
        elif place is not None and place.kinds == ("Team",):
            team = file_stem(path)
            for shard in known:
                if shard.team == team:
                    add(shard, path)
        elif place is not None and place.kinds == ("System",):
            system = file_stem(path)
            for landscape in (base, head):
                for resource in landscape.all_resources():
                    if resource.system == system:
                        add(Shard(resource.stack, resource.team), path)
    return [Affected(shard, tuple(sorted(reasons[shard]))) for shard in sorted(reasons)]


def _is_global(path: str) -> bool:
    if path in GLOBAL_FILES or path.startswith(GLOBAL_PREFIXES):
        return True
    return path.startswith("policies/") and path.endswith(".py")


def _resources_by_path(
    base: Landscape, head: Landscape, changed: Iterable[str]
) -> dict[str, list[tuple[Landscape, Resource]]]:
    """The resources declared in each changed file, before and after."""
    wanted = {p for p in changed if p.startswith("stacks/")}
    found: dict[str, list[tuple[Landscape, Resource]]] = {}
    if not wanted:
        return found
    for landscape in (base, head):
        for resource in landscape.all_resources():
            if resource.path in wanted:
                found.setdefault(resource.path, []).append((landscape, resource))
    return found


def is_code(path: str) -> bool:
    """A path of the toolkit that renders and deploys the objects."""
    return path in CODE_FILES or path.startswith(CODE_PREFIXES)


def settle(
    candidates: Iterable[Affected], differing: Mapping[str, frozenset[str] | None]
) -> tuple[list[Affected], list[Affected]]:
    """The candidates split into (affected, unaffected): a shard stays affected when
    its stack's render found it different, when the render could not be compared
    (`differing[stack]` None or absent), or when the toolkit's code changes."""
    affected, unaffected = [], []
    for candidate in candidates:
        teams = differing.get(candidate.shard.stack)
        if (
            teams is None
            or candidate.shard.team in teams
            or any(is_code(reason) for reason in candidate.reasons)
        ):
            affected.append(candidate)
        else:
            unaffected.append(candidate)
    return affected, unaffected
