"""The approvals gate: has everyone the plan requires approved the pull request?

CODEOWNERS cannot say "this change opens the billing team's namespace, so billing must
approve", and GitHub accepts one approval from any owner of a line. The plan can say
it: its required reviewers (`platform plan --format json`, key `reviewers`) name each
owner with the paths they must approve. This module turns them into requirements and
judges the pull request's reviews against them.

A requirement is "an approval by any one of these owners":

- an owner whom the base's CODEOWNERS lists on the line of a path may be stood in for
  by the other owners of that line (a team and its named lead), as GitHub does;
- an owner the plan adds for a path whose line does not list them (another team whose
  namespace the change opens, say) is a requirement of their own;
- the architects are always a requirement of their own: the plan names them only where
  the architecture, a quota or a risk needs them.

An owner is approved by the latest decisive review (approved, changes requested or
dismissed) of each user: an approval counts only on the pull request's current head,
never from the author, a bot or a deleted account; a team is approved when such an
approving user is an active member of it. Everything here is pure; reading GitHub is
`sources/github.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from platform_cli.checks.owners import CodeownersEntry, owners_for
from platform_cli.errors import PlatformError
from platform_cli.sources.github import PullRequest, Review

DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


class PlanError(PlatformError):
    """The plan document cannot be judged (wrong shape, another commit)."""


@dataclass(frozen=True)
class Requirement:
    """An approval by any one of `owners`, for `paths` (the changed files they own) or
    for `reasons` (what the plan says they must approve beyond their files)."""

    owners: tuple[str, ...]
    paths: tuple[str, ...]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Judged:
    requirement: Requirement
    approved_by: tuple[str, ...]  # the users whose approval meets it (empty: waiting)


@dataclass(frozen=True)
class Approvals:
    pull: PullRequest
    judged: tuple[Judged, ...]
    approvers: tuple[str, ...]  # users whose approval counts
    stale: tuple[str, ...]  # users who approved an earlier head
    blocking: tuple[str, ...]  # users whose latest decisive review requests changes

    @property
    def passed(self) -> bool:
        return all(j.approved_by for j in self.judged)

    @property
    def waiting(self) -> tuple[Requirement, ...]:
        return tuple(j.requirement for j in self.judged if not j.approved_by)


def parse_codeowners(text: str) -> list[CodeownersEntry]:
    """The lines of a CODEOWNERS file as entries (comments and blank lines skipped)."""
    table = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2:
            table.append(CodeownersEntry(words[0], tuple(words[1:])))
    return table


def architects_of(table: list[CodeownersEntry]) -> str:
    """The architects: `platform owners` makes them the owners of `*`, the first line."""
    for entry in table:
        if entry.pattern == "*" and len(entry.owners) == 1:
            return entry.owners[0]
    raise PlanError(
        "CODEOWNERS has no `*` line with one owner, so the architects are unknown",
        hint="generate .github/CODEOWNERS with `platform owners`",
    )


def plan_reviewers(document: Mapping[str, Any], head_sha: str) -> list[tuple[str, list[str]]]:
    """The required reviewers of a plan document, after checking that the plan is of
    the pull request's current head."""
    head = document.get("head")
    if not isinstance(head, dict) or not isinstance(document.get("reviewers"), list):
        raise PlanError(
            "the plan is not a `platform plan --format json` document",
            hint="pass the output of `platform plan --base BASE --head HEAD --format json`",
        )
    if head.get("sha") != head_sha:
        raise PlanError(
            f"the plan is of commit {head.get('sha')}, the pull request's head is {head_sha}",
            hint="plan the pull request's current head and run the gate again",
        )
    out = []
    for entry in document["reviewers"]:
        owner, paths = entry.get("owner"), entry.get("paths")
        if not isinstance(owner, str) or not isinstance(paths, list):
            raise PlanError(f"a required reviewer of the plan has no owner and paths: {entry}")
        out.append((owner, [str(p) for p in paths]))
    return out


def plan_required(document: Mapping[str, Any]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The plan's approvals beyond CODEOWNERS (`requiredApprovals`): per entry, the
    owners any one of whom approves, and the reasons. A plan without the key is refused:
    a gate that silently read nothing would pass a change that opens another team's
    namespace."""
    entries = document.get("requiredApprovals")
    if not isinstance(entries, list):
        raise PlanError(
            "the plan has no `requiredApprovals`",
            hint="plan with a toolkit that lists required approvals (platform plan --format json)",
        )
    out = []
    for entry in entries:
        owners = entry.get("owners") if isinstance(entry, dict) else None
        reasons = entry.get("reasons", []) if isinstance(entry, dict) else None
        if (
            not isinstance(owners, list)
            or not owners
            or not all(isinstance(o, str) for o in owners)
            or not isinstance(reasons, list)
        ):
            raise PlanError(
                f"a required approval of the plan has no owners: {entry}",
                hint="a team with no owners cannot approve; give the team owners in its file",
            )
        out.append((tuple(owners), tuple(str(r) for r in reasons)))
    return out


def requirements(
    reviewers: Iterable[tuple[str, list[str]]],
    table: list[CodeownersEntry],
    architects: str,
    required: Iterable[tuple[tuple[str, ...], tuple[str, ...]]] = (),
) -> list[Requirement]:
    """One requirement per set of interchangeable owners, with the paths it covers, and
    one per approval the plan requires beyond the files' owners (`plan_required`)."""
    paths_of: dict[tuple[str, ...], set[str]] = {}
    for owner, paths in reviewers:
        for path, line in owners_for(table, paths):
            if owner != architects and owner in line:
                group = tuple(sorted(o for o in line if o != architects))
            else:
                group = (owner,)
            paths_of.setdefault(group, set()).add(path)
    # A requirement the plan states for owners who already own changed files (the
    # architects for a raised quota in a team file) is one requirement, with its reasons
    reasons_of: dict[tuple[str, ...], set[str]] = {}
    for owners, reasons in required:
        group = tuple(sorted(owners))
        paths_of.setdefault(group, set())
        reasons_of.setdefault(group, set()).update(reasons)
    return [
        Requirement(group, tuple(sorted(paths_of[group])), tuple(sorted(reasons_of.get(group, ()))))
        for group in sorted(paths_of)
    ]


def latest_decisions(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each user's latest decisive review. GitHub lists reviews oldest first; a comment
    neither grants nor withdraws an approval."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.login and review.state in DECISIVE:
            latest[review.login.lower()] = review
    return latest


def judge(
    pull: PullRequest,
    needed: list[Requirement],
    reviews: Iterable[Review],
    is_member: Callable[[str, str], bool],
) -> Approvals:
    """Which requirements the reviews meet. `is_member(org/slug, login)` asks GitHub."""
    decisions = latest_decisions(reviews)
    author = pull.author.lower()
    approvers: list[str] = []
    stale: list[str] = []
    blocking: list[str] = []
    for login, review in sorted(decisions.items()):
        if login == author or review.user_type != "User":
            continue
        if review.state == "CHANGES_REQUESTED":
            blocking.append(review.login)
        elif review.state == "APPROVED":
            (approvers if review.commit == pull.head_sha else stale).append(review.login)
    membership: dict[tuple[str, str], bool] = {}

    def satisfies(owner: str, login: str) -> bool:
        handle = owner.removeprefix("@")
        if "/" not in handle:
            return handle.lower() == login.lower()
        key = (handle.lower(), login.lower())
        if key not in membership:
            membership[key] = is_member(handle, login)
        return membership[key]

    judged = []
    for requirement in needed:
        by = tuple(
            login
            for login in approvers
            if any(satisfies(owner, login) for owner in requirement.owners)
        )
        judged.append(Judged(requirement, by))
    return Approvals(pull, tuple(judged), tuple(approvers), tuple(stale), tuple(blocking))
