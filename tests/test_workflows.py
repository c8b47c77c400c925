"""The GitHub Actions workflows: valid against the workflow schema that
check-jsonschema vendors (read from the installed package, offline), and hardened:
pinned actions, minimal permissions, timeouts, no untrusted text in scripts."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
NAMES = [p.name for p in WORKFLOWS]
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+(\S+)@([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$")
UNTRUSTED = re.compile(r"\$\{\{\s*github\.(event\.|head_ref)")
# What each workflow's jobs may ask for, and nothing else
ALLOWED_PERMISSIONS: dict[str, dict[str, str]] = {
    "pr.yml": {"contents": "read", "pull-requests": "write", "security-events": "write"},
    "apply.yml": {"contents": "read"},
    "drift.yml": {"contents": "read", "issues": "write"},
}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True; GitHub (and check-jsonschema) read YAML 1.2
    if True in data:
        data["on"] = data.pop(True)
    assert isinstance(data, dict)
    return data


def _schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    data = json.loads((vendor / "github-workflows.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_expected_workflows_exist() -> None:
    assert NAMES == ["apply.yml", "drift.yml", "pr.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_valid_against_the_vendored_github_workflow_schema(path: Path) -> None:
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_load(path))]
    assert errors == []


def test_the_schema_rejects_a_broken_workflow() -> None:
    schema = _schema()
    broken = {"on": "push", "jobs": {"x": {"runs-on": "ubuntu-latest", "steps": [{"usess": 1}]}}}
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = [ln for ln in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", ln)]
    assert lines
    assert [ln for ln in lines if not PINNED.match(ln)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_minimal_permissions_and_timeouts(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), name
        assert job["timeout-minutes"] <= 60, name
        granted = job.get("permissions")
        assert isinstance(granted, dict), f"{name}: permissions must be listed"
        allowed = ALLOWED_PERMISSIONS[path.name]
        assert {k: v for k, v in granted.items() if allowed.get(k) != v} == {}, name


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_no_untrusted_text_in_scripts(path: Path) -> None:
    workflow = _load(path)
    assert "pull_request_target" not in workflow["on"]
    scripts = [step["run"] for step in _steps(workflow) if "run" in step]
    assert scripts
    assert [s for s in scripts if UNTRUSTED.search(s)] == []
    for step in _steps(workflow):
        for value in step.get("with", {}).values():
            assert not UNTRUSTED.search(str(value)), step


def test_pull_requests_get_no_secrets_or_environments() -> None:
    text = (REPO / ".github/workflows/pr.yml").read_text()
    workflow = _load(REPO / ".github/workflows/pr.yml")
    assert list(workflow["on"]) == ["pull_request"]
    assert "secrets." not in text
    assert all("environment" not in job for job in workflow["jobs"].values())
    scripts = "\n".join(s["run"] for s in _steps(workflow) if "run" in s)
    assert "platform check --format github" in scripts
    assert 'platform plan --base "origin/$BASE_REF" --format markdown' in scripts
    assert "<!-- platform-plan -->" in scripts
    assert "platform preview --offline" in scripts
    assert any("upload-sarif" in s.get("uses", "") for s in _steps(workflow))


def test_secrets_only_in_jobs_with_an_environment() -> None:
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            if "secrets." in json.dumps(job):
                assert "environment" in job, f"{path.name}:{name}"


def test_apply_runs_one_queued_job_per_stack_with_its_environment() -> None:
    workflow = _load(REPO / ".github/workflows/apply.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    affected = workflow["jobs"]["affected"]
    script = affected["steps"][-1]["run"]
    assert 'platform stacks --affected --base "$BEFORE" --head "$SHA" --format json' in script
    assert affected["steps"][-1]["env"] == {
        "BEFORE": "${{ github.event.before }}",
        "SHA": "${{ github.sha }}",
    }
    up = workflow["jobs"]["up"]
    assert up["strategy"]["matrix"] == "${{ fromJSON(needs.affected.outputs.matrix) }}"
    assert up["concurrency"] == {"group": "apply-${{ matrix.stack }}", "cancel-in-progress": False}
    assert up["environment"] == "${{ matrix.environment }}"
    apply_step = up["steps"][-1]
    assert apply_step["run"] == '.venv/bin/platform up --stack "$STACK" --commit "$SHA"'
    assert apply_step["env"] == {"STACK": "${{ matrix.stack }}", "SHA": "${{ github.sha }}"}


@pytest.mark.parametrize("name", ["apply.yml", "drift.yml"])
def test_a_pinned_pulumi_cli_is_installed(name: str) -> None:
    workflow = _load(REPO / ".github/workflows" / name)
    assert re.fullmatch(r"\d+\.\d+\.\d+", workflow["env"]["PULUMI_VERSION"])
    installs = [s["run"] for s in _steps(workflow) if "get.pulumi.com" in s.get("run", "")]
    assert installs
    assert all('--version "$PULUMI_VERSION"' in script for script in installs)


def test_drift_runs_nightly_and_keeps_one_issue_per_stack() -> None:
    workflow = _load(REPO / ".github/workflows/drift.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    drift = workflow["jobs"]["drift"]
    assert drift["concurrency"]["group"] != "apply-${{ matrix.stack }}"
    scripts = "\n".join(s["run"] for s in drift["steps"] if "run" in s)
    assert 'platform drift --stack "$STACK" --format markdown' in scripts
    assert "gh issue edit" in scripts and "gh issue create" in scripts


def test_a_pull_request_that_edits_the_toolkit_runs_its_lint_and_tests() -> None:
    """The toolkit shares the repository with the landscape: its own checks gate it."""
    job = _load(REPO / ".github" / "workflows" / "pr.yml")["jobs"]["toolkit"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert "make lint" in runs and "make test" in runs
    assert job["permissions"] == {"contents": "read"}
    script = next(r for r in runs if "grep" in r)
    pattern = re.search(r"grep -qE '([^']+)'", script)
    assert pattern is not None
    toolkit = re.compile(pattern.group(1))
    for path in (
        "platform_cli/plan/risks.py",
        "policies/lnd007_team_quota.py",
        "schemas/service.schema.json",
        "tests/test_plan.py",
        "pyproject.toml",
    ):
        assert toolkit.search(path), path
    for path in ("stacks/prod/billing/billing-api.yaml", "policies/waivers.yaml", "docs/model.md"):
        assert not toolkit.search(path), path
