"""`platform up --pending`, `--parallel`, the blast radius of check errors and
`platform status`, through the Automation API against the stand-in `pulumi`
(tests/data/apply/pulumi_standin.py) on a real git repository with two shards."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply import automation, operations, records, schedule
from platform_cli.apply.blast import refused_shards
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.plan.shards import Shard
from tests.conftest import DATA, REPO, git
from tests.test_automation import Pulumi, Result, _summary, platform, pulumi  # noqa: F401

OTHER = "prod.billing"
STACK = "prod.service-desk"
BILLING = """apiVersion: platform/v1
kind: Team
metadata:
  name: billing
spec:
  title: Billing
  owners: ["@dom-komfort/billing"]
  costCenter: CC-2020
  contacts:
    email: billing@dom-komfort.example
  quotas:
    prod: {cpu: "4", memory: 8Gi, storage: 100Gi, servers: 0}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return billing_repo(tmp_path)


def billing_repo(tmp_path: Path) -> Path:
    """The base landscape with a second team that has only a quota in prod, committed."""
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / ".gitignore").write_text(".pulumi-state/\n")
    (root / "landscape/teams/billing.yaml").write_text(BILLING)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def _ups(pulumi: Pulumi) -> list[str]:  # noqa: F811
    return [c["args"][-1] for c in pulumi.calls() if c["command"] == "up"]


def _stack_ls(*names: str) -> dict[str, str]:
    return {
        "stdout": json.dumps(
            [{"name": n, "current": False, "updateInProgress": False} for n in names]
        )
    }


def test_pending_applies_only_the_shards_behind_head(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    judged = operations.judge(repo)
    current = judged.digest(Shard("prod", "service-desk"))
    pulumi.reply(
        stack_ls=_stack_ls(STACK),
        stack_tag={
            "stdout": json.dumps({automation.COMMIT_TAG: "0" * 40, automation.RENDER_TAG: current})
        },
    )
    result = platform("up", "--root", str(repo), "--pending")
    assert result.exit_code == 0, result.stderr
    # service-desk renders as recorded; billing was never applied
    assert _ups(pulumi) == [OTHER]
    assert "Applied commit" in result.stdout and OTHER in result.stdout


def test_pending_retries_a_shard_whose_record_differs(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    pulumi.reply(
        stack_ls=_stack_ls(STACK, OTHER),
        stack_tag={"stdout": json.dumps({automation.RENDER_TAG: "sha256:stale"})},
    )
    result = platform("up", "--root", str(repo), "--pending", "--only", "prod")
    assert result.exit_code == 0, result.stderr
    assert sorted(_ups(pulumi)) == [OTHER, STACK]
    assert result.stdout.endswith("2 Pulumi stacks: 2 applied\n")


def test_one_failure_does_not_stop_the_others_and_sets_the_exit_code(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    tmp_path: Path,
) -> None:
    pulumi.reply(**{"up@prod.billing": {"code": 255, "stderr": "error: quota exceeded\n"}})
    out = tmp_path / "results.json"
    result = platform("up", "--root", str(repo), "--all", "--parallel", "2", "--results", str(out))
    assert result.exit_code == 1
    assert sorted(_ups(pulumi)) == [OTHER, STACK]
    assert f"platform: error: pulumi up failed for stack {OTHER}: quota exceeded" in result.stderr
    assert result.stdout.endswith("2 Pulumi stacks: 1 applied, 1 failed\n")
    data = json.loads(out.read_text())
    assert [(s["shard"], s["status"]) for s in data["shards"]] == [
        (OTHER, "failed"),
        (STACK, "applied"),
    ]


def test_only_locked_shards_exit_4(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    locked = {
        "code": 255,
        "stderr": "error: the stack is currently locked by 1 lock(s).\n"
        "  file:///s/.pulumi/locks/x.json: created by ci@runner-7 (pid 99) at 2026-01-01\n",
    }
    pulumi.reply(**{"up@prod.billing": locked})
    result = platform("up", "--root", str(repo), "--all")
    assert result.exit_code == 4
    assert "held by ci@runner-7 (pid 99) at 2026-01-01" in result.stderr


def test_check_errors_refuse_only_the_shards_they_reach(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = repo / "stacks/prod/service-desk/tickets-api.yaml"
    path.write_text(path.read_text().replace("2.3.1", "latest"))
    git(repo, "commit", "-q", "-am", "unpinned")
    out = tmp_path / "results.json"
    result = platform("up", "--root", str(repo), "--all", "--results", str(out))
    assert result.exit_code == 1
    assert _ups(pulumi) == [OTHER]
    assert (
        f"platform: error: refusing to apply Pulumi stack {STACK}: 1 check error reaches it\n"
        "  stacks/prod/service-desk/tickets-api.yaml:8:10: [LND009]"
    ) in result.stderr
    shards = {s["shard"]: s for s in json.loads(out.read_text())["shards"]}
    assert shards[STACK]["status"] == "refused"
    assert shards[STACK]["findings"][0]["rule"] == "LND009"
    assert shards[OTHER]["status"] == "applied"


def test_an_error_in_a_global_input_refuses_every_shard(repo: Path) -> None:
    (repo / "stacks/prod/stack.yaml").write_text(
        (repo / "stacks/prod/stack.yaml").read_text() + "bogus: 1\n"
    )
    result = run_check(CheckOptions(root=repo))
    assert result.failed
    every = [Shard("prod", "billing"), Shard("prod", "service-desk")]
    assert sorted(refused_shards(result.landscape, every, result.findings)) == every


def test_an_error_in_a_policy_file_refuses_every_shard(repo: Path) -> None:
    from platform_cli.findings import Finding, Level

    every = [Shard("prod", "billing"), Shard("prod", "service-desk"), Shard("dev", "billing")]
    landscape = run_check(CheckOptions(root=repo)).landscape
    broken = Finding("policies/config.yaml", 3, 1, "schema", Level.ERROR, "bad")
    assert sorted(refused_shards(landscape, every, [broken])) == sorted(every)
    team = Finding("landscape/teams/billing.yaml", 3, 1, "schema", Level.ERROR, "bad")
    assert sorted(refused_shards(landscape, every, [team])) == [
        Shard("dev", "billing"),
        Shard("prod", "billing"),
    ]
    warning = Finding("policies/config.yaml", 3, 1, "x", Level.WARNING, "meh")
    assert refused_shards(landscape, every, [warning]) == {}


def test_status_reads_the_records(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    current = operations.judge(repo).digest(Shard("prod", "service-desk"))
    tags = {
        automation.COMMIT_TAG: "a" * 40,
        automation.RENDER_TAG: current,
        automation.APPLIED_AT_TAG: "2026-11-28T10:00:00Z",
        automation.RUN_TAG: "https://github.com/o/r/actions/runs/7",
        automation.DRIFT_TAG: "none 2026-11-29T03:17:00Z",
    }
    pulumi.reply(stack_ls=_stack_ls(STACK), stack_tag={"stdout": json.dumps(tags)})
    result = platform("status", "--root", str(repo), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    by_stack = {s["stack"]: s for s in data["stacks"]}
    assert by_stack[STACK]["state"] == "current" and by_stack[STACK]["behind"] is False
    assert by_stack[STACK]["drift"] == "none"
    assert by_stack[STACK]["run"] == "https://github.com/o/r/actions/runs/7"
    assert by_stack[OTHER]["state"] == "never-applied" and by_stack[OTHER]["behind"] is True


def test_drift_records_its_result_on_the_stack(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    pulumi.reply(refresh={"events": [_summary(same=3)]})
    result = platform("drift", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 0, result.stderr
    tag = [c["args"] for c in pulumi.calls() if c["command"] == "stack tag"]
    assert tag and tag[0][4] == automation.DRIFT_TAG and tag[0][5].startswith("none ")


# The pieces


def test_run_url_only_inside_github_actions() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_ATTEMPT": "2",
    }
    assert records.run_url(env) == "https://github.com/o/r/actions/runs/42/attempts/2"
    assert records.run_url({**env, "GITHUB_RUN_ID": "x; rm"}) == ""
    assert records.run_url({}) == ""


def test_the_digest_ignores_order_and_sees_any_change() -> None:
    a = {"kind": "A", "metadata": {"name": "a"}}
    b = {"kind": "B", "metadata": {"name": "b"}}
    assert records.render_digest([a, b]) == records.render_digest([b, a])
    assert records.render_digest([a, b]) != records.render_digest([a, {**b, "x": 1}])


def test_run_ordered_waits_for_prerequisites_and_bounds_concurrency() -> None:
    p, c, x, y = (Shard("prod", t) for t in ("provider", "consumer", "x", "y"))
    needs = {c: {p}}
    started: list[Shard] = []
    active = 0
    peak = 0
    guard = threading.Lock()

    def work(shard: Shard) -> str:
        nonlocal active, peak
        with guard:
            started.append(shard)
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with guard:
            active -= 1
        return "failed" if shard == p else "ok"

    done = schedule.run_ordered([c, p, x, y], needs, work, parallel=2)
    assert list(done) == [c, p, x, y]
    # the consumer still runs after its provider failed, and never before it
    assert done[c] == "ok" and started.index(c) > started.index(p)
    assert peak == 2


def test_a_dependency_cycle_still_runs_everything() -> None:
    a, b = Shard("prod", "a"), Shard("prod", "b")
    done = schedule.run_ordered([a, b], {a: {b}, b: {a}}, lambda s: s.team, parallel=4)
    assert done == {a: "a", b: "b"}


def test_parallel_is_bounded() -> None:
    with pytest.raises(Exception, match="between 1 and"):
        schedule.check_parallel(100)


def _lock(state: Path, stack: str, pid: int, host: str) -> None:
    folder = state / ".pulumi" / "locks" / "organization" / "platform" / stack
    folder.mkdir(parents=True)
    (folder / "0b4f.json").write_text(
        json.dumps(
            {"pid": pid, "username": "ci", "hostname": host, "timestamp": "2026-11-29T08:00:00Z"}
        )
    )


def test_unlock_removes_only_a_stale_lock(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import socket

    state = tmp_path / "state"
    monkeypatch.setenv("PULUMI_BACKEND_URL", state.as_uri())
    _lock(state, STACK, os.getpid(), socket.gethostname())
    held = platform("unlock", "--root", str(repo), "--stack", STACK)
    assert held.exit_code == 2
    assert "held by a running process: ci@" in held.stderr
    assert "cancel" not in pulumi.commands()
    shutil.rmtree(state / ".pulumi")
    _lock(state, STACK, 2**22 + 7, socket.gethostname())  # no such process
    gone = platform("unlock", "--root", str(repo), "--stack", STACK)
    assert gone.exit_code == 0, gone.stderr
    assert gone.stdout.startswith(f"unlocked Pulumi stack {STACK}: ci@")
    assert pulumi.commands()[-1] == "cancel"


def test_unlock_on_a_remote_backend_needs_a_persons_word(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "s3://dom-komfort-pulumi-state")
    refused = platform("unlock", "--root", str(repo), "--stack", STACK)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert platform("unlock", "--root", str(repo), "--stack", STACK, "--force").exit_code == 0
    assert pulumi.commands()[-1] == "cancel"
