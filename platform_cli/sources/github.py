"""The GitHub REST API: the one module that talks to it.

`GitHub` reads what the approvals gate needs, each answer turned into a typed value:
the pull request (`GET /repos/{owner}/{repo}/pulls/{n}`), its reviews in chronological
order (`GET /repos/{owner}/{repo}/pulls/{n}/reviews`, every page) and whether a user is
an active member of a team (`GET /orgs/{org}/teams/{slug}/memberships/{user}`, 404 when
not). Every failure becomes a `GitHubError` with a hint; nothing else in the toolkit
opens a connection.

The HTTP exchange itself is a `Transport` (a URL and a token in, a `Response` out), so
that the tests replay recorded API answers through the same parsing code.
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


def urllib_transport(url: str, token: str) -> Response:
    """One GET with the token, following GitHub's API conventions."""
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "platform-cli",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
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
