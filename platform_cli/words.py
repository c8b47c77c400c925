"""Wording every layer shares: counts with their nouns, and "did you mean".

One place for each, so that the same situation reads the same in every command.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def plural(count: int, word: str, many: str = "") -> str:
    """`1 error`, `2 errors`, `1,204 resources`; `many` for irregular plurals."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def close_matches(name: str, known: Iterable[str], n: int = 1) -> list[str]:
    """The known names closest to `name`, best first (difflib's ratio, cut-off 0.6)."""
    return difflib.get_close_matches(name, list(known), n=n)


def did_you_mean(name: str, known: Iterable[str], n: int = 1) -> str:
    """`did you mean 'x'?` (or `'x' or 'y'`), or "" when nothing is close."""
    close = close_matches(name, known, n)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
