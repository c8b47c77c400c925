"""The document cache never changes a result: corruption, other bytes, concurrent
writers and branch switches all give exactly what a run without the cache gives."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from platform_cli.evaluate.pipeline import CheckOptions, CheckResult, run_check
from platform_cli.load import cache as cache_module
from platform_cli.load.cache import DocumentCache
from platform_cli.sources.tree import blob_id
from tests.conftest import DATA, REPO

TODAY = datetime.date(2026, 11, 27)


def _run(root: Path, cache: DocumentCache | None) -> CheckResult:
    return run_check(CheckOptions(root=root, today=TODAY, cache=cache))


def _same(a: CheckResult, b: CheckResult) -> None:
    assert a.findings == b.findings
    assert [(f.message, f.hint) for f in a.findings] == [(f.message, f.hint) for f in b.findings]
    left = {r.path: r.doc.data for r in a.landscape.all_resources()}
    right = {r.path: r.doc.data for r in b.landscape.all_resources()}
    assert left == right
    assert [list(d) for d in left.values()] == [list(d) for d in right.values()]  # key order


@pytest.fixture
def store(tmp_path: Path) -> DocumentCache:
    return DocumentCache(tmp_path / "cache")


def test_blob_id_is_gits(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"kind: Team\n")
    expected = subprocess.run(
        ["git", "hash-object", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert blob_id(b"kind: Team\n") == expected


def test_warm_cache_gives_the_same_result_as_no_cache(store: DocumentCache) -> None:
    cold = _run(REPO, store)
    assert store.hits == 0 and store.misses > 150
    warm = _run(REPO, store)
    assert store.hits > 150
    _same(_run(REPO, None), cold)
    _same(cold, warm)


def test_invalid_documents_are_never_cached(store: DocumentCache, base_landscape: Path) -> None:
    svc = base_landscape / "stacks/prod/service-desk/tickets-api.yaml"
    svc.write_text(svc.read_text().replace("replicas: 2", "replica: 2"))
    _run(base_landscape, store)
    assert store.get(blob_id(svc.read_bytes())) is None
    again = _run(base_landscape, store)
    assert [f.rule for f in again.findings] == ["schema"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(b"tickets", b"tockets"),
        lambda raw: b"\x00\xff not json\n",
        lambda raw: b"[]\n" * 3,
    ],
    ids=["truncated", "edited", "garbage", "wrong-shape"],
)
def test_damaged_packs_are_skipped_and_rebuilt(
    tmp_path: Path, base_landscape: Path, damage: object
) -> None:
    clean = _run(base_landscape, None)
    _run(base_landscape, DocumentCache(tmp_path / "cache"))
    [pack] = sorted((tmp_path / "cache").rglob("*.pack"))
    raw = pack.read_bytes()
    pack.write_bytes(damage(raw))  # type: ignore[operator]
    store = DocumentCache(tmp_path / "cache")
    damaged = _run(base_landscape, store)
    _same(clean, damaged)
    assert store.misses > 0, "damaged entries are not served"
    store = DocumentCache(tmp_path / "cache")
    rebuilt = _run(base_landscape, store)
    assert store.misses == 0
    _same(clean, rebuilt)


def test_a_line_whose_checksum_fails_is_not_served(tmp_path: Path) -> None:
    store = DocumentCache(tmp_path)
    store.put(blob_id(b"a"), {"kind": "Team"})
    store.flush()
    [pack] = list(store.folder.glob("*.pack"))
    pack.write_text(pack.read_text().replace("Team", "Tram"))
    assert DocumentCache(tmp_path).get(blob_id(b"a")) is None


def test_concurrent_runs_never_see_half_a_pack(tmp_path: Path) -> None:
    data = {"spec": {"items": list(range(500))}, "metadata": {"name": "x" * 200}}
    errors: list[object] = []

    def run(worker: int) -> None:
        for round_ in range(15):
            store = DocumentCache(tmp_path)
            for i in range(40):
                blob = blob_id(f"{i}".encode())
                got = store.get(blob)
                if got is not None and got != data:
                    errors.append(got)
                store.put(blob_id(f"{worker}-{round_}-{i}".encode()), data)
                store.put(blob, data)
            store.flush()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DocumentCache(tmp_path).get(blob_id(b"7")) == data
    assert not list(tmp_path.rglob(".tmp-*"))
    assert len(list(tmp_path.rglob("*.pack"))) <= cache_module.MAX_PACKS + 3


def test_branch_switch_serves_each_revision_its_own_documents(
    store: DocumentCache, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    on_main = _run(root, store)
    git("switch", "-q", "-c", "feature")
    db = root / "stacks/prod/service-desk/tickets-db.yaml"
    db.write_text(db.read_text().replace("instances: 3", "instances: 0"))
    git("commit", "-q", "-am", "break")
    on_feature = _run(root, store)
    _same(_run(root, None), on_feature)
    assert [f.rule for f in on_feature.findings] == ["schema"]
    git("switch", "-q", "main")
    _same(on_main, _run(root, store))


def test_the_namespace_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = DocumentCache(tmp_path).folder
    cache_module.namespace.cache_clear()
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    try:
        assert DocumentCache(tmp_path).folder != first
    finally:
        cache_module.namespace.cache_clear()


def test_tests_run_with_the_cache_on_in_a_folder_of_their_own(tmp_path: Path) -> None:
    """The environment every test starts from (conftest.py), in CI as on a laptop."""
    assert "CI" not in os.environ
    store = DocumentCache.default()
    assert store is not None and store.root == tmp_path / "platform-cache"


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PLATFORM_CACHE", "off")
    assert DocumentCache.default() is None
    monkeypatch.setenv("PLATFORM_CACHE", "")
    monkeypatch.setenv("CI", "true")
    assert DocumentCache.default() is None, "off in CI unless asked for"
    monkeypatch.setenv("PLATFORM_CACHE", "on")
    monkeypatch.setenv("PLATFORM_CACHE_DIR", str(tmp_path / "c"))
    store = DocumentCache.default()
    assert store is not None and store.folder.parent == tmp_path / "c"
