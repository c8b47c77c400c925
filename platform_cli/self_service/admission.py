"""What a file from `platform new` or `platform promote` must pass before it is written.

First the names it uses: the stack, the team, the system and a free resource name
(a `UsageError` otherwise). Then the landscape with the file in it: `new_findings` is
what the file adds, and an added error refuses it. `added_findings` is the same for any
set of written files: `platform retire` and `platform import` ask it too.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING

from platform_cli.checks.integrity.database_restore import window_finding
from platform_cli.errors import UsageError
from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import Loaded, load
from platform_cli.load.model import Database, Stack
from platform_cli.self_service.draft import system_of
from platform_cli.self_service.options import NewRequest
from platform_cli.sources.tree import SourceFile, read_tree
from platform_cli.words import did_you_mean

if TYPE_CHECKING:
    from platform_cli.sources.git import GitRepository

_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
NAME_HINT = "a name is a DNS label: lower-case letters, digits and '-', starting with a letter"


def known_names(name: str, known: Sequence[str], what: str) -> str:
    """A hint for an unknown name: the close ones, else every known one."""
    return did_you_mean(name, known, n=3) or f"{what}: {', '.join(sorted(known)) or '(none)'}"


def require_stack(loaded: Loaded, stack: str) -> Stack:
    land = loaded.landscape
    if stack not in land.stacks:
        raise UsageError(
            f"unknown stack {stack!r}", hint=known_names(stack, sorted(land.stacks), "stacks")
        )
    return land.stacks[stack]


def check_target(loaded: Loaded, request: NewRequest, exists: bool) -> None:
    """Refuse an unknown team or stack, a bad name, or a name that is already taken."""
    land = loaded.landscape
    if not _NAME.match(request.name) or len(request.name) > 40:
        raise UsageError(f"bad name {request.name!r}", hint=NAME_HINT + ", at most 40 characters")
    require_stack(loaded, request.stack)
    if request.team not in land.teams:
        raise UsageError(
            f"unknown team {request.team!r}",
            hint=known_names(request.team, sorted(land.teams), "teams"),
        )
    system_of(land, request)
    if exists:
        raise UsageError(
            f"{request.path} already exists",
            hint="choose another name; to change the resource, edit the file",
        )
    if (request.stack, request.kind, request.name) in loaded.declared:
        found = land.find(request.stack, request.kind, request.name)
        where = f" in {found.path}" if found is not None else ""
        raise UsageError(
            f"{request.kind.lower()} {request.name!r} is already declared in stack "
            f"{request.stack!r}{where}",
            hint="names are unique per kind and stack; choose another name",
        )


def starting_files(root: Path, repo: GitRepository | None) -> list[SourceFile]:
    """The landscape a request starts from: with `--branch` (`repo`), the commit the new
    branch starts from, HEAD, never the working tree's uncommitted changes; else the
    working tree at `root`."""
    if repo is not None:
        return repo.files_at(repo.branch_head())[0]
    return read_tree(root)[0]


def added_findings(
    files: list[SourceFile],
    changed: Mapping[str, bytes],
    today: datetime.date,
    before: Set[Finding] | None = None,
) -> list[Finding]:
    """The findings that writing `changed` (path to contents: new files, or new
    contents of files in `files`) adds to the landscape of `files`, sorted.

    Findings that stand without the change do not count, so an unrelated problem
    elsewhere never blocks a request; a finding that the change causes elsewhere (a
    team's quota, LND007; the dependents of a retired resource) does, as its message
    changes with the new totals. `before`, the findings of `files` alone, when a caller
    that asks again (`platform import`, after refusing some files) has them already."""
    unchanged = [f for f in files if f.path not in changed]
    written = [SourceFile(path, data) for path, data in changed.items()]
    after = evaluate_files([*unchanged, *written], today).findings
    if before is None:
        if len(unchanged) == len(files) and all(f.path in changed for f in after):
            # New files only, and nothing found elsewhere: nothing to compare with
            return sorted(after)
        before = set(evaluate_files(files, today).findings)
    return sorted(f for f in after if f not in before)


def new_findings(
    files: list[SourceFile], path: str, data: bytes, today: datetime.date
) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) that writing `data` at `path` adds to the landscape without
    whatever stands at `path` now (`added_findings`)."""
    others = [f for f in files if f.path != path]
    added = added_findings(others, {path: data}, today)
    return (
        [f for f in added if f.level is Level.ERROR],
        [f for f in added if f.level is Level.WARNING],
    )


def restore_window(loaded: Loaded, path: str, data: bytes, now: datetime.datetime) -> list[Finding]:
    """`database-restore-window` for a new database file (`data` at `path`) restored
    from a database of `loaded`, judged at `now`: the plan judges it again when the
    pull request is planned, and the apply runs later still."""
    new = load([SourceFile(path, data)]).landscape.all_resources()
    found: list[Finding] = []
    for db in new:
        if not isinstance(db, Database) or db.restore is None:
            continue
        source = loaded.landscape.find(db.stack, "Database", db.restore.source)
        if isinstance(source, Database):
            finding = window_finding(db, source, now)
            if finding is not None:
                found.append(finding)
    return found
