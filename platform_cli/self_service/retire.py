"""`platform retire KIND/NAME --stack S`: phase 1 of taking a resource away.

The command writes `metadata.retirement` into the resource's file (a team's: into the
team file and every resource file of the team, in every stack) and nothing else: the
lines are inserted at the end of `metadata`, so every other line, comment and order of
the file stays as it was. What the retirement does is the renderer's (render/): a
service gets no replicas, Ingress or autoscaler, a server is halted, a database takes
a final backup and hibernates.

When the data may go (`keepDataUntil`, the first day the file may be deleted):

- a resource with `deletionProtection` outside a development stack keeps its data at
  least its backup retention (`backup.retentionDays`, and never less than 30 days:
  `checks.retirement.minimum_keep`). Without `--keep-data-until` that is the date
  written; an earlier date is refused (and the plan refuses it too, for a retirement
  written by hand: `retirement-date`);
- any other resource needs no date: its file may be deleted at any time.

Dependents (a `dependsOn` entry naming the resource, or a database's secret read
through `secretEnv`) do not stop the command: they are the check `retired-dependency`'s
errors, listed in the result, and the pull request stays red until each dependent,
whoever owns it, drops the dependency in its own file.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.checks.retirement import PROTECTED_KEEP_DAYS, gated, minimum_keep
from platform_cli.errors import UsageError
from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape, Resource, Team
from platform_cli.self_service.admission import (
    added_findings,
    known_names,
    require_stack,
    starting_files,
)
from platform_cli.self_service.yaml_writer import dump
from platform_cli.sources.tree import SourceFile

# The rule whose findings list the dependents; they never refuse the retirement
DEPENDENT_RULE = "retired-dependency"


@dataclass(frozen=True)
class RetireRequest:
    root: Path
    kind: str  # Service, Database, Server or Team
    name: str
    stack: str | None  # None for a team (every stack)
    keep_data_until: datetime.date | None = None
    reason: str | None = None
    branch: str | None = None
    dry_run: bool = False
    today: datetime.date | None = None


@dataclass
class FileChange:
    path: str
    before: str
    after: str

    @property
    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


@dataclass
class Retirement:
    """What `platform retire` wrote (or would write) and what it found."""

    ref: str
    changes: list[FileChange]
    keep_data_until: datetime.date | None
    errors: list[Finding]
    # The dependents: retired-dependency errors the pull request keeps until they go
    dependents: list[Finding] = field(default_factory=list)
    written: bool = False
    commit: str | None = None
    branch: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def retirement_data(
    today: datetime.date, keep: datetime.date | None, reason: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"requested": today.isoformat()}
    if keep is not None:
        data["keepDataUntil"] = keep.isoformat()
    if reason:
        data["reason"] = reason
    return data


def insert_retirement(text: str, data: dict[str, Any], under: str = "metadata") -> str:
    """`text` with `retirement:` appended to its top-level `under` mapping (block
    style, two spaces), every other line as it was."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{under}:"), None)
    if start is None:
        raise UsageError(
            f"no block '{under}:' at the top level of the file",
            hint=f"write '{under}:' on a line of its own, its fields indented below it",
        )
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "#")) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines at the end of the block stay after it
    block = dump({"retirement": data})
    inserted = ["  " + line + "\n" for line in block.splitlines()]
    if end > 0 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines[:end] + inserted + lines[end:])


def _resource(land: Landscape, request: RetireRequest) -> Resource:
    assert request.stack is not None
    found = land.find(request.stack, request.kind, request.name)
    if found is None:
        elsewhere = sorted(
            s for s in land.stacks if land.find(s, request.kind, request.name) is not None
        )
        known = [n for (k, n) in land.in_stack(request.stack) if k == request.kind]
        hint = (
            f"it is declared in stack {', '.join(elsewhere)}; use --stack {elsewhere[0]}"
            if elsewhere
            else known_names(request.name, known, f"{request.kind.lower()}s there")
        )
        raise UsageError(
            f"{request.kind.lower()} {request.name!r} is not declared in stack {request.stack!r}",
            hint=hint,
        )
    return found


def _refuse_retired(entity: Resource | Team, keys: tuple[str, ...]) -> None:
    retirement = entity.retirement
    if retirement is None:
        return
    line, column = entity.locate(*keys, "retirement", at_key=True)
    raise UsageError(
        f"{entity.path}:{line}:{column}: {entity.kind.lower()} {entity.name!r} is already "
        f"retired (requested {retirement.requested})",
        hint=f"edit {keys[0]}.retirement in the file to change its date or reason",
    )


def _keep_until(
    land: Landscape, resources: list[Resource], request: RetireRequest, today: datetime.date
) -> datetime.date | None:
    if request.keep_data_until is not None and request.keep_data_until < today:
        raise UsageError(
            f"--keep-data-until {request.keep_data_until} is in the past",
            hint=f"give a day from {today} on",
        )
    floors = [
        (m, r) for r in resources if gated(land, r) and (m := minimum_keep(r, today)) is not None
    ]
    if not floors:
        return request.keep_data_until
    floor, strictest = max(floors, key=lambda item: item[0])
    if request.keep_data_until is None:
        return floor
    if request.keep_data_until < floor:
        raise UsageError(
            f"--keep-data-until {request.keep_data_until} is too early: "
            f"{strictest.ref} in stack {strictest.stack!r} has deletionProtection and keeps "
            f"its data until {floor} at the least",
            hint=f"give {floor} or later (the backup retention, at least "
            f"{PROTECTED_KEEP_DAYS} days), or leave the option out",
        )
    return request.keep_data_until


def plan_retirement(request: RetireRequest, files: list[SourceFile]) -> Retirement:
    """The files a retirement changes, as text, checked with the whole landscape.
    Pure: reads only `files`."""
    today = request.today or datetime.date.today()
    loaded = load(files)
    land = loaded.landscape
    by_path = {f.path: f.data.decode("utf-8") for f in files}
    if request.kind == "Team":
        team = land.teams.get(request.name)
        if team is None:
            raise UsageError(
                f"unknown team {request.name!r}",
                hint=known_names(request.name, sorted(land.teams), "teams"),
            )
        _refuse_retired(team, ("spec",))
        resources = [
            r for r in land.all_resources() if r.team == team.name and r.retirement is None
        ]
        targets: list[tuple[str, str]] = [(team.path, "spec")]
        targets += [(r.path, "metadata") for r in sorted(resources, key=lambda r: r.path)]
        ref = f"Team/{team.name}"
    else:
        assert request.stack is not None
        require_stack(loaded, request.stack)
        resource = _resource(land, request)
        _refuse_retired(resource, ("metadata",))
        resources = [resource]
        targets = [(resource.path, "metadata")]
        ref = f"{resource.ref} in stack {request.stack}"
    keep = _keep_until(land, resources, request, today)
    data = retirement_data(today, keep, request.reason)
    changes = [
        FileChange(path, by_path[path], insert_retirement(by_path[path], data, under))
        for path, under in targets
    ]
    added = added_findings(files, {c.path: c.after.encode("utf-8") for c in changes}, today)
    errors = [f for f in added if f.level is Level.ERROR and f.rule != DEPENDENT_RULE]
    dependents = [f for f in added if f.rule == DEPENDENT_RULE]
    return Retirement(ref, changes, keep, errors, dependents, branch=request.branch)


def retire(request: RetireRequest) -> Retirement:
    """Plan the retirement, and unless refused or a dry run, write it to the working
    tree or commit it on a new branch (`--branch`)."""
    from platform_cli.sources.git import GitRepository  # only --branch needs git

    if request.kind != "Team" and request.stack is None:
        raise UsageError(
            f"retiring a {request.kind.lower()} needs --stack", hint="e.g. --stack prod"
        )
    repo = GitRepository(request.root) if request.branch else None
    try:
        files = starting_files(request.root, repo)
        result = plan_retirement(request, files)
        if result.errors or request.dry_run:
            return result
        if repo is not None and request.branch:
            message = f"Retire {result.ref}"
            if request.reason:
                message += f": {request.reason}"
            commit = repo.commit_changes_on_new_branch(
                {c.path: c.after.encode("utf-8") for c in result.changes}, request.branch, message
            )
            result.commit = commit.sha
        else:
            for change in result.changes:
                target = request.root / change.path
                if target.read_text(encoding="utf-8") != change.before:
                    raise UsageError(
                        f"{change.path} changed while it was read", hint="run the command again"
                    )
                target.write_text(change.after, encoding="utf-8", newline="\n")
        result.written = True
        return result
    finally:
        if repo is not None:
            repo.close()
