"""Self-service requests: `platform new server|database|service`.

A request is a typed value (`NewRequest`, in `options`). `request_resource` reads the
landscape (from the working tree, or with `--branch` from the branch's commit), checks
the names the request uses (`admission`), builds the document (`draft`, with the
defaults the stack's policies require), validates it together with the whole landscape
and only writes it, or commits it on a new branch, when it adds no error.

Reading the landscape, writing the file and committing are the edges, all here; what
the requester is told is `platform_cli.report.self_service`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from platform_cli.errors import UsageError
from platform_cli.findings import Finding
from platform_cli.load.landscape import load
from platform_cli.plan.restores import end_of
from platform_cli.self_service.admission import (
    check_target,
    new_findings,
    restore_window,
    starting_files,
)
from platform_cli.self_service.draft import build_draft
from platform_cli.self_service.options import DatabaseOptions, NewRequest

if TYPE_CHECKING:
    from platform_cli.sources.git import Revision


@dataclass
class NewResult:
    path: str
    text: str
    # Errors the file would add to the landscape: the request is refused
    errors: list[Finding]
    # Warnings it would add: shown, never blocking
    warnings: list[Finding]
    written: bool = False
    commit: Revision | None = None
    branch: str | None = None

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def request_resource(request: NewRequest) -> NewResult:
    """`platform new`: build, validate and write (or commit on a branch) one resource."""
    from platform_cli.sources.git import GitRepository  # only --branch needs git

    repo = GitRepository(request.root) if request.branch else None
    try:
        files = starting_files(request.root, repo)
        loaded = load(files)
        exists = (request.root / request.path).exists() or any(
            f.path == request.path for f in files
        )
        check_target(loaded, request, exists)
        draft = build_draft(loaded.landscape, request)
        text = draft.text
        today = request.today or datetime.date.today()
        errors, warnings = new_findings(files, draft.path, text.encode("utf-8"), today)
        if isinstance(request.options, DatabaseOptions) and request.options.restore_from:
            # The clock, or the end of the day --today names (as the plan does)
            now = end_of(request.today) if request.today else datetime.datetime.now(datetime.UTC)
            errors += restore_window(loaded, draft.path, text.encode("utf-8"), now)
        result = NewResult(draft.path, text, errors, warnings, branch=request.branch)
        if result.refused or request.dry_run:
            return result
        if repo is not None and request.branch:
            message = (
                f"Request {request.kind} {request.name} for team {request.team} "
                f"in stack {request.stack}"
            )
            result.commit = repo.commit_file_on_new_branch(
                draft.path, text.encode("utf-8"), request.branch, message
            )
        else:
            write_new(request.root / draft.path, text)
        result.written = True
        return result
    finally:
        if repo is not None:
            repo.close()


def write_new(target: Path, text: str) -> None:
    """Create the file; never replace one (a race with another writer included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        raise UsageError(f"{target} already exists", hint="choose another name") from None
