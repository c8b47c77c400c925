"""`name-clash`: a Service and a Server with ports of one team in one stack would both
render a Kubernetes Service of the same name in the team's namespace; so would a server
with external ports (`<name>-external`) and a service or server of that name."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "name-clash",
    Level.ERROR,
    RuleScope.ENTITY,
    "A service and a server with ports share a name in one team and stack, or a server's "
    "external Service ('<name>-external') has the name of another resource: both would "
    "render one Kubernetes Service.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack in sorted(land.resources):
        bucket = land.resources[stack]
        for (kind, name), server in bucket.items():
            if kind != "Server" or not loaded.in_focus(server.path):
                continue
            if "ports" not in server.spec:
                continue
            service = bucket.get(("Service", name))
            if service is not None and service.team == server.team:
                line, _ = service.locate("metadata", "name")
                yield at(
                    server,
                    RULE,
                    f"server '{name}' and the service declared in {service.path}:{line} "
                    "would both render the Kubernetes Service "
                    f"'{name}' in the team's namespace",
                    "give one of them another name",
                    "metadata",
                    "name",
                )
            if "external" not in server.spec:
                continue
            external = f"{name}-external"
            for other_kind in ("Service", "Server"):
                other = bucket.get((other_kind, external))
                if other is None or other.team != server.team:
                    continue
                if other_kind == "Server" and "ports" not in other.spec:
                    continue
                yield at(
                    server,
                    RULE,
                    f"the external ports of server '{name}' render the Kubernetes Service "
                    f"'{external}', which {other.path} also renders",
                    "give one of them another name",
                    "spec",
                    "external",
                    at_key=True,
                )
