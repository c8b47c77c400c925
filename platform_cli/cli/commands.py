"""The `platform` command: parse options, call one core function, report, exit.

Exit codes: 0 success, 1 errors found (or an expected failure), 2 usage error,
3 drift found (`drift`), 4 the Pulumi stack is locked by another update, 70 an
unexpected bug (the traceback is saved to a file), 130 interrupted.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from platform_cli import __version__, progress
from platform_cli.checks import owners, policy_engine
from platform_cli.checks.explain import explanation
from platform_cli.errors import PlatformError, UsageError
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import format_finding
from platform_cli.load.cache import DocumentCache
from platform_cli.report.check import REPORTERS, default_format
from platform_cli.sources.tree import find_root

if TYPE_CHECKING:
    from platform_cli.self_service import request

EXIT_BUG = 70
EXIT_INTERRUPTED = 130

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The landscape repository (default: the nearest folder above the current one "
    "with landscape/ and stacks/).",
)


def _root(root: Path | None) -> Path:
    return find_root(root if root is not None else Path.cwd())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="platform")
def cli() -> None:
    """Validate, plan and apply the company's IT landscape declared in YAML."""


@cli.command()
@root_option
@click.option(
    "--stack",
    "stacks",
    multiple=True,
    metavar="NAME",
    help="Only report findings for this stack (and the global definitions).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default=None,
    help="Output format (default: github inside GitHub Actions, else text).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge waiver expiry as of this day (default: today), e.g. to see what "
    "expires next month.",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(
    root: Path | None,
    stacks: tuple[str, ...],
    fmt: str | None,
    strict: bool,
    today: datetime.datetime | None,
    paths: tuple[Path, ...],
) -> None:
    """Check the landscape: YAML, schemas, references, layout, policies and
    CODEOWNERS.

    The whole landscape is always loaded, because references cross files; PATHS
    (files or folders) only narrow which findings are reported.
    """
    base = _root(root)
    fmt = fmt or default_format()
    options = CheckOptions(
        root=base,
        stacks=stacks,
        paths=tuple(_relative(base, p) for p in paths),
        strict=strict,
        today=today.date() if today else None,
        progress=progress.for_stream(sys.stderr, for_people=fmt == "text"),
        cache=DocumentCache.default(),
    )
    result = run_check(options)
    reporter = REPORTERS[fmt]()
    click.echo(reporter.render(result), nl=False)
    sys.exit(result.exit_code)


@cli.group(invoke_without_command=True)
@click.option("--markdown", is_flag=True, help="Print the documentation page (docs/policies.md).")
@click.pass_context
def policies(ctx: click.Context, markdown: bool) -> None:
    """List the architecture policies: ID, level and title."""
    if ctx.invoked_subcommand is None:
        text = policy_engine.render_docs() if markdown else policy_engine.render_list()
        click.echo(text, nl=False)


@policies.command()
@click.argument("policy_id", metavar="ID")
def explain(policy_id: str) -> None:
    """Print a policy's documentation with a passing and a failing example, or a
    built-in rule's documentation."""
    click.echo(explanation(policy_id), nl=False)


@cli.command(name="owners")
@root_option
@click.option(
    "--for",
    "for_paths",
    is_flag=True,
    help="Print who must approve a change to each PATH instead of writing CODEOWNERS.",
)
@click.argument("paths", nargs=-1)
def owners_command(root: Path | None, for_paths: bool, paths: tuple[str, ...]) -> None:
    """Generate .github/CODEOWNERS from the teams and the architects.

    With --for PATH..., print the owners who must approve a change to each PATH
    (relative to the repository), by the rules GitHub applies to CODEOWNERS.
    """
    if for_paths != bool(paths):
        raise UsageError(
            "give paths with --for, and --for with paths",
            hint="platform owners --for stacks/prod/billing/billing-api.yaml",
        )
    base = _root(root)
    table = owners.ownership(base)
    if paths:
        rows = owners.owners_for(table, [_relative_path(base, p) for p in paths])
        width = max(len(path) for path, _ in rows)
        for path, who in rows:
            click.echo(f"{path:<{width}}  {' '.join(who) or '(no owners)'}")
        return
    target = base / owners.PATH
    text = owners.render(table)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        click.echo(f"{owners.PATH} is up to date ({len(table)} rules)")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {owners.PATH} ({len(table)} rules)")


def _relative_path(root: Path, path: str) -> str:
    """A repository path as given, or an absolute path made relative to the root."""
    if Path(path).is_absolute():
        return _relative(root, Path(path))
    return Path(path).as_posix().removeprefix("./")


def _relative(root: Path, path: Path) -> str:
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the landscape {root}") from None


@cli.command()
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The stack to render.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one file per object into this folder (replacing an earlier render there) "
    "instead of a YAML stream on stdout.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", help="File format."
)
def render(root: Path | None, stack: str, out: Path | None, fmt: str) -> None:
    """Render a stack to Kubernetes manifests; refuses a landscape with errors."""
    # Imported here so that commands which never render do not pay for the import
    from platform_cli.evaluate.rendering import render_tree
    from platform_cli.report.manifests import stream, write

    rendered = render_tree(
        _root(root),
        stack,
        progress.for_stream(sys.stderr, for_people=True),
        DocumentCache.default(),
    )
    for finding in rendered.findings:
        click.echo(format_finding(finding), err=True)
    if out is None:
        click.echo(stream(rendered.objects, fmt), nl=False)
        return
    written = write(rendered.objects, out, fmt)
    folders = len({name.split("/", 1)[0] for name in written.files})
    click.echo(
        f"rendered stack {stack!r}: {len(written.files)} objects in {folders} folders "
        f"written to {written.folder}"
    )


@cli.command()
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
    if offline:
        if len(stacks) != 1 or all_stacks or affected:
            raise UsageError(
                "--offline previews exactly one --stack",
                hint="platform preview --offline --stack prod.billing",
            )
        # Imported here: pulumi takes a second to import, and only this command needs it
        from platform_cli.apply.offline import PreviewOptions, format_preview, run_preview

        result = run_preview(PreviewOptions(root=_root(root), stack=stacks[0]))
        click.echo(format_preview(result), nl=False)
        return
    from platform_cli.apply import operations

    selection = operations.Selection(stacks, all_stacks, affected, base)
    previewed = operations.run_preview(
        operations.RunOptions(_root(root), selection, env=dict(os.environ))
    )
    click.echo(operations.format_applied(previewed), nl=False)


@cli.command()
@root_option
@click.option(
    "--base", required=True, metavar="REF", help="The revision the change goes into, e.g. main."
)
@click.option(
    "--head",
    default=None,
    metavar="REF",
    help="The revision with the change (default: the working tree, untracked files included).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "text", "json"]),
    default="text",
    help="markdown: a pull-request comment; text: for a terminal; json: for tools.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge waiver expiry as of this day (default: today).",
)
def plan(
    root: Path | None,
    base: str,
    head: str | None,
    fmt: str,
    today: datetime.datetime | None,
) -> None:
    """Show what merging HEAD into BASE would do: landscape and Kubernetes changes,
    risks, cost, quotas, reviewers and affected stacks. Exit 1 when the head has errors.

    Both revisions are read from git objects; nothing is checked out or written."""
    from platform_cli.plan.build import PlanOptions, run_plan
    from platform_cli.report.plan import PLAN_REPORTERS

    options = PlanOptions(
        _root(root),
        base,
        head,
        today.date() if today else None,
        DocumentCache.default(),
        progress.for_stream(sys.stderr, for_people=fmt != "json"),
    )
    result = run_plan(options)
    click.echo(PLAN_REPORTERS[fmt]().render(result), nl=False)
    sys.exit(result.exit_code)


def _request_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every `platform new KIND` shares."""
    options = [
        root_option,
        click.option("--stack", required=True, metavar="NAME", help="The stack, e.g. prod."),
        click.option("--team", required=True, metavar="NAME", help="Your team."),
        click.option("--name", required=True, metavar="NAME", help="The resource's name."),
        click.option(
            "--system",
            metavar="NAME",
            help="The system it belongs to (default: the team's only system).",
        ),
        click.option("--description", metavar="TEXT", help="One or two sentences for people."),
        click.option(
            "--branch",
            metavar="NAME",
            help="Commit the file on this new branch and switch to it; other uncommitted "
            "changes stay as they are.",
        ),
        click.option("--dry-run", is_flag=True, help="Print the file instead of writing it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.group()
def new() -> None:
    """Request a server, a database or a service: write a valid, commented file.

    The file goes to stacks/STACK/TEAM/NAME.yaml with defaults the stack's policies
    require, and is checked with the whole landscape before it is written.
    """


def _new(kind_options: request.Options, **common: Any) -> None:
    from platform_cli.self_service import request  # only the requesting commands need it

    asked = request.NewRequest(
        root=_root(common["root"]),
        stack=common["stack"],
        team=common["team"],
        name=common["name"],
        options=kind_options,
        system=common["system"],
        description=common["description"],
        branch=common["branch"],
        dry_run=common["dry_run"],
    )
    result = request.request_resource(asked)
    # A dry run prints the file alone on stdout, so that it can be redirected
    click.echo(request.render_report(result, asked), nl=False, err=asked.dry_run)
    if asked.dry_run:
        click.echo(result.text, nl=False)
    sys.exit(result.exit_code)


port_option = click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME:PORT[/UDP]",
    help="A port to open, e.g. http:8080 or sip:5060/UDP (repeatable).",
)
depends_option = click.option(
    "--depends-on",
    "depends_on",
    multiple=True,
    metavar="KIND:NAME",
    help="A resource of the stack this one uses: service:NAME, database:NAME or "
    "server:NAME (repeatable).",
)


@new.command(name="server")
@_request_options
@click.option("--image", required=True, help="An OS image from the catalog, e.g. ubuntu-24.04.")
@click.option("--cpu", type=click.IntRange(1), help="vCPUs (default: 2 in development, else 4).")
@click.option("--memory", metavar="QUANTITY", help="Memory, e.g. 8Gi.")
@click.option("--disk", metavar="QUANTITY", help="Root disk size, e.g. 100Gi.")
@click.option("--disk-class", metavar="NAME", help="A storage class of the stack.")
@click.option("--ssh-secret", metavar="NAME", help="The Secret with SSH keys (TEAM-ssh-keys).")
@port_option
@depends_option
def new_server(
    image: str,
    cpu: int | None,
    memory: str | None,
    disk: str | None,
    disk_class: str | None,
    ssh_secret: str | None,
    ports: tuple[str, ...],
    depends_on: tuple[str, ...],
    **common: Any,
) -> None:
    """Request a virtual machine."""
    from platform_cli.self_service import request  # only the requesting commands need it

    options = request.ServerOptions(
        image=image,
        cpu=cpu,
        memory=memory,
        disk=disk,
        disk_class=disk_class,
        ssh_secret=ssh_secret,
        ports=tuple(request.Port.parse(p) for p in ports),
        depends_on=tuple(request.Dependency.parse(d) for d in depends_on),
    )
    _new(options, **common)


@new.command(name="database")
@_request_options
@click.option("--version", type=int, help="PostgreSQL major version (default: 16).")
@click.option("--storage", metavar="QUANTITY", help="Storage per instance, e.g. 50Gi.")
@click.option("--storage-class", metavar="NAME", help="A storage class of the stack.")
@click.option("--instances", type=click.IntRange(1), help="Instances (default: by stack and tier).")
@click.option("--backup-schedule", metavar="CRON", help='Backup schedule, e.g. "0 2 * * *".')
@click.option("--retention-days", type=click.IntRange(1), help="Days to keep backups.")
def new_database(
    version: int | None,
    storage: str | None,
    storage_class: str | None,
    instances: int | None,
    backup_schedule: str | None,
    retention_days: int | None,
    **common: Any,
) -> None:
    """Request a PostgreSQL database."""
    from platform_cli.self_service import request  # only the requesting commands need it

    options = request.DatabaseOptions(
        version=version,
        storage=storage,
        storage_class=storage_class,
        instances=instances,
        backup_schedule=backup_schedule,
        retention_days=retention_days,
    )
    _new(options, **common)


@new.command(name="service")
@_request_options
@click.option("--image", required=True, metavar="REF", help="registry/path:version")
@port_option
@click.option("--replicas", type=click.IntRange(0), help="Pods (default: by stack and tier).")
@click.option("--cpu-request", metavar="QUANTITY", help="e.g. 250m")
@click.option("--cpu-limit", metavar="QUANTITY", help="e.g. 1")
@click.option("--memory-request", metavar="QUANTITY", help="e.g. 256Mi")
@click.option("--memory-limit", metavar="QUANTITY", help="e.g. 512Mi")
@click.option("--health-path", metavar="PATH", help="HTTP path for liveness and readiness.")
@click.option("--ingress-host", metavar="HOST", help="Expose it on this host name.")
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="A plain variable.")
@depends_option
def new_service(
    image: str,
    ports: tuple[str, ...],
    replicas: int | None,
    cpu_request: str | None,
    cpu_limit: str | None,
    memory_request: str | None,
    memory_limit: str | None,
    health_path: str | None,
    ingress_host: str | None,
    env: tuple[str, ...],
    depends_on: tuple[str, ...],
    **common: Any,
) -> None:
    """Request a containerised service."""
    from platform_cli.self_service import request  # only the requesting commands need it

    options = request.ServiceOptions(
        image=image,
        ports=tuple(request.Port.parse(p) for p in ports),
        replicas=replicas,
        cpu_request=cpu_request,
        cpu_limit=cpu_limit,
        memory_request=memory_request,
        memory_limit=memory_limit,
        health_path=health_path,
        ingress_host=ingress_host,
        env=tuple(request.parse_env(e) for e in env),
        depends_on=tuple(request.Dependency.parse(d) for d in depends_on),
    )
    _new(options, **common)


@cli.command(name="promote")
@root_option
@click.argument("resource", metavar="KIND/NAME")
@click.option("--from", "source", required=True, metavar="STACK", help="Copy from this stack.")
@click.option("--to", "target", required=True, metavar="STACK", help="Into this stack.")
@click.option("--dry-run", is_flag=True, help="Show the diff without writing.")
def promote_command(
    root: Path | None, resource: str, source: str, target: str, dry_run: bool
) -> None:
    """Copy a resource's spec to another stack, keeping what differs per stack.

    Sizes, replicas, autoscaling, storage, backups, deletion protection and ingress
    hosts stay as the target has them; a new target gets the target stack's
    defaults. The diff is shown before the file is written.
    """
    from platform_cli.self_service import promote

    result = promote.promote(
        promote.PromoteRequest(_root(root), resource, source, target, dry_run=dry_run)
    )
    click.echo(promote.render_report(result, dry_run), nl=False)
    sys.exit(result.exit_code)


@cli.command()
@root_option
@click.option("--affected", is_flag=True, help="Only the stacks a change affects, with reasons.")
@click.option("--base", metavar="REF", default=None, help="With --affected: the base revision.")
@click.option(
    "--head", metavar="REF", default="HEAD", show_default=True, help="With --affected: the head."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help='json: a GitHub Actions matrix, {"include": [{"stack", "environment", "team", '
    '"reasons"}]}.',
)
def stacks(root: Path | None, affected: bool, base: str | None, head: str, fmt: str) -> None:
    """List the Pulumi stacks (one per stack and team), or those a change affects."""
    from platform_cli.apply import operations

    listed = operations.list_stacks(operations.StacksOptions(_root(root), affected, base, head))
    click.echo(operations.STACKS_FORMATS[fmt](listed), nl=False)


@cli.command()
@root_option
@click.option("--stack", "stacks_", multiple=True, metavar="NAME", help="NAME.TEAM; repeatable.")
@click.option("--all", "all_stacks", is_flag=True, help="Every Pulumi stack.")
@click.option("--affected", is_flag=True, help="The stacks a change since --base affects.")
@click.option("--base", metavar="REF", default=None, help="With --affected: the base revision.")
@click.option(
    "--commit",
    metavar="SHA",
    default=None,
    help="The commit to apply; HEAD must be it (required in CI).",
)
def up(
    root: Path | None,
    stacks_: tuple[str, ...],
    all_stacks: bool,
    affected: bool,
    base: str | None,
    commit: str | None,
) -> None:
    """Apply Pulumi stacks to their clusters, one after another.

    Refuses a dirty working tree, a HEAD that is not --commit, and a landscape with
    check errors. Exit codes: 0 applied, 1 failed, 2 refused (usage), 4 the stack is
    locked by another update.
    """
    from platform_cli.apply import operations

    selection = operations.Selection(stacks_, all_stacks, affected, base)
    applied = operations.run_up(
        operations.RunOptions(_root(root), selection, commit, dict(os.environ))
    )
    click.echo(operations.format_applied(applied), nl=False)
    for result in applied.results:
        for warning in result.warnings:
            click.echo(f"platform: warning: {warning}", err=True)


@cli.command()
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The Pulumi stack, NAME.TEAM.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    help="markdown: an issue body.",
)
def drift(root: Path | None, stack: str, fmt: str) -> None:
    """Compare the cluster with the last applied state (a preview-only refresh that
    expects no changes). Changes nothing. Exit codes: 0 no drift, 3 drift, 1 failed."""
    from platform_cli.apply import operations

    result = operations.run_drift(_root(root), stack, dict(os.environ))
    click.echo(operations.DRIFT_FORMATS[fmt](result), nl=False)
    sys.exit(operations.EXIT_DRIFT if result.has_drift else 0)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where errors become messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="platform", standalone_mode=False)
    except PlatformError as exc:
        click.echo(f"platform: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"    hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("platform: aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("platform: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception:
        report = _save_traceback()
        click.echo(
            f"platform: unexpected error, this is a bug. The traceback is in {report}; "
            "please attach it to an issue.",
            err=True,
        )
        sys.exit(EXIT_BUG)


def _save_traceback() -> str:
    # Imported here: every other run would pay for them (tempfile imports random)
    import tempfile
    import traceback

    folder = Path(os.environ.get("PLATFORM_CRASH_DIR", tempfile.gettempdir()))
    fd, name = tempfile.mkstemp(prefix="platform-crash-", suffix=".log", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"platform {__version__}\nargv: {sys.argv!r}\n\n")
        out.write(traceback.format_exc())
    return name
