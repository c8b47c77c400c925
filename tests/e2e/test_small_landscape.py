"""`platform up` then `platform drift` in-process, through the same Automation API code
as the command, on the smallest landscape that needs no operator: one team with one
service, applied to a cluster context named in its stack file.

This was the integration test that skipped everywhere for want of a real Pulumi CLI and
cluster; the e2e fixtures now give it both, so it runs (and never skips).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from platform_cli.cli.commands import main
from tests.conftest import DATA, REPO, git
from tests.e2e.conftest import engine_env
from tests.e2e.controlplane import ControlPlane, Tools


def _platform(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main([*args])
        sys.exit(0)
    return int(exit_info.value.code or 0)


def test_up_then_drift_against_a_real_cluster(
    tools: Tools,
    plane: ControlPlane,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    (root / "stacks/prod/service-desk/tickets-db.yaml").unlink()
    api = root / "stacks/prod/service-desk/tickets-api.yaml"
    api.write_text(api.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
    # A context of its own, in a namespace of its own: prod-service-desk of the bundled
    # landscape belongs to the other tests
    stack_yaml = root / "stacks/prod/stack.yaml"
    text = stack_yaml.read_text().replace("prod-msk", "e2e")
    assert "namespacePattern" not in text
    stack_yaml.write_text(
        text.replace("\nspec:\n", '\nspec:\n  namespacePattern: "small-{team}"\n', 1)
    )
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (root / "deploy").mkdir()
    shutil.copy(REPO / "deploy/__main__.py", root / "deploy/__main__.py")
    (root / ".gitignore").write_text(".pulumi-state/\n.venv\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "add", "-A")
    git(root, "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "commit", "-q", "-m", "one service")  # fmt: skip
    sha = git(root, "rev-parse", "HEAD")
    state = tmp_path / "state"
    state.mkdir()
    for key, value in engine_env(tools, plane, state).items():
        monkeypatch.setenv(key, value)
    stack = "prod.service-desk"
    try:
        assert _platform("up", "--root", str(root), "--stack", stack, "--commit", sha) == 0
        assert f"Applied commit {sha[:12]} to Pulumi stack {stack}" in capsys.readouterr().out
        assert _platform("drift", "--root", str(root), "--stack", stack) == 0
        assert "no drift" in capsys.readouterr().out
        tag = subprocess.run(
            ["pulumi", "stack", "tag", "get", "platform:commit", "--stack", stack],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        assert tag == sha
        namespace = plane.get_json("namespace", "small-service-desk")
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    finally:
        subprocess.run(
            ["pulumi", "destroy", "--yes", "--stack", stack, "--non-interactive"],
            cwd=root,
            capture_output=True,
            timeout=600,
        )
