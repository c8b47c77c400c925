"""The block of docs/performance.md that `make bench-apply` owns.

`make bench` rewrites the file and keeps this block; `make bench-apply` replaces only it.
"""

from __future__ import annotations

BEGIN = "<!-- apply:begin (benchmarks/apply.py, make bench-apply) -->"
END = "<!-- apply:end -->"


def block_of(document: str) -> str:
    """The apply block of a document, or ""."""
    if BEGIN not in document or END not in document:
        return ""
    return BEGIN + document.split(BEGIN, 1)[1].split(END, 1)[0] + END


def splice(document: str, new_block: str) -> str:
    """The document with its apply block replaced, or appended when it has none."""
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + new_block + tail
    return document.rstrip("\n") + "\n\n" + new_block + "\n"
