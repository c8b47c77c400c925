"""Applying the landscape: `platform stacks`, `platform preview` (against the
backend), `platform up` and `platform drift`.

Every Pulumi stack is a shard, `<stack>.<team>` (platform_cli.plan.shards): one team's
namespace and everything in it. A Pulumi stack named after a whole landscape stack
(`prod`) would manage the same objects as its shards, so these commands accept shard
names only.

`up` is the one command that changes a cluster, so it refuses to run:
- on a dirty working tree (what is applied must be what was merged);
- on a HEAD other than the commit named by `--commit` (CI passes the pushed SHA, so a
  job that checked out something else never applies it);
- on a landscape with check errors.

Pulumi itself runs through `platform_cli.apply.automation`; this module decides what to run
and formats the results. It never prints.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.apply import automation, program
from platform_cli.errors import PlatformError, UsageError
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import format_finding
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.plan.shards import Affected, Shard, affected_shards, shards
from platform_cli.sources.git import GitRepository, Revision
from platform_cli.sources.tree import OPTIONAL_TEXT_FILES, SourceFile, read_tree
from platform_cli.words import plural

# `github.event.before` on the first push of a branch
NULL_SHA = "0" * 40
EXIT_DRIFT = 3
# Files Pulumi itself writes into the work tree: the stacks' settings (with the
# secrets' salt) under `stackConfigDir`, and the demo's local state
_PULUMI_WRITES = ("stacks/Pulumi.", automation.LOCAL_STATE + "/")


# platform stacks


@dataclass(frozen=True)
class StacksOptions:
    root: Path
    affected: bool = False
    base: str | None = None
    head: str = "HEAD"


@dataclass(frozen=True)
class StackList:
    entries: list[Affected]
    # Set when the list is the affected shards between two commits
    base: Revision | None = None
    head: Revision | None = None
    total: int = 0


def _landscape(files: list[SourceFile]) -> Landscape:
    return load(f for f in files if f.path not in OPTIONAL_TEXT_FILES).landscape


def current_landscape(root: Path) -> Landscape:
    files, _ = read_tree(root)
    return _landscape(files)


def list_stacks(options: StacksOptions) -> StackList:
    """Every shard of the working tree's landscape, or the shards a change between
    two commits affects, each with its reasons."""
    if not options.affected:
        if options.base is not None:
            raise UsageError(
                "--base needs --affected", hint="platform stacks --affected --base REF"
            )
        every = shards(current_landscape(options.root))
        return StackList([Affected(s, ()) for s in every], total=len(every))
    if not options.base:
        raise UsageError(
            "--affected needs --base",
            hint="platform stacks --affected --base origin/main --head HEAD",
        )
    repo = GitRepository(options.root)
    try:
        head = repo.resolve(options.head)
        head_land = _landscape(repo.files_at(head)[0])
        every = shards(head_land)
        if options.base.strip("0") == "" and len(options.base) == len(NULL_SHA):
            # No base commit (a new branch): everything is new
            entries = [Affected(s, ("no base commit: every stack",)) for s in every]
            return StackList(entries, Revision(options.base, NULL_SHA), head, len(every))
        base = repo.resolve(options.base)
        base_land = _landscape(repo.files_at(base)[0])
        changed = repo.changed_paths(base, head)
    finally:
        repo.close()
    entries = affected_shards(base_land, head_land, changed)
    total = len(set(every) | set(shards(base_land)))
    return StackList(entries, base, head, total)


def _stacks_text(result: StackList) -> str:
    if result.base is None:
        return "".join(f"{a.shard.name}\n" for a in result.entries)
    width = max([len(a.shard.name) for a in result.entries] or [0])
    lines = []
    for a in result.entries:
        shown = ", ".join(a.reasons[:3])
        more = f" (+{len(a.reasons) - 3} more)" if len(a.reasons) > 3 else ""
        lines.append(f"{a.shard.name:<{width}}  {shown}{more}")
    head = result.head.sha[:12] if result.head else ""
    lines.append(
        f"{len(result.entries)} of {result.total} Pulumi stacks affected between "
        f"{result.base.ref} ({result.base.sha[:12]}) and {result.head.ref if result.head else ''} "
        f"({head})"
    )
    return "\n".join(lines) + "\n"


def stacks_matrix(result: StackList) -> dict[str, list[dict[str, object]]]:
    """A GitHub Actions matrix: one entry per Pulumi stack. `environment` is the
    landscape stack, which names the GitHub environment holding its credentials."""
    return {
        "include": [
            {
                "stack": a.shard.name,
                "environment": a.shard.stack,
                "team": a.shard.team,
                "reasons": list(a.reasons),
            }
            for a in result.entries
        ]
    }


def _stacks_json(result: StackList) -> str:
    # One line, so that CI can write it to $GITHUB_OUTPUT as it is
    return json.dumps(stacks_matrix(result), separators=(",", ":")) + "\n"


STACKS_FORMATS: dict[str, Callable[[StackList], str]] = {
    "text": _stacks_text,
    "json": _stacks_json,
}


# Targets and guards


def validate_shard(landscape: Landscape, name: str) -> str:
    known = {s.name for s in shards(landscape)}
    if name in known:
        return name
    shard = Shard.parse(name)
    if not shard.team:
        raise UsageError(
            f"{name!r} is a landscape stack, not a Pulumi stack",
            hint=f"each team is its own Pulumi stack: e.g. {name}.<team>; "
            f"`platform stacks` lists them (`platform preview --offline --stack {name}` "
            "shows the whole stack under mocks)",
        )
    raise UsageError(
        f"no Pulumi stack {name!r} in this landscape",
        hint="`platform stacks` lists them: <stack>.<team>, for a team with resources "
        "or a quota in that stack",
    )


@dataclass(frozen=True)
class Selection:
    stacks: tuple[str, ...] = ()
    all: bool = False
    affected: bool = False
    base: str | None = None


def select(root: Path, selection: Selection, head: str = "HEAD") -> list[str]:
    """The Pulumi stacks a command line names: `--stack` (repeatable), `--all` or
    `--affected --base REF`; exactly one of them."""
    given = sum([bool(selection.stacks), selection.all, selection.affected])
    if given != 1:
        raise UsageError(
            "name the stacks with exactly one of --stack, --all or --affected",
            hint="platform up --stack prod.billing",
        )
    if selection.base and not selection.affected:
        raise UsageError("--base needs --affected")
    if selection.affected:
        listed = list_stacks(StacksOptions(root, affected=True, base=selection.base, head=head))
        return [a.shard.name for a in listed.entries]
    landscape = current_landscape(root)
    if selection.all:
        return [s.name for s in shards(landscape)]
    return [validate_shard(landscape, name) for name in selection.stacks]


def guard_apply(root: Path, commit: str | None, env: Mapping[str, str]) -> Revision:
    """The commit `up` may apply, after every refusal that protects a cluster."""
    repo = GitRepository(root)
    try:
        dirty = [
            path
            for path, untracked in repo.dirty_paths()
            if not (untracked and path.removeprefix(repo.prefix).startswith(_PULUMI_WRITES))
        ]
        if dirty:
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            raise UsageError(
                f"the working tree has uncommitted changes ({shown}); refusing to apply",
                hint="commit or discard them: `up` applies exactly a commit",
            )
        head = repo.head()
        if commit is None:
            if automation.is_ci(env):
                raise UsageError(
                    "in CI, `up` needs --commit SHA, the commit this job was started for",
                    hint="platform up --stack ${{ matrix.stack }} --commit ${{ github.sha }}",
                )
            return head
        named = repo.resolve(commit)
    finally:
        repo.close()
    if named.sha != head.sha:
        raise UsageError(
            f"HEAD is {head.sha[:12]}, not the commit to apply {commit} ({named.sha[:12]}); "
            "refusing to apply",
            hint="check out the named commit: a newer merge is applied by its own job",
        )
    return head


def guard_check(root: Path) -> None:
    result = run_check(CheckOptions(root=root))
    if result.failed:
        errors = [f for f in result.findings if f.level.value == "error"]
        shown = "\n  ".join(format_finding(f, level=False) for f in errors[:5])
        raise PlatformError(
            f"the landscape has {plural(len(errors), 'check error')}; "
            f"refusing to apply:\n  {shown}",
            hint="run `platform check` and fix the errors first",
        )


# Operations


@dataclass(frozen=True)
class RunOptions:
    root: Path
    selection: Selection
    commit: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass
class Applied:
    commit: str
    backend: str
    results: list[automation.OperationResult]


def _workspace(root: Path, env: Mapping[str, str]) -> automation.Workspace:
    """The Pulumi workspace of the repository, running our program inline."""
    return automation.Workspace.open(root, env, functools.partial(program.main, root))


def run_up(options: RunOptions) -> Applied:
    """Apply each selected Pulumi stack in turn; the first failure stops the run."""
    revision = guard_apply(options.root, options.commit, options.env)
    guard_check(options.root)
    stacks = select(options.root, options.selection, head=revision.sha)
    workspace = _workspace(options.root, options.env)
    results = [automation.up(workspace, stack, revision.sha) for stack in stacks]
    return Applied(revision.sha, workspace.backend.url, results)


def run_preview(options: RunOptions) -> Applied:
    """`pulumi preview` of each selected Pulumi stack at HEAD."""
    stacks = select(options.root, options.selection)
    repo = GitRepository(options.root)
    try:
        head = repo.head().sha
    finally:
        repo.close()
    workspace = _workspace(options.root, options.env)
    return Applied(head, workspace.backend.url, [automation.preview(workspace, s) for s in stacks])


def run_drift(root: Path, stack: str, env: Mapping[str, str]) -> automation.DriftResult:
    name = validate_shard(current_landscape(root), stack)
    workspace = _workspace(root, env)
    return automation.drift(workspace, name)


# Reports

_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "+-"}
_VERBS = {
    "create": "to create",
    "update": "to update",
    "delete": "to delete",
    "replace": "to replace",
    "same": "unchanged",
}
_DONE = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "replace": "replaced",
    "same": "unchanged",
}


def _counts(summary: Mapping[str, int], words: Mapping[str, str]) -> str:
    order = ["create", "update", "replace", "delete", "same"]
    keys = sorted(summary, key=lambda k: (order.index(k) if k in order else len(order), k))
    parts = [f"{summary[k]} {words.get(k, k)}" for k in keys if summary[k]]
    return ", ".join(parts) or "no resources"


def _resource_lines(resources: tuple[automation.ResourceChange, ...]) -> list[str]:
    if not resources:
        return []
    type_width = max(len(r.type) for r in resources)
    return [
        f"  {_SYMBOLS.get(r.op, '*'):<2} {r.op:<8} {r.type:<{type_width}}  {r.name}"
        for r in resources
    ]


def format_applied(applied: Applied) -> str:
    lines: list[str] = []
    for result in applied.results:
        if result.operation == "preview":
            lines.append(f"Preview of Pulumi stack {result.stack} (backend {applied.backend}):")
            lines += _resource_lines(result.resources)
            lines.append(f"  {_counts(result.summary, _VERBS)}")
        else:
            lines.append(f"Applied commit {applied.commit[:12]} to Pulumi stack {result.stack}:")
            lines += _resource_lines(result.resources)
            lines.append(f"  {_counts(result.summary, _DONE)}")
    if not applied.results:
        lines.append("no Pulumi stacks selected: nothing to do")
    return "\n".join(lines) + "\n"


def _drift_text(result: automation.DriftResult) -> str:
    if not result.has_drift:
        return (
            f"no drift in Pulumi stack {result.stack}: {result.unchanged} resources as recorded\n"
        )
    lines = [f"drift in Pulumi stack {result.stack}: {len(result.drifted)} resources differ"]
    for r in result.drifted:
        fields = f" ({', '.join(r.diffs)})" if r.diffs else ""
        lines.append(f"  {_SYMBOLS.get(r.op, '*'):<2} {r.op:<8} {r.type}  {r.name}{fields}")
    return "\n".join(lines) + "\n"


DRIFT_MARKER = "<!-- platform-drift: {stack} -->"


def _drift_markdown(result: automation.DriftResult) -> str:
    marker = DRIFT_MARKER.format(stack=result.stack)
    if not result.has_drift:
        return (
            f"{marker}\n## No drift in `{result.stack}`\n\n"
            f"{result.unchanged} resources are as the last apply recorded them.\n"
        )
    rows = "\n".join(
        f"| {r.op} | `{r.type}` | `{r.name}` | {', '.join(f'`{d}`' for d in r.diffs) or ''} |"
        for r in result.drifted
    )
    return f"""{marker}
## Drift in Pulumi stack `{result.stack}`

The nightly `platform drift` found {len(result.drifted)} resource(s) in the cluster that differ
from what the last apply recorded ({result.unchanged} unchanged).

| change | type | resource | fields |
|---|---|---|---|
{rows}

### What to do

1. Find out who changed it and why (`kubectl describe`, the cluster's audit log).
2. If the change should stay, declare it in the landscape with a pull request.
3. Otherwise re-run the latest apply of `{result.stack}`: `platform up` puts the declared
   state back.
4. Only to accept the live state as the record, a person runs
   `pulumi refresh --stack {result.stack}` (see docs/operations.md, "Drift").

This issue is updated by the drift workflow while the drift lasts.
"""


def _drift_json(result: automation.DriftResult) -> str:
    data = {
        "stack": result.stack,
        "drift": result.has_drift,
        "unchanged": result.unchanged,
        "drifted": [
            {"op": r.op, "type": r.type, "name": r.name, "urn": r.urn, "fields": list(r.diffs)}
            for r in result.drifted
        ],
    }
    return json.dumps(data, indent=2) + "\n"


DRIFT_FORMATS: dict[str, Callable[[automation.DriftResult], str]] = {
    "text": _drift_text,
    "markdown": _drift_markdown,
    "json": _drift_json,
}
