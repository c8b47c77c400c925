"""Progress for long work, shown on a terminal and nowhere else.

The core reports progress through a `Progress` value it is given and never prints;
the CLI hands it `Terminal` when standard error is a TTY outside CI and the output is
for people, and `SILENT` otherwise (pipes, CI logs, json, sarif, github formats).
`Terminal` stays quiet for the first second, so fast runs show nothing at all.
"""

from __future__ import annotations

import os
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    def start(self, what: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def finish(self) -> None: ...


class _Silent:
    def start(self, what: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


SILENT: Progress = _Silent()


class Terminal:
    """`checking: 4,096/10,304 files` on one line of a terminal, redrawn in place."""

    def __init__(
        self, stream: TextIO, *, delay: float = 1.0, interval: float = 0.1, unit: str = "files"
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.interval = interval
        self.unit = unit
        self.what = ""
        self.total = 0
        self.done = 0
        self.began = 0.0
        self.drawn = 0.0
        self.shown = False

    def start(self, what: str, total: int) -> None:
        self.what, self.total, self.done = what, total, 0
        self.began = time.monotonic()
        self.drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.began < self.delay or now - self.drawn < self.interval:
            return
        self.drawn = now
        self.shown = True
        self.stream.write(f"\r{self.what}: {self.done:,}/{self.total:,} {self.unit}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def for_stream(stream: TextIO, *, for_people: bool) -> Progress:
    """Terminal progress when `stream` is a TTY, outside CI, for human-readable output."""
    in_ci = bool(os.environ.get("CI")) or os.environ.get("GITHUB_ACTIONS") == "true"
    if for_people and not in_ci and stream.isatty():
        return Terminal(stream)
    return SILENT
