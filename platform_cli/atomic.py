"""Files that are written whole or not at all, and files that prove they are whole.

The document cache (`load/cache.py`) and the state store (`evaluate/store.py`) keep
what a run computed for later runs, which may read concurrently or may find a file a
killed writer left. `write_atomic` writes to a temporary file in the same folder (so
the rename stays on one file system) and renames it over the target: a reader sees the
old file or the whole new one, never a part. `write_verified` also puts a SHA-256 of
the body in front, and `read_verified` returns only a body that matches it.

Nothing is fsynced: what is stored here is a cache that every reader verifies, so a
file lost or cut short by a power failure costs only the work of computing it again.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"  # never matches the pattern of a finished file


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, creating its folder. On failure (an OSError,
    or an interrupt) no temporary file is left behind and the error propagates;
    `path` is then as it was."""
    temporary = path.with_name(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_verified(path: Path, body: bytes) -> None:
    """Write `<SHA-256 of the body>\\n<body>` atomically (see `write_atomic`)."""
    write_atomic(path, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def read_verified(path: Path) -> bytes | None:
    """The body of a file `write_verified` wrote, or None when it is missing or does not
    verify (truncated by a killed writer, corrupted on disk)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    digest, newline, body = raw.partition(b"\n")
    if not newline or hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    return body
