"""What a policy requires of a new resource, stated by the policy itself.

A policy that constrains the values of a new resource (replicas, instances, backups,
encryption, deletion protection, sizes) also exposes

    requirement(parameters, stack, system) -> Requirement | None

next to its `check`, reading the same parameters of policies/config.yaml through the
same typed settings, so that what `platform new` and `platform promote` write and what
`platform check` enforces cannot drift apart. None means the policy asks nothing of a
resource of that system in that stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from platform_cli.checks.policy import Parameters
from platform_cli.load.model import Stack, System


@dataclass(frozen=True)
class Requirement:
    """What one policy requires of a new resource of a system in a stack.

    Zero and False mean "nothing of that kind". `reason` says what makes the policy
    apply ("personal data"), for the comment written beside the value together with
    the policy's ID.
    """

    policy: str
    reason: str = ""
    min_database_instances: int = 0
    min_service_replicas: int = 0
    backup: bool = False
    min_backup_retention_days: int = 0
    encrypted_storage: bool = False
    deletion_protection: bool = False
    # A stack whose resources should stay small (development): smaller defaults
    small: bool = False
    max_service_replicas: int = 0
    max_database_storage: int = 0  # bytes
    # A service's image must name its digest (`tag@sha256:...`)
    image_digest: bool = False


RequirementOf: TypeAlias = Callable[[Parameters, Stack, System | None], Requirement | None]
