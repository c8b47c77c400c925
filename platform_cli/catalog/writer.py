"""The catalog's files, created by the process that made them.

Each process of a build (processes.py) creates the files of its own pages, so that
creating them, which on a small VM's disk costs 0.1 to 0.6 ms of the kernel's time a
file, is shared by the cores as making the pages is. A file is written whole with one
call into a new or truncated file; the manifest that vouches for it is written only
after every process has ended without an error (site.py).
"""

from __future__ import annotations

from pathlib import Path

from platform_cli.errors import PlatformError


class FileWriter:
    """`write(rel, data)` creates `out/rel` (its folder too, when first needed).
    A failure raises PlatformError and leaves the files written so far; the build then
    writes no manifest, and the next build makes every page again."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folders: set[str] = set()

    def write(self, rel: str, data: bytes) -> None:
        folder = rel.rpartition("/")[0]
        try:
            if folder not in self.folders:
                (self.out / folder).mkdir(parents=True, exist_ok=True)
                self.folders.add(folder)
            with open(self.out / rel, "wb", buffering=0) as f:
                f.write(data)
        except OSError as exc:
            raise PlatformError(
                f"the catalog could not write {self.out / rel}: {exc.strerror or exc}",
                hint="pass --out a folder you may write to; the next build makes every page",
            ) from exc
