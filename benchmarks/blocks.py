"""The blocks of docs/performance.md that other benchmarks own: `make bench-apply`'s
(benchmarks/apply.py) and `make bench-catalog`'s (benchmarks/catalog.py).

`make bench` rewrites the file and keeps these blocks; each of the others replaces only
its own.
"""

from __future__ import annotations

BEGIN = "<!-- apply:begin (benchmarks/apply.py, make bench-apply) -->"
END = "<!-- apply:end -->"
CATALOG_BEGIN = "<!-- catalog:begin (benchmarks/catalog.py, make bench-catalog) -->"
CATALOG_END = "<!-- catalog:end -->"


def block_of(document: str, begin: str = BEGIN, end: str = END) -> str:
    """The block of a document between `begin` and `end` (the apply block by default),
    or ""."""
    if begin not in document or end not in document:
        return ""
    return begin + document.split(begin, 1)[1].split(end, 1)[0] + end


def splice(document: str, new_block: str, begin: str = BEGIN, end: str = END) -> str:
    """The document with its block replaced, or appended when it has none."""
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        _, tail = rest.split(end, 1)
        return head + new_block + tail
    return document.rstrip("\n") + "\n\n" + new_block + "\n"
