"""Residents' personal data in production is replicated, backed up and encrypted.

Russian law 152-FZ requires an operator of personal data to protect it against loss
and unauthorised access. In the environments listed in `personalData.environments`
(by default `production`), every database of a system that declares the `personal`
data class must:

- have a `backup` with `retentionDays` of at least `personalData.minBackupRetentionDays`
  (default 30), so that a corruption noticed late can still be repaired;
- run at least `personalData.minDatabaseInstances` instances (default 2), so that one
  lost volume loses no data; the stack default counts when `instances` is omitted;
- use a storage class that the stack marks `encrypted: true`; the stack's default
  class counts when `storage.class` is omitted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from platform_cli.checks.policy import Context, Parameters, Scope, Violation, violation
from platform_cli.checks.requirement import Requirement
from platform_cli.findings import Level
from platform_cli.load.model import Database, Stack, System

ID = "LND004"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Personal data in production: backups, replicas, encrypted storage"

PASSING = """\
# a database of a system with dataClasses: [personal], in stack prod
spec:
  instances: 2
  storage: {size: 50Gi, class: ssd-encrypted}   # encrypted: true in the stack
  backup: {schedule: "0 2 * * *", retentionDays: 30}
"""
FAILING = """\
spec:
  instances: 1                                   # LND004: fewer than 2
  storage: {size: 50Gi, class: ssd}              # LND004: not encrypted
  backup: {schedule: "0 2 * * *", retentionDays: 7}   # LND004: under 30 days
"""


@dataclass(frozen=True)
class Settings:
    """The policy's parameters: `personalData` in policies/config.yaml."""

    environments: frozenset[str]
    min_backup_retention_days: int
    min_database_instances: int

    @classmethod
    def of(cls, params: Parameters) -> Settings:
        return cls(
            params.environments("personalData"),
            int(params.get("personalData", "minBackupRetentionDays")),
            int(params.get("personalData", "minDatabaseInstances")),
        )

    def applies(self, stack: Stack, system: System) -> bool:
        return stack.environment in self.environments and "personal" in system.data_classes


def requirement(params: Parameters, stack: Stack, system: System | None) -> Requirement | None:
    """What a new database of `system` in `stack` must have to pass."""
    settings = Settings.of(params)
    if system is None or not settings.applies(stack, system):
        return None
    return Requirement(
        ID,
        "personal data",
        min_database_instances=settings.min_database_instances,
        backup=True,
        min_backup_retention_days=settings.min_backup_retention_days,
        encrypted_storage=True,
    )


def check(context: Context) -> Iterator[Violation]:
    settings = Settings.of(context.parameters)
    min_days = settings.min_backup_retention_days
    min_instances = settings.min_database_instances
    for resource, stack, system in context.resources():
        if not isinstance(resource, Database) or system is None:
            continue
        if not settings.applies(stack, system):
            continue
        why = f"database '{resource.name}' holds personal data of system '{system.name}'"
        backup = resource.spec.get("backup")
        if backup is None:
            yield violation(
                resource,
                "spec",
                message=f"{why} but has no backup",
                hint=f"add backup: {{schedule: ..., retentionDays: {min_days}}}",
            )
        elif int(backup["retentionDays"]) < min_days:
            yield violation(
                resource,
                "spec",
                "backup",
                "retentionDays",
                message=f"{why}; backups are kept {backup['retentionDays']} days, "
                f"at least {min_days} are required",
                hint=f"set retentionDays: {min_days} or more",
            )
        instances = resource.instances(stack)
        if instances < min_instances:
            source = "" if "instances" in resource.spec else " (the stack default)"
            yield violation(
                resource,
                "spec",
                "instances",
                message=f"{why}; it runs {instances} instance{'' if instances == 1 else 's'}"
                f"{source}, at least {min_instances} are required",
                hint=f"set instances: {min_instances} or more",
            )
        storage_class = resource.storage_class(stack)
        declared = stack.storage_classes.get(storage_class)
        if declared is not None and not declared.get("encrypted", False):
            source = "" if "class" in resource.spec["storage"] else " (the stack default)"
            encrypted = sorted(
                name for name, cls in stack.storage_classes.items() if cls.get("encrypted")
            )
            yield violation(
                resource,
                "spec",
                "storage",
                "class",
                message=f"{why}; storage class '{storage_class}'{source} is not encrypted",
                hint="use an encrypted storage class of stack "
                f"'{stack.name}': {', '.join(encrypted) or '(none declared)'}",
            )
