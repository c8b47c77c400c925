"""The GitHub REST API: the one module that talks to it.

`GitHub` reads what the approvals gate needs, each answer turned into a typed value:
the pull request (`GET /repos/{owner}/{repo}/pulls/{n}`), its reviews in chronological
order (`GET /repos/{owner}/{repo}/pulls/{n}/reviews`, every page) and whether a user is
an active member of a team (`GET /orgs/{org}/teams/{slug}/memberships/{user}`, 404 when
not). Every failure becomes a `GitHubError` with a hint; nothing else in the toolkit
opens a connection.

What `platform report-apply` and `platform report-drift` write goes through the same
door: the pull requests of a commit (`GET /repos/{owner}/{repo}/commits/{sha}/pulls`),
the protection rules of an environment (`GET /repos/{owner}/{repo}/environments/{name}`),
a commit status (`POST /repos/{owner}/{repo}/statuses/{sha}`), a pull request's comments
(`GET`/`POST /repos/{owner}/{repo}/issues/{n}/comments`, `PATCH .../issues/comments/{id}`)
and issues (`GET`/`POST /repos/{owner}/{repo}/issues`, `PATCH .../issues/{n}`).

The HTTP exchange itself is a `Transport` (a URL and a token in, a `Response` out) for
reads and a `Sender` (a method, a URL, a token and a JSON body) for writes, so that the
tests replay recorded API answers through the same parsing code.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from platform_cli.errors import PlatformError

API_URL = "https://api.github.com"
# A page of reviews is at most 100; a pull request with more pages than this is refused
# rather than read without end
MAX_PAGES = 50
# Answers larger than this are refused (a review list page is a few hundred kilobytes)
MAX_BODY = 8 * 1024 * 1024
TIMEOUT_SECONDS = 30
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$")


class GitHubError(PlatformError):
    """The GitHub API could not be read, or answered something unexpected."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    link: str = ""  # the Link header, for the next page


Transport = Callable[[str, str], Response]
# method, url, token, JSON body
Sender = Callable[[str, str, str, dict[str, Any]], Response]
# The login of the workflow token's own comments and issues
ACTIONS_BOT = "github-actions[bot]"


def urllib_transport(url: str, token: str) -> Response:
    """One GET with the token, following GitHub's API conventions."""
    return _exchange(urllib.request.Request(url, headers=_headers(token)), url)


def urllib_sender(method: str, url: str, token: str, body: dict[str, Any]) -> Response:
    """One write (POST or PATCH) of a JSON body with the token."""
    headers = {**_headers(token), "Content-Type": "application/json"}
    data = json.dumps(body).encode("utf-8")
    return _exchange(urllib.request.Request(url, method=method, data=data, headers=headers), url)


def _headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "platform-cli",
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }


def _exchange(request: urllib.request.Request, url: str) -> Response:
    """Send `request`: the answer, an HTTP error as an answer too (the caller judges
    the status), or a `GitHubError` when the API cannot be reached."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            body = answer.read(MAX_BODY + 1)
            return Response(answer.status, body, answer.headers.get("Link", ""))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(MAX_BODY + 1), "")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GitHubError(
            f"cannot reach the GitHub API at {url}: {exc}",
            hint="check GITHUB_API_URL and the network of the runner",
        ) from None


@dataclass(frozen=True)
class Comment:
    """An issue or pull request comment, or an issue itself (`id` is its number)."""

    id: int
    author: str
    body: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    state: str
    author: str
    head_sha: str
    base_sha: str
    base_ref: str


@dataclass(frozen=True)
class Review:
    """One submitted review. `login` is empty for a deleted account; `commit` is the
    head the reviewer saw (None when that commit no longer exists)."""

    login: str
    user_type: str
    state: str
    commit: str | None
    submitted_at: str


@dataclass(frozen=True)
class GitHub:
    repository: str  # owner/name
    token: str
    # Team membership needs an organisation permission (members: read) that the
    # workflow's own token never has; None uses `token`
    members_token: str | None = None
    api_url: str = API_URL
    transport: Transport = urllib_transport
    sender: Sender = urllib_sender

    def __post_init__(self) -> None:
        owner, _, name = self.repository.partition("/")
        if not (_NAME.match(owner) and _NAME.match(name)):
            raise GitHubError(
                f"{self.repository!r} is not a repository name (owner/name)",
                hint="pass --repo OWNER/NAME or set GITHUB_REPOSITORY",
            )

    def pull_request(self, number: int) -> PullRequest:
        data = self._object(f"/repos/{self.repository}/pulls/{number}", self.token)
        try:
            return PullRequest(
                number=int(data["number"]),
                state=str(data["state"]),
                author=str((data.get("user") or {}).get("login", "")),
                head_sha=str(data["head"]["sha"]),
                base_sha=str(data["base"]["sha"]),
                base_ref=str(data["base"]["ref"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _shape(f"pull request {number}", exc) from None

    def reviews(self, number: int) -> list[Review]:
        """Every review of the pull request, oldest first (GitHub's order)."""
        url: str | None = f"{self.api_url}/repos/{self.repository}/pulls/{number}/reviews"
        url = f"{url}?per_page=100"
        out: list[Review] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return out
            response = self._get(url, self.token)
            items = _json(response, url)
            if not isinstance(items, list):
                raise _shape(f"the reviews of pull request {number}", TypeError("not a list"))
            for item in items:
                try:
                    user = item.get("user") or {}
                    out.append(
                        Review(
                            login=str(user.get("login", "")),
                            user_type=str(user.get("type", "")),
                            state=str(item["state"]),
                            commit=item.get("commit_id"),
                            submitted_at=str(item.get("submitted_at") or ""),
                        )
                    )
                except (KeyError, TypeError, AttributeError) as exc:
                    raise _shape(f"a review of pull request {number}", exc) from None
            match = _NEXT.search(response.link)
            url = match.group(1) if match else None
        raise GitHubError(
            f"pull request {number} has more than {MAX_PAGES * 100} reviews",
            hint="the gate reads at most that many; split the pull request",
        )

    def is_active_member(self, team: str, login: str) -> bool:
        """Whether `login` is an active member of `org/slug` (a pending invitation is
        not membership). GitHub answers 404 both for "not a member" and for a team
        the token cannot see: either way the answer is no."""
        org, _, slug = team.partition("/")
        if not (_NAME.match(org) and _NAME.match(slug) and _NAME.match(login)):
            return False
        path = f"/orgs/{org}/teams/{slug}/memberships/{urllib.parse.quote(login)}"
        token = self.members_token if self.members_token is not None else self.token
        response = self._get(f"{self.api_url}{path}", token, allow=(404,))
        if response.status == 404:
            return False
        data = _json(response, path)
        return isinstance(data, dict) and data.get("state") == "active"

    # What report-apply and report-drift read and write

    def merged_pull_request(self, sha: str) -> int | None:
        """The pull request whose merge made commit `sha`, if any: among the commit's
        pull requests, the merged one whose merge commit it is, else any merged one."""
        _check_sha(sha)
        items = self._list(f"/repos/{self.repository}/commits/{sha}/pulls?per_page=100", pages=1)
        merged = [i for i in items if isinstance(i, dict) and i.get("merged_at")]
        for item in merged:
            if item.get("merge_commit_sha") == sha:
                return int(item["number"])
        return int(merged[0]["number"]) if merged else None

    def needs_approval(self, environment: str) -> bool:
        """Whether an environment has required reviewers (404: no such environment)."""
        if not _NAME.match(environment):
            return False
        path = f"/repos/{self.repository}/environments/{urllib.parse.quote(environment)}"
        response = self._get(f"{self.api_url}{path}", self.token, allow=(404,))
        if response.status == 404:
            return False
        data = _json(response, path)
        rules = data.get("protection_rules", []) if isinstance(data, dict) else []
        return any(isinstance(r, dict) and r.get("type") == "required_reviewers" for r in rules)

    def set_status(
        self, sha: str, context: str, state: str, description: str, target_url: str = ""
    ) -> None:
        """A commit status; GitHub keeps the last one per context."""
        _check_sha(sha)
        if state not in ("error", "failure", "pending", "success"):
            raise GitHubError(f"not a commit status state: {state!r}")
        body: dict[str, Any] = {
            "state": state,
            "context": context,
            # GitHub refuses a description over 140 characters
            "description": description if len(description) <= 140 else description[:139] + "…",
        }
        if target_url:
            body["target_url"] = target_url
        self._send("POST", f"/repos/{self.repository}/statuses/{sha}", body)

    def comments(self, number: int) -> list[Comment]:
        items = self._list(f"/repos/{self.repository}/issues/{number}/comments?per_page=100")
        return [_comment(i, "id") for i in items]

    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """Update the comment that starts with `marker` and that the workflow's bot
        wrote, or add one; its id. A comment anyone else wrote is never touched."""
        for comment in self.comments(number):
            if comment.author == ACTIONS_BOT and comment.body.startswith(marker):
                self._send(
                    "PATCH",
                    f"/repos/{self.repository}/issues/comments/{comment.id}",
                    {"body": body},
                )
                return comment.id
        data = self._send(
            "POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": body}
        )
        return int(data.get("id", 0))

    def find_issue(self, marker: str, label: str) -> Comment | None:
        """The open issue with `label` that the workflow's bot opened with `marker`."""
        query = urllib.parse.urlencode(
            {"state": "open", "labels": label, "creator": ACTIONS_BOT, "per_page": 100}
        )
        for item in self._list(f"/repos/{self.repository}/issues?{query}"):
            if not isinstance(item, dict) or "pull_request" in item:
                continue
            issue = _comment(item, "number")
            if issue.author == ACTIONS_BOT and issue.body.startswith(marker):
                return issue
        return None

    def open_issue(self, title: str, body: str, label: str) -> int:
        data = self._send(
            "POST",
            f"/repos/{self.repository}/issues",
            {"title": title, "body": body, "labels": [label]},
        )
        return int(data.get("number", 0))

    def update_issue(self, number: int, body: str) -> None:
        self._send("PATCH", f"/repos/{self.repository}/issues/{number}", {"body": body})

    def close_issue(self, number: int, comment: str) -> None:
        self._send("POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": comment})
        self._send(
            "PATCH",
            f"/repos/{self.repository}/issues/{number}",
            {"state": "closed", "state_reason": "completed"},
        )

    def _list(self, path: str, pages: int = MAX_PAGES) -> list[Any]:
        url: str | None = f"{self.api_url}{path}"
        out: list[Any] = []
        for _ in range(pages):
            if url is None:
                break
            response = self._get(url, self.token)
            items = _json(response, url)
            if not isinstance(items, list):
                raise _shape(path, TypeError("not a list"))
            out += items
            match = _NEXT.search(response.link)
            url = match.group(1) if match else None
        return out

    def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.api_url}{path}"
        response = self.sender(method, url, self.token, body)
        if response.status not in (200, 201):
            hints = {
                401: "the token is missing or expired (GITHUB_TOKEN)",
                403: "the job's token lacks a permission: statuses: write for commit "
                "statuses, pull-requests: write for comments, issues: write for issues",
                404: "check the repository, the commit and the number",
                422: "GitHub refused the content (a too long body or an unknown state)",
            }
            raise GitHubError(
                f"GitHub answered {response.status} for {method} {url}: {_message(response.body)}",
                hint=hints.get(response.status, "try again; GitHub may be unavailable"),
            )
        data = _json(response, url) if response.body else {}
        return data if isinstance(data, dict) else {}

    def _object(self, path: str, token: str) -> dict[str, Any]:
        response = self._get(f"{self.api_url}{path}", token)
        data = _json(response, path)
        if not isinstance(data, dict):
            raise _shape(path, TypeError("not an object"))
        return data

    def _get(self, url: str, token: str, allow: tuple[int, ...] = ()) -> Response:
        response = self.transport(url, token)
        if len(response.body) > MAX_BODY:
            raise GitHubError(f"the answer of {url} is larger than {MAX_BODY} bytes")
        if response.status == 200 or response.status in allow:
            return response
        message = _message(response.body)
        hints = {
            401: "the token is missing or expired (GITHUB_TOKEN)",
            403: "the token lacks a permission: pull-requests: read for reviews; "
            "members: read on the organisation for team membership",
            404: "check the repository and the pull request number",
        }
        raise GitHubError(
            f"GitHub answered {response.status} for {url}: {message}",
            hint=hints.get(response.status, "try again; GitHub may be unavailable"),
        )


_SHA = re.compile(r"^[0-9a-f]{40}$")


def _check_sha(sha: str) -> None:
    if not _SHA.match(sha):
        raise GitHubError(
            f"{sha!r} is not a full commit SHA", hint="pass --commit ${{ github.sha }}"
        )


def _comment(item: Any, key: str) -> Comment:
    try:
        return Comment(
            int(item[key]),
            str((item.get("user") or {}).get("login", "")),
            str(item.get("body") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _shape("a comment or an issue", exc) from None


def _json(response: Response, where: str) -> Any:
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        raise GitHubError(f"GitHub answered something other than JSON for {where}") from None


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "(no message)"
    return str(data.get("message", "(no message)")) if isinstance(data, dict) else "(no message)"


def _shape(what: str, exc: Exception) -> GitHubError:
    return GitHubError(
        f"GitHub's answer for {what} does not have the expected shape ({exc})",
        hint="the REST API version this toolkit reads is 2022-11-28",
    )
