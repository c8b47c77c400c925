"""The `platform` command: parse options, call one core function, report, exit.

The commands live by area (`review`, `apply`, `self_service`); this module gathers them
into one group and holds `main`, the one place where errors become messages and exit
codes: 0 success, 1 errors found (or an expected failure), 2 usage error, 3 drift
found (`drift`), 4 the Pulumi stack is locked by another update, 70 an unexpected bug
(the traceback is saved to a file), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from platform_cli import __version__
from platform_cli.cli import apply, approvals, catalog, ci, imports, review, self_service
from platform_cli.errors import PlatformError

EXIT_BUG = 70
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="platform")
def cli() -> None:
    """Validate, plan and apply the company's IT landscape declared in YAML."""


for command in (
    review.check,
    review.plan,
    review.policies,
    review.owners_command,
    approvals.approvals,
    apply.render,
    apply.stacks,
    apply.preview,
    apply.up,
    apply.drift,
    ci.ci,
    apply.status,
    apply.unlock,
    apply.report_apply,
    apply.report_drift,
    self_service.new,
    self_service.promote_command,
    imports.import_command,
    self_service.retire_command,
    catalog.catalog,
):
    cli.add_command(command)


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
