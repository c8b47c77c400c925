"""Incremental evaluation equals full evaluation, finding for finding.

The property: for a base evaluated in full and a head that differs from it by random
changes of resource files (edits, renames, moves between systems and teams, new and
dropped dependencies, cycles, duplicates, deleted and added files, broken YAML,
schema errors, a file that declares a team), `evaluate_tree(head, base=...)` gives
exactly the findings and waived findings of `evaluate_files(head)`. Changes that an
incremental evaluation does not cover must fall back to a full one, never to a wrong
answer.
"""

from __future__ import annotations

import copy
import datetime
import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.generate import generate
from platform_cli.evaluate import store as state_store
from platform_cli.evaluate.incremental import Mode, evaluate_tree
from platform_cli.evaluate.pipeline import Evaluation, evaluate_files
from platform_cli.evaluate.state import State
from platform_cli.evaluate.store import StateStore
from platform_cli.load.cache import DocumentCache
from platform_cli.sources.tree import SourceFile, Tree, read_tree
from tests.conftest import REPO

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 27)


def _summary(evaluation: Evaluation) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def row(f: Any) -> tuple[Any, ...]:
        return (f.path, f.line, f.column, f.rule, f.level.value, f.message, f.hint)

    return (
        sorted(row(f) for f in evaluation.findings),
        sorted((*row(w.finding), w.waiver.index) for w in evaluation.waived),
    )


def _landscape_identity(evaluation: Evaluation) -> list[tuple[str, ...]]:
    land = evaluation.loaded.landscape
    out = [("team", n, t.path) for n, t in land.teams.items()]
    out += [("system", n, s.path) for n, s in land.systems.items()]
    out += [("stack", n, s.path) for n, s in land.stacks.items()]
    for stack, bucket in land.resources.items():
        out += [(stack, k, n, r.path, r.team, r.system) for (k, n), r in bucket.items()]
    return sorted(out)


_PARSED: dict[bytes, dict[str, Any] | None] = {}


class Mutator:
    """Random changes of resource files, as a reviewer would see them in pull requests."""

    def __init__(self, files: dict[str, bytes], seed: int) -> None:
        self.files = dict(files)
        self.rng = random.Random(seed)

    def resources(self) -> list[str]:
        return sorted(p for p in self.files if p.startswith("stacks/") and p.count("/") >= 3)

    def _doc(self, path: str) -> dict[str, Any] | None:
        raw = self.files[path]
        if raw not in _PARSED:
            try:
                data = yaml.load(raw, Loader=yaml.CSafeLoader)
            except yaml.YAMLError:
                data = None
            _PARSED[raw] = data if isinstance(data, dict) else None
        data = _PARSED[raw]
        return copy.deepcopy(data) if data is not None else None

    def _put(self, path: str, data: dict[str, Any]) -> None:
        self.files[path] = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False).encode()

    def _names(self, stack: str) -> list[tuple[str, str]]:
        out = []
        for path in self.resources():
            doc = self._doc(path)
            if doc and path.split("/")[1] == stack and isinstance(doc.get("metadata"), dict):
                out.append((str(doc.get("kind")), str(doc["metadata"].get("name"))))
        return out

    def mutate(self) -> str:
        path = self.rng.choice(self.resources())
        stack = path.split("/")[1]
        doc = self._doc(path)
        if doc is None or not isinstance(doc.get("spec"), dict):
            del self.files[path]
            return f"delete broken {path}"
        meta, spec = doc["metadata"], doc["spec"]
        others = self._names(stack)
        action = self.rng.randrange(16)
        if action == 0:
            del self.files[path]
            return f"delete {path}"
        if action == 1:  # a new file, copied, under a new or an existing name
            name = self.rng.choice([f"new-{self.rng.randrange(1000)}", meta["name"]])
            meta["name"] = name
            new = f"{path.rsplit('/', 1)[0]}/{name}-{self.rng.randrange(1000)}.yaml"
            self._put(new, doc)
            return f"add {new}"
        if action == 2:  # rename, maybe onto another name or a case variant
            kind, other = self.rng.choice(others)
            meta["name"] = self.rng.choice([other, other.upper(), f"renamed-{meta['name']}"])
        elif action == 3 and others:  # a new dependency, maybe closing a cycle
            kind, other = self.rng.choice(others)
            key = {"Service": "service", "Database": "database", "Server": "server"}.get(kind)
            if key:
                spec.setdefault("dependsOn", []).append({key: other})
        elif action == 4:
            spec.pop("dependsOn", None)
        elif action == 5:
            spec.setdefault("dependsOn", []).append({"service": "no-such-svc"})
        elif action == 6:  # another system, owned or not by the team
            meta["system"] = self.rng.choice(["sys-0000-a", "sys-0001-b", "nope", meta["system"]])
        elif action == 7:  # another team: layout, quotas and ownership move
            meta["team"] = self.rng.choice(["team-0000", "team-0001", "ghost"])
        elif action == 8:
            self.files[path] = b"kind: [unclosed\n"
            return f"break {path}"
        elif action == 9:
            doc.pop("spec")
        elif action == 10:
            doc["kind"] = "Team"
        elif action == 11 and doc.get("kind") == "Service":
            spec["replicas"] = self.rng.choice([1, 5, 40])
            spec.setdefault("env", {})["DB_PASSWORD"] = "hunter2hunter2"
        elif action == 12 and doc.get("kind") == "Database":
            spec["storage"]["size"] = self.rng.choice(["1Gi", "900Gi", "5Ti"])
            spec["storage"]["class"] = self.rng.choice(["fast", "nope"])
        elif action == 13 and doc.get("kind") == "Server":
            spec["ports"] = [{"name": "ssh", "port": 22}]
            meta["name"] = self.rng.choice([n for k, n in others if k == "Service"] or ["x"])
        elif action == 14:  # a big change: a team's whole resource moves away
            spec["cpu"] = 64
        else:
            spec["image"] = "registry.example/unknown:latest"
        self._put(path, doc)
        return f"edit {path} ({action})"


def _files(root: Path) -> dict[str, bytes]:
    files, _ = read_tree(root)
    return {f.path: f.data for f in files}


def _tree(files: dict[str, bytes]) -> Tree:
    return Tree.of_files(SourceFile(p, files[p]) for p in sorted(files))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("generated")
    generate(400, root)
    return _files(root)


@pytest.mark.parametrize("landscape", ["bundled", "generated"])
def test_incremental_equals_full(
    landscape: str, generated: dict[str, bytes], tmp_path: Path
) -> None:
    files = _files(ROOT) if landscape == "bundled" else generated
    cache = DocumentCache(tmp_path / "cache")
    base = evaluate_tree(_tree(files), TODAY, cache=cache)
    assert base.how is Mode.FULL and base.state is not None
    seen = {Mode.INCREMENTAL: 0, Mode.FULL: 0}
    for seed in range(60):
        mutator = Mutator(files, seed)
        story = [mutator.mutate() for _ in range(1 + seed % 3)]
        head_files = mutator.files
        got = evaluate_tree(_tree(head_files), TODAY, cache=cache, base=base)
        want = evaluate_files([SourceFile(p, head_files[p]) for p in sorted(head_files)], TODAY)
        assert _summary(got.evaluation) == _summary(want), story
        assert _landscape_identity(got.evaluation) == _landscape_identity(want), story
        assert got.evaluation.loaded.files == want.loaded.files
        seen[got.how] += 1
    # Both paths were exercised: most changes are covered, some must fall back
    assert seen[Mode.INCREMENTAL] >= 30 and seen[Mode.FULL] >= 1, seen


def test_a_stored_state_gives_the_same_evaluation(tmp_path: Path) -> None:
    files = _files(ROOT)
    cache = DocumentCache(tmp_path / "cache")
    first = evaluate_tree(_tree(files), TODAY, cache=cache)
    again = evaluate_tree(_tree(files), TODAY, cache=cache)
    assert (first.how, again.how) == (Mode.FULL, Mode.STORED)
    assert _summary(again.evaluation) == _summary(first.evaluation)
    assert _landscape_identity(again.evaluation) == _landscape_identity(first.evaluation)
    # Values and locations are read on demand, and equal the parsed ones
    for old, new in zip(first.entities, again.entities, strict=True):
        assert old.path == new.path and old.doc.data == new.doc.data
        assert old.locate("metadata", "name") == new.locate("metadata", "name")


def test_a_corrupted_state_is_never_used(tmp_path: Path) -> None:
    files = _files(ROOT)
    cache = DocumentCache(tmp_path / "cache")
    tree = _tree(files)
    evaluate_tree(tree, TODAY, cache=cache)
    store = StateStore.of(cache)
    assert store is not None
    (path,) = store.folder.glob("*.state")
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0x01  # one bit of one value
    path.write_bytes(bytes(raw))
    assert store.get(tree.key) is None
    again = evaluate_tree(tree, TODAY, cache=cache)
    assert again.how is Mode.FULL  # and written again
    assert store.get(tree.key) is not None
    path.write_bytes(path.read_bytes()[:1000])  # truncated by a killed writer
    assert store.get(tree.key) is None


def test_a_state_of_other_files_is_not_served(tmp_path: Path) -> None:
    """A state names its files by content: a state written under another key (a
    copied file, a hash collision of names) is refused."""
    files = _files(ROOT)
    cache = DocumentCache(tmp_path / "cache")
    evaluate_tree(_tree(files), TODAY, cache=cache)
    store = StateStore.of(cache)
    assert store is not None
    (path,) = store.folder.glob("*.state")
    other = dict(files)
    other["stacks/prod/billing/billing-api.yaml"] += b"\n# changed\n"
    tree = _tree(other)
    path.rename(store.folder / f"{tree.key}.state")
    assert store.get(tree.key) is None


def test_states_round_trip(tmp_path: Path) -> None:
    files = _files(ROOT)
    cache = DocumentCache(tmp_path / "cache")
    state = evaluate_tree(_tree(files), TODAY, cache=cache).state
    assert state is not None
    again = State.decode(state.encode())
    assert again is not None
    assert again.records == state.records and again.policies == state.policies
    assert [(f, f.level, f.hint) for f in again.load] == [(f, f.level, f.hint) for f in state.load]
    assert again.references == state.references and again.declared_at == state.declared_at


def test_without_a_cache_nothing_is_stored(tmp_path: Path) -> None:
    files = _files(ROOT)
    first = evaluate_tree(_tree(files), TODAY)
    assert first.how is Mode.FULL and first.state is None


# --- Named cases: a change in one team's file moves a finding in another's ---------


def _edit(files: dict[str, bytes], path: str, old: str, new: str) -> None:
    text = files[path].decode()
    assert old in text, (path, old)
    files[path] = text.replace(old, new, 1).encode()


def _delete_provider(base: dict[str, bytes], head: dict[str, bytes]) -> None:
    """Services of analytics, call-center, ... depend on keycloak: deleting it leaves
    their dependencies dangling, in files the change does not touch."""
    del head["stacks/prod/platform/keycloak.yaml"]


def _provider_moves_system(base: dict[str, bytes], head: dict[str, bytes]) -> None:
    """keycloak moves to another system: LND002 judges its consumers' integrations."""
    _edit(head, "stacks/prod/platform/keycloak.yaml", "system: identity", "system: tickets")


def _name_taken_by_earlier_file(base: dict[str, bytes], head: dict[str, bytes]) -> None:
    """analytics-api is renamed to tickets-api: the duplicate is reported on the file
    that comes later, service-desk's, which did not change."""
    _edit(
        head, "stacks/prod/analytics/analytics-api.yaml", "name: analytics-api", "name: tickets-api"
    )


def _cycle_reported_elsewhere(base: dict[str, bytes], head: dict[str, bytes]) -> None:
    """dispatch-api depends on tickets-api; tickets-api now depends on dispatch-api.
    The cycle is reported at its smallest name, dispatch-api, in field-service."""
    _edit(
        head,
        "stacks/prod/service-desk/tickets-api.yaml",
        "  dependsOn:\n",
        "  dependsOn:\n    - service: dispatch-api\n",
    )


def _closer_name_for_a_dangling_dependency(base: dict[str, bytes], head: dict[str, bytes]) -> None:
    """A dangling dependency's hint suggests the closest declared name: a new service
    elsewhere in the stack changes the hint of a file the change does not touch."""
    for side in (base, head):
        _edit(
            side,
            "stacks/prod/analytics/analytics-api.yaml",
            "  dependsOn:\n",
            "  dependsOn:\n    - service: ticket-apx\n",
        )
    new = head["stacks/prod/service-desk/tickets-web.yaml"].decode()
    head["stacks/prod/service-desk/ticket-apz.yaml"] = new.replace(
        "name: tickets-web", "name: ticket-apz"
    ).encode()


@pytest.mark.parametrize(
    "change",
    [
        _delete_provider,
        _provider_moves_system,
        _name_taken_by_earlier_file,
        _cycle_reported_elsewhere,
        _closer_name_for_a_dangling_dependency,
    ],
    ids=lambda f: f.__name__.strip("_").replace("_", "-"),
)
def test_a_change_moves_findings_in_untouched_files(change: Any, tmp_path: Path) -> None:
    base_files, head_files = _files(ROOT), _files(ROOT)
    change(base_files, head_files)
    cache = DocumentCache(tmp_path / "cache")
    base = evaluate_tree(_tree(base_files), TODAY, cache=cache)
    got = evaluate_tree(_tree(head_files), TODAY, cache=cache, base=base)
    want = evaluate_files([SourceFile(p, head_files[p]) for p in sorted(head_files)], TODAY)
    assert got.how is Mode.INCREMENTAL
    changed = {
        p for p in base_files.keys() | head_files.keys() if base_files.get(p) != head_files.get(p)
    }
    moved = set(_summary(want)[0]) ^ set(_summary(base.evaluation)[0])
    # The case is what it says: some finding moved in a file the change did not touch
    assert any(row[0] not in changed for row in moved), moved
    assert _summary(got.evaluation) == _summary(want)


def test_concurrent_writers_of_one_state(tmp_path: Path) -> None:
    """Two runs that evaluate the same revision at once both write its state; a
    reader meanwhile sees a whole state or none, never a torn one."""
    files = _files(ROOT)
    tree = _tree(files)
    seen: list[str] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            evaluate_tree(tree, TODAY, cache=DocumentCache(tmp_path / "cache"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        store = StateStore.of(DocumentCache(tmp_path / "cache"))
        assert store is not None
        for _ in range(200):
            state = store.get(tree.key)
            seen.append("whole" if state is not None else "none")

    threads = [threading.Thread(target=f) for f in (write, write, read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    again = evaluate_tree(tree, TODAY, cache=DocumentCache(tmp_path / "cache"))
    assert again.how is Mode.STORED
    assert _summary(again.evaluation) == _summary(evaluate_files(tree.files(), TODAY))


def test_switching_branches_back_and_forth(tmp_path: Path) -> None:
    """main -> feature, then feature -> main: each side is served from the state its
    own files left, or evaluated again; never from the other branch's."""
    main_files = _files(ROOT)
    feature_files = dict(main_files)
    _cycle_reported_elsewhere(main_files, feature_files)
    cache = DocumentCache(tmp_path / "cache")
    main, feature = _tree(main_files), _tree(feature_files)
    forward_base = evaluate_tree(main, TODAY, cache=cache)
    forward_head = evaluate_tree(feature, TODAY, cache=cache, base=forward_base)
    back_base = evaluate_tree(feature, TODAY, cache=cache)
    back_head = evaluate_tree(main, TODAY, cache=cache, base=back_base)
    assert [forward_head.how, back_base.how, back_head.how] == [
        Mode.INCREMENTAL,
        Mode.FULL,
        Mode.STORED,
    ]
    assert _summary(back_head.evaluation) == _summary(evaluate_files(main.files(), TODAY))
    assert _summary(back_base.evaluation) == _summary(forward_head.evaluation)


def _namespaces(copy_root: Path) -> tuple[str, str]:
    """The state and document namespaces of the toolkit copied to `copy_root`."""
    code = (
        "from platform_cli.evaluate import store; from platform_cli.load import cache;"
        "print(store.namespace(), cache.namespace())"
    )
    env = {**os.environ, "PYTHONPATH": str(copy_root)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=copy_root, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    states, documents = out.stdout.split()
    return states, documents


def test_editing_a_module_in_a_subpackage_retires_stored_results(tmp_path: Path) -> None:
    """States and documents are filed under a digest of the code in every subpackage:
    a state stored by the old code is not found by the new."""
    for name in ("platform_cli", "policies", "schemas"):
        shutil.copytree(
            REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    before = _namespaces(tmp_path)

    risks = tmp_path / "platform_cli" / "plan" / "build.py"
    risks.write_text(risks.read_text() + "\n# a change of the plan's code\n")
    after_plan = _namespaces(tmp_path)
    assert after_plan[0] != before[0], "a plan module is part of what a state depends on"
    assert after_plan[1] == before[1], "documents do not depend on the plan's code"

    reader = tmp_path / "platform_cli" / "load" / "reader.py"
    reader.write_text(reader.read_text() + "\n# a change of the reader\n")
    after_reader = _namespaces(tmp_path)
    assert after_reader[0] != after_plan[0]
    assert after_reader[1] != after_plan[1], "documents depend on the reader"


def test_states_are_filed_under_the_code_namespace(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.folder.name == state_store.namespace()
