"""Kubernetes quantities as the schemas allow them: CPU in cores or millicores, bytes in
binary units. Values reaching here already matched the schema patterns."""

from __future__ import annotations

import functools
from decimal import Decimal

_BINARY = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}


# Cached: a landscape repeats a few dozen values ('500m', '1Gi') tens of thousands of
# times, and quotas, costs and checks parse each of them again
@functools.lru_cache(maxsize=4096)
def parse_cpu(text: str) -> int:
    """Millicores: '500m' -> 500, '2' -> 2000, '0.25' -> 250."""
    if text.endswith("m"):
        return int(text[:-1])
    return int(Decimal(text) * 1000)


@functools.lru_cache(maxsize=4096)
def parse_bytes(text: str) -> int:
    """Bytes: '512Mi' -> 536870912."""
    return int(text[:-2]) * _BINARY[text[-2:]]


@functools.lru_cache(maxsize=4096)
def format_cpu(millicores: int) -> str:
    if millicores % 1000 == 0:
        return str(millicores // 1000)
    return f"{millicores}m"


@functools.lru_cache(maxsize=4096)
def format_bytes(count: int) -> str:
    """The largest binary unit that divides `count` exactly, down to Ki."""
    for unit, size in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2)):
        if count % size == 0 and count >= size:
            return f"{count // size}{unit}"
    return f"{count // 1024}Ki"
