"""`backup-store`: a database with backups lives in a stack that says where backups go."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database

RULE = BuiltinRule(
    "backup-store",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database declares backups in a stack with no backup object store "
    "(spec.databases.backupStore).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        if not isinstance(resource, Database) or "backup" not in resource.spec:
            continue
        stack = land.stacks.get(resource.stack)
        if stack is not None and "backupStore" not in stack.spec.get("databases", {}):
            yield at(
                resource,
                RULE,
                f"the database declares backups, but stack '{stack.name}' has no "
                "backup object store",
                f"set spec.databases.backupStore in {stack.path}",
                "spec",
                "backup",
            )
