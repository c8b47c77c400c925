"""`platform ci pr`: the pull-request pipeline of the check job in one command.

One evaluation of base and head (`apply/pull_request.py`) gives every output the job
needs; each output option names a file to write (`-` for stdout). The separate
commands (`check`, `plan`, `stacks --affected`, `preview --offline`) keep working for
people and give the same output.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from platform_cli import progress
from platform_cli.atomic import write_atomic
from platform_cli.cli.options import emit, landscape_root, root_option, today_option
from platform_cli.load.cache import DocumentCache

_OUT = click.Path(dir_okay=False, allow_dash=True, path_type=Path)


def _write(target: Path | None, text: str) -> None:
    if target is None:
        return
    if str(target) == "-":
        emit(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text.encode("utf-8"))


@click.group()
def ci() -> None:
    """The commands CI runs; each does in one process what several commands would."""


@ci.command()
@root_option
@click.option("--base", required=True, metavar="REF", help="The revision the change goes into.")
@click.option(
    "--head",
    default="HEAD",
    show_default=True,
    metavar="REF",
    help="The revision with the change.",
)
@click.option(
    "--annotations", type=_OUT, default=None, help="GitHub workflow annotations (`-`: stdout)."
)
@click.option("--sarif", type=_OUT, default=None, help="The check's findings as SARIF 2.1.0.")
@click.option(
    "--plan-markdown", type=_OUT, default=None, help="The plan as the pull-request comment."
)
@click.option(
    "--plan-json", type=_OUT, default=None, help="The plan for tools (the approvals gate)."
)
@click.option("--plan-text", type=_OUT, default=None, help="The whole plan for a log.")
@click.option(
    "--matrix",
    type=_OUT,
    default=None,
    help="The affected Pulumi stacks as a GitHub Actions matrix, in the format of "
    "`stacks --affected --format json`: the stacks that render differently.",
)
@click.option(
    "--previews",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the offline preview of each affected stack into this folder, one "
    "`<stack>.txt` each (and list them on stderr).",
)
@today_option
def pr(
    root: Path | None,
    base: str,
    head: str,
    annotations: Path | None,
    sarif: Path | None,
    plan_markdown: Path | None,
    plan_json: Path | None,
    plan_text: Path | None,
    matrix: Path | None,
    previews: Path | None,
    today: datetime.date | None,
) -> None:
    """Check, plan, list the affected stacks and preview them offline, evaluating
    BASE and HEAD once. Exit 1 when the head has errors (every output is written
    first)."""
    from platform_cli.apply.pull_request import PullRequestOptions, run_pull_request
    from platform_cli.report.apply import STACKS_REPORTERS, format_offline_preview
    from platform_cli.report.check import REPORTERS
    from platform_cli.report.plan import PLAN_REPORTERS
    from platform_cli.report.plan_wording import headline, summary

    run = run_pull_request(
        PullRequestOptions(
            landscape_root(root),
            base,
            head,
            today,
            DocumentCache.default(),
            previews is not None,
            progress.for_stream(sys.stderr, for_people=False),
        )
    )
    _write(annotations, REPORTERS["github"]().render(run.check))
    _write(sarif, REPORTERS["sarif"]().render(run.check))
    _write(plan_markdown, PLAN_REPORTERS["markdown"]().render(run.plan))
    _write(plan_json, PLAN_REPORTERS["json"]().render(run.plan))
    _write(plan_text, PLAN_REPORTERS["text"]().render(run.plan))
    _write(matrix, STACKS_REPORTERS["json"]().render(run.stacks))
    if previews is not None:
        previews.mkdir(parents=True, exist_ok=True)
        for preview in run.previews:
            _write(previews / f"{preview.stack}.txt", format_offline_preview(preview))
        for name, why in run.not_previewed:
            click.echo(f"platform: no offline preview of {name}: {why}", err=True)
        click.echo(
            f"platform: {len(run.previews)} offline previews written to {previews}", err=True
        )
    click.echo(
        f"platform: {headline(run.plan)}: {summary(run.plan)}; "
        f"{len(run.stacks.entries)} of {run.stacks.total} Pulumi stacks affected",
        err=True,
    )
    sys.exit(run.exit_code)
