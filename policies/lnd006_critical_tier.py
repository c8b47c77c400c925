"""Critical systems in production survive the loss of a node.

For a system with `tier: critical`, in the environments listed in
`criticalTier.environments` (by default `production`):

- every service runs at least `criticalTier.minServiceReplicas` replicas (default 2)
  so that a pod disruption budget can keep one running through a node drain; with
  autoscaling, `autoscaling.minReplicas` is what counts, and the stack's default
  counts when `replicas` is omitted;
- every database runs at least `criticalTier.minDatabaseInstances` instances
  (default 3: a primary and two replicas, so a failover still leaves a replica) and
  has a `backup`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from platform_cli.checks.policy import Context, Parameters, Scope, Violation, violation
from platform_cli.checks.requirement import Requirement
from platform_cli.findings import Level
from platform_cli.load.model import Database, Service, Stack, System

ID = "LND006"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Critical tier in production: replicas, instances, backups"

PASSING = """\
# resources of a system with tier: critical, in stack prod
kind: Service
spec: {autoscaling: {minReplicas: 2, maxReplicas: 6}}
---
kind: Database
spec: {instances: 3, backup: {schedule: "0 2 * * *", retentionDays: 14}}
"""
FAILING = """\
kind: Service
spec: {replicas: 1}                    # LND006: fewer than 2
---
kind: Database
spec: {instances: 2}                   # LND006: fewer than 3, and no backup
"""


@dataclass(frozen=True)
class Settings:
    """The policy's parameters: `criticalTier` in policies/config.yaml."""

    environments: frozenset[str]
    min_service_replicas: int
    min_database_instances: int

    @classmethod
    def of(cls, params: Parameters) -> Settings:
        return cls(
            params.environments("criticalTier"),
            int(params.get("criticalTier", "minServiceReplicas")),
            int(params.get("criticalTier", "minDatabaseInstances")),
        )

    def applies(self, stack: Stack, system: System) -> bool:
        return system.tier == "critical" and stack.environment in self.environments


def requirement(params: Parameters, stack: Stack, system: System | None) -> Requirement | None:
    """What a new service or database of `system` in `stack` must have to pass."""
    settings = Settings.of(params)
    if system is None or not settings.applies(stack, system):
        return None
    return Requirement(
        ID,
        "critical tier",
        min_database_instances=settings.min_database_instances,
        min_service_replicas=settings.min_service_replicas,
        backup=True,
    )


def check(context: Context) -> Iterator[Violation]:
    settings = Settings.of(context.parameters)
    min_replicas = settings.min_service_replicas
    min_instances = settings.min_database_instances
    for resource, stack, system in context.resources():
        if system is None or not settings.applies(stack, system):
            continue
        why = f"system '{system.name}' is critical"
        if isinstance(resource, Service):
            scaling = resource.spec.get("autoscaling")
            keys: tuple[str, ...]
            if scaling:
                count, keys = int(scaling["minReplicas"]), ("autoscaling", "minReplicas")
            else:
                count, keys = resource.replicas(stack), ("replicas",)
            if count < min_replicas:
                yield violation(
                    resource,
                    "spec",
                    *keys,
                    message=f"service '{resource.name}' runs {count} replica"
                    f"{'' if count == 1 else 's'} in stack '{stack.name}'; {why} and needs "
                    f"at least {min_replicas}",
                    hint=f"set {'.'.join(keys)}: {min_replicas} or more",
                )
        elif isinstance(resource, Database):
            instances = resource.instances(stack)
            if instances < min_instances:
                yield violation(
                    resource,
                    "spec",
                    "instances",
                    message=f"database '{resource.name}' runs {instances} instance"
                    f"{'' if instances == 1 else 's'} in stack '{stack.name}'; {why} and "
                    f"needs at least {min_instances}",
                    hint=f"set instances: {min_instances} or more",
                )
            if "backup" not in resource.spec:
                yield violation(
                    resource,
                    "spec",
                    message=f"database '{resource.name}' has no backup; {why}",
                    hint="add backup: {schedule: ..., retentionDays: ...}",
                )
