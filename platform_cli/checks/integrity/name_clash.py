"""`name-clash`: two resources of one team in one stack would render a Kubernetes Service
of the same name in the same namespace: a server's external Service (`<name>-external`)
and a server with ports of that name, or (where the stack puts servers in the team's own
namespace) a service and a server with ports of one name. Where each lives is
`Stack.namespace_of`, the renderer's own answer, so the check and the renderer agree."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "name-clash",
    Level.ERROR,
    RuleScope.ENTITY,
    "Two resources of one team and stack would render one Kubernetes Service in the same "
    "namespace: a server's external Service ('<name>-external') and a resource of that "
    "name with ports, or a service and a server with ports of one name.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack_name in sorted(land.resources):
        bucket = land.resources[stack_name]
        stack = land.stacks.get(stack_name)
        if stack is None:
            continue  # reported by ref-stack
        for (kind, name), server in bucket.items():
            if kind != "Server" or not loaded.in_focus(server.path):
                continue
            if "ports" not in server.spec:
                continue
            namespace = stack.namespace_of(server)
            service = bucket.get(("Service", name))
            if (
                service is not None
                and service.team == server.team
                and stack.namespace_of(service) == namespace
            ):
                line, _ = service.locate("metadata", "name")
                yield at(
                    server,
                    RULE,
                    f"server '{name}' and the service declared in {service.path}:{line} "
                    f"would both render the Kubernetes Service '{name}' in namespace "
                    f"'{namespace}'",
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
                if stack.namespace_of(other) != namespace:
                    continue
                yield at(
                    server,
                    RULE,
                    f"the external ports of server '{name}' render the Kubernetes Service "
                    f"'{external}' in namespace '{namespace}', which {other.path} also "
                    "renders",
                    "give one of them another name",
                    "spec",
                    "external",
                    at_key=True,
                )
