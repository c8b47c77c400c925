"""A content-addressed cache of parsed, schema-valid documents.

Parsing YAML is most of the cost of a check, and a plan parses two revisions that
share almost every file. A file's git blob id (SHA-1 of its bytes) names its content
exactly, so a document parsed once is served again for the same bytes, in any branch,
revision or working tree. Nothing can be stale: a changed file has another id.

Entries live in pack files of lines `<blob id> <SHA-256> <JSON>`, one pack written per run, because tens of
thousands of small files cost more to create than the parsing they save. Packs are
merged when there are more than `MAX_PACKS`, keeping the entries the run used.

Safety, because a cache that lies would let a pull request pass a check it fails:

- only documents that parsed with no finding and passed their schema are stored;
  everything else is parsed every time, so every finding is always computed afresh;
- the folder is namespaced by a digest of the code and schemas that produce entries,
  so a new version of the toolkit never reads an old version's entries;
- each entry carries a SHA-256 of its payload; a line that does not verify (truncated
  by a killed writer, corrupted on disk) is skipped, and the next merge drops it;
- packs are written atomically (`platform_cli/atomic.py`), so a concurrent reader
  sees a whole pack or none, and a reader that finds a pack gone skips it;
- entries are JSON, never pickle: reading the cache cannot run code;
- it lives outside the repository (`$XDG_CACHE_HOME/platform`, or ~/.cache/platform,
  or `PLATFORM_CACHE_DIR`), so a commit cannot plant entries. `PLATFORM_CACHE=off`
  turns it off; in CI it is off unless `PLATFORM_CACHE=on`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from platform_cli import __version__
from platform_cli.atomic import write_atomic
from platform_cli.fingerprint import code_digest

FORMAT = 2
MAX_PACKS = 8


@functools.cache
def namespace() -> str:
    """A digest of the toolkit version, the schemas and the producing code: every module
    of the packages that read and build documents (`sources` and `load`)."""
    from platform_cli import load, sources
    from platform_cli.load import schema

    digest = code_digest(sources, load)
    digest.update(f"{FORMAT}:{__version__}".encode())
    for name, document in sorted(schema.load_schemas().items()):
        digest.update(name.encode())
        digest.update(json.dumps(document, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def default_folder() -> Path:
    explicit = os.environ.get("PLATFORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "platform"


class DocumentCache:
    """Parsed documents by blob id, in packs under `folder/<namespace>/`."""

    def __init__(self, folder: Path) -> None:
        self.root = folder  # shared with the evaluated states (evaluate/store.py)
        self.folder = folder / namespace()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._index: dict[str, str] | None = None  # blob -> verified payload (JSON text)
        self._packs: list[Path] = []
        self._new: dict[str, str] = {}
        self._used: set[str] = set()

    @classmethod
    def default(cls) -> DocumentCache | None:
        """The user's cache; None when PLATFORM_CACHE=off, and in CI unless
        PLATFORM_CACHE=on (a CI runner is thrown away, so writing entries there only
        costs time, unless the workflow keeps the folder with a cache action)."""
        setting = os.environ.get("PLATFORM_CACHE", "").lower()
        if setting in ("off", "0", "no", "false"):
            return None
        in_ci = bool(os.environ.get("CI")) or os.environ.get("GITHUB_ACTIONS") == "true"
        if in_ci and setting not in ("on", "1", "yes", "true"):
            return None
        return cls(default_folder())

    def get(self, blob: str) -> dict[str, Any] | None:
        with self._lock:
            index = self._load()
            payload = index.get(blob) or self._new.get(blob)
        if payload is None:
            self.misses += 1
            return None
        try:
            data = json.loads(payload)
        except ValueError:  # pragma: no cover - payloads are verified when read
            data = None
        if not isinstance(data, dict):
            self.misses += 1
            return None
        self.hits += 1
        self._used.add(blob)
        return data

    def put(self, blob: str, data: dict[str, Any]) -> None:
        try:
            payload = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except ValueError:
            return  # NaN or infinity: not JSON, so not cached
        with self._lock:
            self._new[blob] = payload
            self._used.add(blob)

    def flush(self) -> None:
        """Write this run's new entries as one pack; merge packs when there are many."""
        with self._lock:
            index = self._load()
            if self._new:
                self._write_pack({**self._new})
                index.update(self._new)
                self._new.clear()
            if len(self._packs) > MAX_PACKS:
                kept = {b: index[b] for b in sorted(self._used) if b in index}
                merged = self._write_pack(kept)
                for pack in self._packs:
                    if pack != merged:
                        pack.unlink(missing_ok=True)
                self._packs = [merged] if merged else []

    def _load(self) -> dict[str, str]:
        if self._index is not None:
            return self._index
        index: dict[str, str] = {}
        self._packs = sorted(self.folder.glob("*.pack")) if self.folder.is_dir() else []
        for pack in self._packs:
            try:
                raw = pack.read_bytes()
            except OSError:
                continue  # merged away by another run meanwhile
            for line in raw.split(b"\n"):
                entry = _verified(line)
                if entry is not None:
                    index[entry[0]] = entry[1]
        self._index = index
        return index

    def _write_pack(self, entries: dict[str, str]) -> Path | None:
        if not entries:
            return None
        lines = [f"{b} {_sha256(p)} {p}" for b, p in sorted(entries.items())]
        pack = self.folder / f"{uuid.uuid4().hex}.pack"
        try:
            write_atomic(pack, ("\n".join(lines) + "\n").encode("utf-8"))
        except OSError:
            return None  # a cache that cannot be written only costs time: parse next time
        self._packs.append(pack)
        return pack


def _verified(line: bytes) -> tuple[str, str] | None:
    """(blob, payload) of a pack line `<blob> <sha256 of payload> <payload>` whose
    checksum holds, else None. The payload is JSON, which never holds a raw newline."""
    parts = line.split(b" ", 2)
    if len(parts) != 3 or len(parts[0]) != 40:
        return None
    blob, digest, payload = parts
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        return blob.decode("ascii"), payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
