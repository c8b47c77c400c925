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

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Database

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


def check(context: Context) -> Iterator[Violation]:
    params = context.parameters
    environments = params.environments("personalData")
    min_days = int(params.get("personalData", "minBackupRetentionDays"))
    min_instances = int(params.get("personalData", "minDatabaseInstances"))
    for resource, stack, system in context.resources():
        if not isinstance(resource, Database) or system is None:
            continue
        if stack.environment not in environments or "personal" not in system.data_classes:
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
