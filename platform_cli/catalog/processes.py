"""Work shared out to forked processes, one share per core.

The catalog makes one page per resource, each a function of values the build has
already computed (the landscape, its facts and rendered objects). At 10,000 resources
that is half the build, and it needs no state but what is in memory: a forked child
has all of it, for the cost of copying the page tables. `in_processes(work, count)`
runs `work(0)` here and `work(1)` ... `work(count - 1)` each in a child forked from
this process, and returns their results in order; a child sends its result back
pickled through a pipe and leaves with `os._exit`, so that nothing the parent set up
(buffered output, open files, `finally` blocks, exit handlers) runs twice.

An error in a child is raised here once every child has ended: the child's own
PlatformError as it was, anything else as a RuntimeError with the child's traceback.
An error here stops the children first. Without `os.fork` (Windows), every share runs
here, one after the other.
"""

from __future__ import annotations

import math
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

R = TypeVar("R")


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"


def cores(cpu_max: Path = CPU_MAX) -> int:
    """The cores this process may use: those it may run on, and no more than its
    cgroup's CPU quota allows (a container limited to 2 CPUs on a 32-core node)."""
    if hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS
        count = os.cpu_count() or 1
    quota = _cpu_quota(cpu_max)
    return max(1, count if quota is None else min(count, quota))


def _cpu_quota(cpu_max: Path) -> int | None:
    """The cgroup v2 CPU quota in whole CPUs, rounded up; None without one (no such
    file, "max", or a line that does not read as a quota)."""
    try:
        quota, period = cpu_max.read_text().split()[:2]
        return None if quota == "max" else math.ceil(int(quota) / int(period))
    except (OSError, ValueError, ZeroDivisionError):
        return None


def in_processes(work: Callable[[int], R], count: int) -> list[R]:
    """[work(0), ..., work(count - 1)], the shares after the first in forked children."""
    if count <= 1 or not hasattr(os, "fork"):
        return [work(i) for i in range(count)]
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []  # (pid, the pipe's read end)
    try:
        for i in range(1, count):
            children.append(_fork(work, i))
        first = work(0)
    except BaseException:
        for pid, _ in children:
            os.kill(pid, signal.SIGTERM)
        for pid, read in children:
            os.close(read)
            os.waitpid(pid, 0)
        raise
    results: list[R] = [first]
    failures: list[BaseException] = []
    for pid, read in children:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        outcome = _outcome(data, status)
        if isinstance(outcome, BaseException):
            failures.append(outcome)
        else:
            results.append(outcome[0])
    if failures:
        raise failures[0]
    return results


def _fork(work: Callable[[int], R], i: int) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)  # the child: it never returns from here
    try:
        data = pickle.dumps((True, work(i)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # every failure goes to the parent
        data = _failure(exc)
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


def _failure(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc))
    except Exception:  # an exception that cannot be pickled
        text = "".join(traceback.format_exception(exc))
        return pickle.dumps((False, RuntimeError(f"a catalog process failed:\n{text}")))


def _outcome(data: bytes, status: int) -> tuple[Any] | BaseException:
    """The child's result, or why there is none."""
    if not data:
        why = (
            f"was killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"ended with status {os.waitstatus_to_exitcode(status)} and no result"
        )
        return RuntimeError(f"a catalog process {why}")
    ok, value = pickle.loads(data)
    if ok:
        return (value,)
    if isinstance(value, BaseException):
        return value
    return RuntimeError(f"a catalog process failed: {value!r}")  # pragma: no cover
