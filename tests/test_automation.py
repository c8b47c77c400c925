"""`platform up`, `preview` and `drift` through the Automation API, against a stand-in
`pulumi` on PATH that records its arguments and replays scripted replies
(tests/data/apply/pulumi_standin.py). The landscape is a real git repository."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from platform_cli.apply import automation
from platform_cli.cli.commands import main
from tests.conftest import DATA, REPO, git

STACK = "prod.service-desk"
BACKEND = "file:///var/lib/pulumi-state"
URN = "urn:pulumi:prod.service-desk::platform::"


@dataclass
class Pulumi:
    """The stand-in: script its replies, then read the calls it recorded."""

    folder: Path

    def reply(self, **replies: dict[str, Any]) -> None:
        data = {key.replace("_", " "): value for key, value in replies.items()}
        (self.folder / "replies.json").write_text(json.dumps(data))

    def calls(self) -> list[dict[str, Any]]:
        log = self.folder / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def cluster_has(self, **exists: list[str]) -> None:
        """The objects the stand-in `kubectl` finds, per namespace ('' cluster-wide)."""
        data = {key.replace("_", "-"): value for key, value in exists.items()}
        (self.folder / "kubectl.json").write_text(json.dumps({"exists": data}))

    def kubectl_calls(self) -> list[list[str]]:
        log = self.folder / "kubectl-calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line)["args"] for line in log.read_text().splitlines()]

    def commands(self) -> list[str]:
        return [c["command"] for c in self.calls() if c["command"] != "version"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / ".gitignore").write_text(".pulumi-state/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


@pytest.fixture
def pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pulumi:
    folder = tmp_path / "bin"
    folder.mkdir()
    source = (DATA / "apply" / "pulumi_standin.py").read_text()
    target = folder / "pulumi"
    target.write_text(f"#!{sys.executable}\n{source}")
    target.chmod(target.stat().st_mode | stat.S_IXUSR)
    kubectl = folder / "kubectl"
    kubectl.write_text(f"#!{sys.executable}\n{(DATA / 'apply' / 'kubectl_standin.py').read_text()}")
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    stand_in = Pulumi(folder)
    stand_in.reply()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{_path_without_pulumi()}")
    for key in ("CI", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "KUBECONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PULUMI_BACKEND_URL", BACKEND)
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    return stand_in


def _path_without_pulumi() -> str:
    return os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "pulumi").exists()
    )


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def platform(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def _run(*args: str) -> Result:
        with pytest.raises(SystemExit) as exit_info:
            main([*args])
            sys.exit(0)
        out = capsys.readouterr()
        return Result(int(exit_info.value.code or 0), out.out, out.err)

    return _run


def _step(op: str, name: str, type_: str = "kubernetes:core/v1:Namespace", **more: Any) -> dict:
    return {"op": op, "urn": f"{URN}{type_}::{name}", "type": type_, "provider": "", **more}


def _summary(**changes: int) -> dict:
    return {
        "summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": changes}
    }


NOT_FOUND = {"code": 255, "stderr": f"error: no stack named '{STACK}' found\n"}


# up


def test_up_creates_the_stack_applies_and_tags_it_with_the_commit(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    pulumi.reply(
        stack_select=NOT_FOUND,
        up={
            "events": [
                {"resourcePreEvent": {"metadata": _step("create", "Namespace/prod-service-desk")}},
                {"resOutputsEvent": {"metadata": _step("create", "Namespace/prod-service-desk")}},
                _summary(create=1, same=4),
            ]
        },
        stack_history={
            "stdout": json.dumps(
                [
                    {
                        "kind": "update",
                        "startTime": "2026-01-01T00:00:00.000000Z",
                        "message": "",
                        "environment": {},
                        "config": {},
                        "result": "succeeded",
                        "resourceChanges": {"create": 1, "same": 4},
                    }
                ]
            )
        },
    )
    result = platform("up", "--root", str(repo), "--stack", STACK, "--commit", sha)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"Applied commit {sha[:12]} to Pulumi stack {STACK}:\n"
        "  +  create   kubernetes:core/v1:Namespace  Namespace/prod-service-desk\n"
        "  1 created, 4 unchanged\n"
    )
    assert result.stderr == ""
    assert pulumi.commands() == [
        # one export: made by hand? (operations.made_by_hand) and protected objects to
        # delete? (apply/protection.py)
        "stack export",
        "stack select",
        "stack init",
        "up",
        "stack output",
        "stack output",
        "stack history",
        "stack tag",
        "stack tag",
        "stack tag",
    ]
    tags = [c["args"][4:6] for c in pulumi.calls() if c["command"] == "stack tag"]
    assert [key for key, _ in tags] == [
        automation.COMMIT_TAG, automation.RENDER_TAG, automation.APPLIED_AT_TAG
    ]  # fmt: skip
    assert tags[1][1].startswith("sha256:") and len(tags[1][1]) == 71
    calls = {c["command"]: c for c in pulumi.calls()}
    up_args = calls["up"]["args"]
    assert up_args[:4] == ["--non-interactive", "up", "--yes", "--skip-preview"]
    assert up_args[-2:] == ["--stack", STACK]
    assert ["--message", f"platform up {sha}"] == up_args[4:6]
    assert calls["stack init"]["args"] == ["--non-interactive", "stack", "init", STACK]
    first_tag = next(c for c in pulumi.calls() if c["command"] == "stack tag")
    assert first_tag["args"][1:] == [
        "stack", "tag", "set", automation.COMMIT_TAG, sha, "--stack", STACK,
    ]  # fmt: skip
    # The commit is the stack's tag, never passed to the program to stamp on objects
    assert "PLATFORM_COMMIT_SHA" not in calls["up"]["env"]
    assert calls["up"]["env"]["PULUMI_BACKEND_URL"] == BACKEND


def test_a_concurrent_update_is_reported_and_not_retried(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    pulumi.reply(
        up={
            "code": 255,
            "stderr": "error: the stack is currently locked by 1 lock(s). Either wait for the "
            "other process(es) to end or delete the lock file with `pulumi cancel`.\n"
            "  s3://state/.pulumi/locks/prod.service-desk/1.json: created by runner@gh "
            "(pid 4242) at 2026-01-01T00:00:00Z\n",
        }
    )
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"platform: error: stack {STACK} is locked by another update (held by runner@gh "
        "(pid 4242) at 2026-01-01T00:00:00Z): the stack is currently locked by 1 lock(s)."
    )
    assert f"`pulumi cancel --stack {STACK}`" in result.stderr
    assert "Never retried automatically" in result.stderr
    assert pulumi.commands() == ["stack export", "stack select", "up"]
    assert "Traceback" not in result.stderr


def test_a_failure_half_way_says_what_was_applied(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    database = "kubernetes:postgresql.cnpg.io/v1:Cluster"
    pulumi.reply(
        up={
            "code": 255,
            "stdout": "Updating (prod.service-desk):\n"
            "error: creating Cluster/prod-service-desk/tickets-db: admission webhook "
            '"vcluster.cnpg.io" denied the request\n',
            "stderr": "error: update failed\n",
            "events": [
                {"resourcePreEvent": {"metadata": _step("create", "Namespace/prod-service-desk")}},
                {"resOutputsEvent": {"metadata": _step("create", "Namespace/prod-service-desk")}},
                {"resourcePreEvent": {"metadata": _step("create", "tickets-db", database)}},
                {
                    "resOpFailedEvent": {
                        "metadata": _step("create", "tickets-db", database),
                        "status": 1,
                        "steps": 1,
                    }
                },
            ],
        }
    )
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"platform: error: pulumi up failed half-way for stack {STACK}: 1 resource operation "
        "completed before: creating Cluster/prod-service-desk/tickets-db: admission webhook "
        '"vcluster.cnpg.io" denied the request'
    )
    assert "run the apply again" in result.stderr
    assert pulumi.commands() == ["stack export", "stack select", "up"]


def test_a_missing_cli_is_a_clear_error(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _path_without_pulumi())
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "platform: error: the `pulumi` CLI is not installed or not on PATH"
    )
    assert pulumi.calls() == []


def test_an_unreachable_backend_is_a_clear_error(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "https://pulumi.example.invalid")
    pulumi.reply(
        stack_select={
            "code": 255,
            "stderr": "error: problem logging in: getting user info from "
            'https://pulumi.example.invalid: Get "https://pulumi.example.invalid/api/user": '
            "dial tcp: lookup pulumi.example.invalid: no such host\n",
        }
    )
    result = platform("preview", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        "platform: error: cannot reach the Pulumi backend https://pulumi.example.invalid: "
        "problem logging in"
    )
    assert "PULUMI_ACCESS_TOKEN" in result.stderr
    assert pulumi.commands() == ["stack select"]


def test_an_unreachable_cluster_is_a_clear_error(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    pulumi.reply(
        preview={
            "code": 255,
            "stdout": "error: configured Kubernetes cluster is unreachable: unable to load "
            "schema information from the API server: Get "
            '"https://10.0.0.1:6443/openapi/v2": dial tcp 10.0.0.1:6443: connect: '
            "connection refused\n",
        }
    )
    result = platform("preview", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        f"platform: error: cannot reach the Kubernetes cluster of stack {STACK}: configured "
        "Kubernetes cluster is unreachable"
    )
    assert "KUBECONFIG" in result.stderr


def test_a_failing_program_points_at_check_and_the_offline_preview(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    pulumi.reply(
        preview={
            "code": 255,
            "stdout": "error: Program failed with an unhandled exception:\n"
            "  pulumi.RunError: the landscape has 1 error\n",
        }
    )
    result = platform("preview", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"platform: error: the Pulumi program failed for stack {STACK}: Program failed with "
        "an unhandled exception:"
    )
    assert f"platform preview --offline --stack {STACK}" in result.stderr


def test_preview_lists_the_changes(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    service = "kubernetes:apps/v1:Deployment"
    pulumi.reply(
        preview={
            "events": [
                {"resourcePreEvent": {"metadata": _step("same", "Namespace/prod-service-desk")}},
                {
                    "resourcePreEvent": {
                        "metadata": _step(
                            "update",
                            "Deployment/prod-service-desk/tickets-api",
                            service,
                            diffs=["spec"],
                        )
                    }
                },
                _summary(update=1, same=4),
            ]
        }
    )
    result = platform("preview", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"Preview of Pulumi stack {STACK} (backend {BACKEND}):\n"
        "  ~  update   kubernetes:apps/v1:Deployment  Deployment/prod-service-desk/tickets-api\n"
        "  1 to update, 4 unchanged\n"
    )
    preview_call = next(c for c in pulumi.calls() if c["command"] == "preview")
    assert "--event-log" in preview_call["args"]
    # A preview never creates a stack
    assert "stack init" not in pulumi.commands()


def test_preview_of_a_missing_stack(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    pulumi.reply(stack_select=NOT_FOUND)
    result = platform("preview", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"platform: error: Pulumi stack {STACK} does not exist in the backend {BACKEND}"
    )
    assert pulumi.commands() == ["stack select"]


# drift

DRIFTED = [
    {
        "resourcePreEvent": {
            "metadata": _step(
                "refresh",
                "Deployment/prod-service-desk/tickets-api",
                "kubernetes:apps/v1:Deployment",
                diffs=["spec"],
            )
        }
    },
    {"resourcePreEvent": {"metadata": _step("refresh", "Namespace/prod-service-desk")}},
    _summary(update=1, same=4),
]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_drift_is_reported_with_exit_code_3(
    repo: Path,
    pulumi: Pulumi,
    platform: Callable[..., Result],
    golden: Callable[[Path, str], None],
    fmt: str,
) -> None:
    pulumi.reply(
        refresh={
            "code": 255,
            "stderr": "error: no changes were expected but changes were proposed\n",
            "events": DRIFTED,
        }
    )
    result = platform("drift", "--root", str(repo), "--stack", STACK, "--format", fmt)
    assert result.exit_code == 3, result.stderr
    suffix = {"markdown": "md", "text": "txt"}.get(fmt, fmt)
    golden(DATA / "apply" / f"drift.{suffix}", result.stdout)
    call = next(c for c in pulumi.calls() if c["command"] == "refresh")
    assert call["args"][:4] == [
        "--non-interactive",
        "refresh",
        "--preview-only",
        "--expect-no-changes",
    ]
    assert "PLATFORM_COMMIT_SHA" not in call["env"]
    assert "stack init" not in pulumi.commands()


def test_no_drift_exits_0(repo: Path, pulumi: Pulumi, platform: Callable[..., Result]) -> None:
    pulumi.reply(refresh={"events": [_summary(same=5)]})
    result = platform("drift", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 0
    assert result.stdout == f"no drift in Pulumi stack {STACK}: 5 resources as recorded\n"


def test_drift_of_a_missing_stack(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    pulumi.reply(stack_select=NOT_FOUND)
    result = platform("drift", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert "does not exist in the backend" in result.stderr
    assert pulumi.commands() == ["stack select"]


# Backends


def test_ci_without_a_backend_is_refused_before_pulumi_runs(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    sha = git(repo, "rev-parse", "HEAD")
    result = platform("up", "--root", str(repo), "--stack", STACK, "--commit", sha)
    assert result.exit_code == 2
    assert "no Pulumi backend configured" in result.stderr
    assert "would be lost when the runner goes away" in result.stderr
    assert pulumi.calls() == []


def test_the_demo_uses_a_local_backend_inside_the_repository(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    pulumi.reply(refresh={"events": [_summary(same=5)]})
    assert platform("drift", "--root", str(repo), "--stack", STACK).exit_code == 0
    env = pulumi.calls()[-1]["env"]
    assert env["PULUMI_BACKEND_URL"] == (repo / ".pulumi-state").resolve().as_uri()
    assert env["PULUMI_CONFIG_PASSPHRASE"] == ""
    assert (repo / ".pulumi-state").is_dir()
    # ignored by git, so the next `up` still sees a clean tree
    assert git(repo, "status", "--porcelain") == ""


def test_choose_backend() -> None:
    root = Path("/srv/landscape")
    assert automation.choose_backend(root, {"PULUMI_BACKEND_URL": "s3://state"}).url == "s3://state"
    local = automation.choose_backend(root, {})
    assert local == automation.Backend("file:///srv/landscape/.pulumi-state", local=True)
    for ci in ({"CI": "true"}, {"GITHUB_ACTIONS": "true"}):
        with pytest.raises(automation.LocalBackendInCI):
            automation.choose_backend(root, ci)


# Refusals of up


def test_up_refuses_a_dirty_tree(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    (repo / "stacks/prod/service-desk/tickets-api.yaml").write_text("changed\n")
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 2
    assert "uncommitted changes (stacks/prod/service-desk/tickets-api.yaml)" in result.stderr
    assert pulumi.calls() == []


def test_up_ignores_the_stack_settings_pulumi_writes(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    (repo / f"stacks/Pulumi.{STACK}.yaml").write_text("encryptionsalt: v1:abc\n")
    assert platform("up", "--root", str(repo), "--stack", STACK).exit_code == 0


def test_up_refuses_a_head_other_than_the_named_commit(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "newer")
    result = platform("up", "--root", str(repo), "--stack", STACK, "--commit", first)
    assert result.exit_code == 2
    assert f"not the commit to apply {first}" in result.stderr
    assert pulumi.calls() == []


def test_up_in_ci_needs_the_commit(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 2
    assert "needs --commit SHA" in result.stderr


def test_up_refuses_a_landscape_with_check_errors(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    path = repo / "stacks/prod/service-desk/tickets-api.yaml"
    path.write_text(path.read_text().replace("replicas:", "replica:"))
    git(repo, "commit", "-q", "-am", "typo")
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert "check error" in result.stderr and "refusing to apply" in result.stderr
    assert pulumi.calls() == []


def test_up_names_only_sharded_stacks(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    result = platform("up", "--root", str(repo), "--stack", "prod")
    assert result.exit_code == 2
    assert "'prod' is a landscape stack, not a Pulumi stack" in result.stderr
    result = platform("up", "--root", str(repo), "--stack", "prod.nobody")
    assert result.exit_code == 2
    assert "no Pulumi stack 'prod.nobody'" in result.stderr
    result = platform("up", "--root", str(repo), "--stack", STACK, "--all")
    assert result.exit_code == 2
    assert pulumi.calls() == []


def test_up_affected_applies_only_the_affected_stacks(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "docs").mkdir()
    (repo / "docs/notes.md").write_text("nothing deployed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs")
    result = platform("up", "--root", str(repo), "--affected", "--base", base)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "no Pulumi stacks selected: nothing to do\n"
    assert pulumi.commands() == []


# Deleting protected objects (apply/protection.py)


def _protected_state(*names: str, source: str) -> dict[str, Any]:
    resources = [
        {
            "urn": f"{URN}kubernetes:postgresql.cnpg.io/v1:{name.split('/')[0]}::{name}",
            "protect": True,
            "inputs": {
                "metadata": {"annotations": {"platform.dom-komfort.example/source": source}}
            },
        }
        for name in names
    ]
    return {"stdout": json.dumps({"version": 3, "deployment": {"resources": resources}})}


DB = "stacks/prod/service-desk/tickets-db.yaml"


def test_a_protected_delete_without_a_retirement_is_refused_before_the_update(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    (repo / DB).unlink()
    api = repo / "stacks/prod/service-desk/tickets-api.yaml"
    api.write_text(api.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
    git(repo, "commit", "-q", "-am", "drop tickets-db")
    pulumi.reply(
        stack_export=_protected_state("Cluster/prod-service-desk/tickets-db", source=DB),
        stack_ls={"stdout": json.dumps([{"name": STACK, "current": False}])},
        stack_tag={"stdout": json.dumps({"platform:commit": git(repo, "rev-parse", "HEAD~1")})},
    )
    result = platform("up", "--root", str(repo), "--stack", STACK, "--today", "2030-01-01")
    assert result.exit_code == 1
    assert (
        "refusing to apply Pulumi stack prod.service-desk: 1 protected object would be "
        "deleted: Cluster/prod-service-desk/tickets-db (stacks/prod/service-desk/"
        "tickets-db.yaml was not retired when last applied; today is 2030-01-01)"
    ) in result.stderr
    assert "`platform retire` it and apply that" in result.stderr
    assert "up" not in pulumi.commands()
    assert "stack import" not in pulumi.commands()


def test_what_a_retirement_stops_rendering_is_unprotected_then_deleted(
    repo: Path, pulumi: Pulumi, platform: Callable[..., Result]
) -> None:
    text = (repo / DB).read_text()
    retired = '  retirement:\n    requested: "2026-11-29"\n    keepDataUntil: "2027-01-03"\n'
    (repo / DB).write_text(text.replace("\nmetadata:\n", "\nmetadata:\n" + retired, 1))
    api = repo / "stacks/prod/service-desk/tickets-api.yaml"
    api.write_text(api.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
    git(repo, "commit", "-q", "-am", "retire tickets-db")
    pulumi.reply(
        stack_export=_protected_state("ScheduledBackup/prod-service-desk/tickets-db", source=DB),
        up={"events": [_summary(same=4)]},
    )
    result = platform("up", "--root", str(repo), "--stack", STACK, "--today", "2026-11-29")
    assert result.exit_code == 0, result.stderr
    assert (
        "lifted deletionProtection for 1 object of stacks/prod/service-desk/tickets-db.yaml "
        "(retired): the update deletes them"
    ) in result.stderr
    commands = pulumi.commands()
    assert commands.index("stack import") < commands.index("up")
