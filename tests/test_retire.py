"""Retiring a resource (issue 17, part 1): `platform retire`, what a retired resource
renders, how the resource model counts it, the plan's two phases and the apply's
release of deletion protection.

Real git repositories in tmp_path; goldens for what people read (the command's output,
tests/data/retire/); located errors for bad input."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from platform_cli.apply.automation import StateObject
from platform_cli.apply.program import BACKUP_COMPLETED, WAIT_FOR, engine_view, run_offline
from platform_cli.apply.protection import ProtectionRefused, judge_release
from platform_cli.checks.retirement import check_change
from platform_cli.errors import UsageError
from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.plan.build import Plan
from platform_cli.plan.run import PlanOptions, run_plan
from platform_cli.render import Rendered, pods, render_stack
from platform_cli.render.pods import HIBERNATION_ANNOTATION
from platform_cli.report.plan_json import JsonReporter
from platform_cli.report.plan_text import TextReporter
from platform_cli.sources.tree import SourceFile, read_tree
from tests.conftest import DATA, REPO, Run, git

CASES = DATA / "retire"
TODAY = datetime.date(2026, 11, 29)
RETIREMENT = '  retirement:\n    requested: "2026-11-29"\n    keepDataUntil: "2027-01-31"\n'


def _retire_text(text: str) -> str:
    """A resource file with a retirement at the start of its metadata."""
    return text.replace("\nmetadata:\n", "\nmetadata:\n" + RETIREMENT, 1)


def _files(edit: Callable[[SourceFile], bytes | None]) -> list[SourceFile]:
    files, _ = read_tree(REPO)
    out = []
    for f in files:
        data = edit(f)
        if data is not None:
            out.append(SourceFile(f.path, data))
    return out


def _every_prod_resource_retired() -> list[SourceFile]:
    def edit(f: SourceFile) -> bytes:
        if f.path.startswith("stacks/prod/") and not f.path.endswith("stack.yaml"):
            return _retire_text(f.data.decode()).encode()
        return f.data

    return _files(edit)


@pytest.fixture(scope="module")
def retired_prod() -> tuple[Landscape, Rendered]:
    files = _every_prod_resource_retired()
    evaluation = evaluate_files(files, TODAY)
    errors = [f for f in evaluation.findings if f.level.value == "error"]
    assert errors == [], errors[:3]
    land = evaluation.loaded.landscape
    return land, render_stack(land, "prod")


# --- Phase 1 rendering -----------------------------------------------------------------


def test_a_retired_landscape_checks_clean_when_its_dependents_retire_with_it(
    retired_prod: tuple[Landscape, Rendered],
) -> None:
    land, _ = retired_prod
    assert all(r.retirement is not None for r in land.in_stack("prod").values())


def test_retired_services_take_no_traffic(retired_prod: tuple[Landscape, Rendered]) -> None:
    _, rendered = retired_prod
    kinds = {o["kind"] for o in rendered.objects}
    assert not kinds & {"Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    deployments = [o for o in rendered.objects if o["kind"] == "Deployment"]
    assert deployments and all(d["spec"]["replicas"] == 0 for d in deployments)


def test_retired_servers_are_halted_without_services(
    retired_prod: tuple[Landscape, Rendered],
) -> None:
    _, rendered = retired_prod
    vms = [o for o in rendered.objects if o["kind"] == "VirtualMachine"]
    assert vms and all(vm["spec"]["runStrategy"] == "Halted" for vm in vms)
    server_services = [
        o
        for o in rendered.objects
        if o["kind"] == "Service"
        and o["metadata"]["labels"]["app.kubernetes.io/component"] == "server"
    ]
    assert server_services == []


def test_retired_databases_back_up_once_then_hibernate(
    retired_prod: tuple[Landscape, Rendered],
) -> None:
    land, rendered = retired_prod
    objects = rendered.objects
    clusters = [o for o in objects if o["kind"] == "Cluster"]
    assert clusters
    assert all(c["metadata"]["annotations"][HIBERNATION_ANNOTATION] == "on" for c in clusters)
    assert not [o for o in objects if o["kind"] == "ScheduledBackup"]
    backed_up = {
        db.name
        for db in land.in_stack("prod").values()
        if db.kind == "Database" and db.spec.get("backup")
    }
    backups = {o["spec"]["cluster"]["name"]: o for o in objects if o["kind"] == "Backup"}
    assert set(backups) == backed_up
    for name, backup in backups.items():
        assert backup["metadata"]["name"] == f"{name}-final-20261129"
        assert backup["spec"] == {
            "cluster": {"name": name},
            "method": "plugin",
            "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"},
        }
        # Rendered before its Cluster, which the program makes depend on it
        index = objects.index(backup)
        cluster = next(c for c in clusters if c["metadata"]["name"] == name)
        assert index < objects.index(cluster)
    # The ObjectStore stays: it holds the final backup and the WAL archive
    stores = {o["metadata"]["name"] for o in objects if o["kind"] == "ObjectStore"}
    assert stores == backed_up


def test_retired_objects_match_the_crd_schemas(retired_prod: tuple[Landscape, Rendered]) -> None:
    _, rendered = retired_prod
    schemas = {
        kind: jsonschema.Draft202012Validator(
            json.loads((DATA / "crds" / f"{kind.lower()}.postgresql.cnpg.io_v1.json").read_text())
        )
        for kind in ("Backup", "Cluster")
    }
    checked = 0
    for obj in rendered.objects:
        if obj["kind"] in schemas:
            errors = [e.message for e in schemas[obj["kind"]].iter_errors(obj)]
            assert errors == [], f"{obj['kind']} {obj['metadata']['name']}: {errors}"
            checked += 1
    assert checked > 20
    # Strict enough to catch what it is for
    backup = next(o for o in rendered.objects if o["kind"] == "Backup")
    broken = {**backup, "spec": {**backup["spec"], "schedule": "0 0 2 * * *"}}
    assert list(schemas["Backup"].iter_errors(broken))


def test_the_program_hibernates_a_cluster_only_after_its_final_backup(
    retired_prod: tuple[Landscape, Rendered],
) -> None:
    _, rendered = retired_prod
    run = run_offline(rendered, "call-center")
    by_name = {r.name: r for r in run.registrations}
    backup = by_name["Backup/prod-call-center/crm-db-final-20261129"]
    cluster = by_name["Cluster/prod-call-center/crm-db"]
    assert backup.name in cluster.dependencies
    # Still protected in phase 1: the retirement keeps the data
    assert cluster.protect and backup.protect
    obj = next(o for o in rendered.objects if o["kind"] == "Backup")
    assert engine_view(obj)["metadata"]["annotations"][WAIT_FOR] == BACKUP_COMPLETED
    assert BACKUP_COMPLETED == "jsonpath={.status.phase}=completed"


def test_the_resource_model_counts_retired_resources_as_the_cluster_will(
    retired_prod: tuple[Landscape, Rendered],
) -> None:
    """Both doors of render/pods.py agree on retired resources: no pods for a
    service at 0 replicas, a halted VM or a hibernated cluster; every claim kept."""
    land, rendered = retired_prod
    stack = land.stacks["prod"]
    from_objects = {(d.kind, d.name): d for d in pods.rendered_demands(rendered.objects)}
    for resource in land.in_stack("prod").values():
        expected = pods.demand(resource, stack)
        got = from_objects[(resource.kind, resource.name)]
        assert (got.peak, got.rest.requests, got.rest.storage) == (
            expected.peak,
            expected.rest.requests,
            expected.rest.storage,
        ), resource.path
        assert got.rest.requests == pods.Amounts(), resource.path
        if resource.kind == "Database":
            assert got.rest.storage > 0
            assert got.rest.name == "hibernated"


# --- platform retire, on a real repository ---------------------------------------------


@pytest.fixture
def repo(repo_copy: Path) -> Path:
    git(repo_copy, "init", "-q", "-b", "main")
    git(repo_copy, "add", "-A")
    git(repo_copy, "commit", "-q", "-m", "base")
    return repo_copy


RETIRE_DB = ["retire", "database/tickets-db", "--stack", "prod", "--today", "2026-11-29"]


def test_retire_writes_the_retirement_and_lists_the_dependents(
    repo: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    path = repo / "stacks/prod/service-desk/tickets-db.yaml"
    before = path.read_text()
    result = run([*RETIRE_DB, "--reason", "replaced by tickets-v2", "--root", str(repo)])
    assert result.exit_code == 0, result.stdout
    golden(CASES / "retire-database.txt", result.stdout.replace(str(repo), "REPO"))
    after = path.read_text()
    # Only the retirement is added: every other line, comment and order stays
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [
        "  retirement:",
        '    requested: "2026-11-29"',
        '    keepDataUntil: "2027-01-03"',
        "    reason: replaced by tickets-v2",
    ]
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()


def test_retire_on_a_branch_commits_only_that_file(
    repo: Path, run: Callable[[list[str]], Run]
) -> None:
    other = repo / "stacks/prod/call-center/crm-api.yaml"
    other.write_text(other.read_text() + "# unstaged edit\n")
    status = git(repo, "status", "--porcelain")
    base = git(repo, "rev-parse", "HEAD")
    result = run([*RETIRE_DB, "--branch", "service-desk/retire-tickets-db", "--root", str(repo)])
    assert result.exit_code == 0, result.stdout
    assert "git push -u origin service-desk/retire-tickets-db" in result.stdout
    assert git(repo, "branch", "--show-current") == "service-desk/retire-tickets-db"
    assert git(repo, "rev-parse", "HEAD~1") == base
    changed = git(repo, "diff-tree", "--no-commit-id", "--name-status", "-r", "HEAD")
    assert changed == "M\tstacks/prod/service-desk/tickets-db.yaml"
    assert git(repo, "log", "-1", "--format=%s") == "Retire Database/tickets-db in stack prod"
    # The user's other change is untouched, and the retired file is clean
    assert git(repo, "status", "--porcelain") == status
    assert "retirement:" in git(repo, "show", "HEAD:stacks/prod/service-desk/tickets-db.yaml")


def test_a_dirty_file_is_not_retired_on_a_branch(
    repo: Path, run: Callable[[list[str]], Run]
) -> None:
    path = repo / "stacks/prod/service-desk/tickets-db.yaml"
    path.write_text(path.read_text() + "# mine\n")
    with pytest.raises(UsageError, match="has uncommitted changes"):
        run([*RETIRE_DB, "--branch", "x", "--root", str(repo)])
    assert path.read_text().endswith("# mine\n")
    assert git(repo, "branch", "--show-current") == "main"


def test_a_team_retires_in_every_stack(repo: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(["retire", "team/iot", "--today", "2026-11-29", "--root", str(repo)])
    assert result.exit_code == 0, result.stdout
    changed = sorted(line.split()[-1] for line in git(repo, "status", "--porcelain").splitlines())
    assert changed[0] == "landscape/teams/iot.yaml"
    assert {p.split("/")[1] for p in changed[1:]} == {"dev", "prod"}
    files, _ = read_tree(repo)
    land = load(files).landscape
    team = land.teams["iot"]
    assert team.retirement is not None
    iot = [r for r in land.all_resources() if r.team == "iot"]
    assert iot and all(r.retirement == team.retirement for r in iot)
    # The longest retention of the team's protected resources sets the date
    assert team.retirement.keep_data_until == datetime.date(2026, 12, 29)
    # A retired team adds nothing: a new resource without its own retirement is refused
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Retire iot")
    keys = repo / "stacks/prod/iot/intercom-keys.yaml"
    text = re.sub(r"  retirement:\n(    .*\n)+", "", keys.read_text())
    (repo / "stacks/prod/iot/new-keys.yaml").write_text(
        text.replace("name: intercom-keys", "name: new-keys")
    )
    result = run(["check", "--root", str(repo), "--format", "text"])
    assert result.exit_code == 1
    assert "stacks/prod/iot/new-keys.yaml" in result.stdout
    assert "[retired-team] team 'iot' is retired" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retire", "database/nope-db", "--stack", "prod"], "database 'nope-db' is not declared"),
        (["retire", "database/tickets-db", "--stack", "staging"], "unknown stack 'staging'"),
        (["retire", "database/tickets-db"], "needs --stack"),
        (
            ["retire", "database/tickets-db", "--stack", "prod", "--keep-data-until", "2026-11-01"],
            "is in the past",
        ),
        (
            ["retire", "database/tickets-db", "--stack", "prod", "--keep-data-until", "2026-12-01"],
            "is too early",
        ),
        (["retire", "team/nobody"], "unknown team 'nobody'"),
    ],
)
def test_bad_requests_are_refused_with_a_hint(
    shared_repo_copy: Path,
    run: Callable[[list[str]], Run],
    args: list[str],
    message: str,
) -> None:
    with pytest.raises(UsageError, match=message) as info:
        run([*args, "--today", "2026-11-29", "--root", str(shared_repo_copy)])
    assert info.value.hint


def test_not_a_retirable_kind(shared_repo_copy: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(["retire", "system/crm", "--stack", "prod", "--root", str(shared_repo_copy)])
    assert result.exit_code == 2
    assert "bad resource 'system/crm'" in result.stderr + result.stdout


def test_already_retired_is_located(repo: Path, run: Callable[[list[str]], Run]) -> None:
    assert run([*RETIRE_DB, "--root", str(repo)]).exit_code == 0
    with pytest.raises(
        UsageError, match=r"tickets-db.yaml:\d+:\d+: database 'tickets-db' is already retired"
    ):
        run([*RETIRE_DB, "--root", str(repo)])


def test_a_dev_resource_needs_no_date(repo: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(
        ["retire", "server/pbx-1", "--stack", "dev", "--today", "2026-11-29", "--root", str(repo)]
    )
    assert result.exit_code == 0, result.stdout
    assert "may delete the file at any time" in result.stdout
    assert "keepDataUntil" not in (repo / "stacks/dev/call-center/pbx-1.yaml").read_text()


# --- The plan: phase 2 and the dates -----------------------------------------------------


def _landscape(edits: dict[str, str | None]) -> Landscape:
    def edit(f: SourceFile) -> bytes | None:
        if f.path not in edits:
            return f.data
        text = edits[f.path]
        return None if text is None else text.encode()

    return load(_files(edit)).landscape


DB = "stacks/prod/service-desk/tickets-db.yaml"
DEV_DB = "stacks/dev/service-desk/tickets-db.yaml"


def _db(path: str = DB, retirement: str = RETIREMENT) -> str:
    text = (REPO / path).read_text()
    return text.replace("\nmetadata:\n", "\nmetadata:\n" + retirement, 1)


def _rules(old: Landscape, new: Landscape, today: datetime.date = TODAY) -> list[str]:
    return [f"{f.rule} {f.location}" for f in check_change(old, new, today)]


def test_deleting_a_protected_file_needs_a_retirement_past_its_date() -> None:
    plain = _landscape({})
    gone = _landscape({DB: None})
    retired = _landscape({DB: _db()})
    line = (REPO / DB).read_text().splitlines().index("  name: tickets-db") + 1
    assert _rules(plain, gone) == [f"retirement-required {DB}:{line}:9"]
    (finding,) = check_change(plain, gone, TODAY)
    assert "platform retire Database/tickets-db --stack prod" in finding.hint
    # Retired, but the date lies ahead
    assert _rules(retired, gone) == [f"retirement-required {DB}:{line + 3}:9"]
    # On and after the date
    assert _rules(retired, gone, datetime.date(2027, 1, 31)) == []
    # A development stack may skip phase 1
    assert _rules(plain, _landscape({DEV_DB: None})) == []


def test_a_retirement_written_by_hand_gets_the_same_rule() -> None:
    plain = _landscape({})
    too_soon = '  retirement:\n    requested: "2026-11-29"\n    keepDataUntil: "2026-12-01"\n'
    no_date = '  retirement:\n    requested: "2026-11-29"\n'
    backdated = '  retirement:\n    requested: "2026-01-01"\n    keepDataUntil: "2026-02-15"\n'
    for text, words in (
        (too_soon, "keeps the data less than its retention (until 2027-01-03 at the least)"),
        (no_date, "no keepDataUntil keeps the data less than its retention"),
        (backdated, "requested 2026-01-01 lies more than 14 days before today"),
    ):
        (finding,) = check_change(plain, _landscape({DB: _db(retirement=text)}), TODAY)
        assert (finding.rule, words in finding.message) == ("retirement-date", True), finding
    # Moving the date earlier later on is refused as well
    earlier = RETIREMENT.replace("2027-01-31", "2027-01-15")
    (finding,) = check_change(
        _landscape({DB: _db()}), _landscape({DB: _db(retirement=earlier)}), TODAY
    )
    assert "moves earlier than 2027-01-31" in finding.message


BI_DB = "stacks/prod/analytics/analytics-bi-db.yaml"
BI = "stacks/prod/analytics/analytics-bi.yaml"


@pytest.fixture
def plan_repo(repo: Path) -> Path:
    """main: analytics-bi-db retired on 2026-11-29, data kept until 2027-01-31, and its
    one consumer retired with it; branch delete: the database's file deleted."""
    (repo / BI_DB).write_text(_db(BI_DB))
    (repo / BI).write_text(_retire_text((repo / BI).read_text()))
    git(repo, "commit", "-q", "-am", "Retire Superset")
    git(repo, "switch", "-q", "-c", "delete")
    (repo / BI_DB).unlink()
    bi = (repo / BI).read_text()
    (repo / BI).write_text(bi.replace("    - database: analytics-bi-db\n", ""))
    git(repo, "commit", "-q", "-am", "Delete analytics-bi-db")
    return repo


def _plan(root: Path, today: datetime.date) -> Plan:
    return run_plan(PlanOptions(root, "main", "delete", today))


def test_the_plan_refuses_phase_2_before_the_date_and_allows_it_after(
    plan_repo: Path, golden: Callable[[Path, str], None]
) -> None:
    early = _plan(plan_repo, TODAY)
    assert early.exit_code == 1
    assert [e.rule for e in early.errors] == ["retirement-required"]
    assert "its data is kept until 2027-01-31 (today is 2026-11-29)" in early.errors[0].message
    late = _plan(plan_repo, datetime.date(2027, 2, 1))
    assert late.exit_code == 0, late.errors
    text = TextReporter().render(late)
    golden(CASES / "phase-2-plan.txt", re.sub(r"\(([0-9a-f]{12})\)", "(SHA)", text))
    document: dict[str, Any] = json.loads(JsonReporter().render(late))
    (step,) = document["retirements"]
    assert step["phase"] == 2
    assert step["deleted"][0] == "the data: the cluster and its volumes are deleted"
    assert step["backups"] == "s3://pg-backups-prod/analytics/analytics-bi-db/"


# --- The apply's release of deletion protection ---------------------------------------------


def _state(*entries: tuple[str, bool, str]) -> list[StateObject]:
    return [StateObject(f"urn:pulumi:prod::platform::x::{n}", n, p, s) for n, p, s in entries]


def test_the_apply_releases_exactly_the_retired_objects() -> None:
    retired = _landscape({DB: _db()})
    gone = _landscape({DB: None})
    state = _state(
        ("Cluster/prod-service-desk/tickets-db", True, DB),
        ("ObjectStore/prod-service-desk/tickets-db", True, DB),
        (
            "Deployment/prod-service-desk/tickets-api",
            False,
            "stacks/prod/service-desk/tickets-api.yaml",
        ),
    )
    released = judge_release(state, [], gone, retired, datetime.date(2027, 1, 31))
    assert sorted(u.rsplit("::", 1)[-1] for u in released.urns) == [
        "Cluster/prod-service-desk/tickets-db",
        "ObjectStore/prod-service-desk/tickets-db",
    ]
    with pytest.raises(ProtectionRefused, match="keeps its data until 2027-01-31"):
        judge_release(state, [], gone, retired, TODAY)
    # Never applied retired: refused whatever the day
    with pytest.raises(ProtectionRefused, match="was not retired when last applied"):
        judge_release(state, [], gone, _landscape({}), datetime.date(2030, 1, 1))


def test_phase_1_releases_what_a_retirement_stops_rendering_but_never_the_data() -> None:
    retired = _landscape({DB: _db()})
    schedule = ("ScheduledBackup/prod-service-desk/tickets-db", True, DB)
    released = judge_release(_state(schedule), [], retired, retired, TODAY)
    assert len(released.urns) == 1
    cluster = ("Cluster/prod-service-desk/tickets-db", True, DB)
    with pytest.raises(ProtectionRefused, match="is at HEAD and not retired"):
        judge_release(_state(cluster), [], retired, retired, TODAY)
    with pytest.raises(ProtectionRefused, match="is at HEAD and not retired"):
        judge_release(_state(schedule), [], _landscape({}), None, TODAY)


def test_phase_1_in_every_plan_format(repo: Path, golden: Callable[[Path, str], None]) -> None:
    git(repo, "switch", "-q", "-c", "retire")
    retirement = RETIREMENT.replace("2027-01-31", "2026-12-29") + "    reason: dashboards moved\n"
    (repo / BI_DB).write_text(_db(BI_DB, retirement))
    (repo / BI).write_text(_retire_text((repo / BI).read_text()))
    git(repo, "commit", "-q", "-am", "Retire Superset")
    plan = run_plan(PlanOptions(repo, "main", "retire", TODAY))
    assert plan.exit_code == 0, plan.errors
    text = TextReporter().render(plan)
    section = text[text.index("Retirements:") : text.index("Findings at head")]
    golden(CASES / "phase-1-plan.txt", section)
    document: dict[str, Any] = json.loads(JsonReporter().render(plan))
    golden(CASES / "phase-1-plan.json", json.dumps(document["retirements"], indent=2) + "\n")
    db = next(r for r in document["retirements"] if r["kind"] == "Database")
    assert db["keepDataUntil"] == "2026-12-29"
    assert db["stops"][0].startswith("the cluster is hibernated after the final Backup")


def test_the_catalog_says_when_and_why(retired_prod: tuple[Landscape, Rendered]) -> None:
    from platform_cli.catalog.facts import spec_summary

    land, _ = retired_prod
    db = land.find("prod", "Database", "crm-db")
    assert db is not None
    rows = dict(spec_summary(db, None))  # type: ignore[arg-type]
    assert rows["retired"] == "on 2026-11-29, data kept until 2027-01-31"
