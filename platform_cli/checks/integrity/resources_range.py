"""`resources-range`: a service requests at most its limit of CPU and memory."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service
from platform_cli.load.quantities import parse_bytes, parse_cpu

RULE = BuiltinRule(
    "resources-range",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource request is larger than its limit.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        resources = resource.spec["resources"]
        requests, limits = resources["requests"], resources["limits"]
        for field, parse in (("cpu", parse_cpu), ("memory", parse_bytes)):
            if parse(requests[field]) > parse(limits[field]):
                yield at(
                    resource,
                    RULE,
                    f"requests.{field} {requests[field]} is more than limits.{field} "
                    f"{limits[field]}",
                    "a request can be at most its limit",
                    "spec",
                    "resources",
                    "requests",
                    field,
                )
