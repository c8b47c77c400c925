"""What a policy module sees: the evaluation context, its parameters and `Violation`.

A policy is a module in the top-level `policies/` package with

- `ID`: a stable identifier such as ``LND007`` that is never reused for another rule,
- `LEVEL`: `Level.ERROR` (blocks the merge) or `Level.WARNING` (informs),
- `TITLE`: one line,
- a module docstring: the policy's documentation page,
- `PASSING` and `FAILING`: short YAML examples for `platform policies explain`,
- `SCOPE`: what its verdicts depend on (a `Scope`), so that a plan can re-evaluate only
  what a change can move (see `incremental.py`),
- `check(context) -> Iterator[Violation]`.

A policy yields `Violation`s: the entity and the field that is wrong, a message and a
hint. The engine (`policy_engine.py`) turns them into `Finding`s with the policy's ID
and level, so a policy cannot report under someone else's ID, and applies waivers.

`Context` is built once per run and holds the indexes policies need (resources per
stack, per team and stack), so no policy has to scan the whole landscape per resource.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_cli.load.landscape import Focus
from platform_cli.load.model import Entity, Landscape, Resource, Stack, System
from platform_cli.load.quantities import parse_bytes


class Scope(enum.Enum):
    """What a policy's verdicts depend on. A plan re-evaluates a policy only where a
    change can move its verdict, so a policy must not read more than its scope says
    (the incremental-equals-full property test catches one that does):

    - RESOURCE: one verdict per resource from `context.resources()`, on that resource,
      reading the resource, the global definitions (teams, systems, stacks, policy
      files) and the resources it names in `dependsOn`;
    - TEAM: verdicts on a team's file from all of that team's resources
      (`context.by_team_and_stack`);
    - TEAMS_AND_SYSTEMS: verdicts that read teams, systems and the policy files only,
      never a resource.
    """

    RESOURCE = "resource"
    TEAM = "team"
    TEAMS_AND_SYSTEMS = "teams-and-systems"


@dataclass(frozen=True)
class Violation:
    """One breach of a policy at one field of one entity.

    `keys` is the path to the offending field inside the entity's document. `stack`
    names the stack a finding about a global entity is about (a team's quota in one
    stack); for resources it is their own stack. Waivers match on (stack, kind, name).
    """

    entity: Entity
    keys: tuple[str | int, ...]
    message: str
    hint: str = ""
    at_key: bool = False
    stack: str = ""

    @property
    def target(self) -> tuple[str, str, str]:
        stack = self.stack or (self.entity.stack if isinstance(self.entity, Resource) else "")
        return stack, self.entity.kind, self.entity.name


def violation(
    entity: Entity,
    *keys: str | int,
    message: str,
    hint: str = "",
    at_key: bool = False,
    stack: str = "",
) -> Violation:
    return Violation(entity, keys, message, hint, at_key, stack)


# Defaults of every parameter in policies/config.yaml, so that a landscape without
# the file (or with an older one) is still checked by every policy. The schema
# documents the same defaults.
DEFAULT_PARAMETERS: Mapping[str, Any] = {
    "imageTagPattern": r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$",
    # Off unless the architects name environments: a landscape without the setting
    # keeps working; the bundled policies/config.yaml turns it on for production
    "imageDigest": {"environments": []},
    "serverLimits": {"cpu": 16, "memory": "64Gi"},
    "secretNamePatterns": [
        *("*PASSWORD*", "*PASSWD*", "*PASS", "*_PASS_*", "PGPASS*"),
        *("*TOKEN*", "*SECRET*", "*KEY", "*KEY_*", "*CREDENTIAL*"),
        *("*AUTH_HEADER*", "*AUTHORIZATION*", "*BEARER*", "*DSN*"),
    ],
    "masterDataClasses": ["building-registry", "resident-registry"],
    "personalData": {
        "environments": ["production"],
        "minBackupRetentionDays": 30,
        "minDatabaseInstances": 2,
    },
    "criticalTier": {
        "environments": ["production"],
        "minServiceReplicas": 2,
        "minDatabaseInstances": 3,
    },
    "deletionProtection": {"environments": ["production"]},
    "devLimits": {
        "environments": ["development"],
        "maxReplicas": 2,
        "maxDatabaseStorage": "20Gi",
    },
}


@dataclass(frozen=True)
class Parameters:
    """The architects' tunable parameters, with defaults for anything not set."""

    values: Mapping[str, Any]
    registries: tuple[str, ...] = ()
    vm_images: Mapping[str, Any] = field(default_factory=dict)

    def get(self, section: str, key: str | None = None) -> Any:
        value = self.values.get(section, DEFAULT_PARAMETERS[section])
        if key is None:
            return value
        if isinstance(value, Mapping) and key in value:
            return value[key]
        return DEFAULT_PARAMETERS[section][key]

    def bytes(self, section: str, key: str) -> int:
        return parse_bytes(str(self.get(section, key)))

    def environments(self, section: str) -> frozenset[str]:
        return frozenset(self.get(section, "environments"))


@dataclass
class Context:
    """Everything a policy may read, with indexes built once per run."""

    landscape: Landscape
    parameters: Parameters
    # None: report on everything; else only on the resources and teams in focus
    focus: Focus | None = None

    @functools.cached_property
    def by_team_and_stack(self) -> Mapping[tuple[str, str], list[Resource]]:
        """(team, stack) -> that team's resources in that stack, in file order."""
        index: dict[tuple[str, str], list[Resource]] = {}
        focus = self.focus
        for resource in self.landscape.all_resources():
            if focus is not None and (
                resource.team not in focus.teams or resource.path not in focus.paths
            ):
                continue
            index.setdefault((resource.team, resource.stack), []).append(resource)
        return index

    def resources(self) -> list[tuple[Resource, Stack, System | None]]:
        """Every resource whose stack is declared, with its stack and system."""
        return self._resources

    @functools.cached_property
    def _resources(self) -> list[tuple[Resource, Stack, System | None]]:
        land = self.landscape
        paths = self.focus.paths if self.focus is not None else None
        found = []
        for stack_name in sorted(land.resources):
            stack = land.stacks.get(stack_name)
            if stack is None:
                continue
            for resource in land.resources[stack_name].values():
                if paths is None or resource.path in paths:
                    found.append((resource, stack, land.systems.get(resource.system)))
        return found
