"""What `platform owners` prints: the file it generated, or who owns each path."""

from __future__ import annotations

from collections.abc import Sequence

from platform_cli.checks.owners import Generated


def format_generated(generated: Generated) -> str:
    if not generated.changed:
        return f"{generated.path} is up to date ({generated.rules} rules)\n"
    return f"wrote {generated.path} ({generated.rules} rules)\n"


def format_owners_for(rows: Sequence[tuple[str, tuple[str, ...]]]) -> str:
    """One path a line, then the owners who must approve a change to it."""
    width = max(len(path) for path, _ in rows)
    return "".join(f"{path:<{width}}  {' '.join(who) or '(no owners)'}\n" for path, who in rows)
