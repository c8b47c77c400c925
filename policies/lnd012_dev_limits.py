"""Development stacks stay small (warning).

Development clusters are shared and hold synthetic data only. In the environments
listed in `devLimits.environments` (by default `development`):

- a service runs at most `devLimits.maxReplicas` replicas (default 2), counting
  `autoscaling.maxReplicas`;
- a database asks for at most `devLimits.maxDatabaseStorage` (default 20Gi) per
  instance.

This is a warning: it does not block a merge (unless `--strict`), but a team that
needs more in development should say why in the pull request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from platform_cli.checks.policy import Context, Parameters, Scope, Violation, violation
from platform_cli.checks.requirement import Requirement
from platform_cli.findings import Level
from platform_cli.load.model import Database, Service, Stack, System
from platform_cli.load.quantities import format_bytes

ID = "LND012"
LEVEL = Level.WARNING
SCOPE = Scope.RESOURCE
TITLE = "Development stacks stay small"

PASSING = """\
# in stack dev
kind: Service
spec: {replicas: 1}
---
kind: Database
spec: {storage: {size: 10Gi}}
"""
FAILING = """\
kind: Service
spec: {autoscaling: {minReplicas: 1, maxReplicas: 6}}   # LND012: over 2
---
kind: Database
spec: {storage: {size: 200Gi}}                          # LND012: over 20Gi
"""


@dataclass(frozen=True)
class Settings:
    """The policy's parameters: `devLimits` in policies/config.yaml."""

    environments: frozenset[str]
    max_replicas: int
    max_database_storage: int  # bytes

    @classmethod
    def of(cls, params: Parameters) -> Settings:
        return cls(
            params.environments("devLimits"),
            int(params.get("devLimits", "maxReplicas")),
            params.bytes("devLimits", "maxDatabaseStorage"),
        )


def requirement(params: Parameters, stack: Stack, system: System | None) -> Requirement | None:
    """What a new resource in `stack` should stay within: small, in development."""
    settings = Settings.of(params)
    if stack.environment not in settings.environments:
        return None
    return Requirement(
        ID,
        small=True,
        max_service_replicas=settings.max_replicas,
        max_database_storage=settings.max_database_storage,
    )


def check(context: Context) -> Iterator[Violation]:
    settings = Settings.of(context.parameters)
    max_replicas = settings.max_replicas
    max_storage = settings.max_database_storage
    for resource, stack, _system in context.resources():
        if stack.environment not in settings.environments:
            continue
        if isinstance(resource, Service):
            count = resource.max_replicas(stack)
            if count > max_replicas:
                scaling = resource.spec.get("autoscaling")
                keys = (
                    ("autoscaling", "maxReplicas")
                    if scaling and int(scaling["maxReplicas"]) == count
                    else ("replicas",)
                )
                yield violation(
                    resource,
                    "spec",
                    *keys,
                    message=f"service '{resource.name}' can run {count} replicas in "
                    f"development stack '{stack.name}'; at most {max_replicas} are expected",
                    hint=f"set {'.'.join(keys)}: {max_replicas} or less",
                )
        elif isinstance(resource, Database) and resource.storage_bytes > max_storage:
            yield violation(
                resource,
                "spec",
                "storage",
                "size",
                message=f"database '{resource.name}' asks for {resource.spec['storage']['size']} "
                f"in development stack '{stack.name}'; at most "
                f"{format_bytes(max_storage)} is expected",
                hint=f"use {format_bytes(max_storage)} or less of synthetic data",
            )
