"""`platform plan` on real git repositories: one base branch `main` and one feature
branch per case folder in tests/data/plan/<case>/ (change.yaml says what the branch
changes; expected.md is the golden PR comment)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.cli import commands as cli_module
from platform_cli.evaluate.incremental import Mode
from platform_cli.load.cache import DocumentCache
from platform_cli.plan.build import Plan
from platform_cli.plan.run import PlanOptions, run_plan
from platform_cli.report.plan_json import JsonReporter
from platform_cli.report.plan_markdown import MARKER, MarkdownReporter
from tests.conftest import DATA, GIT_ENV, REPO, Run

CASES = DATA / "plan"
TODAY = "2026-06-01"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "change.yaml").is_file())


def _resource_only(case: str) -> bool:
    """A case that changes resource files only (`stacks/<stack>/<team>/...`), which a
    plan evaluates incrementally from the base's state."""
    change: dict[str, Any] = yaml.safe_load((CASES / case / "change.yaml").read_text())
    paths = [
        *change.get("write", {}),
        *change.get("replace", {}),
        *change.get("delete", []),
        *change.get("rename", {}),
        *change.get("rename", {}).values(),
        *change.get("restore", []),
    ]
    return all(p.startswith("stacks/") and p.count("/") >= 3 for p in paths)


RESOURCE_ONLY = {case for case in CASE_NAMES if _resource_only(case)}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd.parent / "home")}
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def copy_repository(target: Path) -> Path:
    """The bundled landscape as `platform check` reads it, clean at head."""
    for top in ("landscape", "stacks", "policies"):
        shutil.copytree(
            REPO / top, target / top, ignore=shutil.ignore_patterns("*.py", "__pycache__")
        )
    (target / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", target / ".github" / "CODEOWNERS")
    # Old modification times: no index entry is "racily clean", so git has no reason
    # to rewrite the index when it looks at the work tree
    for path in target.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "Add the landscape")
    return target


def _change(case: Path) -> dict[str, Any]:
    change: dict[str, Any] = yaml.safe_load((case / "change.yaml").read_text())
    return change


def base_of(case: str) -> str:
    """The base a case is planned against: main, or the branch's first commit when
    change.yaml has `before` (a base that is itself changed, broken for example)."""
    return f"{case}~1" if "before" in _change(CASES / case) else "main"


def apply_change(root: Path, case: Path, change: dict[str, Any] | None = None) -> None:
    """Edit the work tree as change.yaml says (or as `change`, a part of it)."""
    if change is None:
        change = _change(case)
    for path in change.get("restore", []):
        git(root, "checkout", "main", "--", path)
    for path, source in change.get("write", {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(case / source, root / path)
    for path, pairs in change.get("replace", {}).items():
        text = (root / path).read_text()
        for old, new in pairs:
            assert old in text, (path, old)
            text = text.replace(old, new, 1)
        (root / path).write_text(text)
    for path in change.get("delete", []):
        (root / path).unlink()
    for old, new in change.get("rename", {}).items():
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        (root / old).rename(root / new)


@pytest.fixture(scope="module")
def plan_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_repository(tmp_path_factory.mktemp("plan") / "repo")
    for name in CASE_NAMES:
        git(root, "switch", "-q", "-c", name, "main")
        before = _change(CASES / name).get("before")
        if before is not None:
            apply_change(root, CASES / name, before)
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", f"{name}: before")
        apply_change(root, CASES / name)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", name)
    git(root, "switch", "-q", "main")
    return root


def plan_cli(run: Callable[[list[str]], Run], root: Path, head: str | None, fmt: str) -> Run:
    """`platform plan --base main [--head HEAD]` as a user runs it, on the pinned day."""
    args = ["plan", "--root", str(root), "--base", "main", "--format", fmt, "--today", TODAY]
    return run(args + (["--head", head] if head else []))


def make_plan(root: Path, head: str | None, base: str = "main") -> Plan:
    return run_plan(PlanOptions(root, base, head, datetime.date.fromisoformat(TODAY)))


@pytest.fixture(scope="module")
def plans(plan_repo: Path) -> Callable[[str], Plan]:
    """Each case's plan against main, built once for the module."""
    cache: dict[str, Plan] = {}

    def _plan(case: str) -> Plan:
        if case not in cache:
            cache[case] = make_plan(plan_repo, case, base=base_of(case))
        return cache[case]

    return _plan


def as_json(plan: Plan) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(JsonReporter().render(plan))
    return result


def codes(plan: dict[str, Any]) -> list[str]:
    return [r["code"] for r in plan["risks"]]


def shards(plan: dict[str, Any]) -> list[str]:
    return [a["name"] for a in plan["affectedStacks"]]


def reviewers(plan: dict[str, Any]) -> list[str]:
    return [r["owner"] for r in plan["reviewers"]]


def kube(plan: dict[str, Any], stack: str = "prod") -> dict[str, str]:
    (entry,) = [k for k in plan["kubernetes"] if k["stack"] == stack]
    return {f"{c['kind']} {c['namespace']}/{c['name']}": c["action"] for c in entry["changes"]}


@pytest.mark.parametrize("case", CASE_NAMES)
def test_markdown_golden(
    case: str, plans: Callable[[str], Plan], golden: Callable[[Path, str], None]
) -> None:
    plan = plans(case)
    assert plan.exit_code == 0, plan.errors
    text = MarkdownReporter().render(plan)
    assert text.startswith(MARKER + "\n")
    golden(CASES / case / "expected.md", text)


def test_markdown_from_the_command_line(
    plan_repo: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    result = plan_cli(run, plan_repo, "add-vm", "markdown")
    assert result.exit_code == 0
    golden(CASES / "add-vm" / "expected.md", result.stdout)


def test_add_vm(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("add-vm"))
    assert plan["passed"] is True
    (change,) = plan["landscapeChanges"]
    assert (change["action"], change["kind"], change["name"]) == ("add", "Server", "pbx-3")
    assert change["summary"] == [
        "new: 4 vCPU, 8Gi memory; disk 100Gi; image ubuntu-24.04; ports sip 5060; "
        "deletionProtection on"
    ]
    # No NetworkPolicy: nothing declares a dependency on the new server yet. It runs in
    # the team's VM namespace, whose quota and limits grow by its modelled peak while
    # the team namespace's shrink by as much (one budget, docs/kubernetes.md)
    assert kube(plan) == {
        "Service prod-call-center-vms/pbx-3": "create",
        "VirtualMachine prod-call-center-vms/pbx-3": "create",
        "ResourceQuota prod-call-center-vms/team-quota": "update",
        "ResourceQuota prod-call-center/team-quota": "update",
        "LimitRange prod-call-center-vms/team-limits": "update",
        "LimitRange prod-call-center/team-limits": "update",
    }
    assert codes(plan) == []
    # The launcher's requests: 4 vCPU + 15m (console log) x 1150, 8 GiB + 408 MiB of
    # KubeVirt overhead + 60 MB (console log) x 290, and CDI's 105.82 GiB claim for the
    # 100 GiB disk x 16.5 (ssd-encrypted)
    assert plan["cost"]["delta"] == "8815.03"
    assert plan["cost"]["shards"] == [
        {
            "stack": "prod",
            "team": "call-center",
            "before": plan["cost"]["shards"][0]["before"],
            "after": plan["cost"]["shards"][0]["after"],
            "delta": "8815.03",
        }
    ]
    servers = [q for q in plan["quotas"] if q["key"] == "servers"]
    assert [(q["team"], q["before"], q["after"], q["quota"]) for q in servers] == [
        ("call-center", 4, 5, 6)
    ]
    assert reviewers(plan) == ["@dom-komfort/call-center", "@i-petrova"]
    assert shards(plan) == ["prod.call-center"]


def test_resize_database(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("resize-database"))
    (change,) = plan["landscapeChanges"]
    assert change["summary"] == ["instances 2 -> 3", "storage.size 50Gi -> 80Gi"]
    (cluster,) = next(k for k in plan["kubernetes"] if k["stack"] == "prod")["changes"]
    assert (cluster["kind"], cluster["action"]) == ("Cluster", "update")
    assert [f["path"] for f in cluster["fields"]] == ["spec.instances", "spec.storage.size"]
    assert codes(plan) == []
    # 2 x 50 GiB -> 3 x 80 GiB of ssd-encrypted at 16.5, plus a third 2-vCPU/4-GiB instance
    # (5770.00) with its Barman Cloud sidecar's requests, 100m at 1150 and 128Mi at 290
    assert plan["cost"]["delta"] == "5921.25"
    storage = next(q for q in plan["quotas"] if q["key"] == "storage")
    assert storage["after"] - storage["before"] == 140 * 1024**3
    assert reviewers(plan) == ["@dom-komfort/field-service", "@m-kuznetsov"]
    assert shards(plan) == ["prod.field-service"]


def test_delete_protected_database(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("delete-protected-database"))
    assert plan["passed"] is True
    assert [(r["code"], r["message"]) for r in plan["risks"]] == [
        (
            "delete-database",
            "is deleted with its data; retired on 2026-04-01: the apply lifts "
            "deletionProtection for exactly its objects",
        ),
        (
            "delete-depended-on",
            "is deleted, but Service/analytics-bi (dropped at head) depended on it at base",
        ),
    ]
    assert kube(plan)["Cluster prod-analytics/analytics-bi-db"] == "delete"
    assert kube(plan)["Deployment prod-analytics/analytics-bi"] == "update"
    assert plan["cost"]["delta"].startswith("-")
    # Phase 2: the database was retired at base and its keep-data date has passed
    (step,) = plan["retirements"]
    assert (step["phase"], step["name"], step["backups"]) == (
        2,
        "analytics-bi-db",
        "s3://pg-backups-prod/analytics/analytics-bi-db/",
    )
    # prod.platform provided what the database depended on: it was a candidate, but
    # renders the same, so it is not applied
    assert shards(plan) == ["prod.analytics"]
    assert [a["name"] for a in plan["unaffectedStacks"]] == ["prod.platform"]


def test_change_image(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("change-image"))
    (change,) = plan["landscapeChanges"]
    assert change["fields"] == [
        {
            "path": "spec.image",
            "old": "registry.dom-komfort.example/call-center/crm-api:3.15.2@sha256:8e9e565630398b22583cf095a9c6187294f72dd60f26758b2fae324b4d5b3a83",
            "new": "registry.dom-komfort.example/call-center/crm-api:3.16.0@sha256:7d11e7d88ce85da0ca979f4832d6405b4f10096b75f86500e021c8c6a32f679d",
        }
    ]
    assert kube(plan) == {"Deployment prod-call-center/crm-api": "update"}
    assert codes(plan) == []
    assert plan["cost"]["delta"] == "0.00"
    # The providers' NetworkPolicies admit crm-api whatever its image: only the shard
    # that renders differently is applied
    assert shards(plan) == ["prod.call-center"]
    assert [a["name"] for a in plan["unaffectedStacks"]] == [
        "prod.billing",
        "prod.master-data",
        "prod.platform",
        "prod.service-desk",
    ]


def test_raise_quota_needs_the_architects(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("raise-quota"))
    assert [(r["code"], r["subject"], r["message"]) for r in plan["risks"]] == [
        (
            "quota-raised",
            "Team billing",
            "raises its quota: prod.cpu 110 -> 1110; the architects must approve",
        )
    ]
    assert "@dom-komfort/architects" in reviewers(plan)
    assert "@dom-komfort/billing" in reviewers(plan)
    assert kube(plan)["ResourceQuota prod-billing/team-quota"] == "update"
    # The dev quota stays as it was: dev.billing renders the same
    assert shards(plan) == ["prod.billing"]


# --- Approval by whoever is affected ----------------------------------------------------


def approvals(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {a["team"]: a["owners"] for a in plan["requiredApprovals"]}


def test_depending_on_another_teams_server_needs_that_team(plans: Callable[[str], Plan]) -> None:
    """service-desk's file alone changes, but the rendered NetworkPolicy of legacy-ops'
    PostgreSQL VM admits a new consumer: legacy-ops must approve."""
    plan = as_json(plans("access-other-team-server"))
    assert plan["passed"] is True
    assert plan["changedPaths"] == ["stacks/prod/service-desk/tickets-api.yaml"]
    assert codes(plan) == ["access-opened"]
    (risk,) = plan["risks"]
    assert risk["subject"] == "prod prod-legacy-ops-vms"
    assert approvals(plan) == {"legacy-ops": ["@dom-komfort/legacy-ops", "@v-popov"]}
    (opening,) = plan["openings"]
    assert opening == {
        "stack": "prod",
        "namespace": "prod-legacy-ops-vms",
        "team": "legacy-ops",
        "networkPolicy": "erp-db-1",
        "target": "prod-legacy-ops-vms/erp-db-1",
        "peer": "prod-service-desk/tickets-api",
        "peerNamespace": "prod-service-desk",
        "ports": ["5432/TCP"],
        "source": "stacks/prod/legacy-ops/erp-db-1.yaml",
        "description": "prod-service-desk/tickets-api may now reach "
        "prod-legacy-ops-vms/erp-db-1 on 5432/TCP",
    }
    assert plan["closings"] == []
    # The owners of the changed file, and legacy-ops for the approval CODEOWNERS cannot ask
    assert reviewers(plan) == [
        "@dom-komfort/legacy-ops",
        "@dom-komfort/service-desk",
        "@v-popov",
    ]
    (legacy,) = [r for r in plan["reviewers"] if r["owner"] == "@dom-komfort/legacy-ops"]
    assert legacy["paths"] == [] and "opens access into prod-legacy-ops-vms" in legacy["reasons"][0]


def test_depending_on_another_teams_service_needs_that_team(plans: Callable[[str], Plan]) -> None:
    """Between declared integrations too: crm integrates with tickets, and still the
    owner of the namespace decides who is let in."""
    plan = as_json(plans("access-other-team-service"))
    assert plan["passed"] is True
    assert codes(plan) == ["access-opened"]
    assert approvals(plan) == {"service-desk": ["@dom-komfort/service-desk"]}
    (opening,) = plan["openings"]
    assert (opening["namespace"], opening["networkPolicy"], opening["peer"]) == (
        "prod-service-desk",
        "tickets-api",
        "prod-call-center/crm-web",
    )
    assert "@dom-komfort/service-desk" in reviewers(plan)


def test_an_exposure_change_needs_the_architects(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("expose-publicly"))
    assert codes(plan) == ["exposure-changed"]
    assert approvals(plan) == {"architects": ["@dom-komfort/architects"]}
    (host,) = plan["hosts"]
    assert (host["action"], host["before"]["exposure"], host["after"]["exposure"]) == (
        "change",
        "internal",
        "public",
    )
    (ingress,) = [c for c in next(iter(plan["kubernetes"]))["changes"] if c["kind"] == "Ingress"]
    assert [(f["path"], f["old"], f["new"]) for f in ingress["fields"]] == [
        ("metadata.labels.platform.dom-komfort.example/exposure", "internal", "public"),
        ("spec.ingressClassName", "nginx", "nginx-public"),
    ]


def test_a_teams_group_change_needs_the_architects(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("team-group"))
    assert codes(plan) == ["team-access-changed"]
    assert approvals(plan) == {"architects": ["@dom-komfort/architects"]}
    assert "@dom-komfort/architects" in reviewers(plan)


def test_a_reclassified_system_needs_the_architects(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("reclassify-system"))
    assert codes(plan) == ["system-classification-changed"]
    assert approvals(plan) == {"architects": ["@dom-komfort/architects"]}


def test_touch_waivers(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("touch-waivers"))
    assert plan["landscapeChanges"] == []
    assert [(r["code"], r["message"]) for r in plan["risks"]] == [
        (
            "waivers-changed",
            "changes the waiver of LND005 for prod Service/resident-app-api: "
            "expires: 2027-05-31 -> 2027-04-30",
        )
    ]
    assert reviewers(plan) == ["@dom-komfort/architects"]
    assert all(not k["changes"] for k in plan["kubernetes"])
    assert plan["cost"]["delta"] == "0.00"
    # A waiver renders nothing: no shard is applied, and the plan says why
    assert shards(plan) == []
    assert len(plan["unaffectedStacks"]) == 22
    text = MarkdownReporter().render(plans("touch-waivers"))
    assert "No Pulumi stack is affected." in text
    assert "a check-only change (waivers, policies, prices, comments) affects no stack" in text


def test_rename_changes_no_resource(plans: Callable[[str], Plan]) -> None:
    plan = as_json(plans("rename-file"))
    assert plan["landscapeChanges"] == []
    assert codes(plan) == []
    assert plan["cost"]["delta"] == "0.00"
    # Only the annotation that leads from a live object back to its file moves
    changes = next(k for k in plan["kubernetes"] if k["stack"] == "prod")["changes"]
    assert {c["action"] for c in changes} == {"update"}
    assert {f["path"] for c in changes for f in c["fields"]} == {
        "metadata.annotations.platform.dom-komfort.example/source"
    }
    assert plan["changedPaths"] == [
        "stacks/prod/call-center/pbx-2.yaml",
        "stacks/prod/call-center/telephony/pbx-2.yaml",
    ]


def test_head_between_two_commits(plan_repo: Path) -> None:
    base = git(plan_repo, "rev-parse", "change-image~1")
    plan = as_json(make_plan(plan_repo, "change-image", base=base))
    assert plan["base"]["sha"] == base
    assert plan["head"]["sha"] == git(plan_repo, "rev-parse", "change-image")
    assert [c["name"] for c in plan["landscapeChanges"]] == ["crm-api"]


def test_json_money_is_a_string(plan_repo: Path, run: Callable[[list[str]], Run]) -> None:
    result = plan_cli(run, plan_repo, "add-vm", "json")
    document = json.loads(result.stdout)
    assert document["cost"]["delta"] == "8815.03"
    assert document["largestStack"] == {"name": "prod.call-center", "resources": 11}
    assert sorted(document) == [
        "affectedStacks",
        "base",
        "changedPaths",
        "closings",
        "cost",
        "findings",
        "head",
        "hosts",
        "kubernetes",
        "landscapeChanges",
        "largestStack",
        "openings",
        "passed",
        "pathsFollowingRenames",
        "quotas",
        "renames",
        "requiredApprovals",
        "retirements",
        "reviewers",
        "risks",
        "unaffectedStacks",
        "verdict",
        "version",
    ]


# --- The working tree, the index and HEAD stay as they were --------------------------


@pytest.fixture
def work_repo(tmp_path: Path) -> Path:
    root = copy_repository(tmp_path / "repo")
    git(root, "switch", "-q", "-c", "feature")
    apply_change(root, CASES / "resize-database")
    git(root, "commit", "-q", "-am", "Resize dispatch-db")
    return root


def _state(root: Path) -> tuple[str, str, bytes]:
    return (
        git(root, "status", "--porcelain", "--untracked-files=all"),
        git(root, "rev-parse", "HEAD"),
        (root / ".git" / "index").read_bytes(),
    )


def test_plan_leaves_work_tree_index_and_head_untouched(
    work_repo: Path, run: Callable[[list[str]], Run]
) -> None:
    # Uncommitted work of every sort: staged, unstaged, untracked
    crm = work_repo / "stacks/prod/call-center/crm-api.yaml"
    crm.write_text(crm.read_text().replace("crm-api:3.15.2", "crm-api:3.16.0"))
    git(work_repo, "add", str(crm))
    apply_change(work_repo, CASES / "add-vm")
    waivers = work_repo / "policies/waivers.yaml"
    waivers.write_text(waivers.read_text() + "# reviewed\n")
    before = _state(work_repo)

    result = run(["plan", "--root", str(work_repo), "--base", "main", "--today", TODAY])
    assert result.exit_code == 0
    assert "Database dispatch-db: instances 2 -> 3" in result.stdout
    assert "+ Server pbx-3" in result.stdout
    assert "[waivers-changed] policies/waivers.yaml" in result.stdout
    assert _state(work_repo) == before

    result = run(["plan", "--root", str(work_repo), "--base", "main", "--head", "feature"])
    assert result.exit_code == 0
    assert "pbx-3" not in result.stdout
    assert _state(work_repo) == before


def test_plan_leaves_a_stale_index_alone(work_repo: Path, run: Callable[[list[str]], Run]) -> None:
    # Files whose modification time no longer matches the index: `git status` and
    # `git diff` would refresh the index and write it back
    for path in (work_repo / "stacks/prod/billing").iterdir():
        os.utime(path)
    index = (work_repo / ".git" / "index").read_bytes()
    result = run(["plan", "--root", str(work_repo), "--base", "main", "--today", TODAY])
    assert result.exit_code == 0
    assert (work_repo / ".git" / "index").read_bytes() == index


def test_head_with_errors_exits_1(work_repo: Path, run: Callable[[list[str]], Run]) -> None:
    (work_repo / "stacks/prod/billing/payments-db.yaml").unlink()
    result = plan_cli(run, work_repo, None, "markdown")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[1]
    assert first.startswith("❌ **Plan failed: the head has 3 errors**")
    assert "**prod**: unavailable, the head has 3 errors." in result.stdout
    # The protected database was deleted without a retirement
    assert "`retirement-required`" in result.stdout
    assert "| `stacks/prod/billing/payments-api.yaml:48:17` | error | `ref-depends-on` |" in (
        result.stdout
    )
    assert "still declared at head" in result.stdout


def test_unknown_ref_is_a_usage_error(work_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["plan", "--root", str(work_repo), "--base", "no-such-branch"])
    assert exit_info.value.code == 2
    assert "platform: error: unknown revision 'no-such-branch'" in capsys.readouterr().err


def test_not_a_git_repository_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "plain"
    for top in ("landscape", "stacks"):
        (root / top).mkdir(parents=True)
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["plan", "--root", str(root), "--base", "main"])
    assert exit_info.value.code == 2
    assert "is not inside a git repository" in capsys.readouterr().err


@pytest.mark.parametrize("case", CASE_NAMES)
def test_plan_with_a_cache_is_identical_to_one_without(
    case: str, plan_repo: Path, plans: Callable[[str], Plan], tmp_path: Path
) -> None:
    store = DocumentCache(tmp_path / "cache")
    options = PlanOptions(plan_repo, base_of(case), case, datetime.date.fromisoformat(TODAY), store)
    cold = run_plan(options)
    warm = run_plan(options)
    # The first plan evaluates the base in full and keeps its state; the second reads
    # it, and evaluates the head from it (a change of resource files only) or reads
    # the head's state too (the first plan evaluated that head in full)
    assert cold.evaluated[0] is Mode.FULL and warm.evaluated[0] is Mode.STORED
    assert warm.evaluated[1] is (Mode.INCREMENTAL if case in RESOURCE_ONLY else Mode.STORED)
    without = JsonReporter().render(plans(case))
    assert JsonReporter().render(cold) == without
    assert JsonReporter().render(warm) == without
    assert MarkdownReporter().render(warm) == MarkdownReporter().render(plans(case))
