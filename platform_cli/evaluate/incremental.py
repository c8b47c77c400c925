"""Evaluate a revision from an earlier revision's results: what makes a plan's cost
grow with the change instead of with the landscape.

A pull request changes a handful of files among thousands. Its plan evaluates the
base and the head; both are almost the same files, and the base was evaluated before
(by an earlier plan, or a `platform check` of the same files). So every full
evaluation leaves a `State` behind (`evaluate/state.py`): the blob id of every file,
an index of every entity, the entities' values, and the findings of each stage. A
state is keyed by the content it describes, so a state is never stale.

`evaluate_tree(tree, ..., base=state)` then evaluates a revision in one of three ways
(its `Mode`):

1. STORED: its own state exists: nothing is read, parsed or checked again;
2. INCREMENTAL: it differs from `base` only in resource files (`stacks/<stack>/<team>/*.yaml`),
   in stack folders that both sides have, and those files declare only resources:
   the changed files are parsed, everything else comes from the base's state, and
   only what the change can move is checked again (the *focus*, below);
3. FULL: anything else (a team, system, stack or policy file, a new stack folder, no base
   state): a full evaluation, which then leaves its state for next time.

The focus of a change (2) is derived from what each check declares it depends on
(each integrity check's `RULE.scope` and each policy's `SCOPE`):

- the changed files, and every resource that names a changed identity in
  `dependsOn` or `restore.from`, or shares a name (ignoring case) with one: their
  findings depend on what changed;
- every resource of each team that owned a changed file, before or after: team-wide
  verdicts (quotas) are computed from all of them, and a name clash between a
  server and a service is one within a team;
- resources with a dangling dependency in a touched stack: the hint lists the names
  the stack declares;
- the dependency graphs of the touched stacks, searched again for cycles.

Everything outside the focus keeps the base's findings, which is exact because no
check reads more than its scope says. A property test holds that an incremental
evaluation equals a full one, finding for finding, over many random changes.

The `State` format is `evaluate/state.py`; `evaluate/store.py` keeps states on disk,
verified and written atomically, and only when the document cache is on.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from platform_cli.checks import integrity, policy_engine
from platform_cli.checks.integrity import ref_depends_on
from platform_cli.checks.policy import Scope
from platform_cli.evaluate.pipeline import Evaluation, Parts, assemble, evaluate_files
from platform_cli.evaluate.state import State
from platform_cli.evaluate.store import StateStore
from platform_cli.findings import Finding, RuleScope
from platform_cli.gcpause import paused
from platform_cli.load.cache import DocumentCache
from platform_cli.load.landscape import Focus, Loaded, index_entity, load
from platform_cli.load.model import ENTITY_CLASSES, Database, Entity, Landscape, Resource
from platform_cli.load.reader import StoredDocument
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.layout import (
    OPTIONAL_TEXT_FILES,
    RESOURCE_KINDS,
    place_of,
    stack_folder,
    stack_of,
    team_folder,
)
from platform_cli.sources.tree import SourceFile, Tree

FEW_FILES = 200  # changed files parsed without the document cache


class Mode(enum.Enum):
    """How a revision was evaluated (see the module docstring)."""

    STORED = "stored"
    INCREMENTAL = "incremental"
    FULL = "full"

    def __str__(self) -> str:
        return self.value


# --- Evaluating a tree ----------------------------------------------------------------


@dataclass
class Evaluated:
    """A revision's evaluation, its state (None when it has none), and how it was
    computed."""

    evaluation: Evaluation
    state: State | None
    how: Mode
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
    return Evaluated(evaluation, state, Mode.FULL, list(evaluation.loaded.entities))


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
    return Evaluated(assemble(loaded, parts, today), state, Mode.STORED, entities)


# --- Incremental evaluation ----------------------------------------------------------


def _resource_path(path: str) -> bool:
    place = place_of(path)
    return place is not None and place.kinds == RESOURCE_KINDS


def _folders_change(state: State, tree: Tree, changed: set[str]) -> bool:
    """Whether the stack folders differ: a changed file in a folder the base does not
    have, or a folder whose last file is deleted."""
    folders = state.stack_files.keys()
    for path in changed:
        folder = stack_of(path)
        if path in tree.blobs and folder not in folders:
            return True
        if path not in tree.blobs:
            prefix = stack_folder(folder)
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
            refs[name] = [f for f in before if stack_of(f.path) not in focus.stacks]
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
    return Evaluated(assemble(loaded, parts, today), None, Mode.INCREMENTAL, entities)


def _restores_from(entity: Resource, identities: set[tuple[str, str, str]]) -> bool:
    """True for a database restored from a changed identity: `database-restore` reads
    its source (its team, backups and version)."""
    restore = entity.restore if isinstance(entity, Database) else None
    return restore is not None and (entity.stack, "Database", restore.source) in identities


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
        stacks.add(stack_of(path))
        teams.add(team_folder(path))
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
            or _restores_from(entity, identities)
        ):
            paths.add(entity.path)
    # A dangling dependency's hint lists the names its stack declares
    for finding in state.references.get(ref_depends_on.RULE.id, []):
        if stack_of(finding.path) in stacks:
            paths.add(finding.path)
    return Focus(frozenset(paths), frozenset(teams), frozenset(stacks))
