"""The commands that turn the landscape into objects in a cluster: `render`, `stacks`,
`preview`, `up` and `drift`.

Pulumi takes a second to import, so the commands import the apply layer when they run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from platform_cli import progress
from platform_cli.cli.options import emit, format_option, landscape_root, root_option
from platform_cli.errors import UsageError
from platform_cli.load.cache import DocumentCache
from platform_cli.report.apply import DRIFT_REPORTERS, STACKS_REPORTERS


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
    from platform_cli.report.apply import format_up

    selection = operations.Selection(stacks_, all_stacks, affected, base)
    applied = operations.run_up(
        operations.RunOptions(landscape_root(root), selection, commit, dict(os.environ))
    )
    emit(format_up(applied))


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
    sys.exit(operations.EXIT_DRIFT if result.has_drift else 0)
