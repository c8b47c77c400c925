"""`platform approvals` against recorded GitHub REST answers.

Each case in tests/data/approvals/<case>/ holds what the API answered (`pull.json` for
GET /repos/{owner}/{repo}/pulls/42, `reviews.json` for its reviews,
`memberships/<team>/<login>.json` for GET /orgs/{org}/teams/{team}/memberships/{login};
a membership without a file answers 404 as GitHub does), the plan of the head, the base
CODEOWNERS, and `expected.txt`, the gate's report. The answers are served through the
real urllib transport, with `urlopen` replaced."""

from __future__ import annotations

import email.message
import io
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_cli.plan import approvals as core
from platform_cli.sources.github import GitHub, GitHubError, PullRequest, Response, Review
from tests.conftest import DATA

CASES = sorted(p for p in (DATA / "approvals").iterdir() if p.is_dir())
API = "https://api.github.com"
REPO = "dom-komfort/landscape"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


class Answer(io.BytesIO):
    def __init__(self, status: int, body: bytes, link: str = "") -> None:
        super().__init__(body)
        self.status = status
        self.headers = email.message.Message()
        if link:
            self.headers["Link"] = link


def recorded(case: Path, seen: list[tuple[str, str]]) -> Callable[..., Answer]:
    """A stand-in for urlopen that answers from the case's files."""

    def urlopen(request: urllib.request.Request, timeout: float) -> Answer:
        url = request.full_url
        seen.append((url, str(request.get_header("Authorization"))))
        assert request.get_header("Accept") == "application/vnd.github+json"
        path = url.removeprefix(API)
        if path == f"/repos/{REPO}/pulls/42":
            return Answer(200, (case / "pull.json").read_bytes())
        if path == f"/repos/{REPO}/pulls/42/reviews?per_page=100":
            return Answer(200, (case / "reviews.json").read_bytes())
        if path.startswith("/orgs/dom-komfort/teams/"):
            team, _, login = path.removeprefix("/orgs/dom-komfort/teams/").partition(
                "/memberships/"
            )
            file = case / "memberships" / team / f"{login}.json"
            if file.exists():
                return Answer(200, file.read_bytes())
            body = b'{"message":"Not Found","documentation_url":"https://docs.github.com/rest/teams/members#get-team-membership-for-a-user","status":"404"}'
            raise urllib.error.HTTPError(
                url, 404, "Not Found", email.message.Message(), io.BytesIO(body)
            )
        raise AssertionError(f"unexpected request {url}")

    return urlopen


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_workflowtoken")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.delenv("PLATFORM_MEMBERS_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_recorded_pull_requests(
    case: Path,
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    run: Any,
    golden: Callable[[Path, str], None],
) -> None:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(urllib.request, "urlopen", recorded(case, seen))
    result = run(
        [
            "approvals",
            "--pr",
            "42",
            "--plan",
            str(case / "plan.json"),
            "--codeowners",
            str(case / "CODEOWNERS"),
        ]
    )
    golden(case / "expected.txt", result.stdout)
    assert result.exit_code == (0 if ": approved:" in result.stdout.splitlines()[0] else 1)
    assert {auth for _, auth in seen} == {"Bearer ghs_workflowtoken"}


def test_the_cases_cover_passing_and_waiting() -> None:
    firsts = [(c / "expected.txt").read_text().splitlines()[0] for c in CASES]
    assert any(": approved:" in line for line in firsts)
    assert any(": waiting for " in line for line in firsts)


def test_membership_reads_use_the_members_token(
    env: None, monkeypatch: pytest.MonkeyPatch, run: Any
) -> None:
    case = DATA / "approvals" / "other-team-waits"
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(urllib.request, "urlopen", recorded(case, seen))
    monkeypatch.setenv("PLATFORM_MEMBERS_TOKEN", "ghs_memberstoken")
    plan = case / "plan.json"
    result = run(
        ["approvals", "--pr", "42", "--plan", str(plan), "--codeowners", str(case / "CODEOWNERS")]
    )
    assert result.exit_code == 1
    tokens = {("/orgs/" in url, auth) for url, auth in seen}
    assert tokens == {(False, "Bearer ghs_workflowtoken"), (True, "Bearer ghs_memberstoken")}


def test_a_plan_of_another_commit_is_refused(
    env: None, monkeypatch: pytest.MonkeyPatch, run: Any, tmp_path: Path
) -> None:
    case = DATA / "approvals" / "team-approved"
    monkeypatch.setattr(urllib.request, "urlopen", recorded(case, []))
    document = json.loads((case / "plan.json").read_text())
    document["head"]["sha"] = "0" * 40
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document))
    with pytest.raises(core.PlanError, match="the pull request's head is 6dcb09b5"):
        run(
            [
                "approvals",
                "--pr",
                "42",
                "--plan",
                str(plan),
                "--codeowners",
                str(case / "CODEOWNERS"),
            ]
        )


def test_a_plan_without_required_approvals_is_refused(
    env: None, monkeypatch: pytest.MonkeyPatch, run: Any, tmp_path: Path
) -> None:
    """A gate that read no required approvals would pass a change that opens another
    team's namespace with only the requesting team's approval."""
    case = DATA / "approvals" / "other-team-waits"
    monkeypatch.setattr(urllib.request, "urlopen", recorded(case, []))
    document = json.loads((case / "plan.json").read_text())
    del document["requiredApprovals"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document))
    with pytest.raises(core.PlanError, match="no `requiredApprovals`"):
        run(
            [
                "approvals",
                "--pr",
                "42",
                "--plan",
                str(plan),
                "--codeowners",
                str(case / "CODEOWNERS"),
            ]
        )


def test_a_team_required_beyond_its_files_must_approve_itself() -> None:
    """The team whose namespace a change opens owns none of the changed files: only
    its own approval meets its requirement, not the requesting team's."""
    needed = core.requirements(
        [("@org/a", ["stacks/prod/a/x.yaml"])],
        TABLE,
        "@org/architects",
        [(("@org/b",), ("opens access into prod-b",))],
    )
    assert needed[-1] == core.Requirement(("@org/b",), (), ("opens access into prod-b",))
    members = {("org/a", "alice"), ("org/b", "bob")}
    waiting = core.judge(
        _pull(), needed, [_review("alice", "APPROVED")], lambda t, u: (t, u) in members
    )
    assert not waiting.passed
    assert waiting.waiting == (needed[-1],)
    passed = core.judge(
        _pull(),
        needed,
        [_review("alice", "APPROVED"), _review("bob", "APPROVED")],
        lambda t, u: (t, u) in members,
    )
    assert passed.passed


def test_json_format(env: None, monkeypatch: pytest.MonkeyPatch, run: Any) -> None:
    case = DATA / "approvals" / "architects-required"
    monkeypatch.setattr(urllib.request, "urlopen", recorded(case, []))
    result = run(
        [
            "approvals",
            "--pr",
            "42",
            "--plan",
            str(case / "plan.json"),
            "--codeowners",
            str(case / "CODEOWNERS"),
            "--format",
            "json",
        ]
    )
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["passed"] is False
    assert document["requirements"] == [
        {
            "anyOf": ["@dom-komfort/architects"],
            "paths": ["landscape/teams/billing.yaml"],
            "reasons": [],
            "approvedBy": [],
        },
        {
            "anyOf": ["@dom-komfort/billing", "@o-volkova"],
            "paths": ["landscape/teams/billing.yaml"],
            "reasons": [],
            "approvedBy": ["o-volkova"],
        },
    ]


# The core, without HTTP


def _pull(author: str = "s-sokolov") -> PullRequest:
    return PullRequest(42, "open", author, HEAD, "b" * 40, "main")


def _review(login: str, state: str, commit: str = HEAD, user_type: str = "User") -> Review:
    return Review(login, user_type, state, commit, "2026-11-29T08:00:00Z")


TABLE = core.parse_codeowners(
    "*  @org/architects\n/stacks/*/a/  @org/a @lead-a  # team a\n/stacks/*/b/  @org/b\n"
)


def test_requirements_follow_the_codeowners_lines() -> None:
    needed = core.requirements(
        [
            ("@org/a", ["stacks/prod/a/x.yaml"]),
            ("@lead-a", ["stacks/prod/a/x.yaml"]),
            ("@org/b", ["stacks/prod/a/x.yaml"]),  # the plan adds b for a's file
            ("@org/architects", ["stacks/prod/a/x.yaml"]),
        ],
        TABLE,
        core.architects_of(TABLE),
    )
    assert needed == [
        core.Requirement(("@lead-a", "@org/a"), ("stacks/prod/a/x.yaml",)),
        core.Requirement(("@org/architects",), ("stacks/prod/a/x.yaml",)),
        core.Requirement(("@org/b",), ("stacks/prod/a/x.yaml",)),
    ]


def test_the_authors_own_approval_and_bots_do_not_count() -> None:
    needed = [core.Requirement(("@mallory",), ("x",)), core.Requirement(("@ci",), ("x",))]
    reviews = [_review("mallory", "APPROVED"), _review("ci", "APPROVED", user_type="Bot")]
    result = core.judge(_pull("mallory"), needed, reviews, lambda team, login: True)
    assert not result.passed
    assert result.approvers == ()


def test_a_later_change_request_withdraws_an_approval() -> None:
    needed = [core.Requirement(("@org/b",), ("x",))]
    reviews = [_review("bob", "APPROVED"), _review("bob", "CHANGES_REQUESTED")]
    result = core.judge(_pull(), needed, reviews, lambda team, login: True)
    assert not result.passed
    assert result.blocking == ("bob",)


def test_membership_is_asked_once_per_team_and_user() -> None:
    asked: list[tuple[str, str]] = []

    def member(team: str, login: str) -> bool:
        asked.append((team, login))
        return team == "org/b"

    needed = [core.Requirement(("@org/b",), ("x",)), core.Requirement(("@org/b", "@org/c"), ("y",))]
    result = core.judge(_pull(), needed, [_review("Bob", "APPROVED")], member)
    assert result.passed
    assert asked == [("org/b", "Bob")]


def test_codeowners_without_architects_is_refused() -> None:
    with pytest.raises(core.PlanError, match="architects are unknown"):
        core.architects_of(core.parse_codeowners("/stacks/  @org/a\n"))


# The door


def test_reviews_follow_every_page() -> None:
    pages = {
        f"{API}/repos/{REPO}/pulls/7/reviews?per_page=100": Response(
            200,
            json.dumps(
                [{"user": {"login": "a", "type": "User"}, "state": "APPROVED", "commit_id": HEAD}]
            ).encode(),
            f'<{API}/repositories/1/pulls/7/reviews?per_page=100&page=2>; rel="next", <{API}/repositories/1/pulls/7/reviews?per_page=100&page=2>; rel="last"',
        ),
        f"{API}/repositories/1/pulls/7/reviews?per_page=100&page=2": Response(
            200, json.dumps([{"user": None, "state": "APPROVED", "commit_id": None}]).encode()
        ),
    }
    github = GitHub(REPO, "t", transport=lambda url, token: pages[url])
    assert [(r.login, r.commit) for r in github.reviews(7)] == [("a", HEAD), ("", None)]


def test_a_forbidden_answer_is_an_error_with_a_hint() -> None:
    answer = Response(403, b'{"message":"Resource not accessible by integration"}')
    github = GitHub(REPO, "t", transport=lambda url, token: answer)
    with pytest.raises(GitHubError, match=r"403.*Resource not accessible") as caught:
        github.pull_request(42)
    assert "pull-requests: read" in caught.value.hint


def test_names_that_are_not_names_never_reach_a_url() -> None:
    github = GitHub(REPO, "t", transport=lambda url, token: pytest.fail(url))
    assert github.is_active_member("org/../../repos", "bob") is False
    with pytest.raises(GitHubError, match="not a repository name"):
        GitHub("dom-komfort/landscape/../x", "t")


# The whole chain on a real repository: the plan of a branch, then the gate


def test_a_raised_quota_waits_for_the_architects_until_one_approves(
    env: None, monkeypatch: pytest.MonkeyPatch, run: Any, tmp_path: Path
) -> None:
    """The billing team raises its own quota: its lead's approval satisfies CODEOWNERS
    (the team file lists the team, its lead and the architects), but the gate waits for
    the architects, whom the plan names for the `quota-raised` risk."""
    from tests.test_plan import TODAY, apply_change, copy_repository, git

    root = copy_repository(tmp_path / "repo")
    git(root, "switch", "-q", "-c", "billing/more-cpu")
    apply_change(root, DATA / "plan" / "raise-quota")
    git(root, "commit", "-q", "-am", "More CPU for billing")
    head = git(root, "rev-parse", "HEAD")
    planned = run(
        [
            "plan",
            "--root",
            str(root),
            "--base",
            "main",
            "--head",
            head,
            "--format",
            "json",
            "--today",
            TODAY,
        ]
    )
    assert planned.exit_code == 0
    assert "quota-raised" in [r["code"] for r in json.loads(planned.stdout)["risks"]]
    plan = tmp_path / "plan.json"
    plan.write_text(planned.stdout)

    recorded_case = tmp_path / "recorded"
    recorded_case.mkdir()
    pull = json.loads((DATA / "approvals" / "architects-required" / "pull.json").read_text())
    pull["head"]["sha"] = head
    (recorded_case / "pull.json").write_text(json.dumps(pull))
    review = json.loads((DATA / "approvals" / "architects-required" / "reviews.json").read_text())
    review[0]["commit_id"] = head  # o-volkova, the team's lead
    (recorded_case / "reviews.json").write_text(json.dumps(review))
    monkeypatch.setattr(urllib.request, "urlopen", recorded(recorded_case, []))
    args = [
        "approvals",
        "--pr",
        "42",
        "--plan",
        str(plan),
        "--codeowners",
        str(root / ".github" / "CODEOWNERS"),
    ]

    waiting = run(args)
    assert waiting.exit_code == 1
    assert waiting.stdout.splitlines()[0].endswith("waiting for @dom-komfort/architects")

    architect = dict(review[0], id=1899, user=dict(review[0]["user"], login="a-volkov", id=5001))
    (recorded_case / "reviews.json").write_text(json.dumps([*review, architect]))
    member = recorded_case / "memberships" / "architects" / "a-volkov.json"
    member.parent.mkdir(parents=True)
    member.write_text(
        json.dumps(
            {
                "url": "https://api.github.com/organizations/140001/team/9061200/memberships/a-volkov",
                "role": "member",
                "state": "active",
            }
        )
    )
    approved = run(args)
    assert approved.exit_code == 0, approved.stdout
    assert "@dom-komfort/architects: approved by a-volkov" in approved.stdout


def test_a_write_goes_as_json_with_the_token_and_an_error_status_is_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real urllib sender (comments, statuses, issues), with `urlopen` replaced."""
    from platform_cli.sources.github import urllib_sender

    sent: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> Answer:
        sent.append(request)
        if request.get_method() == "PATCH":
            raise urllib.error.HTTPError(
                request.full_url, 404, "Not Found", email.message.Message(), io.BytesIO(b"{}")
            )
        return Answer(201, b'{"id": 1}')

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    url = f"{API}/repos/{REPO}/issues/42/comments"
    created = urllib_sender("POST", url, "t0ken", {"body": "plan"})
    assert (created.status, created.body) == (201, b'{"id": 1}')
    (request,) = sent
    assert request.get_method() == "POST"
    assert request.get_header("Authorization") == "Bearer t0ken"
    assert request.get_header("Content-type") == "application/json"
    assert request.get_header("Accept") == "application/vnd.github+json"
    assert json.loads(request.data or b"") == {"body": "plan"}
    assert urllib_sender("PATCH", url, "t0ken", {"body": "x"}).status == 404
