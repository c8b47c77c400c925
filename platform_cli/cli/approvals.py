"""`platform approvals`: the gate that fails until everyone the plan requires approved."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from platform_cli.cli.options import emit, format_option
from platform_cli.errors import UsageError
from platform_cli.plan import approvals as core
from platform_cli.sources.github import API_URL, GitHub

# The most a plan document may weigh before the gate refuses to read it
MAX_PLAN_BYTES = 64 * 1024 * 1024


def _formats() -> Iterable[str]:
    from platform_cli.report.approvals import APPROVALS_REPORTERS

    return APPROVALS_REPORTERS


def _read(path: Path, what: str, limit: int) -> str:
    try:
        if path.stat().st_size > limit:
            raise UsageError(f"{path} is larger than {limit} bytes", hint=f"pass {what}")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", hint=f"pass {what}") from None


@click.command(name="approvals")
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="The pull request.")
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The plan of the pull request's head: `platform plan --base BASE --head HEAD "
    "--format json`, computed by the base branch's toolkit.",
)
@click.option(
    "--codeowners",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".github/CODEOWNERS"),
    show_default=True,
    help="The base branch's CODEOWNERS (its lines say which owners stand in for each other).",
)
@click.option(
    "--repo",
    default=lambda: os.environ.get("GITHUB_REPOSITORY", ""),
    metavar="OWNER/NAME",
    help="The repository (default: $GITHUB_REPOSITORY).",
)
@format_option(_formats, default="text", help="text for people, json for tools.")
def approvals(number: int, plan_path: Path, codeowners: Path, repo: str, fmt: str) -> None:
    """Fail (exit 1) until every owner the plan requires has approved the pull
    request's current head.

    Reads the pull request and its reviews through the GitHub REST API with
    $GITHUB_TOKEN; team membership with $PLATFORM_MEMBERS_TOKEN when set (a token
    with the organisation's members: read), else with $GITHUB_TOKEN."""
    from platform_cli.report.approvals import APPROVALS_REPORTERS

    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or ""
    if not token:
        raise UsageError("no GitHub token", hint="set GITHUB_TOKEN (pull-requests: read)")
    github = GitHub(
        repository=repo,
        token=token,
        members_token=os.environ.get("PLATFORM_MEMBERS_TOKEN") or None,
        api_url=os.environ.get("GITHUB_API_URL") or API_URL,
    )
    try:
        document = json.loads(_read(plan_path, "the plan's JSON", MAX_PLAN_BYTES))
    except ValueError:
        raise UsageError(
            f"{plan_path} is not JSON", hint="pass `platform plan --format json`"
        ) from None
    if not isinstance(document, dict):
        raise UsageError(f"{plan_path} is not a plan document")
    table = core.parse_codeowners(_read(codeowners, "--codeowners", 1024 * 1024))
    pull = github.pull_request(number)
    needed = core.requirements(
        core.plan_reviewers(document, pull.head_sha),
        table,
        core.architects_of(table),
        core.plan_required(document),
    )
    result = core.judge(pull, needed, github.reviews(number), github.is_active_member)
    emit(APPROVALS_REPORTERS[fmt]().render(result))
    sys.exit(0 if result.passed else 1)
