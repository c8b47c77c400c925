"""The child process of `writer.FileWriter`: creates the files it is sent on stdin.

    python -I -S create_files.py OUT

Each file comes as a header (the lengths of its path and of its data, two unsigned
32-bit little-endian integers), its path relative to OUT (UTF-8), then its data. The
files are created in order, each folder when first needed. Run as a script with the
standard library alone (`-S`: no site packages), so it starts in a few milliseconds.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import BinaryIO

HEADER = struct.Struct("<II")


def create_all(out: Path, source: BinaryIO) -> None:
    folders: set[str] = set()
    while header := source.read(HEADER.size):
        name_length, data_length = HEADER.unpack(header)
        rel = source.read(name_length).decode()
        create(out, rel, source.read(data_length), folders)


def create(out: Path, rel: str, data: bytes, folders: set[str]) -> None:
    folder = rel.rpartition("/")[0]
    if folder not in folders:
        (out / folder).mkdir(parents=True, exist_ok=True)
        folders.add(folder)
    with open(out / rel, "wb", buffering=0) as f:
        f.write(data)


def main() -> int:
    try:
        create_all(Path(sys.argv[1]), sys.stdin.buffer)
    except OSError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
