"""The commands a reviewer and CI run on a change: `check`, `plan`, `policies`, `owners`."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from platform_cli import progress
from platform_cli.checks import owners, policy_engine
from platform_cli.cli.options import (
    emit,
    format_option,
    landscape_root,
    relative,
    repository_path,
    root_option,
    today_option,
)
from platform_cli.errors import UsageError
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.load.cache import DocumentCache
from platform_cli.report.check import REPORTERS, default_format
from platform_cli.report.owners import format_generated, format_owners_for


def _check_formats() -> Iterable[str]:
    return sorted(REPORTERS)


def _plan_formats() -> Iterable[str]:
    from platform_cli.report.plan import PLAN_REPORTERS  # only `plan` needs the plan's core

    return PLAN_REPORTERS


@click.command()
@root_option
@click.option(
    "--stack",
    "stacks",
    multiple=True,
    metavar="NAME",
    help="Only report findings for this stack (and the global definitions).",
)
@format_option(
    _check_formats,
    default=None,
    help="Output format (default: github inside GitHub Actions, else text).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@today_option
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(
    root: Path | None,
    stacks: tuple[str, ...],
    fmt: str | None,
    strict: bool,
    today: datetime.date | None,
    paths: tuple[Path, ...],
) -> None:
    """Check the landscape: YAML, schemas, references, layout, policies and
    CODEOWNERS.

    The whole landscape is always loaded, because references cross files; PATHS
    (files or folders) only narrow which findings are reported.
    """
    base = landscape_root(root)
    fmt = fmt or default_format()
    options = CheckOptions(
        root=base,
        stacks=stacks,
        paths=tuple(relative(base, p) for p in paths),
        strict=strict,
        today=today,
        progress=progress.for_stream(sys.stderr, for_people=fmt == "text"),
        cache=DocumentCache.default(),
    )
    result = run_check(options)
    emit(REPORTERS[fmt]().render(result))
    sys.exit(result.exit_code)


@click.command()
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
@format_option(
    _plan_formats,
    default="text",
    help="markdown: a pull-request comment; text: for a terminal; json: for tools.",
)
@today_option
def plan(
    root: Path | None,
    base: str,
    head: str | None,
    fmt: str,
    today: datetime.date | None,
) -> None:
    """Show what merging HEAD into BASE would do: landscape and Kubernetes changes,
    risks, cost, quotas, reviewers and affected stacks. Exit 1 when the head has errors.

    Both revisions are read from git objects; nothing is checked out or written."""
    from platform_cli.plan.run import PlanOptions, run_plan
    from platform_cli.report.plan import PLAN_REPORTERS

    options = PlanOptions(
        landscape_root(root),
        base,
        head,
        today,
        DocumentCache.default(),
        progress.for_stream(sys.stderr, for_people=fmt != "json"),
    )
    result = run_plan(options)
    emit(PLAN_REPORTERS[fmt]().render(result))
    sys.exit(result.exit_code)


@click.group(invoke_without_command=True)
@click.option("--markdown", is_flag=True, help="Print the documentation page (docs/policies.md).")
@click.pass_context
def policies(ctx: click.Context, markdown: bool) -> None:
    """List the architecture policies: ID, level and title."""
    if ctx.invoked_subcommand is None:
        emit(policy_engine.render_docs() if markdown else policy_engine.render_list())


@policies.command()
@click.argument("policy_id", metavar="ID")
def explain(policy_id: str) -> None:
    """Print a policy's documentation with a passing and a failing example, or a
    built-in rule's documentation."""
    from platform_cli.checks.explain import explanation

    emit(explanation(policy_id))


@click.command(name="owners")
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
    base = landscape_root(root)
    if paths:
        table = owners.ownership(base)
        emit(format_owners_for(owners.owners_for(table, [repository_path(base, p) for p in paths])))
        return
    emit(format_generated(owners.write_codeowners(base)))
