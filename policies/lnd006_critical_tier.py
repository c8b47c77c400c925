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

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Database, Service

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


def check(context: Context) -> Iterator[Violation]:
    params = context.parameters
    environments = params.environments("criticalTier")
    min_replicas = int(params.get("criticalTier", "minServiceReplicas"))
    min_instances = int(params.get("criticalTier", "minDatabaseInstances"))
    for resource, stack, system in context.resources():
        if system is None or system.tier != "critical":
            continue
        if stack.environment not in environments:
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
