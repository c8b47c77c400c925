"""Comparing what we rendered with what the cluster holds.

The API server adds fields (defaults, status, managed fields) and writes quantities in its
own canonical form, so a live object matches ours when it holds every field we set with
the same value, quantities compared as quantities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from platform_cli.load.quantities import parse_bytes, parse_cpu


def same_quantity(ours: str, live: str) -> bool:
    for parse in (parse_cpu, parse_bytes):
        try:
            return parse(ours) == parse(live)
        except (ValueError, ArithmeticError, KeyError, AttributeError):
            continue
    return False


def missing_fields(ours: Any, live: Any, path: str = "") -> Iterable[str]:
    """Where the live object lacks a field we set, or holds another value."""
    if isinstance(ours, Mapping):
        if not isinstance(live, Mapping):
            yield f"{path}: expected a mapping, found {live!r}"
            return
        for key, value in ours.items():
            if key not in live:
                yield f"{path}.{key}: missing"
            else:
                yield from missing_fields(value, live[key], f"{path}.{key}")
    elif isinstance(ours, list):
        if not isinstance(live, list) or len(live) != len(ours):
            yield f"{path}: expected {len(ours)} items, found {live!r}"
            return
        for i, (a, b) in enumerate(zip(ours, live, strict=True)):
            yield from missing_fields(a, b, f"{path}[{i}]")
    elif ours != live and not (
        isinstance(ours, str) and isinstance(live, str) and same_quantity(ours, live)
    ):
        yield f"{path}: expected {ours!r}, found {live!r}"
