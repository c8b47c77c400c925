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
and returns the results, which `platform_cli.report.apply` formats. It never prints.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
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
from platform_cli.sources.layout import OPTIONAL_TEXT_FILES
from platform_cli.sources.tree import SourceFile, read_tree
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
