"""`stack-file`: every stack folder has exactly one stack file."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "stack-file",
    Level.ERROR,
    RuleScope.GLOBAL,
    "A stack folder has no stack.yaml, or more than one stack file.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for name, paths in sorted(loaded.stack_files.items()):
        if not paths:
            yield RULE.finding(
                f"stacks/{name}",
                0,
                0,
                f"stack folder '{name}' has no stack.yaml",
                "add stacks/<stack>/stack.yaml with kind: Stack",
            )
        for extra in paths[1:]:
            yield RULE.finding(
                extra,
                0,
                0,
                f"stack folder '{name}' has more than one stack file ({paths[0]})",
                "keep only stack.yaml",
            )
