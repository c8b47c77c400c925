"""How an integrity check reports: a finding at the field that holds the bad value,
with a hint that names the closest known name, or the known names."""

from __future__ import annotations

from collections.abc import Iterable

from platform_cli.findings import BuiltinRule, Finding
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Entity
from platform_cli.words import did_you_mean


def at(
    entity: Entity,
    rule: BuiltinRule,
    message: str,
    hint: str,
    *keys: str | int,
    at_key: bool = False,
) -> Finding:
    """A finding of `rule` at the value (or with `at_key`, the key) at `keys`."""
    line, column = entity.locate(*keys, at_key=at_key)
    return rule.finding(entity.path, line, column, message, hint)


def suggest(name: str, known: Iterable[str], what: str) -> str:
    """`did you mean 'x'?`, else the known names (the first eight), else what to declare."""
    known = sorted(known)
    suggestion = did_you_mean(name, known)
    if suggestion:
        return suggestion
    return (
        f"declare the {what} first"
        if not known
        else f"known: {', '.join(known[:8])}" + (", ..." if len(known) > 8 else "")
    )


def undeclared(loaded: Loaded, kind: str, name: str, stack: str = "") -> bool:
    """True when nothing of that kind and name was declared at all; a reference to a
    declared but invalid document is not reported again."""
    return (stack, kind, name) not in loaded.declared
