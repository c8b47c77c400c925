"""The commands that turn the landscape into objects in a cluster: `render`, `stacks`,
`preview`, `up`, `drift` and `status`, and the two that tell GitHub how it went:
`report-apply` and `report-drift`.

Pulumi takes a second to import, so the commands import the apply layer when they run.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from platform_cli import progress
from platform_cli.cli.options import emit, format_option, landscape_root, root_option
from platform_cli.cli.param_types import Date
from platform_cli.errors import UsageError
from platform_cli.load.cache import DocumentCache
from platform_cli.report.apply import DRIFT_REPORTERS, STACKS_REPORTERS
from platform_cli.report.status import STATUS_REPORTERS

if TYPE_CHECKING:
    from platform_cli.apply.operations import Interruption

# How long a cancelled update may take to stop before it is terminated (which may
# leave its lock behind); a CI runner escalates to SIGTERM after 7.5 s anyway
CANCEL_GRACE_SECONDS = 30
# The most a results file of `platform up` may weigh before report-apply refuses it
MAX_RESULTS_BYTES = 16 * 1024 * 1024


def _manifest_formats() -> Iterable[str]:
    from platform_cli.report.manifests import MANIFEST_FORMATS  # only `render` renders

    return MANIFEST_FORMATS


@click.command()
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The stack to render.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one file per object into this folder (replacing an earlier render there) "
    "instead of a YAML stream on stdout.",
)
@format_option(_manifest_formats, default="yaml", help="File format.")
def render(root: Path | None, stack: str, out: Path | None, fmt: str) -> None:
    """Render a stack to Kubernetes manifests; refuses a landscape with errors."""
    from platform_cli.report.manifests import ExportOptions, export, format_export

    exported = export(
        ExportOptions(
            landscape_root(root),
            stack,
            out,
            fmt,
            progress.for_stream(sys.stderr, for_people=True),
            DocumentCache.default(),
        )
    )
    emit(format_export(exported))


@click.command()
@root_option
@click.option(
    "--stack",
    "stacks",
    multiple=True,
    metavar="NAME",
    help="The Pulumi stack, NAME.TEAM (offline: NAME or NAME.TEAM). Repeatable.",
)
@click.option("--all", "all_stacks", is_flag=True, help="Every Pulumi stack (not offline).")
@click.option("--affected", is_flag=True, help="The stacks a change since --base affects.")
@click.option("--base", metavar="REF", default=None, help="With --affected: the base revision.")
@click.option(
    "--offline",
    is_flag=True,
    help="Run the Pulumi program under Pulumi's mocks: no engine, cluster or credentials.",
)
def preview(
    root: Path | None,
    stacks: tuple[str, ...],
    all_stacks: bool,
    affected: bool,
    base: str | None,
    offline: bool,
) -> None:
    """Show what Pulumi would change: `pulumi preview` against the backend and the
    cluster, or with --offline the resources the program registers under mocks."""
    from platform_cli.report.apply import format_applied, format_offline_preview

    if offline:
        if len(stacks) != 1 or all_stacks or affected:
            raise UsageError(
                "--offline previews exactly one --stack",
                hint="platform preview --offline --stack prod.billing",
            )
        from platform_cli.apply.offline import PreviewOptions, run_preview

        emit(format_offline_preview(run_preview(PreviewOptions(landscape_root(root), stacks[0]))))
        return
    from platform_cli.apply import operations

    selection = operations.Selection(stacks, all_stacks, affected, base)
    previewed = operations.run_preview(
        operations.RunOptions(landscape_root(root), selection, env=dict(os.environ))
    )
    emit(format_applied(previewed))


@click.command()
@root_option
@click.option("--affected", is_flag=True, help="Only the stacks a change affects, with reasons.")
@click.option("--base", metavar="REF", default=None, help="With --affected: the base revision.")
@click.option(
    "--head", metavar="REF", default="HEAD", show_default=True, help="With --affected: the head."
)
@format_option(
    lambda: STACKS_REPORTERS,
    default="text",
    help='json: a GitHub Actions matrix, {"include": [{"stack", "environment", "team", '
    '"reasons"}]}.',
)
def stacks(root: Path | None, affected: bool, base: str | None, head: str, fmt: str) -> None:
    """List the Pulumi stacks (one per stack and team), or those a change affects."""
    from platform_cli.apply import operations

    listed = operations.list_stacks(
        operations.StacksOptions(landscape_root(root), affected, base, head)
    )
    emit(STACKS_REPORTERS[fmt]().render(listed))


@click.command()
@root_option
@click.option("--stack", "stacks_", multiple=True, metavar="NAME", help="NAME.TEAM; repeatable.")
@click.option("--all", "all_stacks", is_flag=True, help="Every Pulumi stack.")
@click.option("--affected", is_flag=True, help="The stacks a change since --base affects.")
@click.option("--base", metavar="REF", default=None, help="With --affected: the base revision.")
@click.option(
    "--pending",
    is_flag=True,
    help="The stacks behind HEAD: never applied, failed, skipped, or rendering "
    "differently from their last successful apply (what CI applies).",
)
@click.option(
    "--only",
    metavar="STACK",
    default=None,
    help="With --all, --affected or --pending: only the shards of this landscape stack.",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Apply up to N independent stacks at a time (dependent ones in order).",
)
@click.option(
    "--commit",
    metavar="SHA",
    default=None,
    help="The commit to apply; HEAD must be it (required in CI).",
)
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write each stack's outcome as JSON here, for `platform report-apply`.",
)
@click.option(
    "--ready-timeout",
    type=click.IntRange(min=10, max=3600),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="How long each object may take to become ready (a rollout) before its stack fails.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Let each stack take over the objects it would create that exist in the cluster "
    "already (made by hand); without it such a stack is refused, naming them.",
)
@click.option(
    "--today",
    type=Date(),
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge retirements' keepDataUntil as of this day (default: today).",
)
def up(
    root: Path | None,
    stacks_: tuple[str, ...],
    all_stacks: bool,
    affected: bool,
    base: str | None,
    pending: bool,
    only: str | None,
    parallel: int,
    commit: str | None,
    results: Path | None,
    ready_timeout: int,
    adopt: bool,
    today: datetime.date | None,
) -> None:
    """Apply Pulumi stacks to their clusters.

    Refuses a dirty working tree and a HEAD that is not --commit. A stack that check
    errors reach is refused; the others are applied, each to its own end. Exit codes:
    0 all applied, 1 some failed or were refused, 2 refused (usage), 4 the only
    failures are stacks locked by another update, 130 interrupted (SIGINT or SIGTERM:
    the updates under way are cancelled, no stack starts after it).
    """
    from platform_cli.apply import operations
    from platform_cli.report.apply import format_up, up_results

    selection = operations.Selection(stacks_, all_stacks, affected, base, pending, only)
    interruption = operations.Interruption()
    options = operations.RunOptions(
        landscape_root(root),
        selection,
        commit,
        dict(os.environ),
        ready_timeout,
        adopt=adopt,
        interruption=interruption,
        today=today,
    )
    with _stopped_by_signals(interruption):
        applied = operations.run_up(options, parallel=parallel)
    if results is not None:
        from platform_cli.atomic import write_atomic

        write_atomic(results, (json.dumps(up_results(applied), indent=2) + "\n").encode())
    emit(format_up(applied))
    from platform_cli.cli.commands import EXIT_INTERRUPTED

    sys.exit(EXIT_INTERRUPTED if interruption.is_set else applied.exit_code)


@contextlib.contextmanager
def _stopped_by_signals(interruption: Interruption) -> Iterator[None]:
    """While `up` runs, SIGINT and SIGTERM (a CI job's timeout or cancel sends both, then
    SIGKILL) stop it cleanly instead of killing it: no stack starts after the first
    signal, and each update under way is cancelled by Pulumi itself (state written,
    lock released; apply/automation.interrupt). A further signal terminates them."""
    from platform_cli.apply import automation

    received: list[int] = []

    def ask(force: bool) -> None:
        if force:
            automation.interrupt(force=True)
            return
        # A signal sent to the whole group reached the `pulumi` processes already:
        # give them a moment to say so before asking them once more
        time.sleep(1.0)
        automation.interrupt()
        deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        while time.monotonic() < deadline:
            if not automation.updates_running():
                return
            time.sleep(0.5)
        click.echo(
            f"platform: the updates did not stop within {CANCEL_GRACE_SECONDS} s: terminating them",
            err=True,
        )
        automation.interrupt(force=True)

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        name = signal.Signals(signum).name
        interruption.set(name)
        click.echo(
            f"platform: {name} received: stopping; the updates under way are cancelled "
            "(again: terminated at once)",
            err=True,
        )
        threading.Thread(target=ask, args=(len(received) > 1,), daemon=True).start()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@click.command()
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The Pulumi stack, NAME.TEAM.")
@click.option(
    "--force",
    is_flag=True,
    help="On a backend whose lock holders cannot be read here: a person checked that no "
    "apply of the stack runs.",
)
def unlock(root: Path | None, stack: str, force: bool) -> None:
    """Remove the stale lock a killed apply left on a Pulumi stack (`pulumi cancel`).

    Refuses while the holder still runs on this host; on a remote backend, needs --force
    after a person checked (docs/operations.md, 'Recovery')."""
    from platform_cli.apply import operations

    removed = operations.run_unlock(landscape_root(root), stack, dict(os.environ), force)
    held = f": {'; '.join(removed)}" if removed else ""
    emit(f"unlocked Pulumi stack {stack}{held}\n")


@click.command()
@root_option
@click.option("--only", metavar="STACK", default=None, help="Only this landscape stack's shards.")
@format_option(lambda: STATUS_REPORTERS, default="text", help="markdown: a job summary.")
def status(root: Path | None, only: str | None, fmt: str) -> None:
    """Per Pulumi stack: the last applied commit and time, the run that applied it,
    whether it is behind HEAD, and the last drift check. Reads the backend only."""
    from platform_cli.apply import operations

    result = operations.run_status(landscape_root(root), dict(os.environ), only)
    emit(STATUS_REPORTERS[fmt]().render(result))


@click.command()
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The Pulumi stack, NAME.TEAM.")
@format_option(lambda: DRIFT_REPORTERS, default="text", help="markdown: an issue body.")
def drift(root: Path | None, stack: str, fmt: str) -> None:
    """Compare the cluster with the last applied state (a preview-only refresh that
    expects no changes). Changes nothing. Exit codes: 0 no drift, 3 drift, 1 failed."""
    from platform_cli.apply import operations

    result = operations.run_drift(landscape_root(root), stack, dict(os.environ))
    emit(DRIFT_REPORTERS[fmt]().render(result))
    for warning in result.warnings:
        click.echo(f"platform: warning: {warning}", err=True)
    sys.exit(operations.EXIT_DRIFT if result.has_drift else 0)


def _github(repo: str) -> Any:
    from platform_cli.sources.github import API_URL, GitHub

    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or ""
    if not token:
        raise UsageError("no GitHub token", hint="set GITHUB_TOKEN")
    return GitHub(repository=repo, token=token, api_url=os.environ.get("GITHUB_API_URL") or API_URL)


def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise UsageError(f"{path} is larger than {MAX_RESULTS_BYTES} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"cannot read {path}: {exc}", hint="pass what `platform up --results` wrote"
        ) from None


_REPO_OPTION = click.option(
    "--repo",
    default=lambda: os.environ.get("GITHUB_REPOSITORY", ""),
    metavar="OWNER/NAME",
    help="The repository (default: $GITHUB_REPOSITORY).",
)


@click.command(name="report-apply")
@click.option("--commit", required=True, metavar="SHA", help="The commit the run applied.")
@click.option(
    "--environment",
    "environments",
    multiple=True,
    required=True,
    metavar="NAME",
    help="A GitHub environment (landscape stack) of the run; repeatable.",
)
@click.option(
    "--results-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the jobs' `platform up --results` files are, named <environment>.json.",
)
@click.option("--queued", is_flag=True, help="Before the apply jobs: say what waits.")
@click.option(
    "--run-url",
    default="",
    metavar="URL",
    help="The run to link (default: from GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID).",
)
@_REPO_OPTION
def report_apply(
    commit: str,
    environments: tuple[str, ...],
    results_dir: Path | None,
    queued: bool,
    run_url: str,
    repo: str,
) -> None:
    """Tell GitHub how an apply run went: a commit status per stack and a comment on
    the merged pull request (results, durations, what was created, service URLs, VM
    addresses, database secret names, failures, refusals and approvals awaited).

    Needs $GITHUB_TOKEN with statuses: write and pull-requests: write."""
    from platform_cli.apply.records import run_url as current_run
    from platform_cli.report.apply_publish import ApplyReport, Environment, publish_apply

    if queued == (results_dir is not None):
        raise UsageError("pass exactly one of --queued and --results-dir")
    github = _github(repo)
    envs = []
    for name in environments:
        found = None
        if results_dir is not None and (results_dir / f"{name}.json").is_file():
            found = _read_json(results_dir / f"{name}.json")
            if not isinstance(found, dict) or found.get("commit") != commit:
                raise UsageError(
                    f"{results_dir / f'{name}.json'} is not the results of commit {commit}"
                )
        # Before the jobs: say which wait for a reviewer. After them (the report job
        # runs once every job has ended), a job without results was not applied.
        waits = queued and github.needs_approval(name)
        envs.append(Environment(name, waits, found))
    report = ApplyReport(commit, run_url or current_run(os.environ), envs, queued)
    published = publish_apply(github, report)
    where = (
        f"pull request #{published.pull_request}"
        if published.pull_request
        else ("no merged pull request (a direct push)")
    )
    emit(f"report-apply: {published.statuses} commit statuses; comment on {where}\n")


@click.command(name="report-drift")
@click.option("--stack", required=True, metavar="NAME", help="The Pulumi stack, NAME.TEAM.")
@click.option(
    "--body",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="`platform drift --format markdown` of the stack.",
)
@click.option(
    "--drift/--no-drift", "drifted", required=True, help="What `platform drift` found (exit 3)."
)
@_REPO_OPTION
def report_drift(stack: str, body: Path, drifted: bool, repo: str) -> None:
    """Keep one issue per drifting stack: open it, update it while the drift lasts,
    close it when the drift is gone. Needs $GITHUB_TOKEN with issues: write."""
    from platform_cli.report.apply_publish import publish_drift

    try:
        text = body.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {body}: {exc}") from None
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    published = publish_drift(_github(repo), stack, drifted, text, today)
    number = f" #{published.issue}" if published.issue else ""
    emit(f"report-drift: {stack}: issue{number} {published.action}\n")
