"""`platform stacks`: every Pulumi stack, or those a change affects, on real git
repositories holding the bundled landscape, one commit per kind of change."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, REPO, Run, git

_branches = itertools.count()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled landscape, its policies and a stand-in for the code, committed once."""
    root = tmp_path_factory.mktemp("stacks") / "repo"
    for top in ("landscape", "stacks", "policies"):
        shutil.copytree(REPO / top, root / top, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "platform_cli").mkdir()
    (root / "platform_cli" / "render.py").write_text("# the renderer\n")
    (root / "docs").mkdir()
    (root / "docs" / "model.md").write_text("# the model\n")
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "base")):
        subprocess.run(
            ["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
        )
    return root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A work tree of its own on a new branch from main: cheaper than a copy."""
    root = tmp_path / "repo"
    git(template, "worktree", "add", "-q", "-b", f"change-{next(_branches)}", str(root), "main")
    return root


def _edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text()
    assert old in text, (path, old)
    file.write_text(text.replace(old, new, 1))


def _affected(run: Callable[[list[str]], Run], root: Path) -> dict[str, list[str]]:
    git(root, "commit", "-q", "-am", "change")
    result = run(
        ["stacks", "--root", str(root), "--affected", "--base", "HEAD~1", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    matrix = json.loads(result.stdout)
    for entry in matrix["include"]:
        assert entry["environment"] == entry["stack"].split(".")[0]
        assert entry["team"] == entry["stack"].split(".")[1]
    return {e["stack"]: e["reasons"] for e in matrix["include"]}


def _all(run: Callable[[list[str]], Run], root: Path) -> list[str]:
    result = run(["stacks", "--root", str(root)])
    assert result.exit_code == 0
    return result.stdout.split()


def test_all_stacks_one_per_stack_and_team(run: Callable[[list[str]], Run], repo: Path) -> None:
    names = _all(run, repo)
    assert names == sorted(names)
    assert "prod.billing" in names and "dev.billing" in names
    assert all(len(n.split(".")) == 2 for n in names)
    result = run(["stacks", "--root", str(repo), "--format", "json"])
    assert [e["stack"] for e in json.loads(result.stdout)["include"]] == names


def test_one_teams_file_affects_its_shard_and_its_providers(
    run: Callable[[list[str]], Run], repo: Path
) -> None:
    path = "stacks/prod/billing/billing-calculator.yaml"
    _edit(repo, path, "replicas: 2", "replicas: 3")
    affected = _affected(run, repo)
    assert "prod.billing" in affected
    assert all(name.startswith("prod.") for name in affected)
    assert affected["prod.billing"] == [path]


def test_a_change_in_one_team_leaves_other_teams_alone(
    run: Callable[[list[str]], Run], repo: Path
) -> None:
    _edit(repo, "stacks/dev/iot/lift-telemetry-api.yaml", "LOG_LEVEL", "LOG_LEVEL_X")
    affected = _affected(run, repo)
    assert "dev.iot" in affected
    assert not any(name.startswith("prod.") for name in affected)


def test_a_system_affects_the_shards_holding_its_resources(
    run: Callable[[list[str]], Run], repo: Path
) -> None:
    path = "landscape/systems/billing.yaml"
    file = repo / path
    file.write_text(file.read_text() + "# reviewed\n")
    affected = _affected(run, repo)
    assert {"prod.billing", "dev.billing"} <= set(affected)
    assert all(reasons == [path] for reasons in affected.values())
    assert len(affected) < len(_all(run, repo))


def test_a_policy_module_affects_every_stack(run: Callable[[list[str]], Run], repo: Path) -> None:
    file = repo / "policies/lnd001_team_owners.py"
    file.write_text(file.read_text() + "# stricter\n")
    affected = _affected(run, repo)
    assert sorted(affected) == _all(run, repo)
    assert set(map(tuple, affected.values())) == {("policies/lnd001_team_owners.py",)}


def test_the_price_sheet_affects_nothing(run: Callable[[list[str]], Run], repo: Path) -> None:
    file = repo / "policies/prices.yaml"
    file.write_text(file.read_text() + "# new prices\n")
    (repo / "docs/model.md").write_text("# the model, revised\n")
    assert _affected(run, repo) == {}
    result = run(["stacks", "--root", str(repo), "--affected", "--base", "HEAD~1"])
    assert result.stdout.startswith("0 of ")


def test_code_affects_every_stack(run: Callable[[list[str]], Run], repo: Path) -> None:
    (repo / "platform_cli/render.py").write_text("# the renderer, changed\n")
    affected = _affected(run, repo)
    assert sorted(affected) == _all(run, repo)


def test_a_stack_yaml_affects_every_shard_of_that_stack(
    run: Callable[[list[str]], Run], repo: Path
) -> None:
    _edit(repo, "stacks/prod/stack.yaml", "apps.dom-komfort.example", "apps2.dom-komfort.example")
    affected = _affected(run, repo)
    assert sorted(affected) == [n for n in _all(run, repo) if n.startswith("prod.")]


def test_text_lists_reasons_and_a_summary(run: Callable[[list[str]], Run], repo: Path) -> None:
    _edit(repo, "stacks/prod/billing/billing-calculator.yaml", "replicas: 2", "replicas: 3")
    git(repo, "commit", "-q", "-am", "change")
    result = run(["stacks", "--root", str(repo), "--affected", "--base", "HEAD~1"])
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["prod.billing", "stacks/prod/billing/billing-calculator.yaml"]
    assert lines[-1].startswith(f"{len(lines) - 1} of {len(_all(run, repo))} Pulumi stacks")


def test_no_base_commit_means_every_stack(run: Callable[[list[str]], Run], repo: Path) -> None:
    result = run(
        ["stacks", "--root", str(repo), "--affected", "--base", "0" * 40, "--format", "json"]
    )
    entries = json.loads(result.stdout)["include"]
    assert [e["stack"] for e in entries] == _all(run, repo)
    assert entries[0]["reasons"] == ["no base commit: every stack"]
