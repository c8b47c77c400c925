"""Evaluate a revision from an earlier revision's results: what makes a plan's cost
grow with the change instead of with the landscape.

A pull request changes a handful of files among thousands. Its plan evaluates the
base and the head; both are almost the same files, and the base was evaluated before
(by an earlier plan, or a `platform check` of the same files). So every full
evaluation leaves a `State` behind: the blob id of every file, an index of every
entity (path, kind, stack, name, team, system, dependencies), the entities' values,
and the findings of each stage (loading, each built-in check, each policy with its
waiver target, CODEOWNERS). A state is keyed by the content it describes (every path
and blob id, in order), so a state is never stale: other files, another key.

`evaluate_tree(tree, ..., base=state)` then evaluates a revision in one of three ways:

1. its own state exists: nothing is read, parsed or checked again;
2. it differs from `base` only in resource files (`stacks/<stack>/<team>/*.yaml`),
   in stack folders that both sides have, and those files declare only resources:
   the changed files are parsed, everything else comes from the base's state, and
   only what the change can move is checked again (the *focus*, below);
3. anything else (a team, system, stack or policy file, a new stack folder, no base
   state): a full evaluation, which then leaves its state for next time.

The focus of a change (2) is derived from what each check declares it depends on
(each integrity check's `RULE.scope` and each policy's `SCOPE`):

- the changed files, and every resource that names a changed identity in
  `dependsOn` or shares a name (ignoring case) with one: their findings depend on
  what changed;
- every resource of each team that owned a changed file, before or after: team-wide
  verdicts (quotas) are computed from all of them, and a name clash between a
  server and a service is one within a team;
- resources with a dangling dependency in a touched stack: the hint lists the names
  the stack declares;
- the dependency graphs of the touched stacks, searched again for cycles.

Everything outside the focus keeps the base's findings, which is exact because no
check reads more than its scope says. A property test holds that an incremental
evaluation equals a full one, finding for finding, over many random changes.

States are JSON (never pickle) behind a SHA-256 of their bytes, written atomically,
kept next to the document cache and namespaced by a digest of all the code that
produces findings, so a new version of the toolkit or of a policy never reads an old
state. They are used only when the document cache is on (see `cache.py`).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from platform_cli import __version__
from platform_cli.checks import integrity, policy_engine
from platform_cli.checks.integrity import ref_depends_on
from platform_cli.checks.policy import Scope
from platform_cli.checks.policy_engine import PolicyFinding
from platform_cli.evaluate.pipeline import Evaluation, Parts, assemble, evaluate_files
from platform_cli.findings import Finding, Level, RuleScope
from platform_cli.fingerprint import code_digest
from platform_cli.gcpause import paused
from platform_cli.load.cache import DocumentCache
from platform_cli.load.cache import namespace as document_namespace
from platform_cli.load.landscape import Focus, Loaded, identity, index_entity, load, place_of
from platform_cli.load.model import ENTITY_CLASSES, RESOURCE_KINDS, Entity, Landscape, Resource
from platform_cli.load.reader import StoredDocument
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.tree import OPTIONAL_TEXT_FILES, SourceFile, Tree

FORMAT = 1
MAX_STATES = 16  # one per recently evaluated revision; the oldest are removed
FEW_FILES = 200  # changed files parsed without the document cache

# (path, kind, stack, name, team, system, dependencies, offset, length): one entity,
# with the position of its value in the state's payload
Record = tuple[str, str, str, str, str, str, tuple[tuple[str, str], ...], int, int]


@dataclass(eq=False)
class State:
    """Everything one full evaluation of a revision found. See the module docstring."""

    key: str
    blobs: dict[str, str]
    records: list[Record]
    declared_at: dict[str, tuple[str, str, str]]
    stack_files: dict[str, list[str]]
    files: int
    load: list[Finding]
    references: dict[str, list[Finding]]
    policies: list[PolicyFinding]
    owners: Finding | None
    payload: bytes
    # What other commands derive from a revision and keep with it (the plan keeps
    # the cost of each stack); JSON values
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: Tree, evaluation: Evaluation) -> State | None:
        """The state of a full evaluation with policies; None when a value cannot be
        stored as JSON (it is then evaluated in full every time)."""
        parts, loaded = evaluation.parts, evaluation.loaded
        if parts.policies is None:
            return None
        records: list[Record] = []
        chunks: list[bytes] = []
        offset = 0
        for entity in loaded.entities:
            try:
                value = json.dumps(entity.doc.data, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError):
                return None
            raw = value.encode()
            chunks.append(raw)
            if isinstance(entity, Resource):
                identity = (entity.stack, entity.name, entity.team, entity.system)
                deps = entity.depends_on
            else:
                identity, deps = ("", entity.name, "", ""), ()
            stack, name, team, system = identity
            records.append(
                (entity.path, entity.kind, stack, name, team, system, deps, offset, len(raw))
            )
            offset += len(raw)
        return cls(
            key=tree.key,
            blobs=dict(tree.blobs),
            records=records,
            declared_at=dict(loaded.declared_at),
            stack_files={k: list(v) for k, v in loaded.stack_files.items()},
            files=loaded.files,
            load=list(loaded.findings),
            references={rule: list(found) for rule, found in parts.references.items()},
            policies=list(parts.policies),
            owners=parts.owners,
            payload=b"".join(chunks),
        )

    def value(self, offset: int, length: int) -> dict[str, Any]:
        data = json.loads(self.payload[offset : offset + length])
        assert isinstance(data, dict)
        return data

    # --- serialisation -------------------------------------------------------------

    def encode(self) -> bytes:
        _declared = _declared_by(self.records)
        header = {
            "format": FORMAT,
            "key": self.key,
            "blobs": list(self.blobs.items()),
            "records": self.records,
            # Only what the records do not say: files that declare a name but did
            # not load (a schema error, say)
            "declared": [[p, *k] for p, k in self.declared_at.items() if _declared.get(p) != k],
            "stackFiles": self.stack_files,
            "files": self.files,
            "load": [_finding_out(f) for f in self.load],
            "references": {r: [_finding_out(f) for f in fs] for r, fs in self.references.items()},
            "policies": [[*_finding_out(p.finding), *p.target] for p in self.policies],
            "owners": _finding_out(self.owners) if self.owners else None,
            "extras": self.extras,
        }
        body = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        return body + b"\n" + self.payload

    @classmethod
    def decode(cls, raw: bytes) -> State | None:
        """The state in `raw`, or None when it is not one this version wrote."""
        body, _, payload = raw.partition(b"\n")
        try:
            header = json.loads(body)
            if header.get("format") != FORMAT:
                return None
            return cls(
                key=header["key"],
                blobs=dict(header["blobs"]),
                records=(
                    records := [
                        (p, k, s, n, t, y, tuple((a, b) for a, b in d), o, ln)
                        for p, k, s, n, t, y, d, o, ln in header["records"]
                    ]
                ),
                declared_at=_declared_by(records)
                | {p: (s, k, n) for p, s, k, n in header["declared"]},
                stack_files=header["stackFiles"],
                files=header["files"],
                load=[_finding_in(f) for f in header["load"]],
                references={
                    r: [_finding_in(f) for f in fs] for r, fs in header["references"].items()
                },
                policies=[
                    PolicyFinding(_finding_in(p[:7]), (p[7], p[8], p[9]))
                    for p in header["policies"]
                ],
                owners=_finding_in(header["owners"]) if header["owners"] else None,
                payload=payload,
                extras=header["extras"],
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def _declared_by(records: list[Record]) -> dict[str, tuple[str, str, str]]:
    """What each loaded entity declares."""
    return {path: identity(kind, name, _stack_of(path)) for path, kind, _, name, *_ in records}


def _finding_out(f: Finding) -> list[Any]:
    return [f.path, f.line, f.column, f.rule, f.level.value, f.message, f.hint]


def _finding_in(raw: list[Any]) -> Finding:
    path, line, column, rule, level, message, hint = raw
    return Finding(path, line, column, rule, Level(level), message, hint)


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
        raw = _read_verified(self.folder / f"{key}.state")
        state = State.decode(raw) if raw is not None else None
        if state is None or state.key != key:
            return None  # corrupted, foreign or missing: evaluated again and written over
        return state

    def put(self, state: State) -> None:
        _write_verified(self.folder / f"{state.key}.state", state.encode())
        self._prune("*.state", MAX_STATES)

    # --- Listings of git trees ----------------------------------------------------
    # A plan lists the base revision's files (10,000 lines from `git ls-tree`) before
    # it can even look its state up. A git tree id names every file below it exactly,
    # so the listing is kept by the id of the revision's root tree.

    def listing(
        self, tree_id: str, prefix: str
    ) -> tuple[dict[str, str], list[Finding], str] | None:
        """(blob id by path, findings of the listing, the tree key) of a git tree."""
        raw = _read_verified(self._listing_path(tree_id, prefix))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return (
                dict(data["blobs"]),
                [_finding_in(f) for f in data["findings"]],
                str(data["key"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def put_listing(self, tree_id: str, prefix: str, tree: Tree, findings: list[Finding]) -> None:
        body = {
            "blobs": list(tree.blobs.items()),
            "findings": [_finding_out(f) for f in findings],
            "key": tree.key,
        }
        path = self._listing_path(tree_id, prefix)
        _write_verified(path, json.dumps(body, separators=(",", ":")).encode())
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


def _read_verified(path: Path) -> bytes | None:
    """The body of a file `<SHA-256 of the body>\\n<body>`, or None when it is missing or
    does not verify (truncated by a killed writer, corrupted on disk)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    digest, newline, body = raw.partition(b"\n")
    if not newline or hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    return body


def _write_verified(path: Path, body: bytes) -> None:
    """Write atomically (a reader sees a whole file or none); a store that cannot be
    written only costs time."""
    temporary = path.with_name(f".tmp-{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


# --- Evaluating a tree ----------------------------------------------------------------


@dataclass
class Evaluated:
    """A revision's evaluation, its state (None when it has none), and how it was
    computed: "stored", "incremental" or "full"."""

    evaluation: Evaluation
    state: State | None
    how: str
    entities: list[Entity] = field(default_factory=list)


@paused
def evaluate_tree(
    tree: Tree,
    today: datetime.date,
    progress: Progress = SILENT,
    cache: DocumentCache | None = None,
    *,
    base: Evaluated | None = None,
    policies: bool = True,
) -> Evaluated:
    """Evaluate the files of `tree`, reusing what can be reused (see the module
    docstring). The result equals `evaluate_files(tree.files(), today)`.

    Without a cache nothing is stored or reused, and `policies=False` skips the
    policies as `evaluate_files` does; with a cache, policies always run, because
    a state without them could not serve as the base of an incremental evaluation."""
    store = StateStore.of(cache)
    if store is not None:
        state = store.get(tree.key)
        if state is not None:
            return _from_state(state, tree, today)
        if base is not None and base.state is not None:
            result = _incremental(base, tree, today, cache)
            if result is not None:
                return result
    evaluation = evaluate_files(
        tree.files(), today, progress, cache, policies=policies or store is not None
    )
    state = State.of(tree, evaluation) if store is not None else None
    if store is not None and state is not None:
        store.put(state)
    return Evaluated(evaluation, state, "full", list(evaluation.loaded.entities))


class _Source:
    """The values of a state and the texts of its tree, for `StoredDocument`."""

    def __init__(self, state: State, tree: Tree) -> None:
        self.state, self.tree = state, tree
        self.at = {r[0]: (r[7], r[8]) for r in state.records}

    def value(self, path: str) -> dict[str, Any]:
        return self.state.value(*self.at[path])

    def text(self, path: str) -> bytes:
        return self.tree.read([path])[path]


def _entities(state: State, tree: Tree) -> list[Entity]:
    """The entities of a state, whose values and texts are read on first use. Built
    without their constructors, with the fields the index holds already in place:
    this runs for every entity of a large landscape."""
    source = _Source(state, tree)
    entities: list[Entity] = []
    for path, kind, stack, name, team, system, deps, _, _ in state.records:
        cls = ENTITY_CLASSES[kind]
        entity = object.__new__(cls)
        fields = entity.__dict__
        fields["doc"] = StoredDocument(path, source)
        fields["path"], fields["name"] = path, name
        if issubclass(cls, Resource):
            fields["stack"], fields["team"], fields["system"] = stack, team, system
            fields["depends_on"] = deps
        entities.append(entity)
    return entities


def _loaded(
    entities: list[Entity],
    findings: list[Finding],
    declared_at: dict[str, tuple[str, str, str]],
    stack_files: dict[str, list[str]],
    files: int,
) -> Loaded:
    landscape = Landscape()
    resources = landscape.resources
    for entity in entities:
        if isinstance(entity, Resource):
            # What index_entity does for a resource, inlined for 10,000s of them
            resources.setdefault(entity.stack, {}).setdefault((entity.kind, entity.name), entity)
        else:
            place = place_of(entity.path)
            assert place is not None, "only files in known places hold entities"
            index_entity(landscape, entity, place)
    return Loaded(
        landscape,
        findings,
        files,
        entities,
        set(declared_at.values()),
        stack_files,
        declared_at,
    )


def _from_state(state: State, tree: Tree, today: datetime.date) -> Evaluated:
    entities = _entities(state, tree)
    loaded = _loaded(entities, list(state.load), state.declared_at, state.stack_files, state.files)
    parts = Parts(dict(state.references), list(state.policies), state.owners)
    return Evaluated(assemble(loaded, parts, today), state, "stored", entities)


# --- Incremental evaluation ----------------------------------------------------------


def _resource_path(path: str) -> bool:
    place = place_of(path)
    return place is not None and place.kinds == RESOURCE_KINDS


def _folders_change(state: State, tree: Tree, changed: set[str]) -> bool:
    """Whether the stack folders differ: a changed file in a folder the base does not
    have, or a folder whose last file is deleted."""
    folders = state.stack_files.keys()
    for path in changed:
        folder = path.split("/")[1]
        if path in tree.blobs and folder not in folders:
            return True
        if path not in tree.blobs:
            prefix = f"stacks/{folder}/"
            if not any(p.startswith(prefix) and _in_folder(p) for p in tree.blobs):
                return True
    return False


def _in_folder(path: str) -> bool:
    place = place_of(path)
    return place is not None and bool(place.stack)


def _incremental(
    base: Evaluated, tree: Tree, today: datetime.date, cache: DocumentCache | None
) -> Evaluated | None:
    """The evaluation of `tree` from the base's, or None when the change is not one
    that an incremental evaluation covers (see the module docstring)."""
    state = base.state
    assert state is not None
    changed = {
        p for p in state.blobs.keys() | tree.blobs.keys() if state.blobs.get(p) != tree.blobs.get(p)
    }
    if not all(_resource_path(p) for p in changed):
        return None
    if _folders_change(state, tree, changed):
        return None
    present = [p for p in tree.blobs if p in changed]
    data = tree.read(present)
    # The document cache reads all of its entries at once; for a few files parsing
    # them is cheaper than that
    few = len(present) <= FEW_FILES
    fresh = load([SourceFile(p, data[p]) for p in present], cache=None if few else cache)
    touched = [state.declared_at[p] for p in changed if p in state.declared_at]
    touched += [fresh.declared_at[p] for p in present if p in fresh.declared_at]
    if any(not stack for stack, _, _ in touched):
        return None  # a resource file that declares a team, system, ...: global checks move

    # The head's entities and load findings: the base's, with the changed files' replaced
    order = {path: i for i, path in enumerate(tree.blobs)}
    kept = [e for e in base.entities if e.path not in changed]
    entities = sorted([*kept, *fresh.entities], key=lambda e: order[e.path])
    declared_at = {p: k for p, k in state.declared_at.items() if p not in changed}
    declared_at.update(fresh.declared_at)
    findings = [f for f in state.load if f.path not in changed] + fresh.findings
    text_files = sum(1 for p in tree.blobs if p in OPTIONAL_TEXT_FILES)
    loaded = _loaded(
        entities, findings, declared_at, state.stack_files, len(tree.blobs) - text_files
    )

    focus = _focus(state, base.entities, fresh, changed, touched, loaded)
    focused = replace(loaded, focus=focus)
    again = integrity.check_by_rule(focused, (RuleScope.FILE, RuleScope.ENTITY, RuleScope.STACK))
    refs: dict[str, list[Finding]] = {}
    for check in integrity.CHECKS:
        name, scope = check.RULE.id, check.RULE.scope
        before = state.references.get(name, [])
        if scope is RuleScope.GLOBAL:
            refs[name] = list(before)
        elif scope is RuleScope.STACK:
            refs[name] = [f for f in before if _stack_of(f.path) not in focus.stacks]
            refs[name] += again[name]
        else:
            gone = focus.paths | changed
            refs[name] = [f for f in before if f.path not in gone] + again[name]

    registry = policy_engine.registry()
    moved = [p for p in registry if p.scope is not Scope.TEAMS_AND_SYSTEMS]
    results = policy_engine.evaluate(loaded.landscape, moved, focus)
    scopes = {p.id: p.scope for p in registry}
    gone = focus.paths | changed
    kept_results = []
    for result in state.policies:
        kind = scopes.get(result.finding.rule)
        if kind is Scope.RESOURCE and result.finding.path in gone:
            continue
        if kind is Scope.TEAM and result.target[1] == "Team" and result.target[2] in focus.teams:
            continue
        kept_results.append(result)
    parts = Parts(refs, kept_results + results, state.owners)
    return Evaluated(assemble(loaded, parts, today), None, "incremental", entities)


def _stack_of(path: str) -> str:
    parts = path.split("/")
    return parts[1] if parts[0] == "stacks" and len(parts) > 2 else ""


def _focus(
    state: State,
    base_entities: list[Entity],
    fresh: Loaded,
    changed: set[str],
    touched: list[tuple[str, str, str]],
    head: Loaded,
) -> Focus:
    """What a change of resource files can move (see the module docstring)."""
    identities = set(touched)
    folded = {(stack, kind, name.casefold()) for stack, kind, name in identities}
    stacks = {stack for stack, _, _ in identities}
    teams = set()
    for path in changed:
        parts = path.split("/")
        stacks.add(parts[1])
        teams.add(parts[2])
    for entity in [*base_entities, *fresh.entities]:
        if entity.path in changed and isinstance(entity, Resource):
            teams.add(entity.team)
    paths = set(changed)
    for entity in head.entities:
        if not isinstance(entity, Resource):
            continue
        if (
            entity.team in teams
            or (entity.stack, entity.kind, entity.name.casefold()) in folded
            or any((entity.stack, kind, name) in identities for kind, name in entity.depends_on)
        ):
            paths.add(entity.path)
    # A dangling dependency's hint lists the names its stack declares
    for finding in state.references.get(ref_depends_on.RULE.id, []):
        if _stack_of(finding.path) in stacks:
            paths.add(finding.path)
    return Focus(frozenset(paths), frozenset(teams), frozenset(stacks))
