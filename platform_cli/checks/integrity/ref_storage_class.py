"""`ref-storage-class`: a stack's default storage class, and the storage class of a
database's storage or WAL volume or a server's disk, are declared by the stack."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database, Resource, Server

RULE = BuiltinRule(
    "ref-storage-class",
    Level.ERROR,
    RuleScope.ENTITY,
    "A storage class that the stack does not declare.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack in land.stacks.values():
        classes = stack.storage_classes
        if stack.default_storage_class not in classes and loaded.in_focus(stack.path):
            yield at(
                stack,
                RULE,
                f"default storage class '{stack.default_storage_class}' is not declared",
                suggest(stack.default_storage_class, classes, "storage class"),
                "spec",
                "defaultStorageClass",
            )
    for resource in loaded.resources():
        home = land.stacks.get(resource.stack)
        if home is None:
            continue
        for keys in _storage_fields(resource):
            if keys[1] not in resource.spec:
                continue
            cls = resource.spec[keys[1]].get("class")
            if cls is not None and cls not in home.storage_classes:
                yield at(
                    resource,
                    RULE,
                    f"storage class '{cls}' is not declared in stack '{home.name}'",
                    suggest(cls, home.storage_classes, "storage class"),
                    *keys,
                    "class",
                )


def _storage_fields(resource: Resource) -> list[tuple[str, str]]:
    if isinstance(resource, Database):
        return [("spec", "storage"), ("spec", "walStorage")]
    if isinstance(resource, Server):
        return [("spec", "disk")]
    return []
