"""The one atomic writer and the verified files the cache and the state store keep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from platform_cli import atomic
from platform_cli.atomic import read_verified, write_atomic, write_verified
from platform_cli.evaluate.store import StateStore
from platform_cli.load.cache import DocumentCache
from platform_cli.sources.tree import Tree


def test_write_atomic_creates_the_folder_and_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file"]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_no_partial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"old and whole")
    temporaries: list[Path] = []

    def half_then_fail(path: Path, data: bytes) -> int:
        """Half of the data reaches the disk, then the disk is full (or ^C)."""
        temporaries.append(path)
        with path.open("wb") as out:
            out.write(data[: len(data) // 2])
        raise error

    monkeypatch.setattr(Path, "write_bytes", half_then_fail)
    with pytest.raises(type(error)):
        write_atomic(target, b"new " * 1000)
    monkeypatch.undo()
    (temporary,) = temporaries
    assert temporary.parent == target.parent, "written beside the target: one file system"
    assert temporary.name.startswith(atomic.TEMPORARY_PREFIX)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    assert target.read_bytes() == b"old and whole"


def test_a_failed_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomic(tmp_path / "file", b"data")
    assert list(tmp_path.iterdir()) == []


def test_verified_files_round_trip_and_refuse_damage(tmp_path: Path) -> None:
    path = tmp_path / "state"
    body = b'{"some": "json"}\nand a payload\nwith newlines'
    write_verified(path, body)
    assert read_verified(path) == body
    raw = path.read_bytes()
    path.write_bytes(raw[:-3])  # cut short by a killed writer
    assert read_verified(path) is None
    damaged = bytearray(raw)
    damaged[-1] ^= 0x01
    path.write_bytes(bytes(damaged))
    assert read_verified(path) is None
    path.write_bytes(raw.partition(b"\n")[0])  # a digest with no body
    assert read_verified(path) is None
    assert read_verified(tmp_path / "missing") is None


def test_the_stores_only_cost_time_when_they_cannot_write(tmp_path: Path) -> None:
    """A cache folder that is a file: nothing is written, nothing raises."""
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"not a folder")
    cache = DocumentCache(blocked)
    cache.put("a" * 40, {"kind": "Team"})
    cache.flush()
    store = StateStore(blocked)
    store.put_listing("0" * 40, "", Tree.of_files([]), [])
    assert store.listing("0" * 40, "") is None
    assert blocked.read_bytes() == b"not a folder"
