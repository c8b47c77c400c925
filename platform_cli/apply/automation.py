"""The Pulumi Automation API: the only module that imports `pulumi.automation`.

It decides nothing of its own. It opens a Pulumi stack by name in a `LocalWorkspace` over the
repository (the folder with `Pulumi.yaml`), runs one operation (preview, up, or a
preview-only refresh for drift), and returns a typed result. Everything Pulumi can
raise becomes one of our `PulumiError` subclasses with a one-line cause and a fix;
nothing is retried, because a retry after a lock conflict or a half-done update is a
decision for a person (docs/operations.md).

It is one cohesive module of over 400 lines on purpose: it is the whole door to Pulumi,
and every error Pulumi can raise is classified in one place, next to the calls that
raise it.

The backend comes from `PULUMI_BACKEND_URL` (`file://`, `s3://`, `https://api.pulumi.com`).
Without one, a `file://` backend inside the repository (`.pulumi-state/`) serves the
demo; in CI that is refused, because the state would vanish with the runner.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation import errors as auto_errors

from platform_cli.errors import PlatformError, UsageError
from platform_cli.words import plural

BACKEND_ENV = "PULUMI_BACKEND_URL"
PROJECT = "platform"  # the name in Pulumi.yaml
COMMIT_TAG = "platform:commit"
# The other tags `platform up` and `platform drift` keep on each Pulumi stack: the
# record `platform status` and `platform up --pending` read (apply/records.py)
RENDER_TAG = "platform:render"
APPLIED_AT_TAG = "platform:applied-at"
RUN_TAG = "platform:run"
DRIFT_TAG = "platform:drift"
ADOPTED_TAG = "platform:adopted"
LOCAL_STATE = ".pulumi-state"
DOCS = "docs/operations.md"

# Operations that change nothing: not reported as changes
_UNCHANGED = frozenset({"same", "read", "refresh"})


# Errors


class PulumiError(PlatformError):
    """Pulumi could not do what was asked; nothing more will be tried."""


class PulumiNotInstalled(PulumiError):
    """No `pulumi` CLI on PATH."""


class LocalBackendInCI(PulumiError):
    """CI without PULUMI_BACKEND_URL: the state would be lost with the runner."""

    exit_code = 2


class BackendUnreachable(PulumiError):
    """The state backend cannot be reached or refuses the credentials."""


class SecretsUnavailable(PulumiError):
    """The passphrase that decrypts the stack's secrets is not set."""


class ClusterUnreachable(PulumiError):
    """The Kubernetes cluster of the stack's kube context cannot be reached."""


class ClusterCredentialsRefused(PulumiError):
    """The cluster answered, but refused the kube context's credentials."""


class StackLocked(PulumiError):
    """Another update holds the stack's lock (or a killed one left it behind)."""

    exit_code = 4


class StackNotFound(PulumiError):
    """The Pulumi stack does not exist in the backend."""


class ProgramFailed(PulumiError):
    """The Pulumi program failed (check errors, a bug, a bad object)."""


class UpdateFailed(PulumiError):
    """Pulumi failed during the operation, possibly after applying some changes."""


# Results


@dataclass(frozen=True)
class ResourceChange:
    """One resource that an operation creates, updates, deletes or finds drifted."""

    op: str
    type: str
    name: str
    urn: str
    diffs: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationResult:
    stack: str
    operation: str
    # Pulumi's own count per operation, "same" included
    summary: Mapping[str, int]
    resources: tuple[ResourceChange, ...]
    outputs: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> int:
        return sum(n for op, n in self.summary.items() if op not in _UNCHANGED)


@dataclass(frozen=True)
class DriftResult:
    stack: str
    drifted: tuple[ResourceChange, ...]
    # How many resources the refresh found as they were recorded
    unchanged: int
    warnings: tuple[str, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.drifted)


# Settings


@dataclass(frozen=True)
class Backend:
    url: str
    # The demo backend inside the repository
    local: bool


def is_ci(env: Mapping[str, str]) -> bool:
    return any(env.get(k, "").lower() == "true" for k in ("CI", "GITHUB_ACTIONS"))


def choose_backend(root: Path, env: Mapping[str, str]) -> Backend:
    url = env.get(BACKEND_ENV, "").strip()
    if url:
        return Backend(url, local=False)
    if is_ci(env):
        raise LocalBackendInCI(
            f"no Pulumi backend configured ({BACKEND_ENV} is not set) and this is CI: "
            "a local state file would be lost when the runner goes away",
            hint=f"set {BACKEND_ENV} (s3://..., https://api.pulumi.com or file://...) "
            f"in the GitHub environment of the stack; see {DOCS}",
        )
    return Backend((root / LOCAL_STATE).resolve().as_uri(), local=True)


@dataclass(frozen=True)
class Workspace:
    """Where and how Pulumi runs: the project folder, the backend, the environment
    passed to the `pulumi` CLI (and through it to the provider), and the program.

    The program runs inline, in this process, through the Automation API's own language
    runtime: the program that runs is the code that checked the landscape, and no
    separate Python language host is needed. `Pulumi.yaml` in the root still names the
    project and the stack settings folder.
    """

    root: Path
    backend: Backend
    env: Mapping[str, str]
    program: Callable[[], None] | None = field(default=None, compare=False)

    @classmethod
    def open(
        cls,
        root: Path,
        env: Mapping[str, str] | None = None,
        program: Callable[[], None] | None = None,
    ) -> Workspace:
        env = dict(os.environ if env is None else env)
        if not (root / "Pulumi.yaml").is_file():
            raise UsageError(
                f"no Pulumi.yaml in {root}",
                hint="run inside the landscape repository, whose Pulumi.yaml names the program",
            )
        backend = choose_backend(root, env)
        passed = {BACKEND_ENV: backend.url}
        if backend.local:
            Path(backend.url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
            # The demo's state holds no secrets worth a passphrase
            passed.setdefault("PULUMI_CONFIG_PASSPHRASE", env.get("PULUMI_CONFIG_PASSPHRASE", ""))
        return cls(root, backend, passed, program)


# Operations


def preview(workspace: Workspace, stack: str) -> OperationResult:
    """`pulumi preview` of an existing stack."""
    events = _Events()
    with _translated(workspace, stack, "preview", events):
        handle = _select(workspace, stack)
        result = handle.preview(on_event=events, color="never", diff=False)
    return OperationResult(
        stack, "preview", _summary(result.change_summary), events.changes(), {}, ()
    )


def up(
    workspace: Workspace,
    stack: str,
    commit: str,
    tags: Mapping[str, str] | None = None,
    kube_context: str = "",
) -> OperationResult:
    """`pulumi up` (creating the stack on first use), then tag it with the commit and
    the other `tags` (the record of this apply). Only a successful update is tagged, so
    a failed one leaves the stack behind main and the next `up --pending` retries it."""
    events = _Events()
    with _running(events), _translated(workspace, stack, "up", events, kube_context=kube_context):
        handle = _select(workspace, stack, create=True)
        result = handle.up(
            on_event=events,
            on_output=events.output,
            color="never",
            message=f"platform up {commit}",
        )
    warnings: list[str] = []
    for key, value in {COMMIT_TAG: commit, **(tags or {})}.items():
        try:
            handle.set_tag(key, value)
        except auto_errors.CommandError as exc:
            # The objects are applied; only the record is missing, and without it the
            # stack counts as behind main, so the next `up --pending` applies it again
            # (a no-op) and writes it. Said, never silent.
            warnings.append(f"could not tag stack {stack} with {key}={value}: {_cause(exc) or exc}")
    summary = result.summary.resource_changes or {}
    outputs = {k: v.value for k, v in result.outputs.items()}
    return OperationResult(
        stack, "up", _summary(summary), events.changes(), outputs, tuple(warnings)
    )


def drift(workspace: Workspace, stack: str) -> DriftResult:
    """A preview-only refresh that expects no changes: what differs in the cluster
    from the recorded state. Changes nothing."""
    events = _Events()
    summary: Mapping[str, int] = {}
    try:
        with _translated(workspace, stack, "refresh", events, drift_ok=True):
            handle = _select(workspace, stack)
            result = handle.preview_refresh(on_event=events, color="never", expect_no_changes=True)
            summary = _summary(result.change_summary)
    except _DriftFound:
        summary = events.summary
    drifted = events.changes()
    if not drifted and any(n for op, n in summary.items() if op not in _UNCHANGED):
        # A change Pulumi counted without a resource event: still drift, never silence
        drifted = tuple(
            ResourceChange(op, "", "(unnamed)", "")
            for op, n in sorted(summary.items())
            if op not in _UNCHANGED
            for _ in range(n)
        )
    return DriftResult(stack, drifted, int(summary.get("same", 0)))


@dataclass(frozen=True)
class StateObject:
    """One Kubernetes object of a stack's state, as deletion protection needs it."""

    urn: str
    name: str  # the logical name, program.logical_name
    protected: bool
    # The landscape file it was rendered from (its source annotation), '' if none
    source: str


@dataclass(frozen=True)
class StackState:
    """What `up` needs of a stack's state before it updates: its objects, and the
    logical names it holds, those of a create that a killed update left pending
    included (it may have reached the cluster: the next update finishes it)."""

    objects: tuple[StateObject, ...] = ()
    names: frozenset[str] = frozenset()


def export_state(workspace: Workspace, stack: str, annotation: str) -> StackState | None:
    """The state of a stack: its objects with their `protect` flag and the value of
    their `annotation` (the source file), and every logical name it holds (`Kind/
    namespace/name`, program.logical_name); None when the backend holds no such stack
    yet. One `pulumi stack export`."""
    events = _Events()
    try:
        with _translated(workspace, stack, "stack export", events):
            local = auto.LocalWorkspace(work_dir=str(workspace.root), env_vars=dict(workspace.env))
            deployment = local.export_stack(stack).deployment or {}
    except StackNotFound:
        return None
    found = []
    for entry in deployment.get("resources") or []:
        if not isinstance(entry, dict) or not entry.get("urn"):
            continue
        inputs = entry.get("inputs") or {}
        meta = inputs.get("metadata") if isinstance(inputs, dict) else None
        annotations = (meta or {}).get("annotations") if isinstance(meta, dict) else None
        source = (annotations or {}).get(annotation, "") if isinstance(annotations, dict) else ""
        urn = str(entry["urn"])
        found.append(
            StateObject(urn, urn.rsplit("::", 1)[-1], bool(entry.get("protect")), str(source))
        )
    pending = [p.get("resource") or {} for p in deployment.get("pending_operations") or []]
    names = {o.name for o in found} | {
        str(entry["urn"]).rsplit("::", 1)[-1]
        for entry in pending
        if isinstance(entry, dict) and entry.get("urn")
    }
    return StackState(tuple(found), frozenset(names))


def unprotect(workspace: Workspace, stack: str, urns: frozenset[str]) -> int:
    """Lift `protect` from exactly the resources `urns` in a stack's state, as
    `pulumi state unprotect` does: the state is exported, those entries changed, and
    imported again (the Automation API has no unprotect of its own). Returns how many
    entries changed; the next update may then delete them."""
    events = _Events()
    with _translated(workspace, stack, "stack export", events):
        local = auto.LocalWorkspace(work_dir=str(workspace.root), env_vars=dict(workspace.env))
        state = local.export_stack(stack)
    deployment = state.deployment or {}
    changed = 0
    for entry in deployment.get("resources") or []:
        if isinstance(entry, dict) and entry.get("urn") in urns and entry.get("protect"):
            entry["protect"] = False
            changed += 1
    if changed:
        with _translated(workspace, stack, "stack import", events):
            local.import_stack(stack, state)
    return changed


# Interrupting the updates that run: `platform up` stopped by a signal (a CI job's
# timeout or cancel sends SIGINT, then SIGTERM, then SIGKILL)

_RUNNING: set[_Events] = set()
_RUNNING_LOCK = threading.Lock()
# What the Pulumi CLI prints when a signal reached it: it cancels or terminates itself
_SIGNALLED = ("received; cancelling", "received; terminating")


def interrupt(*, force: bool = False) -> int:
    """Ask each `pulumi` update this process runs to stop, as Ctrl-C does: SIGINT.

    The first SIGINT is Pulumi's graceful cancel: the operations under way are
    cancelled (a rollout stops being waited for), the state records what was applied,
    and the lock is released. A second one terminates at once, which may leave the
    lock behind. A signal sent to the whole process group reached Pulumi already:
    unless `force`, an update that said so is not asked again (that would be its
    second). Returns how many updates were asked. Linux only (reads /proc)."""
    with _RUNNING_LOCK:
        told = any(events.signalled for events in _RUNNING)
    if told and not force:
        return 0
    asked = 0
    for pid in _children("pulumi"):
        try:
            os.kill(pid, signal.SIGINT)
            asked += 1
        except OSError:
            continue
    return asked


def updates_running() -> bool:
    with _RUNNING_LOCK:
        return bool(_RUNNING)


def _children(name: str) -> list[int]:
    """The processes of this one called `name`."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1 : text.rfind(")")]
        fields = text[text.rfind(")") + 2 :].split()
        if comm == name and len(fields) > 1 and fields[1] == me:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def _running(events: _Events) -> Iterator[None]:
    with _RUNNING_LOCK:
        _RUNNING.add(events)
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(events)


def stack_tags(workspace: Workspace, stacks: list[str]) -> dict[str, dict[str, str] | None]:
    """The tags of each named Pulumi stack, None for a stack the backend does not hold
    (never applied). One `stack ls`, then one `stack tag ls` per existing stack."""
    events = _Events()
    with _translated(workspace, "(all)", "stack ls", events):
        local = auto.LocalWorkspace(work_dir=str(workspace.root), env_vars=dict(workspace.env))
        existing = {summary.name.rsplit("/", 1)[-1] for summary in local.list_stacks()}
    found: dict[str, dict[str, str] | None] = {}
    for stack in stacks:
        if stack not in existing:
            found[stack] = None
            continue
        with _translated(workspace, stack, "stack tag ls", events):
            found[stack] = {str(k): str(v) for k, v in local.list_tags(stack).items()}
    return found


@dataclass(frozen=True)
class LockHolder:
    """Who took a stack's lock, as a `file://` backend's lock file records it."""

    username: str
    hostname: str
    pid: int
    timestamp: str

    def alive_here(self) -> bool:
        if self.hostname != socket.gethostname() or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # A zombie (killed, not yet reaped by its parent) holds nothing
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return True
        return stat.rpartition(")")[2].split()[:1] != ["Z"]

    def describe(self) -> str:
        return f"{self.username}@{self.hostname} (pid {self.pid}) at {self.timestamp}"


def lock_holders(workspace: Workspace, stack: str) -> list[LockHolder] | None:
    """The holders of a stack's lock on a `file://` backend (its lock files under
    `.pulumi/locks/`); None for another backend, whose locks this cannot read."""
    url = workspace.backend.url
    if not url.startswith("file://"):
        return None
    folder = Path(url.removeprefix("file://")) / ".pulumi" / "locks"
    holders = []
    for path in sorted(folder.glob(f"**/{stack}/*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            holders.append(
                LockHolder(
                    str(data.get("username", "")),
                    str(data.get("hostname", "")),
                    int(data.get("pid", 0)),
                    str(data.get("timestamp", "")),
                )
            )
        except (OSError, ValueError, TypeError, AttributeError):
            holders.append(LockHolder("(unreadable)", "", 0, str(path)))
    return holders


def cancel(workspace: Workspace, stack: str) -> None:
    """`pulumi cancel`: remove the stack's lock (a DIY backend deletes its lock files)."""
    events = _Events()
    with _translated(workspace, stack, "cancel", events):
        _select(workspace, stack).cancel()


def set_tags(workspace: Workspace, stack: str, tags: Mapping[str, str]) -> None:
    """Set tags on an existing Pulumi stack (`platform drift` records its result)."""
    events = _Events()
    with _translated(workspace, stack, "stack tag set", events):
        handle = _select(workspace, stack)
        for key, value in tags.items():
            handle.set_tag(key, value)


# Internals


class _DriftFound(Exception):
    pass


class _Events:
    """Collects the engine events of one operation (the on_event callback)."""

    def __init__(self) -> None:
        self.planned: dict[str, ResourceChange] = {}
        self.done: set[str] = set()
        self.failed: set[str] = set()
        self.summary: dict[str, int] = {}
        self.errors: list[str] = []
        # The Pulumi CLI said that a signal reached it
        self.signalled = False

    def output(self, line: str) -> None:
        if any(text in line for text in _SIGNALLED):
            self.signalled = True

    def __call__(self, event: Any) -> None:
        if event.stdout_event is not None:
            self.output(str(event.stdout_event.message))
        if event.resource_pre_event is not None:
            self._step(event.resource_pre_event.metadata)
        if event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            self._step(meta)
            self.done.add(meta.urn)
        if event.res_op_failed_event is not None:
            self.failed.add(event.res_op_failed_event.metadata.urn)
        if event.summary_event is not None:
            self.summary = _summary(event.summary_event.resource_changes)
        diagnostic = event.diagnostic_event
        if diagnostic is not None and diagnostic.severity == "error":
            self.errors.append(diagnostic.message.strip())

    def _step(self, meta: Any) -> None:
        op = str(getattr(meta.op, "value", meta.op))
        diffs = tuple(sorted(meta.diffs or meta.detailed_diff or ()))
        if op == "refresh" and not diffs:
            return
        if op in _UNCHANGED - {"refresh"} or meta.type == "pulumi:pulumi:Stack":
            return
        name = meta.urn.rsplit("::", 1)[-1]
        self.planned[meta.urn] = ResourceChange(
            "update" if op == "refresh" else op, meta.type, name, meta.urn, diffs
        )

    def changes(self) -> tuple[ResourceChange, ...]:
        return tuple(sorted(self.planned.values(), key=lambda c: (c.type, c.name, c.op)))


def _select(workspace: Workspace, stack: str, *, create: bool = False) -> auto.Stack:
    options = auto.LocalWorkspaceOptions(work_dir=str(workspace.root), env_vars=workspace.env)
    if workspace.program is not None:
        # Inline: Pulumi.yaml in work_dir gives the project; the program is ours
        if create:
            return auto.create_or_select_stack(
                stack_name=stack, project_name=PROJECT, program=workspace.program, opts=options
            )
        return auto.select_stack(
            stack_name=stack, project_name=PROJECT, program=workspace.program, opts=options
        )
    if create:
        return auto.create_or_select_stack(
            stack_name=stack, work_dir=str(workspace.root), opts=options
        )
    return auto.select_stack(stack_name=stack, work_dir=str(workspace.root), opts=options)


def _summary(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(op, "value", op)): int(n) for op, n in (changes or {}).items()}


_ERROR_LINE = re.compile(r"error:\s*(.+)$", re.IGNORECASE)
# How CommandError's text labels Pulumi's two streams
_STREAM = re.compile(r"^\s*(stdout|stderr):")
_NO_CHANGES_EXPECTED = re.compile(r"no changes were expected", re.IGNORECASE)
_BACKEND_TEXTS = (
    "problem logging in",
    "failed to log in",
    "unable to check if bucket",
    "unable to open bucket",
    "could not reach",
    "getting user info",
    "nocredentialproviders",
    "pulumi_access_token",
)
_CLUSTER_TEXTS = (
    "cluster is unreachable",
    "unable to load kubernetes client configuration",
    "unable to load schema information from the api server",
    "failed to read kubeconfig",
    "invalid kubeconfig",
    "connect: connection refused",
    "no route to host",
)
_CREDENTIAL_TEXTS = (
    "unauthorized",
    "provide credentials",
    "certificate signed by unknown authority",
    "certificate has expired",
    "token has expired",
)
_CLUSTER_CONTEXT = re.compile(r'context "[^"]*" does not exist', re.IGNORECASE)
# The lock file Pulumi names, and who created it: "created by user@host (pid 42) at ..."
_LOCK_HOLDER = re.compile(r"created by ([^\n]+?)\s*$", re.MULTILINE)
_PASSPHRASE_TEXTS = ("passphrase must be set", "incorrect passphrase")


def _event_cause(events: _Events) -> str:
    """The first error the engine reported as an event, whole: the CLI's own text wraps
    long lines, and cuts the reason the API server gave off the end of the first."""
    for message in events.errors:
        line = " ".join(message.split())
        if line and not line.lower().startswith(("update failed", "preview failed")):
            return line
    return ""


def _cause(exc: auto_errors.CommandError) -> str:
    """The first `error:` line Pulumi printed, else its last non-empty line."""
    lines = [_STREAM.sub("", ln).strip() for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("code:")]
    for line in lines:
        match = _ERROR_LINE.match(line)
        if match and not match.group(1).lower().startswith("update failed"):
            return match.group(1).strip()
    return lines[-1] if lines else ""


@contextmanager
def _translated(
    workspace: Workspace,
    stack: str,
    operation: str,
    events: _Events,
    *,
    drift_ok: bool = False,
    kube_context: str = "",
) -> Iterator[None]:
    backend = workspace.backend.url
    try:
        yield
    except FileNotFoundError as exc:
        if "pulumi" not in str(exc):
            raise
        raise PulumiNotInstalled(
            "the `pulumi` CLI is not installed or not on PATH",
            hint="install the release archive of PULUMI_VERSION and check it against "
            "PULUMI_SHA256, both pinned in .github/workflows/apply.yml (docs/operations.md)",
        ) from None
    except auto_errors.InvalidVersionError as exc:
        raise PulumiNotInstalled(
            f"the installed `pulumi` CLI cannot be used: {exc}",
            hint="install the Pulumi CLI version pinned in .github/workflows/apply.yml",
        ) from None
    except auto_errors.CommandError as exc:
        text = str(exc).lower()
        if drift_ok and _NO_CHANGES_EXPECTED.search(text):
            raise _DriftFound from None
        raise _classify(
            exc, text, _Where(stack, operation, backend, kube_context), events
        ) from None


@dataclass(frozen=True)
class _Where:
    stack: str
    operation: str
    backend: str
    kube_context: str


def _classify(
    exc: auto_errors.CommandError, text: str, where: _Where, events: _Events
) -> PulumiError:
    stack, operation, backend = where.stack, where.operation, where.backend
    context = f"kube context {where.kube_context!r}" if where.kube_context else "its kube context"
    named = f" (kube context {where.kube_context!r})" if where.kube_context else ""
    cause = _event_cause(events) or _cause(exc)
    if isinstance(exc, auto_errors.ConcurrentUpdateError) or "currently locked by" in text:
        holders = _LOCK_HOLDER.findall(str(exc))
        held = f" (held by {'; '.join(h.strip() for h in holders)})" if holders else ""
        return StackLocked(
            f"stack {stack} is locked by another update{held}: {cause}",
            hint="wait for the running apply to finish and run again; if none runs, a killed "
            f"job left a stale lock: a person checks and runs `pulumi cancel --stack {stack}` "
            f"(see {DOCS}, 'Recovery'). Never retried automatically.",
        )
    if isinstance(exc, auto_errors.StackNotFoundError):
        return StackNotFound(
            f"Pulumi stack {stack} does not exist in the backend {backend}",
            hint=f"`platform up --stack {stack}` creates it on its first apply; check that "
            f"{BACKEND_ENV} names the backend that holds the state",
        )
    if any(t in text for t in _PASSPHRASE_TEXTS):
        return SecretsUnavailable(
            f"cannot decrypt the secrets of stack {stack}: {cause}",
            hint="set PULUMI_CONFIG_PASSPHRASE (a secret of the stack's GitHub environment)",
        )
    if any(t in text for t in _BACKEND_TEXTS):
        return BackendUnreachable(
            f"cannot reach the Pulumi backend {backend}: {cause}",
            hint=f"check {BACKEND_ENV}, the network and the backend's credentials "
            "(AWS_* for s3://, PULUMI_ACCESS_TOKEN for Pulumi Cloud)",
        )
    if any(t in text for t in _CREDENTIAL_TEXTS):
        return ClusterCredentialsRefused(
            f"the Kubernetes cluster of stack {stack} refused the credentials of {context} "
            f"(invalid or expired): {cause}",
            hint=f"renew the credentials of {context} in the kubeconfig (KUBECONFIG, the "
            "KUBECONFIG secret of the stack's GitHub environment) and run again; "
            f"`kubectl --context {where.kube_context or '<context>'} auth whoami` shows "
            "whether they are accepted",
        )
    if any(t in text for t in _CLUSTER_TEXTS) or _CLUSTER_CONTEXT.search(text):
        return ClusterUnreachable(
            f"cannot reach the Kubernetes cluster of stack {stack}{named}: {cause}",
            hint="set KUBECONFIG to a kubeconfig with the context named in "
            "stacks/<stack>/stack.yaml (cluster.kubeContext) and check that "
            "`kubectl --context <context> get namespaces` answers",
        )
    if isinstance(
        exc,
        auto_errors.CompilationError
        | auto_errors.RuntimeError
        | auto_errors.InlineSourceRuntimeError,
    ):
        return ProgramFailed(
            f"the Pulumi program failed for stack {stack}: {cause}",
            hint=f"run `platform check` and `platform preview --offline --stack {stack}`",
        )
    if operation == "up" and events.done:
        applied = len(events.done)
        return UpdateFailed(
            f"pulumi up failed half-way for stack {stack}: "
            f"{plural(applied, 'resource operation')} completed before: {cause}",
            hint="the state records what was applied; fix the cause and run the apply again. "
            f"If the job was killed rather than failed, see {DOCS}, 'Recovery'.",
        )
    return UpdateFailed(
        f"pulumi {operation} failed for stack {stack}: {cause}",
        hint="read Pulumi's output above; nothing is retried automatically",
    )
