"""The `platform` command: parse options, call one core function, report, exit.

Exit codes: 0 success, 1 errors found (or an expected failure), 2 usage error,
70 an unexpected bug (the traceback is saved to a file), 130 interrupted.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from platform_cli import __version__, owners, policy_engine
from platform_cli.check import CheckOptions, run_check
from platform_cli.errors import PlatformError, UsageError
from platform_cli.reporters import REPORTERS, default_format
from platform_cli.sources import find_root

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
    options = CheckOptions(
        root=base,
        stacks=stacks,
        paths=tuple(_relative(base, p) for p in paths),
        strict=strict,
        today=today.date() if today else None,
    )
    result = run_check(options)
    reporter = REPORTERS[fmt or default_format()]()
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
    """Print a policy's documentation with a passing and a failing example."""
    click.echo(policy_engine.render_explain(policy_engine.find(policy_id)), nl=False)


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
    from platform_cli.render import render_tree
    from platform_cli.render.manifests import stream, write

    rendered = render_tree(_root(root), stack)
    for finding in rendered.findings:
        click.echo(
            f"{finding.location}: {finding.level} [{finding.rule}] {finding.message}", err=True
        )
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
@click.option("--stack", required=True, metavar="NAME", help="The Pulumi stack: NAME or NAME.TEAM.")
@click.option(
    "--offline",
    is_flag=True,
    help="Run the Pulumi program under Pulumi's mocks: no engine, cluster or credentials.",
)
def preview(root: Path | None, stack: str, offline: bool) -> None:
    """Show the Pulumi resources the program registers for a stack."""
    if not offline:
        raise UsageError(
            "only the offline preview is available",
            hint="pass --offline; a preview against the cluster needs the Pulumi engine",
        )
    # Imported here: pulumi takes a second to import, and only this command needs it
    from platform_cli.preview import PreviewOptions, format_preview, run_preview

    result = run_preview(PreviewOptions(root=_root(root), stack=stack))
    click.echo(format_preview(result), nl=False)


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
    folder = Path(os.environ.get("PLATFORM_CRASH_DIR", tempfile.gettempdir()))
    fd, name = tempfile.mkstemp(prefix="platform-crash-", suffix=".log", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"platform {__version__}\nargv: {sys.argv!r}\n\n")
        out.write(traceback.format_exc())
    return name
