"""The GitHub Actions workflows: valid against the workflow schema that
check-jsonschema vendors (read from the installed package, offline), and hardened to
zizmor's and GitHub Security Lab's standard: pinned actions, minimal permissions,
timeouts, no untrusted text in scripts, the pull request's code apart from every write
token, apply and drift from main only, dependencies from hash-pinned locks, a Pulumi CLI
checked against its pinned sha256 (docs/security.md)."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import DATA, REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
NAMES = [p.name for p in WORKFLOWS]
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+(\S+)@([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$")
# This repository's own composite actions, at the workflow's own commit
LOCAL_ACTION = re.compile(r"^\s*(?:-\s+)?uses:\s+\./\.github/actions/[a-z-]+\s*$")
PULUMI_CLI = REPO / ".github" / "actions" / "pulumi-cli" / "action.yml"
UNTRUSTED = re.compile(r"\$\{\{\s*github\.(event\.|head_ref)")
# Commit IDs GitHub fills in: forty hex digits, never text an attacker chooses
A_COMMIT = re.compile(r"^(?:[a-z-]+-)?\$\{\{ github\.event\.pull_request\.(head|base)\.sha \}\}$")
# What each workflow's jobs may ask for, and nothing else
ALLOWED_PERMISSIONS: dict[str, dict[str, str]] = {
    "pr.yml": {"contents": "read", "pull-requests": "write", "security-events": "write"},
    "approvals.yml": {"contents": "read", "pull-requests": "read"},
    # The jobs that report (commit statuses, the merged pull request's comment) hold no
    # environment; the job with the credentials holds only contents: read
    "apply.yml": {
        "contents": "read",
        "actions": "read",
        "statuses": "write",
        "pull-requests": "write",
    },
    "apply.yml:up": {"contents": "read"},
    "apply.yml:environments": {"contents": "read"},
    "drift.yml": {"contents": "read", "issues": "write"},
    "catalog.yml": {"contents": "read"},
    # the one job that may publish Pages, with the OIDC token Pages requires
    "catalog.yml:deploy": {"pages": "write", "id-token": "write"},
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
    assert NAMES == ["apply.yml", "approvals.yml", "catalog.yml", "drift.yml", "pr.yml"]


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
    assert [ln for ln in lines if not (PINNED.match(ln) or LOCAL_ACTION.match(ln))] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_minimal_permissions_and_timeouts(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), name
        assert job["timeout-minutes"] <= 60, name
        granted = job.get("permissions")
        assert isinstance(granted, dict), f"{name}: permissions must be listed"
        allowed = ALLOWED_PERMISSIONS.get(f"{path.name}:{name}", ALLOWED_PERMISSIONS[path.name])
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
            assert A_COMMIT.match(str(value)) or not UNTRUSTED.search(str(value)), step


PR = REPO / ".github" / "workflows" / "pr.yml"
GATE = REPO / ".github" / "workflows" / "approvals.yml"


def test_pull_request_code_runs_only_with_a_read_only_token() -> None:
    workflow = _load(PR)
    assert workflow["on"] == {"pull_request": {"types": ["opened", "synchronize", "reopened"]}}
    assert "secrets." not in PR.read_text()
    assert all("environment" not in job for job in workflow["jobs"].values())
    for name in ("toolkit", "check"):
        job = workflow["jobs"][name]
        assert job["permissions"] == {"contents": "read"}, name
    scripts = "\n".join(s["run"] for s in workflow["jobs"]["check"]["steps"] if "run" in s)
    # One evaluation gives the annotations, the SARIF, the plan, the matrix and previews
    assert 'platform ci pr --base "origin/$BASE_REF" --head HEAD' in scripts
    for option in ("--annotations -", "--sarif results/platform-check.sarif", "--previews"):
        assert option in scripts, option
    assert "platform check" not in scripts and "platform stacks" not in scripts
    uploads = [
        s for s in workflow["jobs"]["check"]["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert [u["with"]["path"] for u in uploads] == ["results/platform-check.sarif"]


@pytest.mark.parametrize("path, name", [(PR, "report"), (GATE, "approvals")])
def test_jobs_with_write_or_gate_rights_run_the_base_branchs_code(path: Path, name: str) -> None:
    """The pull request's commit is fetched for its git objects; the working tree, the
    lock and the installed toolkit are the base branch's before anything runs."""
    steps = _load(path)["jobs"][name]["steps"]
    assert steps[0]["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert steps[0]["with"]["persist-credentials"] is False
    switch = steps[1]
    assert switch["run"] == 'git checkout --quiet --detach "$BASE_SHA"'
    assert switch["env"] == {"BASE_SHA": "${{ github.event.pull_request.base.sha }}"}
    later = "\n".join(s.get("run", "") for s in steps[2:])
    assert "pip install" in later and "-r requirements/run.txt" in later
    assert 'plan --base "$fork_point" --head "$HEAD_SHA"' in later
    assert ".venv/bin" not in later  # nothing the pull request's job may have left


def test_the_state_store_is_kept_by_the_base_commit_for_the_check_job_only() -> None:
    """The untrusted job may write anything into its cache, so the job that posts the
    comment never reads one."""
    jobs = _load(PR)["jobs"]
    (cache,) = [s for s in jobs["check"]["steps"] if "actions/cache@" in s.get("uses", "")]
    assert cache["with"] == {
        "path": "~/.cache/platform",
        "key": "platform-state-${{ github.event.pull_request.base.sha }}",
    }
    step = next(s for s in jobs["check"]["steps"] if "platform ci pr" in s.get("run", ""))
    assert step["env"]["PLATFORM_CACHE"] == "on"
    assert "actions/cache" not in json.dumps(jobs["report"])


def test_the_sticky_comment_is_matched_by_marker_and_author() -> None:
    steps = _load(PR)["jobs"]["report"]["steps"]
    script = next(s["run"] for s in steps if "issues/comments" in s.get("run", ""))
    assert '.user.login == "github-actions[bot]"' in script
    assert '.user.type == "Bot"' in script
    assert 'startswith("<!-- platform-plan -->")' in script
    assert "--format markdown" in "\n".join(s.get("run", "") for s in steps)


def test_the_sarif_artifact_is_validated_as_untrusted_data() -> None:
    steps = _load(PR)["jobs"]["report"]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    download = next(i for i, s in enumerate(steps) if "download-artifact" in s.get("uses", ""))
    validate = names.index("Validate the SARIF (untrusted data)")
    upload = next(i for i, s in enumerate(steps) if "upload-sarif" in s.get("uses", ""))
    assert download < validate < upload
    assert steps[download]["with"]["path"] == "${{ runner.temp }}/untrusted"
    check = steps[validate]["run"]
    assert "10000000" in check and "jq -e" in check and "test ! -L" in check
    assert steps[upload]["if"] == "steps.valid.outcome == 'success'"
    assert steps[upload]["with"]["sarif_file"] == "${{ steps.valid.outputs.file }}"


def test_the_approvals_gate_runs_on_every_push_and_review() -> None:
    """In a workflow of its own: a review must not re-run pr.yml, whose skipped jobs
    GitHub would count as passed required checks."""
    workflow = _load(GATE)
    assert workflow["on"] == {
        "pull_request": {"types": ["opened", "synchronize", "reopened"]},
        "pull_request_review": {"types": ["submitted", "edited", "dismissed"]},
    }
    assert list(workflow["jobs"]) == ["approvals"]
    job = workflow["jobs"]["approvals"]
    assert "if" not in job and job["name"] == "approvals"
    # its one environment holds the organisation members: read token and nothing else
    assert job["environment"] == "pr-approvals"
    assert "pull_request_review" not in json.dumps(_load(PR)["on"])
    gate = job["steps"][-1]
    assert 'platform" approvals --pr "$PR_NUMBER"' in gate["run"]
    assert gate["env"]["PLATFORM_MEMBERS_TOKEN"] == "${{ secrets.PLATFORM_MEMBERS_TOKEN }}"


@pytest.mark.parametrize("name", ["apply.yml", "drift.yml", "catalog.yml"])
def test_apply_and_drift_run_only_from_main(name: str) -> None:
    for job_name, job in _load(REPO / ".github/workflows" / name)["jobs"].items():
        condition = job["if"].removeprefix("always() && ")
        assert condition.startswith("github.ref == 'refs/heads/main'"), job_name


@pytest.mark.parametrize("path", WORKFLOWS, ids=NAMES)
def test_python_dependencies_come_from_the_hash_pinned_lock(path: Path) -> None:
    workflow = _load(path)
    installs = [
        line.strip()
        for step in _steps(workflow)
        for line in step.get("run", "").splitlines()
        if "pip install" in line
    ]
    makes = [s["run"] for s in _steps(workflow) if s.get("run", "").startswith("make ")]
    assert installs or makes
    for line in installs:
        assert ("--require-hashes --no-deps -r requirements/" in line) or (
            "--no-deps --no-build-isolation -e ." in line
        ), line


def test_make_installs_from_the_lock() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "pip install --quiet --require-hashes --no-deps -r requirements/dev.txt" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert "\nlock: " in makefile


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a pip-compile lock."""
    out: dict[str, tuple[str, int]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line):
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            out[name] = (match.group(2).rstrip(" \\"), 0)
        elif "--hash=sha256:" in line and name:
            version, count = out[name]
            out[name] = (version, count + 1)
    return out


@pytest.mark.parametrize("lock", ["run.txt", "dev.txt"])
def test_the_lock_covers_pyprojects_pins(lock: str) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if lock == "dev.txt":
        wanted += project["optional-dependencies"]["dev"]
    locked = _locked(REPO / "requirements" / lock)
    for requirement in wanted:
        match = re.match(r"^([A-Za-z0-9._-]+)\s*(==|>=)?\s*([^;,\s]*)", requirement)
        assert match, requirement
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        assert name in locked, f"{requirement} is not in requirements/{lock}: run `make lock`"
        version, hashes = locked[name]
        assert hashes >= 1, name
        if match.group(2) == "==":
            assert version == match.group(3), f"{name}: {version} locked, {requirement} pinned"
    assert all(hashes >= 1 for _, hashes in locked.values())
    # the build backend, so that `pip install --no-build-isolation -e .` resolves nothing
    assert "hatchling" in locked


def test_the_lock_check_can_fail(tmp_path: Path) -> None:
    lock = tmp_path / "run.txt"
    lock.write_text("pulumi==3.1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    assert _locked(lock) == {"pulumi": ("3.1.0", 1)}


@pytest.mark.parametrize("name", ["apply.yml", "drift.yml"])
def test_the_pulumi_cli_is_pinned_and_checked_against_its_sha256(name: str) -> None:
    workflow = _load(REPO / ".github/workflows" / name)
    assert workflow["env"]["PULUMI_VERSION"] == "3.259.0"  # = pyproject's pulumi pin
    # published for 3.259.0 by Pulumi (pulumi/homebrew-tap, Formula/pulumi.rb, linux x64)
    assert workflow["env"]["PULUMI_SHA256"] == (
        "94ba357acac23d01474084c4b00098dc0f7bc70ce13f34c777459254a5f718e5"
    )
    scripts = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert "releases/download" not in scripts  # installed by the one composite action only
    # every job that runs the engine installs it from the pin, before running anything
    for job_name, job in workflow["jobs"].items():
        runs = "\n".join(s.get("run", "") for s in job["steps"])
        if "platform up" in runs or "platform drift" in runs or "platform status" in runs:
            installs = [s for s in job["steps"] if s.get("uses") == "./.github/actions/pulumi-cli"]
            assert [s["with"] for s in installs] == [
                {"version": "${{ env.PULUMI_VERSION }}", "sha256": "${{ env.PULUMI_SHA256 }}"}
            ], job_name


def test_the_pulumi_cli_action_checks_the_archive_before_extracting_it() -> None:
    action = _load(PULUMI_CLI)
    assert action["runs"]["using"] == "composite"
    (step,) = action["runs"]["steps"]
    script = step["run"]
    assert step["env"] == {
        "PULUMI_VERSION": "${{ inputs.version }}",
        "PULUMI_SHA256": "${{ inputs.sha256 }}",
    }
    assert not re.search(r"\|\s*(sh|bash)\b", script)  # no script piped into a shell
    assert "releases/download/v$PULUMI_VERSION/pulumi-v$PULUMI_VERSION-linux-x64.tar.gz" in script
    assert "sha256sum --check --strict" in script
    assert script.index("sha256sum --check") < script.index("tar -xzf")
    assert "^[0-9a-f]{64}$" in script  # an empty or malformed pin refuses to install


@pytest.mark.parametrize(
    "digest, refused", [("", True), ("0" * 63, True), ("zz" * 32, True), ("ab" * 32, False)]
)
def test_the_pulumi_cli_action_refuses_a_malformed_pin(digest: str, refused: bool) -> None:
    """Before any download: the script run as the runner would, with no curl on PATH, so
    a well-formed pin gets past the check and then fails at the download."""
    (step,) = _load(PULUMI_CLI)["runs"]["steps"]
    bash = shutil.which("bash")
    assert bash is not None
    ran = subprocess.run(
        [bash, "-e", "-c", step["run"]],
        env={"PATH": "/nonexistent", "PULUMI_VERSION": "3.259.0", "PULUMI_SHA256": digest},
        capture_output=True,
        text=True,
    )
    assert ran.returncode != 0
    assert ("PULUMI_SHA256 must be the sha256" in ran.stdout) is refused
    assert ("curl" in ran.stderr) is not refused


def test_zizmor_finds_nothing_of_medium_severity_or_more() -> None:
    """The same audit as `make lint`, offline, with the auditor persona."""
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run(
        [
            str(zizmor),
            "--offline",
            "--persona",
            "auditor",
            "--min-severity",
            "medium",
            "--format",
            "json",
            str(REPO / ".github"),  # the workflows and the composite action
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    assert (
        "zizmor --offline --persona auditor --min-severity medium"
        in (REPO / "Makefile").read_text()
    )


def test_zizmor_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run(
        [
            str(zizmor),
            "--offline",
            "--persona",
            "auditor",
            "--min-severity",
            "medium",
            "--format",
            "json",
            str(bad.parent),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    audits = {finding["ident"] for finding in json.loads(result.stdout)}
    assert {"dangerous-triggers", "template-injection"} <= audits


def test_secrets_only_in_jobs_with_an_environment() -> None:
    """Including the one pull-request job that holds a secret (the gate's read-only
    organisation-members token)."""
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            if "secrets." in json.dumps(job):
                assert "environment" in job, f"{path.name}:{name}"


def test_apply_runs_what_is_behind_main_per_environment_and_reports_it() -> None:
    workflow = _load(REPO / ".github/workflows/apply.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    up = workflow["jobs"]["up"]
    assert up["needs"] == "selected"
    assert up["strategy"]["matrix"] == "${{ fromJSON(needs.selected.outputs.matrix) }}"
    assert up["strategy"]["fail-fast"] is False
    assert up["concurrency"] == {
        "group": "apply-${{ matrix.environment }}",
        "cancel-in-progress": False,
    }
    assert up["environment"] == "${{ matrix.environment }}"
    assert up["permissions"] == {"contents": "read"}
    apply_step = next(s for s in up["steps"] if s.get("name") == "Apply what is behind main")
    assert (
        '.venv/bin/platform up --pending --only "$ENVIRONMENT" --parallel 4 --commit "$SHA"'
        in (apply_step["run"])
    )
    assert apply_step["env"] == {
        "ENVIRONMENT": "${{ matrix.environment }}",
        "SHA": "${{ github.sha }}",
    }
    upload = up["steps"][-1]
    assert upload["if"] == "always()" and "upload-artifact" in upload["uses"]
    for name in ("queued", "report"):
        job = workflow["jobs"][name]
        assert "environment" not in job and "secrets." not in json.dumps(job), name
        assert job["permissions"]["statuses"] == "write", name
        scripts = "\n".join(s.get("run", "") for s in job["steps"])
        assert "platform report-apply" in scripts, name
    report = workflow["jobs"]["report"]
    assert report["if"].startswith("always() && github.ref == 'refs/heads/main'")
    assert report["needs"] == ["selected", "up"]


APPLY = REPO / ".github" / "workflows" / "apply.yml"


def test_pending_is_read_with_the_drift_environments_read_only_credentials() -> None:
    """The job that decides whether `up` asks an environment for its credentials (and
    prod's reviewers) holds the drift environment's: state read, no kubeconfig."""
    workflow = _load(APPLY)
    pending = workflow["jobs"]["pending"]
    assert pending["environment"] == "${{ matrix.environment }}-drift"
    assert pending["permissions"] == {"contents": "read"}
    assert "KUBECONFIG" not in json.dumps(pending)
    assert pending["strategy"]["fail-fast"] is False
    selected = workflow["jobs"]["selected"]
    assert selected["needs"] == ["environments", "pending"]
    assert selected["if"].startswith("always() && ")  # a failed pending job selects all
    assert "environment" not in selected and "secrets." not in json.dumps(selected)


def _fake_platform(folder: Path, reply: str | None) -> None:
    """`.venv/bin/platform` in `folder`: prints `reply` for `status`, or fails."""
    script = folder / ".venv" / "bin" / "platform"
    script.parent.mkdir(parents=True)
    body = "exit 1" if reply is None else f"cat <<'EOF'\n{reply}\nEOF"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)


@pytest.mark.parametrize(
    "states, pending",
    [
        (["current", "current"], False),
        (["current", "behind"], True),
        (["never-applied"], True),
        (["refused"], True),
        (None, True),  # the backend could not be read: up finds out
    ],
)
def test_the_pending_verdict(tmp_path: Path, states: list[str] | None, pending: bool) -> None:
    """The `pending` job's script on recorded `platform status --format json` replies."""
    step = _step(APPLY, "pending", "Is anything in this environment behind main")
    reply = (
        None
        if states is None
        else json.dumps(
            {"stacks": [{"stack": f"prod.t{i}", "state": s} for i, s in enumerate(states)]}
        )
    )
    _fake_platform(tmp_path, reply)
    runner = tmp_path / "runner"
    runner.mkdir()
    ran = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env={
            "PATH": os.environ["PATH"],
            "RUNNER_TEMP": str(runner),
            "ENVIRONMENT": "prod",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        },
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    verdict = json.loads((runner / "pending" / "prod.json").read_text())
    assert verdict == {"environment": "prod", "pending": pending}


@pytest.mark.parametrize(
    "result, verdicts, selected",
    [
        ("success", {"dev": True, "prod": False}, ["dev"]),
        ("success", {"dev": False, "prod": False}, []),
        ("success", {"dev": True, "prod": True}, ["dev", "prod"]),
        ("success", {"dev": False}, ["prod"]),  # a missing verdict counts as pending
        ("failure", {"dev": False, "prod": False}, ["dev", "prod"]),
        ("cancelled", {}, ["dev", "prod"]),
    ],
)
def test_the_selection_applies_only_pending_environments_and_all_when_unsure(
    tmp_path: Path, result: str, verdicts: dict[str, bool], selected: list[str]
) -> None:
    step = _step(APPLY, "selected", "The environments with something behind main")
    folder = tmp_path / "pending"
    folder.mkdir()
    for name, is_pending in verdicts.items():
        (folder / f"{name}.json").write_text(
            json.dumps({"environment": name, "pending": is_pending})
        )
    output = tmp_path / "output"
    output.touch()
    ran = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        env={
            "PATH": os.environ["PATH"],
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_OUTPUT": str(output),
            "ALL": "dev prod",
            "VERDICTS": result,
        },
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["names"].split() == selected
    assert json.loads(outputs["matrix"]) == {"include": [{"environment": n} for n in selected]}


def test_drift_runs_nightly_and_keeps_one_issue_per_stack() -> None:
    workflow = _load(REPO / ".github/workflows/drift.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    drift = workflow["jobs"]["drift"]
    assert drift["concurrency"]["group"] != "apply-${{ matrix.stack }}"
    scripts = "\n".join(s["run"] for s in drift["steps"] if "run" in s)
    assert 'platform drift --stack "$STACK" --format markdown' in scripts
    assert 'platform report-drift --stack "$STACK" --body drift.md "$flag"' in scripts


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


# The scripts themselves, run on recorded data


def _step(path: Path, job: str, name: str) -> dict[str, Any]:
    return next(s for s in _load(path)["jobs"][job]["steps"] if s.get("name") == name)


def test_the_comment_filter_finds_only_our_bots_comment() -> None:
    """The workflow's own jq filter on recorded comments: a member's comment and another
    bot's both start with the marker, and come first."""
    script = _step(PR, "report", "Post the plan as one sticky comment")["run"]
    found = re.search(r"--jq '([^']+)'", script)
    assert found is not None
    comments = DATA / "workflows" / "issue-comments.json"
    result = subprocess.run(
        ["jq", "-r", found.group(1), str(comments)], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["2501000004"]
    marker_only = subprocess.run(
        [
            "jq",
            "-r",
            '.[] | select(.body | startswith("<!-- platform-plan -->")) | .id',
            str(comments),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert marker_only.stdout.split()[0] == "2501000001"  # what matching by marker alone took


def _validate(tmp_path: Path, make: Callable[[Path], None]) -> subprocess.CompletedProcess[str]:
    script = _step(PR, "report", "Validate the SARIF (untrusted data)")["run"]
    runner = tmp_path / "runner"
    (runner / "untrusted").mkdir(parents=True)
    make(runner / "untrusted")
    output = tmp_path / "output"
    output.touch()
    env = {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(output)}
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_sarif_check_accepts_what_platform_check_writes(tmp_path: Path, run: Any) -> None:
    sarif = run(["check", "--root", str(REPO), "--format", "sarif"]).stdout

    def make(folder: Path) -> None:
        (folder / "platform-check.sarif").write_text(sarif)

    result = _validate(tmp_path, make)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output").read_text() == (
        f"file={tmp_path / 'runner' / 'untrusted' / 'platform-check.sarif'}\n"
    )


@pytest.mark.parametrize(
    "attempt",
    ["symlink", "not-sarif", "two-runs", "another-tool", "extra-file", "too-large"],
)
def test_the_sarif_check_refuses_crafted_artifacts(tmp_path: Path, attempt: str) -> None:
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "platform"}}}]}

    def make(folder: Path) -> None:
        target = folder / "platform-check.sarif"
        document: Any = good
        if attempt == "symlink":
            target.symlink_to("/etc/passwd")
            return
        if attempt == "not-sarif":
            target.write_text("$(touch /tmp/pwned)")
            return
        if attempt == "two-runs":
            document = {**good, "runs": good["runs"] * 2}
        if attempt == "another-tool":
            document = {**good, "runs": [{"tool": {"driver": {"name": "evil"}}}]}
        if attempt == "extra-file":
            (folder / "run.sh").write_text("echo hi\n")
        target.write_text(json.dumps(document))
        if attempt == "too-large":
            with target.open("a") as handle:
                handle.write(" " * 10_000_001)

    result = _validate(tmp_path, make)
    assert result.returncode != 0
    assert (tmp_path / "output").read_text() == ""


@pytest.mark.parametrize("status, code", [("0", 0), ("1", 1), ("70", 1), ("", 1)])
def test_the_base_branchs_verdict_fails_on_errors_in_the_head(status: str, code: int) -> None:
    """The `check` job runs the pull request's own toolkit; the report job's last step
    is the verdict of the base branch's toolkit, which the pull request cannot rewrite.
    Its script, run as the job would run it."""
    steps = _load(PR)["jobs"]["report"]["steps"]
    plan = _step(PR, "report", "Plan with the base branch's toolkit")
    assert "|| status=$?" in plan["run"] and 'echo "status=$status"' in plan["run"]
    verdict = steps[-1]
    assert verdict["name"] == "The base branch's verdict"
    assert verdict["env"]["STATUS"] == "${{ steps.plan.outputs.status }}"
    ran = subprocess.run(
        ["bash", "-e", "-c", verdict["run"]],
        env={"STATUS": status, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
    )
    assert ran.returncode == code


def test_the_catalog_is_built_read_only_and_published_by_a_job_that_runs_no_code() -> None:
    workflow = _load(REPO / ".github/workflows/catalog.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert build["steps"][0]["with"]["fetch-depth"] == 0  # last changes, the month's start
    script = next(s for s in build["steps"] if "platform catalog" in s.get("run", ""))
    assert script["run"] == (
        '.venv/bin/platform catalog --out "$RUNNER_TEMP/catalog" --repo-url "$REPO_URL"'
    )
    assert "upload-pages-artifact@" in build["steps"][-1]["uses"]
    # the last build is kept between runs, so the build is incremental (docs/catalog.md)
    (cache,) = [s for s in build["steps"] if "actions/cache@" in s.get("uses", "")]
    assert cache["with"] == {
        "path": "${{ runner.temp }}/catalog",
        "key": "catalog-${{ github.sha }}",
        "restore-keys": "catalog-",
    }
    assert build["steps"].index(cache) < build["steps"].index(script)
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s.get("run") for s in deploy["steps"]] == [None]  # the deploy action only
    assert "deploy-pages@" in deploy["steps"][0]["uses"]
