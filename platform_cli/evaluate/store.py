"""Where states are kept: files next to the document cache, verified and written
atomically.

A state is stored as `<key>.state` under `<cache>/states/<namespace>/`, behind a
SHA-256 of its bytes and written whole or not at all (`platform_cli/atomic.py`), so a
reader never trusts a file a killed writer cut short. The namespace is a digest of all
the code that produces findings, so a new version of the toolkit or of a policy never
reads an old state. The store also keeps the file listings of git trees, which a plan
needs before it can look a state up. States are used only when the document cache is
on (see `load/cache.py`), and only the most recently used are kept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

from platform_cli import __version__
from platform_cli.atomic import read_verified, write_verified
from platform_cli.evaluate.state import FORMAT, State, finding_in, finding_out
from platform_cli.findings import Finding
from platform_cli.fingerprint import code_digest
from platform_cli.load.cache import DocumentCache
from platform_cli.load.cache import namespace as document_namespace
from platform_cli.sources.tree import Tree

MAX_STATES = 16  # one per recently evaluated revision; the oldest are removed


@functools.cache
def namespace() -> str:
    """A digest of the toolkit, its policies and its schemas: everything that decides
    what a state holds. It covers every module of every subpackage."""
    import platform_cli
    import policies

    digest = code_digest(platform_cli, policies)
    digest.update(f"{FORMAT}:{__version__}:{document_namespace()}".encode())
    return digest.hexdigest()[:16]


class StateStore:
    """States by key, as files `<key>.state` under `<cache>/states/<namespace>/`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "states" / namespace()

    @classmethod
    def of(cls, cache: DocumentCache | None) -> StateStore | None:
        return cls(cache.root) if cache is not None else None

    def get(self, key: str) -> State | None:
        raw = _read(self.folder / f"{key}.state")
        state = State.decode(raw) if raw is not None else None
        if state is None or state.key != key:
            return None  # corrupted, foreign or missing: evaluated again and written over
        return state

    def put(self, state: State) -> None:
        _write(self.folder / f"{state.key}.state", state.encode())
        self._prune("*.state", MAX_STATES)

    # --- Listings of git trees ----------------------------------------------------
    # A plan lists the base revision's files (10,000 lines from `git ls-tree`) before
    # it can even look its state up. A git tree id names every file below it exactly,
    # so the listing is kept by the id of the revision's root tree.

    def listing(
        self, tree_id: str, prefix: str
    ) -> tuple[dict[str, str], list[Finding], str] | None:
        """(blob id by path, findings of the listing, the tree key) of a git tree."""
        raw = _read(self._listing_path(tree_id, prefix))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return (
                dict(data["blobs"]),
                [finding_in(f) for f in data["findings"]],
                str(data["key"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def put_listing(self, tree_id: str, prefix: str, tree: Tree, findings: list[Finding]) -> None:
        body = {
            "blobs": list(tree.blobs.items()),
            "findings": [finding_out(f) for f in findings],
            "key": tree.key,
        }
        path = self._listing_path(tree_id, prefix)
        _write(path, json.dumps(body, separators=(",", ":")).encode())
        self._prune("listings/*.listing", MAX_STATES * 4)

    def _listing_path(self, tree_id: str, prefix: str) -> Path:
        name = hashlib.sha256(f"{tree_id}\0{prefix}".encode()).hexdigest()[:40]
        return self.folder / "listings" / f"{name}.listing"

    def _prune(self, pattern: str, keep: int) -> None:
        """Keep the `keep` most recently used files."""
        found = []
        for path in self.folder.glob(pattern):
            try:
                found.append((path.stat().st_mtime, path))
            except OSError:
                continue
        for _, path in sorted(found, reverse=True)[keep:]:
            path.unlink(missing_ok=True)


def _read(path: Path) -> bytes | None:
    """A stored body that verifies, marked recently used (kept longest); else None."""
    body = read_verified(path)
    if body is not None:
        with contextlib.suppress(OSError):
            os.utime(path)
    return body


def _write(path: Path, body: bytes) -> None:
    """A store that cannot be written only costs time."""
    with contextlib.suppress(OSError):
        write_verified(path, body)
