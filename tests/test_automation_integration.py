"""`platform up` then `platform drift` for real: the Pulumi CLI, a local file backend
in tmp_path and the cluster in KUBECONFIG. Skipped, with the reason, unless both
exist. The landscape is one team with one service (no operators needed), applied to
the kubeconfig's current context."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from platform_cli.cli.commands import main
from tests.conftest import DATA, REPO


def _skip_reason() -> str | None:
    if shutil.which("pulumi") is None:
        return "no `pulumi` CLI on PATH"
    if not os.environ.get("KUBECONFIG"):
        return "KUBECONFIG is not set"
    if shutil.which("kubectl") is None:
        return "no `kubectl` on PATH to find the cluster's context"
    probe = subprocess.run(
        ["kubectl", "get", "--raw", "/readyz"], capture_output=True, text=True, timeout=20
    )
    if probe.returncode != 0:
        return f"the cluster in KUBECONFIG is unreachable: {probe.stderr.strip()[:200]}"
    return None


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _platform(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main([*args])
        sys.exit(0)
    return int(exit_info.value.code or 0)


@pytest.fixture(scope="module", autouse=True)
def _requirements() -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(f"integration test needs a real Pulumi CLI and cluster: {reason}")


def test_up_then_drift_against_a_real_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    context = subprocess.run(
        ["kubectl", "config", "current-context"], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    (root / "stacks/prod/service-desk/tickets-db.yaml").unlink()
    api = root / "stacks/prod/service-desk/tickets-api.yaml"
    api.write_text(api.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
    stack_yaml = root / "stacks/prod/stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("prod-msk", context))
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    # The program runs in the project's virtualenv, as in CI
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (root / "deploy").mkdir()
    shutil.copy(REPO / "deploy/__main__.py", root / "deploy/__main__.py")
    (root / ".gitignore").write_text(".pulumi-state/\n.venv\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one service")
    sha = git(root, "rev-parse", "HEAD")
    for key in ("CI", "GITHUB_ACTIONS", "PULUMI_BACKEND_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "integration")
    stack = "prod.service-desk"
    try:
        assert _platform("up", "--root", str(root), "--stack", stack, "--commit", sha) == 0
        assert f"Applied commit {sha[:12]}" in capsys.readouterr().out
        assert _platform("drift", "--root", str(root), "--stack", stack) == 0
        assert "no drift" in capsys.readouterr().out
        annotation = subprocess.run(
            ["kubectl", "--context", context, "get", "namespace", "prod-service-desk",
             "-o", "jsonpath={.metadata.annotations.platform\\.dom-komfort\\.example/commit}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert annotation == sha
    finally:
        subprocess.run(
            ["pulumi", "destroy", "--yes", "--stack", stack, "--non-interactive"],
            cwd=root,
            env={**os.environ, "PULUMI_BACKEND_URL": (root / ".pulumi-state").as_uri()},
            capture_output=True,
            timeout=600,
        )
