"""The `platform` command: parse options, call one core function, report, exit.

Exit codes: 0 success, 1 errors found (or an expected failure), 2 usage error,
70 an unexpected bug (the traceback is saved to a file), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from platform_cli import __version__
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
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(
    root: Path | None,
    stacks: tuple[str, ...],
    fmt: str | None,
    strict: bool,
    paths: tuple[Path, ...],
) -> None:
    """Check the landscape: YAML, schemas, references and layout.

    The whole landscape is always loaded, because references cross files; PATHS
    (files or folders) only narrow which findings are reported.
    """
    base = _root(root)
    options = CheckOptions(
        root=base,
        stacks=stacks,
        paths=tuple(_relative(base, p) for p in paths),
        strict=strict,
    )
    result = run_check(options)
    reporter = REPORTERS[fmt or default_format()]()
    click.echo(reporter.render(result), nl=False)
    sys.exit(result.exit_code)


def _relative(root: Path, path: Path) -> str:
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the landscape {root}") from None


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
