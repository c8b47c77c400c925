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
- for a shard that check errors reach (apply/blast.py); every other shard is applied.

The landscape is checked and rendered once per run, and each shard's Pulumi program
registers exactly the objects that were judged (program.deploy_rendered). Shards run
in dependency order, `--parallel N` at a time (apply/schedule.py); one shard's failure
never stops another, and each shard's outcome is a value (`ShardOutcome`).

`--pending` selects the shards whose record (apply/records.py) differs from the render
of HEAD: never applied, failed, skipped or changed since.

Before a shard's update, the objects it would create are looked up in the cluster
(`made_by_hand`): one that exists already, made by hand, refuses the shard unless
`--adopt` lets it take the object over, or the resource it is rendered from records its
adoption (`metadata.adoption`, written by `platform import`: `declared_adoptions`), which
takes over exactly those objects and their namespace. The protected objects it would
delete are refused unless a retirement lets exactly them go, and then unprotected
(apply/protection.py). A signal (`Interruption`, set by the CLI) stops
new shards from starting; the updates under way are cancelled by Pulumi itself.

Pulumi itself runs through `platform_cli.apply.automation`; this module decides what to run
and returns the results, which `platform_cli.report.apply` formats. It never prints.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.apply import automation, program, protection, records, schedule
from platform_cli.apply.blast import refused_shards
from platform_cli.errors import PlatformError, UsageError
from platform_cli.evaluate.pipeline import CheckOptions, CheckResult, run_check
from platform_cli.findings import Finding, format_finding
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.plan.shards import Affected, Shard, affected_shards, shards
from platform_cli.render import Manifest, render_stack, select_team
from platform_cli.render.meta import SOURCE_ANNOTATION
from platform_cli.sources import kubectl
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
    # The shards behind HEAD by their record (`up --pending`)
    pending: bool = False
    # Only the shards of this landscape stack (one GitHub environment's share)
    only: str | None = None


def _check_selection(selection: Selection, *, pending: bool = True) -> None:
    given = sum([bool(selection.stacks), selection.all, selection.affected, selection.pending])
    if given != 1:
        choices = (
            "--stack, --all, --affected or --pending"
            if pending
            else ("--stack, --all or --affected")
        )
        raise UsageError(
            f"name the stacks with exactly one of {choices}",
            hint="platform up --stack prod.billing",
        )
    if selection.base and not selection.affected:
        raise UsageError("--base needs --affected")
    if selection.only and selection.stacks:
        raise UsageError("--only narrows --all, --affected or --pending, not --stack")


def select(root: Path, selection: Selection, head: str = "HEAD") -> list[str]:
    """The Pulumi stacks a command line names: `--stack` (repeatable), `--all` or
    `--affected --base REF`; exactly one of them (`--pending` needs the backend: see
    `run_up`)."""
    _check_selection(selection, pending=False)
    landscape = current_landscape(root)
    return _select(root, selection, landscape, head)


def _select(root: Path, selection: Selection, landscape: Landscape, head: str) -> list[str]:
    if selection.only is not None and selection.only not in landscape.stacks:
        raise UsageError(
            f"--only names no stack of this landscape: {selection.only!r}",
            hint=f"stacks: {', '.join(sorted(landscape.stacks))}",
        )
    if selection.affected:
        listed = list_stacks(StacksOptions(root, affected=True, base=selection.base, head=head))
        names = [a.shard.name for a in listed.entries]
    elif selection.all or selection.pending:
        names = [s.name for s in shards(landscape)]
    else:
        return [validate_shard(landscape, name) for name in selection.stacks]
    if selection.only is not None:
        names = [n for n in names if Shard.parse(n).stack == selection.only]
    return names


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
    """Refuse a landscape with any check error (`preview` and `drift` judge all of it)."""
    result = run_check(CheckOptions(root=root))
    if result.failed:
        errors = [f for f in result.findings if f.level.value == "error"]
        shown = "\n  ".join(format_finding(f, level=False) for f in errors[:5])
        raise PlatformError(
            f"the landscape has {plural(len(errors), 'check error')}; "
            f"refusing to apply:\n  {shown}",
            hint="run `platform check` and fix the errors first",
        )


# The landscape judged and rendered once per run


@dataclass
class Judged:
    """Every shard of a landscape: the objects of each sound one, and the errors that
    refuse each other one."""

    landscape: Landscape
    every: list[Shard]
    objects: dict[Shard, list[Manifest]]
    contexts: dict[str, str]  # kube context per landscape stack
    refused: dict[Shard, list[Finding]]

    def digest(self, shard: Shard) -> str:
        return records.render_digest(self.objects[shard])


def judge(root: Path, only: str | None = None) -> Judged:
    """Check the landscape, refuse the shards its errors reach, render the rest."""
    result = run_check(CheckOptions(root=root))
    return judge_result(result, only)


def judge_result(result: CheckResult, only: str | None = None) -> Judged:
    landscape = result.landscape
    every = shards(landscape)
    refused = refused_shards(landscape, every, result.findings)
    objects: dict[Shard, list[Manifest]] = {}
    contexts: dict[str, str] = {}
    for stack in sorted({s.stack for s in every}):
        if only is not None and stack != only:
            continue
        sound = [s for s in every if s.stack == stack and s not in refused]
        if not sound:
            continue
        has_errors = any(s.stack == stack for s in refused)
        try:
            rendered = render_stack(landscape, stack, teams={s.team for s in sound})
        except (KeyError, TypeError, ValueError, AttributeError):
            if not has_errors:
                raise
            # A broken declaration elsewhere in the stack that the renderer trips on:
            # the stack's shards cannot be judged apart, so none of them is applied
            errors = sorted({f for s, found in refused.items() if s.stack == stack for f in found})
            for shard in sound:
                refused[shard] = errors
            continue
        contexts[stack] = rendered.kube_context
        for shard, found in refused_shards(landscape, sound, rendered.findings).items():
            refused[shard] = found
        for shard in sound:
            if shard not in refused:
                objects[shard] = select_team(rendered.objects, shard.team)
    return Judged(landscape, every, objects, contexts, dict(sorted(refused.items())))


# Operations


@dataclass(frozen=True)
class RunOptions:
    root: Path
    selection: Selection
    commit: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # Seconds the provider waits for each object to become ready (program.deploy)
    ready_timeout: int = program.DEFAULT_READY_TIMEOUT
    # Let the provider take over objects that exist in the cluster but not in the
    # stack's state (made by hand): `up --adopt`
    adopt: bool = False
    # Set by the signal handler of `platform up` (cli/apply.py)
    interruption: Interruption | None = field(default=None, compare=False)
    # The day retirements are judged on (apply/protection.py); None: today
    today: datetime.date | None = None


@dataclass
class Interruption:
    """A signal asked `platform up` to stop: no shard starts after it, and the updates
    under way are cancelled (automation.interrupt)."""

    signal: str = ""
    event: threading.Event = field(default_factory=threading.Event)

    def set(self, name: str) -> None:
        self.signal = self.signal or name
        self.event.set()

    @property
    def is_set(self) -> bool:
        return self.event.is_set()


APPLIED = "applied"
FAILED = "failed"
REFUSED = "refused"


@dataclass(frozen=True)
class ShardOutcome:
    """What became of one shard in one `up`."""

    shard: str
    status: str  # APPLIED, FAILED or REFUSED
    seconds: float = 0.0
    result: automation.OperationResult | None = None
    error: str = ""
    hint: str = ""
    exit_code: int = 0
    findings: tuple[Finding, ...] = ()
    # Objects made by hand that this apply took over (`up --adopt`): "Kind ns/name"
    adopted: tuple[str, ...] = ()
    # What let it: `--adopt`, or the resources' `metadata.adoption` alone
    adopted_by: str = "--adopt"


@dataclass
class Applied:
    commit: str
    backend: str
    results: list[automation.OperationResult]
    outcomes: list[ShardOutcome] = field(default_factory=list)
    run_url: str = ""

    @property
    def exit_code(self) -> int:
        """0 when every shard applied; 4 when the only failures are held locks; else 1."""
        bad = [o for o in self.outcomes if o.status != APPLIED]
        if not bad:
            return 0
        if all(o.exit_code == automation.StackLocked.exit_code for o in bad):
            return automation.StackLocked.exit_code
        return 1


def _workspace(root: Path, env: Mapping[str, str]) -> automation.Workspace:
    """The Pulumi workspace of the repository, running our program inline."""
    return automation.Workspace.open(root, env, functools.partial(program.main, root))


def behind(judged: Judged, tags: Mapping[str, Mapping[str, str] | None]) -> dict[Shard, bool]:
    """For each sound shard, whether its record differs from the render of HEAD."""
    out: dict[Shard, bool] = {}
    for shard in judged.objects:
        found = tags.get(shard.name)
        record = records.Record.from_tags(found) if found is not None else None
        out[shard] = record is None or record.digest != judged.digest(shard)
    return out


def run_up(options: RunOptions, parallel: int = 1) -> Applied:
    """Apply the selected shards: refused ones are reported with their errors, the
    others applied in dependency order, `parallel` at a time, each to its own end."""
    schedule.check_parallel(parallel)
    _check_selection(options.selection)
    revision = guard_apply(options.root, options.commit, options.env)
    judged = judge(options.root, options.selection.only)
    names = _select(options.root, options.selection, judged.landscape, revision.sha)
    workspace = _workspace(options.root, options.env)
    if options.selection.pending:
        tags = automation.stack_tags(
            workspace, [n for n in names if Shard.parse(n) in judged.objects]
        )
        late = behind(judged, tags)
        names = [n for n in names if late.get(Shard.parse(n), True)]
    selected = [Shard.parse(n) for n in names]
    outcomes: dict[Shard, ShardOutcome] = {
        shard: ShardOutcome(
            shard.name,
            REFUSED,
            error=f"refusing to apply Pulumi stack {shard.name}: "
            f"{_reaching(len(judged.refused[shard]))}",
            hint="fix them on main (`platform check`); the next apply run applies it",
            exit_code=1,
            findings=tuple(judged.refused[shard]),
        )
        for shard in selected
        if shard in judged.refused
    }
    runnable = [s for s in selected if s not in judged.refused]
    started = records.now()

    def work(shard: Shard) -> ShardOutcome:
        clock = time.monotonic()
        stop = options.interruption
        if stop is not None and stop.is_set:
            return _not_started(shard, stop.signal)
        objects = judged.objects[shard]
        context = judged.contexts[shard.stack]
        try:
            # One export of the stack's state serves both judgments before the
            # update: objects made by hand, and protected objects it would delete
            state = automation.export_state(workspace, shard.name, SOURCE_ANNOTATION)
            by_hand = made_by_hand(state, objects, context, options.env)
        except kubectl.KubectlFailed as exc:
            if not options.adopt:
                return ShardOutcome(
                    shard.name,
                    FAILED,
                    time.monotonic() - clock,
                    error=f"refusing to apply Pulumi stack {shard.name}: {exc.message}",
                    hint=f"{exc.hint}; or, to let the stack take over whatever exists "
                    f"already, `platform up --stack {shard.name} --adopt` ({_RECOVERY})",
                    exit_code=1,
                )
            by_hand = None
        except PlatformError as exc:
            # The backend cannot be read: the update could not run either
            return ShardOutcome(
                shard.name,
                FAILED,
                time.monotonic() - clock,
                error=exc.message,
                hint=exc.hint,
                exit_code=exc.exit_code,
            )
        adopted = tuple(ref.describe() for ref in by_hand or ())
        declared = declared_adoptions(judged.landscape, objects)
        unasked = tuple(r.describe() for r in by_hand or () if _ref_key(r) not in declared)
        if unasked and not options.adopt:
            # FAILED, not REFUSED (which says: check errors on main reach it)
            return ShardOutcome(
                shard.name,
                FAILED,
                time.monotonic() - clock,
                error=f"refusing to apply Pulumi stack {shard.name}: "
                f"{plural(len(unasked), 'object')} it would create "
                f"{'exists' if len(unasked) == 1 else 'exist'} in the cluster already, "
                f"made by hand or by another tool: {', '.join(unasked)}",
                hint="check who made them and why; to let this stack take them over (the "
                "rendered spec replaces theirs, and removing them from the landscape deletes "
                f"them), run `platform up --stack {shard.name} --adopt`; else delete them or "
                f"rename yours ({_RECOVERY})",
                exit_code=1,
            )
        shard_workspace = dataclasses.replace(
            workspace,
            program=functools.partial(
                program.deploy_rendered, objects, context, options.ready_timeout
            ),
        )
        try:
            # Protected objects the update would delete: refused, or released when a
            # retirement lets exactly them go (apply/protection.py)
            released = protection.release(
                workspace,
                shard.name,
                state,
                objects,
                judged.landscape,
                options.root,
                options.today or datetime.date.today(),
            )
        except PlatformError as exc:
            return ShardOutcome(
                shard.name,
                FAILED,
                time.monotonic() - clock,
                error=f"refusing to apply Pulumi stack {shard.name}: {exc.message}",
                hint=exc.hint,
                exit_code=1,
            )
        tags = records.apply_tags(records.render_digest(objects), options.env, started)
        tags.update(records.adopted_tag(list(adopted), started))
        if stop is not None and stop.is_set:  # the signal came during the lookup
            return _not_started(shard, stop.signal, time.monotonic() - clock)
        try:
            result = automation.up(shard_workspace, shard.name, revision.sha, tags, context)
        except PlatformError as exc:
            message, hint = exc.message, exc.hint
            stuck = _NOT_READY.search(message)
            if stop is not None and stop.is_set:
                message, hint = _interrupted(workspace, shard.name, stop.signal, message)
            elif stuck:
                message, hint = _with_events(message, hint, stuck, context, options.env)
            return ShardOutcome(
                shard.name,
                FAILED,
                time.monotonic() - clock,
                error=message,
                hint=hint,
                exit_code=exc.exit_code,
            )
        if by_hand is None:
            unchecked = "could not check for objects made by hand before --adopt"
            result = dataclasses.replace(result, warnings=(*result.warnings, unchecked))
        if released.urns:
            result = dataclasses.replace(result, warnings=(*result.warnings, *released.describe()))
        return ShardOutcome(
            shard.name,
            APPLIED,
            time.monotonic() - clock,
            result,
            adopted=adopted,
            adopted_by="--adopt" if unasked else "metadata.adoption",
        )

    needs = schedule.prerequisites(judged.landscape, runnable)
    outcomes.update(schedule.run_ordered(runnable, needs, work, parallel))
    ordered = [outcomes[s] for s in selected]
    results = [o.result for o in ordered if o.result is not None]
    return Applied(
        revision.sha, workspace.backend.url, results, ordered, records.run_url(options.env)
    )


_RECOVERY = f"{automation.DOCS}, 'Recovery'"


def _not_started(shard: Shard, signal: str, seconds: float = 0.0) -> ShardOutcome:
    return ShardOutcome(
        shard.name,
        FAILED,
        seconds,
        error=f"Pulumi stack {shard.name} was not applied: `platform up` was "
        f"interrupted ({signal}) before its update started",
        hint="`platform up --pending` applies it",
        exit_code=1,
    )


def _ref_key(ref: kubectl.ObjectRef) -> tuple[str, str, str]:
    return (ref.kind, ref.namespace, ref.name)


def declared_adoptions(landscape: Landscape, objects: list[Manifest]) -> set[tuple[str, str, str]]:
    """(kind, namespace, name) of the objects a shard may take over without `--adopt`:
    those rendered from a resource whose file records `metadata.adoption` (written by
    `platform import`), and the namespaces they live in. Every other object made by
    hand still refuses the shard."""
    adopting = {r.path for r in landscape.all_resources() if r.adoption is not None}
    if not adopting:
        return set()
    found: set[tuple[str, str, str]] = set()
    for obj in objects:
        meta = obj["metadata"]
        if meta.get("annotations", {}).get(SOURCE_ANNOTATION) in adopting:
            namespace = str(meta.get("namespace", ""))
            found.add((str(obj["kind"]), namespace, str(meta["name"])))
            if namespace:
                found.add(("Namespace", "", namespace))
    return found


def made_by_hand(
    state: automation.StackState | None,
    objects: list[Manifest],
    context: str,
    env: Mapping[str, str],
) -> list[kubectl.ObjectRef]:
    """The objects of a shard that its Pulumi state (None: no stack yet) does not hold
    yet but the cluster does: made by hand or by another tool. The provider
    (pulumi-kubernetes 4.25) would take them over silently on create; `up` refuses that
    unless asked (`--adopt`). One read-only `kubectl get` per namespace of the new
    objects; nothing when every object is in the state."""
    known = state.names if state is not None else frozenset()
    new = [
        kubectl.ObjectRef(
            str(obj["apiVersion"]),
            str(obj["kind"]),
            str(obj["metadata"].get("namespace", "")),
            str(obj["metadata"]["name"]),
        )
        for obj in objects
        if program.logical_name(obj) not in known
    ]
    return kubectl.existing(new, context, env) if new else []


def _interrupted(
    workspace: automation.Workspace, stack: str, signal: str, message: str
) -> tuple[str, str]:
    """A shard whose update a signal cancelled: what became of its lock, and how the
    next run finishes it."""
    holders = automation.lock_holders(workspace, stack)
    finish = f"`platform up --pending` (or `--stack {stack}`) finishes it"
    error = f"the apply of Pulumi stack {stack} was interrupted ({signal}): {message}"
    if holders:
        held = "; ".join(h.describe() for h in holders)
        return (
            f"{error}; its lock was left behind (stale: held by {held})",
            f"once no apply of the stack runs, `platform unlock --stack {stack}` removes the "
            f"stale lock; then {finish} ({_RECOVERY})",
        )
    if holders is None:
        return (
            error,
            f"if the next run says the stack is locked, check that no apply of it runs and "
            f"`platform unlock --stack {stack} --force`; then {finish} ({_RECOVERY})",
        )
    return (
        f"{error}; its lock is released and the state records what was applied",
        f"{finish} ({_RECOVERY})",
    )


# The provider's words for an object that never became ready
_NOT_READY = re.compile(
    r'"(?P<namespace>[a-z0-9-]+)/(?P<name>[a-z0-9.-]+)" failed to fully initialize or become live'
)


def _with_events(
    message: str, hint: str, stuck: re.Match[str], context: str, env: Mapping[str, str]
) -> tuple[str, str]:
    """The provider says that an object timed out, not why: add the Kubernetes events
    that say why (sources/kubectl.py), or where to find them."""
    namespace, name = stuck.group("namespace"), stuck.group("name")
    events = kubectl.warning_events(namespace, name, context, env)
    look = f"kubectl --context {context} -n {namespace} get events | grep {name}"
    if events:
        return f"{message}; Kubernetes events: {'; '.join(events)}", hint
    return message, f"{hint} The events say why: `{look}`".strip()


def _reaching(errors: int) -> str:
    return f"{plural(errors, 'check error')} {'reaches' if errors == 1 else 'reach'} it"


# platform status


@dataclass(frozen=True)
class ShardStatus:
    shard: str
    record: records.Record | None
    # None when the shard's check errors leave its render unknown
    behind: bool | None
    errors: int = 0


@dataclass(frozen=True)
class Status:
    commit: str
    backend: str
    shards: list[ShardStatus]


def run_status(root: Path, env: Mapping[str, str], only: str | None = None) -> Status:
    """Per shard: its record, and whether it is behind the render of HEAD."""
    repo = GitRepository(root)
    try:
        head = repo.head().sha
    finally:
        repo.close()
    judged = judge(root, only)
    every = [s for s in judged.every if only is None or s.stack == only]
    workspace = _workspace(root, env)
    tags = automation.stack_tags(workspace, [s.name for s in every])
    late = behind(judged, tags)
    listed = []
    for shard in every:
        found = tags.get(shard.name)
        listed.append(
            ShardStatus(
                shard.name,
                records.Record.from_tags(found) if found is not None else None,
                late.get(shard),
                len(judged.refused.get(shard, [])),
            )
        )
    return Status(head, workspace.backend.url, listed)


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


def run_unlock(root: Path, stack: str, env: Mapping[str, str], force: bool) -> list[str]:
    """Remove a stale lock from a shard's stack; the holders it removed.

    Stale means the update that took the lock is gone (killed, its runner lost). On a
    `file://` backend the lock names its process: one that still runs on this host is
    never unlocked. Elsewhere the holder cannot be checked from here, so a person who
    checked that no apply of the stack runs says so with `force`."""
    name = validate_shard(current_landscape(root), stack)
    workspace = _workspace(root, env)
    holders = automation.lock_holders(workspace, name)
    if holders is None and not force:
        raise UsageError(
            f"cannot tell from here whether the lock of {name} is stale (backend "
            f"{workspace.backend.url})",
            hint="check that no apply job of this stack runs (the lock error names its "
            "holder), then run again with --force",
        )
    live = [h for h in holders or [] if h.alive_here()]
    if live:
        raise UsageError(
            f"the lock of {name} is held by a running process: "
            + "; ".join(h.describe() for h in live),
            hint="wait for it to finish; a running update is never unlocked",
        )
    automation.cancel(workspace, name)
    return [h.describe() for h in holders or []]


def run_drift(root: Path, stack: str, env: Mapping[str, str]) -> automation.DriftResult:
    """The drift of one shard, recorded on its stack (`platform:drift`) for `status`."""
    name = validate_shard(current_landscape(root), stack)
    workspace = _workspace(root, env)
    result = automation.drift(workspace, name)
    tag = records.drift_tag(len(result.drifted), records.now())
    try:
        automation.set_tags(workspace, name, tag)
    except PlatformError as exc:
        return dataclasses.replace(result, warnings=(f"could not record the drift: {exc.message}",))
    return result
