"""`ref-price`: every storage class of every stack has a price, so that every resource
can be priced."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "ref-price",
    Level.ERROR,
    RuleScope.GLOBAL,
    "A storage class of a stack has no price in policies/prices.yaml.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    sheet = land.prices
    if sheet is None:
        return
    for folder in sorted(land.stacks):
        stack = land.stacks[folder]
        for cls in stack.storage_classes:
            if sheet.storage(cls) is None:
                yield at(
                    stack,
                    RULE,
                    f"storage class '{cls}' has no price in {sheet.path}",
                    f"add storage.{cls} to {sheet.path}",
                    "spec",
                    "storageClasses",
                    cls,
                    at_key=True,
                )
