"""Pause Python's cyclic garbage collector during a burst of allocation.

Loading and checking 10,000 documents allocates millions of small objects (dicts,
lists, strings, entities) that all stay alive until the command ends. Each time the
young generation fills up, the collector walks them, and now and then it walks all
of them: about a quarter of a large check goes to that, and it finds nothing,
because parsed values and the model are trees without reference cycles. Reference
counting still frees every object the moment it is dropped; only the search for
cycles is left out. When the function returns, what it left alive is frozen
(`gc.freeze`) before the collector resumes, or its first pass would walk all of it
at once. The peak memory of a check is the same either way (docs/performance.md).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def paused(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with the cyclic collector off; nested calls leave it to the outer."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.freeze()
            gc.enable()

    return wrapper
