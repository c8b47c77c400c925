"""`platform report-apply` and `platform report-drift` against recorded GitHub REST
answers (tests/data/github/apply/recorded.json, keyed by "METHOD URL"), served through
the real urllib transport with `urlopen` replaced; the comment and the statuses are
goldens."""

from __future__ import annotations

import email.message
import io
import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_cli.report.apply_publish import (
    ApplyReport,
    Environment,
    apply_comment,
    apply_statuses,
)
from platform_cli.sources.github import GitHub, GitHubError
from tests.conftest import DATA

HERE = DATA / "github" / "apply"
REPO = "dom-komfort/landscape"
SHA = "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
RUN = "https://github.com/dom-komfort/landscape/actions/runs/9001"


class Answer(io.BytesIO):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(body)
        self.status = status
        self.headers = email.message.Message()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    """Every request, answered from the recording; an unrecorded one fails the test."""
    answers = json.loads((HERE / "recorded.json").read_text())
    log: list[tuple[str, str, Any]] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> Answer:
        key = f"{request.get_method()} {request.full_url}"
        assert request.get_header("Authorization") == "Bearer ghs_workflowtoken"
        body = json.loads(request.data) if request.data else None
        log.append((request.get_method(), request.full_url, body))
        if key not in answers:
            raise AssertionError(f"unexpected request {key}")
        answer = answers[key]
        return Answer(answer["status"], json.dumps(answer["body"]).encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_workflowtoken")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    return log


def _report(queued: bool = False) -> ApplyReport:
    dev = json.loads((HERE / "results-dev.json").read_text())
    return ApplyReport(
        SHA,
        RUN,
        [Environment("dev", False, None if queued else dev), Environment("prod", queued, None)],
        queued,
    )


def test_the_comment_says_each_result_plainly(golden: Callable[[Path, str], None]) -> None:
    text = apply_comment(_report())
    golden(HERE / "comment.md", text)
    assert "**`dev.maintenance` failed**" in text
    assert "Environment `prod` was not applied: its job wrote no results" in text
    assert "Refused: `main` has check errors" in text
    assert "connection secret `invoices-db-app`" in text
    assert "`pbx-2.dev-call-center.svc.cluster.local`" in text


def test_the_queued_comment_says_who_waits_for_approval(
    golden: Callable[[Path, str], None],
) -> None:
    text = apply_comment(_report(queued=True))
    golden(HERE / "comment-queued.md", text)
    assert "Environment `prod` is waiting for a reviewer's approval" in text
    statuses = {s.context: s for s in apply_statuses(_report(queued=True))}
    assert statuses["platform/apply/prod"].state == "pending"
    assert statuses["platform/apply/prod"].description == (
        "waiting for a reviewer to approve environment prod"
    )
    assert statuses["platform/apply/dev"].description == "queued: environment dev"


def test_one_status_per_shard_and_per_waiting_environment(
    golden: Callable[[Path, str], None],
) -> None:
    statuses = [s.__dict__ for s in apply_statuses(_report())]
    golden(HERE / "statuses.json", json.dumps(statuses, indent=2, ensure_ascii=False) + "\n")
    assert [s["state"] for s in statuses] == ["success", "success", "failure", "failure", "error"]
    assert all(len(s["description"]) <= 140 for s in statuses)


def test_report_apply_posts_statuses_and_updates_only_the_bots_comment(
    sent: list[tuple[str, str, Any]], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(HERE / "results-dev.json", results / "dev.json")
    from platform_cli.cli.commands import main

    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "report-apply", "--commit", SHA, "--environment", "dev", "--environment",
                "prod", "--results-dir", str(results), "--run-url", RUN,
            ]
        )  # fmt: skip
        raise SystemExit(0)
    assert exit_info.value.code in (0, None)
    methods = [(m, url.rsplit("/", 2)[-2:]) for m, url, _ in sent]
    statuses = [body for m, url, body in sent if "/statuses/" in url]
    assert [s["context"] for s in statuses] == [
        "platform/apply/dev.billing",
        "platform/apply/dev.call-center",
        "platform/apply/dev.maintenance",
        "platform/apply/dev.service-desk",
        "platform/apply/prod",
    ]
    assert all(s["target_url"] == RUN and len(s["description"]) <= 140 for s in statuses)
    # the forged comment (501, by another user, with the same marker) is never touched
    patched = [url for m, url, _ in sent if m == "PATCH"]
    assert patched == [f"https://api.github.com/repos/{REPO}/issues/comments/502"]
    assert not any(m == "POST" and url.endswith("/comments") for m, url, _ in sent), methods
    body = next(b for m, url, b in sent if m == "PATCH")["body"]
    assert body.startswith(f"<!-- platform-apply: {SHA} -->\n## Apply result")


def test_report_apply_refuses_results_of_another_commit(
    sent: list[tuple[str, str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from platform_cli.cli.commands import main

    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(HERE / "results-dev.json", results / "dev.json")
    other = "b" * 40
    with pytest.raises(SystemExit) as exit_info:
        main(["report-apply", "--commit", other, "--environment", "dev",
              "--results-dir", str(results)])  # fmt: skip
    assert exit_info.value.code == 2
    assert f"is not the results of commit {other}" in capsys.readouterr().err
    assert sent == []


def test_drift_updates_the_bots_issue_and_closes_it_when_gone(
    sent: list[tuple[str, str, Any]], tmp_path: Path
) -> None:
    github = GitHub(REPO, "ghs_workflowtoken")
    from platform_cli.report.apply_publish import publish_drift

    body = "<!-- platform-drift: prod.billing -->\n## Drift in Pulumi stack `prod.billing`\n"
    assert publish_drift(github, "prod.billing", True, body, "2026-11-29").action == "updated"
    assert sent[-1] == (
        "PATCH", f"https://api.github.com/repos/{REPO}/issues/77", {"body": body}
    )  # fmt: skip
    closed = publish_drift(github, "prod.billing", False, body, "2026-11-30")
    assert (closed.action, closed.issue) == ("closed", 77)
    assert sent[-1][2] == {"state": "closed", "state_reason": "completed"}
    # a marker only in a pull request is not our issue: a new one is opened
    body = "<!-- platform-drift: prod.call-center -->\n## Drift\n"
    opened = publish_drift(github, "prod.call-center", True, body, "2026-11-29")
    assert (opened.action, opened.issue) == ("opened", 80)
    assert sent[-1][2] == {
        "title": "Drift in Pulumi stack prod.call-center",
        "body": body,
        "labels": ["drift"],
    }
    assert publish_drift(github, "prod.call-center", False, body, "2026-11-29").action == "none"


def test_a_refused_write_is_a_clear_error() -> None:
    from platform_cli.sources.github import Response

    def sender(method: str, url: str, token: str, body: dict[str, Any]) -> Response:
        return Response(403, b'{"message": "Resource not accessible by integration"}')

    github = GitHub(REPO, "t", sender=sender)
    with pytest.raises(GitHubError) as info:
        github.set_status(SHA, "platform/apply/x", "success", "ok")
    assert "403" in info.value.message and "statuses: write" in info.value.hint
    with pytest.raises(GitHubError, match="not a full commit SHA"):
        github.set_status("HEAD", "platform/apply/x", "success", "ok")
