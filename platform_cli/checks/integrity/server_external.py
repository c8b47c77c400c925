"""`server-external`: a server's external ports are ports it declares, and it admits
only allow-lists that its stack declares.

The stack file (owned by the platform team) decides which source networks may reach a
server from outside the cluster; a team picks among them by name and cannot add a
network of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Server

RULE = BuiltinRule(
    "server-external",
    Level.ERROR,
    RuleScope.ENTITY,
    "A server exposes a port it does not declare, names an allow-list its stack does not "
    "declare, or exposes ports in a stack without external exposure "
    "(spec.cluster.external).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        if not isinstance(resource, Server) or "external" not in resource.spec:
            continue
        external = resource.spec["external"]
        declared = [str(p["name"]) for p in resource.spec.get("ports", [])]
        for index, name in enumerate(external["ports"]):
            if name not in declared:
                yield at(
                    resource,
                    RULE,
                    f"external port '{name}' is not a declared port",
                    f"declared ports: {', '.join(declared)}"
                    if declared
                    else "declare it in spec.ports",
                    "spec",
                    "external",
                    "ports",
                    index,
                )
        stack = land.stacks.get(resource.stack)
        if stack is None:
            continue
        exposure = stack.spec["cluster"].get("external")
        if exposure is None:
            yield at(
                resource,
                RULE,
                f"stack '{stack.name}' does not expose servers outside the cluster",
                f"ask the platform team to set spec.cluster.external in {stack.path}",
                "spec",
                "external",
                at_key=True,
            )
            continue
        lists = exposure["allowLists"]
        for index, name in enumerate(external["allowFrom"]):
            if name not in lists:
                yield at(
                    resource,
                    RULE,
                    f"allow-list '{name}' is not declared in stack '{stack.name}'",
                    suggest(name, lists, "allow-list"),
                    "spec",
                    "external",
                    "allowFrom",
                    index,
                )
