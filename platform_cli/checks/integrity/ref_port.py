"""`ref-port`: a service's health check and ingress name ports the service declares."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service

RULE = BuiltinRule(
    "ref-port",
    Level.ERROR,
    RuleScope.ENTITY,
    "A health check or ingress names a port the service does not declare.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        ports = resource.port_names
        for section in ("health", "ingress"):
            port = resource.spec.get(section, {}).get("port")
            if port is not None and port not in ports:
                yield at(
                    resource,
                    RULE,
                    f"{section}.port '{port}' is not a declared port",
                    f"declared ports: {', '.join(ports)}",
                    "spec",
                    section,
                    "port",
                )
