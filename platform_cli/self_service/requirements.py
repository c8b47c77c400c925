"""What a stack and its policies require of a new resource, with the reason for each.

The policies state their own requirements (`requirement(...)` beside their `check`, see
`platform_cli.checks.requirement`), from their parameters in policies/config.yaml;
this module only combines them with the stack's defaults: for each minimum the largest
value wins, and on a tie the reason of the policy listed first in `REQUIRING`. The
reasons become the comments `platform new` writes beside the values and the notes
`platform promote` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.checks.policy_engine import parameters
from platform_cli.checks.requirement import Requirement, RequirementOf
from platform_cli.load.model import Landscape, Stack, System
from policies import (
    lnd004_personal_data_storage,
    lnd006_critical_tier,
    lnd009_image_supply_chain,
    lnd011_deletion_protection,
    lnd012_dev_limits,
)

# The policies that require something of a new resource, in ID order. A test holds
# this list to every policy module with a `requirement`.
REQUIRING: tuple[RequirementOf, ...] = (
    lnd004_personal_data_storage.requirement,
    lnd006_critical_tier.requirement,
    lnd009_image_supply_chain.requirement,
    lnd011_deletion_protection.requirement,
    lnd012_dev_limits.requirement,
)


@dataclass(frozen=True)
class Minimum:
    """The least value a field may have, and why (for the comment beside it)."""

    value: int
    why: str


@dataclass(frozen=True)
class Requirements:
    """What the policies and the stack imply for a resource of a system in `stack`."""

    stack: Stack
    instances: Minimum
    replicas: Minimum
    retention: Minimum  # days; 0: no backup required
    backup_required: bool
    # The requirements behind the flags, for their policy's ID and reason
    protection: Requirement | None  # deletionProtection required
    encryption: Requirement | None  # an encrypted storage class required
    limits: Requirement | None  # a small stack (development): sizes are capped
    encrypted_class: str | None  # the class to use when encryption is required
    digest: Requirement | None = None  # images pinned by digest required

    @property
    def small(self) -> bool:
        return self.limits is not None

    @property
    def max_replicas(self) -> int:
        """0: unbounded by policy."""
        return self.limits.max_service_replicas if self.limits is not None else 0

    @property
    def max_storage(self) -> int:
        """Bytes; 0: unbounded by policy."""
        return self.limits.max_database_storage if self.limits is not None else 0

    def storage_class(self, current: str | None) -> str | None:
        """The class to write: `current` when it is declared in the stack and encrypted
        where encryption is required, else the stack's fitting class (None: the stack
        default fits and nothing needs saying)."""
        classes = self.stack.storage_classes
        declared = classes.get(current) if current is not None else None
        encrypted = self.encryption is not None
        if declared is not None and (not encrypted or declared.get("encrypted", False)):
            return current
        return self.encrypted_class if encrypted else None


def requirements(landscape: Landscape, stack: Stack, system: System | None) -> Requirements:
    params = parameters(landscape)
    found = [r for of in REQUIRING if (r := of(params, stack, system)) is not None]
    instances = [
        Minimum(
            r.min_database_instances,
            f"{r.reason}: at least {r.min_database_instances} ({r.policy})",
        )
        for r in found
        if r.min_database_instances
    ]
    replicas = [
        Minimum(
            r.min_service_replicas, f"{r.reason}: at least {r.min_service_replicas} ({r.policy})"
        )
        for r in found
        if r.min_service_replicas
    ]
    retention = [Minimum(0, "")] + [
        Minimum(
            r.min_backup_retention_days,
            f"{r.reason}: at least {r.min_backup_retention_days} days ({r.policy})",
        )
        for r in found
        if r.min_backup_retention_days
    ]
    instances.append(
        Minimum(stack.default("databaseInstances", 1), f"the default of stack '{stack.name}'")
    )
    replicas.append(
        Minimum(stack.default("serviceReplicas", 1), f"the default of stack '{stack.name}'")
    )
    limits = next((r for r in found if r.small), None)
    if limits is not None:
        # A development stack is small whatever its defaults say
        instances = [Minimum(1, f"development stack '{stack.name}'")]
        replicas = [Minimum(1, f"development stack '{stack.name}'")]
    return Requirements(
        stack=stack,
        instances=_largest(instances),
        replicas=_largest(replicas),
        retention=_largest(retention),
        backup_required=any(r.backup for r in found),
        protection=next((r for r in found if r.deletion_protection), None),
        encryption=next((r for r in found if r.encrypted_storage), None),
        limits=limits,
        encrypted_class=_encrypted_class(stack),
        digest=next((r for r in found if r.image_digest), None),
    )


def _largest(minimums: list[Minimum]) -> Minimum:
    """The largest value; on a tie the first one, whose reason is listed first."""
    return max(minimums, key=lambda m: m.value)


def _encrypted_class(stack: Stack) -> str | None:
    """The stack's default class if it is encrypted, else its first encrypted class."""
    classes = stack.storage_classes
    if classes.get(stack.default_storage_class, {}).get("encrypted", False):
        return stack.default_storage_class
    return next((name for name, cls in classes.items() if cls.get("encrypted", False)), None)
