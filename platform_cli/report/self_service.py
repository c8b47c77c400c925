"""What `platform new`, `platform promote` and `platform retire` tell the requester.

The findings the file would add (as `platform check` prints them), the verdict, and
the next steps. A dry run of `platform new` prints the file alone on stdout, so that it
can be redirected; the report then goes to stderr.
"""

from __future__ import annotations

from platform_cli.report.output import Output, findings_text
from platform_cli.self_service.options import NewRequest
from platform_cli.self_service.promote import Promotion
from platform_cli.self_service.request import NewResult
from platform_cli.self_service.retire import Retirement
from platform_cli.words import plural


def _refused(path: str, errors: int) -> str:
    return (
        f"refused: {path} would add {plural(errors, 'error')} to the landscape; "
        "nothing was written\n"
    )


def new_report(result: NewResult, request: NewRequest) -> str:
    """What `platform new` tells the requester, apart from the file itself."""
    out = findings_text(result.errors + result.warnings)
    what = f"{request.kind} {request.name} for team {request.team} in stack {request.stack}"
    if result.refused:
        return out + _refused(result.path, len(result.errors))
    if request.dry_run:
        return out + f"dry run: {result.path} ({what}) was not written\n"
    if result.commit is not None:
        branch = result.commit.ref
        return out + (
            f"created branch {branch} with commit {result.commit.sha[:12]}: {result.path}\n"
            "your other changes are untouched; HEAD is now on the new branch\n"
            "next steps:\n"
            f"  git push -u origin {branch}\n"
            f"  open a pull request from {branch}: CI checks it and the owners review it\n"
        )
    return out + (
        f"wrote {result.path} ({what})\n"
        "next steps: commit it on a branch, push and open a pull request, e.g.\n"
        f"  git switch -c {request.team}/{request.name}\n"
        f"  git add {result.path}\n"
        f'  git commit -m "Request {what}"\n'
        f"  git push -u origin {request.team}/{request.name}\n"
        "(or run the command with --branch NAME to create the branch and commit)\n"
    )


def format_new(result: NewResult, request: NewRequest) -> Output:
    """The report; with a dry run, the report on stderr and the file on stdout."""
    report = new_report(result, request)
    if request.dry_run:
        return Output.stderr(report) + Output.stdout(result.text)
    return Output.stdout(report)


def format_promotion(result: Promotion, dry_run: bool) -> str:
    """The diff of the target file, what was kept and adapted, and the verdict."""
    out = result.diff
    if result.kept:
        out += f"kept from the target (they differ per stack): {', '.join(result.kept)}\n"
    for note in result.adapted:
        out += f"adapted to the target stack: {note}\n"
    out += findings_text(result.errors + result.warnings)
    if result.errors:
        return out + _refused(result.path, len(result.errors))
    if not result.changed:
        return out + f"{result.path} is already up to date\n"
    if dry_run:
        return out + f"dry run: {result.path} was not written\n"
    return out + f"wrote {result.path}\n"


def format_retirement(result: Retirement, dry_run: bool) -> Output:
    """The diff of every file, the dependents that must go first, and the verdict."""
    out = "".join(c.diff for c in result.changes)
    out += findings_text(result.errors)
    if result.errors:
        paths = ", ".join(c.path for c in result.changes)
        return Output.stdout(out + _refused(paths, len(result.errors)))
    keep = (
        f"the data is kept until {result.keep_data_until}: from that day on a pull request "
        "may delete the file"
        if result.keep_data_until is not None
        else "no protected data: a later pull request may delete the file at any time"
    )
    out += f"retiring {result.ref}: {keep}\n"
    if result.dependents:
        files = len({f.path for f in result.dependents})
        out += (
            f"{plural(files, 'dependent')} ({plural(len(result.dependents), 'reference')}) "
            f"still {'uses' if files == 1 else 'use'} it; the pull request fails its check "
            "until each drops the dependency (in its own file, by its own team):\n"
        )
        out += findings_text(result.dependents)
    written = ", ".join(c.path for c in result.changes)
    if dry_run:
        return Output.stdout(out + f"dry run: {written} was not written\n")
    if result.commit is not None:
        return Output.stdout(
            out + f"created branch {result.branch} with commit {result.commit[:12]}: {written}\n"
            "your other changes are untouched; HEAD is now on the new branch\n"
            "next steps:\n"
            f"  git push -u origin {result.branch}\n"
            f"  open a pull request from {result.branch}: its plan shows what stops and what "
            "is kept\n"
        )
    return Output.stdout(
        out + f"wrote {written}\nnext steps: commit it on a branch, push and open a pull "
        "request (or run the command with --branch NAME to create the branch and commit)\n"
    )
