"""`autoscaling-range`: a service's autoscaling bounds are ordered."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service

RULE = BuiltinRule(
    "autoscaling-range",
    Level.ERROR,
    RuleScope.ENTITY,
    "autoscaling.minReplicas is larger than maxReplicas.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        scaling = resource.spec.get("autoscaling")
        if scaling and scaling["minReplicas"] > scaling["maxReplicas"]:
            yield at(
                resource,
                RULE,
                f"minReplicas {scaling['minReplicas']} is more than maxReplicas "
                f"{scaling['maxReplicas']}",
                "swap or correct the bounds",
                "spec",
                "autoscaling",
                "minReplicas",
            )
