"""The catalog's files, created by a child process while the build makes the next pages.

At 10,000 resources a fresh build creates some 10,300 files. Creating a file is the
kernel's work, and on the ext4 disk of a small VM it costs 0.1 to 0.3 ms of system time
each: one to three seconds in all, as much as making the pages. A thread cannot take
that work off the build: it needs the interpreter's lock back after every system call,
and waits for it behind the thread that makes the pages. A child process needs no lock:
the build sends it each file over a pipe and goes on, and the child (`create_files.py`,
the standard library alone) creates the files on another core.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from platform_cli.catalog.create_files import HEADER
from platform_cli.errors import PlatformError

CHILD = Path(__file__).with_name("create_files.py")
BUFFER = 1 << 20


class FileWriter:
    """`write(rel, data)` has `out/rel` created (its folder too), in order; `close()`
    waits for the last one and raises PlatformError if any could not be written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.child = subprocess.Popen(
            [sys.executable, "-I", "-S", str(CHILD), str(out)],
            stdin=subprocess.PIPE,
            bufsize=BUFFER,
        )
        assert self.child.stdin is not None
        self.pipe = self.child.stdin
        self.broken = False

    def write(self, rel: str, data: bytes) -> None:
        if self.broken:
            return
        name = rel.encode()
        try:
            self.pipe.write(HEADER.pack(len(name), len(data)) + name)
            self.pipe.write(data)
        except BrokenPipeError:
            self.broken = True  # the child stopped and said why; close() raises

    def close(self) -> None:
        try:
            self.pipe.close()
        except BrokenPipeError:
            self.broken = True
        if self.child.wait() != 0 or self.broken:
            raise PlatformError(
                f"the catalog's files could not all be written into {self.out}",
                hint="see the message above; the next build makes every page again",
            )

    def stop(self) -> None:
        """After a failed build: no more files, and no child left behind."""
        with contextlib.suppress(BrokenPipeError):
            self.pipe.close()
        self.child.wait()
