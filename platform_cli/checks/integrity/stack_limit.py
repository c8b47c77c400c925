"""`stack-limit`: no single resource exceeds the hard limits its stack declares in
`spec.limits` (replicas, database storage, server CPU and memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database, Resource, Server, Service
from platform_cli.load.quantities import parse_bytes

RULE = BuiltinRule(
    "stack-limit",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource exceeds a hard limit of its stack (spec.limits: replicas, database storage, "
    "server CPU or memory).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        stack = land.stacks.get(resource.stack)
        if stack is None or not stack.spec.get("limits"):
            continue
        limits = stack.spec["limits"]
        for keys, value, limit_key, parse in _limited(resource):
            limit = limits.get(limit_key)
            if limit is not None and parse(value) > parse(limit):
                yield at(
                    resource,
                    RULE,
                    f"{'.'.join(str(k) for k in keys[1:])} {value} is over the limit of "
                    f"stack '{stack.name}' ({limit_key}: {limit})",
                    f"stay within {limit}, or change the stack's limits with the platform team",
                    *keys,
                )


def _as_int(value: object) -> int:
    return int(str(value))


def _as_bytes(value: object) -> int:
    return parse_bytes(str(value))


def _limited(
    resource: Resource,
) -> Iterator[tuple[tuple[str, ...], object, str, Callable[[object], int]]]:
    """(field path, value, the stack limit that bounds it, how to compare) per field."""
    spec = resource.spec
    if isinstance(resource, Service):
        if "replicas" in spec:
            yield ("spec", "replicas"), spec["replicas"], "maxReplicas", _as_int
        if "autoscaling" in spec:
            yield (
                ("spec", "autoscaling", "maxReplicas"),
                spec["autoscaling"]["maxReplicas"],
                "maxReplicas",
                _as_int,
            )
    elif isinstance(resource, Database):
        yield ("spec", "storage", "size"), spec["storage"]["size"], "maxDatabaseStorage", _as_bytes
    elif isinstance(resource, Server):
        yield ("spec", "cpu"), spec["cpu"], "maxServerCpu", _as_int
        yield ("spec", "memory"), spec["memory"], "maxServerMemory", _as_bytes
