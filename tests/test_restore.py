"""Restoring a database (`spec.restore`, docs/requests.md "Restoring a database").

- the check accepts a source of the same team and stack with backups, whatever else it
  is (retired included), and the data-folder cases (tests/data/check/restore-*) refuse
  the rest;
- the renderer bootstraps the Cluster by recovery from the source's ObjectStore and
  folder, the names the source's own backups get (a golden of the rendered objects);
- the resource model counts the full-recovery Job, and its two doors agree on it;
- the plan says "restore of X as of T" in all three formats, and refuses a point in time
  outside the retention or a restore added to an existing database;
- `platform new database --restore-from NAME [--at TIMESTAMP]` on a real git repository,
  and `--at`'s errors at the door.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from platform_cli.checks.integrity import database_restore
from platform_cli.cli import commands as cli_module
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.evaluate.rendering import render_tree
from platform_cli.findings import Level
from platform_cli.load.landscape import load
from platform_cli.load.model import Database, format_instant, parse_instant
from platform_cli.plan.restores import end_of
from platform_cli.plan.run import PlanOptions, run_plan
from platform_cli.render import pods
from platform_cli.render.database import backup_server_name, backup_store_name
from platform_cli.self_service.options import DatabaseOptions, NewRequest
from platform_cli.self_service.request import request_resource
from platform_cli.sources.tree import read_tree
from tests.conftest import DATA, Run
from tests.test_check_cases import lay_out
from tests.test_plan import apply_change, copy_repository, git

CASES = DATA / "restore"
TODAY = "2026-06-01"
RESTORED = "stacks/prod/analytics/analytics-bi-restored.yaml"
PLAN_CASE = DATA / "plan" / "restore-database"


def database(
    name: str,
    *,
    version: int = 16,
    backup: bool = True,
    restore: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> str:
    """A database of service-desk's standard-tier system 'reports' (restore-* cases)."""
    data: dict[str, Any] = {
        "apiVersion": "platform/v1",
        "kind": "Database",
        "metadata": {"name": name, "team": "service-desk", "system": "reports", **(metadata or {})},
        "spec": {
            "engine": "postgresql",
            "version": version,
            "storage": {"size": "10Gi"},
            "deletionProtection": True,
        },
    }
    if backup:
        data["spec"]["backup"] = {"schedule": "0 3 * * *", "retentionDays": 14}
    if restore is not None:
        data["spec"]["restore"] = restore
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def reports(base_landscape: Path) -> Path:
    """The check cases' base landscape with the system 'reports' of the restore cases."""
    lay_out(DATA / "check" / "restore-self", base_landscape)
    (base_landscape / "stacks/prod/service-desk/reports-db.yaml").write_text(database("reports-db"))
    return base_landscape


# --- the check ---


# A retired source keeps its backups for exactly this (docs/requests.md "Retiring a
# resource")
SOURCE_METADATA: list[dict[str, Any]] = [
    {},
    {"description": "Monthly reports."},
    # A retired database's kept backups restore as any other's
    {"retirement": {"requested": "2026-06-01", "keepDataUntil": "2026-09-01"}},
]


@pytest.mark.parametrize("metadata", SOURCE_METADATA)
@pytest.mark.parametrize("at", [None, "2026-05-30T21:00:00Z", "2026-05-31T00:00:00+03:00"])
def test_a_restore_from_a_database_of_the_team_passes(
    reports: Path, metadata: dict[str, Any], at: str | None
) -> None:
    source = reports / "stacks/prod/service-desk/reports-db.yaml"
    source.write_text(database("reports-db", metadata=metadata))
    restore = {"from": "reports-db"} | ({"at": at} if at else {})
    copy = reports / "stacks/prod/service-desk/reports-db-copy.yaml"
    copy.write_text(database("reports-db-copy", backup=False, restore=restore))
    result = run_check(CheckOptions(root=reports))
    assert [f for f in result.findings if f.level is Level.ERROR] == []


@pytest.mark.parametrize(
    ("at", "warned"),
    [
        (None, False),  # the last state its backups hold
        ("2026-06-01T23:59:59Z", False),  # the day it was requested: maybe not yet applied
        ("2026-06-02T02:00:00+03:00", False),  # the same instant's day is judged in UTC
        ("2026-06-02T00:00:00Z", True),
    ],
)
def test_a_point_after_a_sources_retirement_is_a_warning(
    reports: Path, at: str | None, warned: bool
) -> None:
    """A retired source's backups end when its retirement was applied, on the day it
    was requested or later: a point after that day may not exist. Only the apply knows
    the hour, so it is a warning."""
    retired = {"retirement": {"requested": "2026-06-01", "keepDataUntil": "2026-09-01"}}
    source = reports / "stacks/prod/service-desk/reports-db.yaml"
    source.write_text(database("reports-db", metadata=retired))
    restore = {"from": "reports-db"} | ({"at": at} if at else {})
    copy = reports / "stacks/prod/service-desk/reports-db-copy.yaml"
    copy.write_text(database("reports-db-copy", backup=False, restore=restore))
    findings = run_check(CheckOptions(root=reports)).findings
    found = [f for f in findings if f.rule == "database-restore-retired"]
    assert [f.level for f in found] == ([Level.WARNING] if warned else [])
    if warned:
        assert found[0].path.endswith("reports-db-copy.yaml") and found[0].line > 0
        assert "retired on 2026-06-01" in found[0].message


def test_the_point_in_time_lies_within_the_retention(reports: Path) -> None:
    """`WINDOW`, judged at an explicit now: the edges are in, a second past them is out."""
    now = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
    oldest = now - datetime.timedelta(days=14)
    second = datetime.timedelta(seconds=1)
    files, _ = read_tree(reports)
    source = load(files).landscape.find("prod", "Database", "reports-db")
    assert isinstance(source, Database)

    def judged(at: datetime.datetime) -> str | None:
        text = database("reports-db-copy", restore={"from": "reports-db", "at": format_instant(at)})
        path = "stacks/prod/service-desk/reports-db-copy.yaml"
        db = load([*files, _file(path, text)]).landscape.find("prod", "Database", "reports-db-copy")
        assert isinstance(db, Database)
        finding = database_restore.window_finding(db, source, now)
        return None if finding is None else finding.message

    assert judged(now) is None
    assert judged(oldest) is None
    assert judged(now + second) == (
        "the point in time 2026-06-01T12:00:01Z lies in the future (now: 2026-06-01T12:00:00Z)"
    )
    assert judged(oldest - second) == (
        "the point in time 2026-05-18T11:59:59Z lies before what 'reports-db' keeps: its "
        "backups reach back 14 days, to 2026-05-18T12:00:00Z"
    )


def _file(path: str, text: str) -> Any:
    from platform_cli.sources.tree import SourceFile

    return SourceFile(path, text.encode())


def test_instants_parse_as_rfc_3339_and_print_in_utc() -> None:
    assert format_instant(parse_instant("2026-11-29T00:30:00+03:00")) == "2026-11-28T21:30:00Z"
    assert (
        format_instant(parse_instant("2026-11-28T21:00:00.250Z")) == "2026-11-28T21:00:00.250000Z"
    )
    for bad in ("2026-11-28", "2026-11-28T21:00:00", "2026-11-28 21:00:00Z", "yesterday"):
        with pytest.raises(ValueError, match="not an RFC 3339 date-time with an offset"):
            parse_instant(bad)
    with pytest.raises(ValueError, match="no real date and time"):
        parse_instant("2026-02-30T00:00:00Z")


# --- the renderer and the resource model ---


def test_the_restored_cluster_reads_the_sources_store_and_folder(
    reports: Path, golden: Callable[[Path, str], None]
) -> None:
    (reports / "stacks/prod/service-desk/reports-db-copy.yaml").write_text(
        database(
            "reports-db-copy", restore={"from": "reports-db", "at": "2026-05-31T23:30:00+03:00"}
        )
    )
    objects = render_tree(reports, "prod").objects
    mine = [o for o in objects if o["metadata"]["name"] == "reports-db-copy"]
    golden(CASES / "rendered.yaml", yaml.safe_dump_all(mine, sort_keys=False))
    (cluster,) = [o for o in mine if o["kind"] == "Cluster"]
    # The fields as the CRD of CloudNativePG 1.27 has them (make e2e: the CRD itself)
    schema = json.loads((DATA / "crds" / "cluster.postgresql.cnpg.io_v1.json").read_text())
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(cluster)] == []
    (source_store,) = [
        o
        for o in objects
        if o["kind"] == "ObjectStore" and o["metadata"]["name"] == backup_store_name("reports-db")
    ]
    (source_cluster,) = [
        o for o in objects if o["kind"] == "Cluster" and o["metadata"]["name"] == "reports-db"
    ]
    spec = cluster["spec"]
    assert spec["bootstrap"] == {
        "recovery": {
            "source": "reports-db",
            "database": "app",
            "owner": "app",
            "recoveryTarget": {"targetTime": "2026-05-31T20:30:00Z"},
        }
    }
    (external,) = spec["externalClusters"]
    parameters = external["plugin"]["parameters"]
    # The store the source's backups go to, and the folder the source writes (the
    # plugin's default serverName is the source Cluster's name)
    assert parameters["barmanObjectName"] == source_store["metadata"]["name"]
    assert parameters["serverName"] == source_cluster["metadata"]["name"]
    assert source_cluster["spec"]["plugins"][0]["parameters"] == {"barmanObjectName": "reports-db"}
    # Its own archive is its own folder: CloudNativePG refuses a non-empty one
    (own,) = spec["plugins"]
    assert own["parameters"] == {
        "barmanObjectName": "reports-db-copy",
        "serverName": backup_server_name("reports-db-copy"),
    }
    assert own["parameters"]["serverName"] != parameters["serverName"]


@pytest.mark.parametrize("backup", [False, True])
def test_the_model_counts_the_full_recovery_job_and_both_doors_agree(
    reports: Path, backup: bool
) -> None:
    """Without backups of its own a restored database's instances run no sidecar, but
    its recovery Job does: with one instance, the Job is the peak."""
    (reports / "stacks/prod/service-desk/reports-db-copy.yaml").write_text(
        database("reports-db-copy", backup=backup, restore={"from": "reports-db"})
    )
    objects = render_tree(reports, "prod").objects
    (rendered,) = [d for d in pods.rendered_demands(objects) if d.name == "reports-db-copy"]
    files, _ = read_tree(reports)
    land = load(files).landscape
    db = land.find("prod", "Database", "reports-db-copy")
    assert db is not None
    modelled = pods.demand(db, land.stacks["prod"])
    assert (modelled.peak, modelled.rest.requests) == (rendered.peak, rendered.rest.requests)
    assert [m.name for m in modelled.moments] == ["recovery from backups", "running"]
    job = modelled.moments[0].pods[0]
    assert (job.name, job.number) == ("reports-db-copy-1-full-recovery", 1)
    assert [c.name for c in job.containers] == ["full-recovery", pods.BARMAN_SIDECAR]
    # One instance (the stack's default) of 1 CPU and 2Gi, and the sidecar's 500m: in
    # the Job always, on the instance only with backups of its own
    recovery, running = modelled.moments
    assert (recovery.limits.cpu, running.limits.cpu) == (1500, 1500 if backup else 1000)
    assert modelled.peak.cpu == 1500


# --- the plan ---


@pytest.fixture(scope="module")
def plan_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled landscape in git, with a branch per plan below."""
    root = copy_repository(tmp_path_factory.mktemp("restore") / "repo")
    restored = (PLAN_CASE / "analytics-bi-restored.yaml").read_text()
    branches = {
        "restore-database": restored,
        "restore-too-old": restored.replace("2026-05-31T21:00:00Z", "2026-05-17T21:00:00Z"),
        "restore-in-the-future": restored.replace("2026-05-31T21:00:00Z", "2026-06-02T00:00:00Z"),
    }
    for name, text in branches.items():
        git(root, "switch", "-q", "-c", name, "main")
        (root / RESTORED).write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", name)
    # A source created in the same change: it has no backups yet
    git(root, "switch", "-q", "-c", "restore-from-new", "main")
    source = (root / "stacks/prod/analytics/analytics-bi-db.yaml").read_text()
    (root / "stacks/prod/analytics/analytics-bi-next.yaml").write_text(
        source.replace("name: analytics-bi-db", "name: analytics-bi-next")
    )
    (root / RESTORED).write_text(
        restored.replace("from: analytics-bi-db", "from: analytics-bi-next")
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "restore-from-new")
    git(root, "switch", "-q", "-c", "restore-existing", "main")
    apply_change(
        root,
        PLAN_CASE,
        {
            "replace": {
                "stacks/prod/analytics/analytics-dwh.yaml": [
                    [
                        "    retentionDays: 14\n",
                        "    retentionDays: 14\n  restore:\n    from: analytics-bi-db\n",
                    ]
                ]
            }
        },
    )
    git(root, "commit", "-q", "-am", "restore-existing")
    git(root, "switch", "-q", "main")
    return root


def plan_cli(run: Callable[[list[str]], Run], root: Path, head: str, fmt: str) -> Run:
    args = ["plan", "--root", str(root), "--base", "main", "--head", head, "--format", fmt]
    return run([*args, "--today", TODAY])


def test_the_plan_says_restore_of_x_as_of_t_in_every_format(
    plan_repo: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    line = "restore of analytics-bi-db as of 2026-05-31T21:00:00Z"
    text = plan_cli(run, plan_repo, "restore-database", "text")
    assert text.exit_code == 0
    assert line in text.stdout
    golden(CASES / "plan.txt", text.stdout)
    markdown = plan_cli(run, plan_repo, "restore-database", "markdown")
    assert f"<br>{line} |" in markdown.stdout
    data = json.loads(plan_cli(run, plan_repo, "restore-database", "json").stdout)
    (change,) = data["landscapeChanges"]
    assert change["summary"][1] == line


@pytest.mark.parametrize(
    ("branch", "rule", "message"),
    [
        (
            "restore-too-old",
            "database-restore-window",
            "the point in time 2026-05-17T21:00:00Z lies before what 'analytics-bi-db' keeps: "
            "its backups reach back 14 days, to 2026-05-18T23:59:59Z",
        ),
        (
            "restore-in-the-future",
            "database-restore-window",
            "the point in time 2026-06-02T00:00:00Z lies in the future (now: 2026-06-01T23:59:59Z)",
        ),
        (
            "restore-from-new",
            "database-restore-window",
            "database 'analytics-bi-next' is new in this change: it has no backups yet to "
            "restore from",
        ),
        (
            "restore-existing",
            "database-restore-existing",
            "database 'analytics-dwh' exists already: adding spec.restore does nothing "
            "(CloudNativePG bootstraps a cluster once, when it creates it)",
        ),
    ],
)
def test_the_plan_refuses_what_a_restore_cannot_do(
    plan_repo: Path, branch: str, rule: str, message: str
) -> None:
    plan = run_plan(PlanOptions(plan_repo, "main", branch, datetime.date.fromisoformat(TODAY)))
    assert plan.exit_code == 1
    (error,) = plan.errors
    assert (error.rule, error.message) == (rule, message)
    assert error.path.startswith("stacks/prod/analytics/")
    assert error.line > 0 and error.hint


def test_the_plan_text_of_a_refused_restore(
    plan_repo: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    result = plan_cli(run, plan_repo, "restore-existing", "text")
    assert result.exit_code == 1
    golden(CASES / "plan-existing.txt", result.stdout)


# --- platform new database --restore-from ---


NEW = ["new", "database", "--stack", "prod", "--team", "analytics", "--system", "analytics"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repository(tmp_path / "repo")


def test_new_restores_on_a_branch_with_the_sources_shape(
    repo: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    at = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(days=2)
    args = [*NEW, "--name", "analytics-bi-restored", "--restore-from", "analytics-bi-db"]
    args += ["--at", at.astimezone(datetime.timezone(datetime.timedelta(hours=3))).isoformat()]
    result = run([*args, "--branch", "analytics/restore-bi", "--root", str(repo)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert git(repo, "branch", "--show-current") == "analytics/restore-bi"
    written = git(repo, "show", f"HEAD:{RESTORED}")
    data = yaml.safe_load(written)
    # Written in UTC; system, version, storage, resources and backups from the source
    assert data["spec"]["restore"] == {"from": "analytics-bi-db", "at": format_instant(at)}
    assert data["metadata"]["system"] == "analytics"
    source = yaml.safe_load((repo / "stacks/prod/analytics/analytics-bi-db.yaml").read_text())
    for key in ("version", "storage", "resources", "backup"):
        assert data["spec"][key] == source["spec"][key], key
    stable = written.replace(format_instant(at), "AT")
    golden(CASES / "new-written.yaml", stable)
    # And the branch passes the check
    assert run(["check", "--root", str(repo)]).exit_code == 0


@pytest.mark.parametrize(
    ("extra", "rule", "message"),
    [
        (
            ["--restore-from", "analytics-bi"],
            "database-restore",
            "database 'analytics-bi' is not declared in stack 'prod'",
        ),
        (
            ["--restore-from", "analytics-bi-db", "--version", "17"],
            "database-restore",
            "runs PostgreSQL 17, but its source 'analytics-bi-db' runs 16",
        ),
        (
            ["--restore-from", "analytics-bi-db", "--at", "2020-01-01T00:00:00Z"],
            "database-restore-window",
            "lies before what 'analytics-bi-db' keeps: its backups reach back 14 days",
        ),
    ],
)
def test_new_refuses_a_restore_the_check_refuses(
    repo: Path, run: Callable[[list[str]], Run], extra: list[str], rule: str, message: str
) -> None:
    result = run([*NEW, "--name", "bi-copy", *extra, "--root", str(repo)])
    assert result.exit_code == 1
    assert f"error [{rule}]" in result.stdout and message in result.stdout
    assert not (repo / "stacks/prod/analytics/bi-copy.yaml").exists()


def test_new_refuses_another_teams_database(repo: Path) -> None:
    """billing-db is billing's: analytics may not read its data with its credentials."""
    request = NewRequest(
        repo,
        "prod",
        "analytics",
        "billing-copy",
        DatabaseOptions(restore_from="billing-db"),
        system="analytics",
        dry_run=True,
        today=datetime.date(2026, 6, 1),
    )
    result = request_resource(request)
    assert result.refused
    refusal = next(e for e in result.errors if e.rule == "database-restore")
    assert refusal.message == (
        "database 'billing-db' belongs to team 'billing', not 'analytics': a restore from it "
        "would read that team's data with that team's backup credentials"
    )
    assert refusal.hint == (
        "a team restores only its own databases: ask team 'billing' to restore it into a "
        "database of their own"
    )
    assert not (repo / "stacks/prod/analytics/billing-copy.yaml").exists()


def test_new_takes_today_for_the_window(repo: Path) -> None:
    request = NewRequest(
        repo,
        "prod",
        "analytics",
        "bi-copy",
        DatabaseOptions(
            restore_from="analytics-bi-db",
            restore_at=datetime.datetime(2026, 5, 20, tzinfo=datetime.UTC),
        ),
        dry_run=True,
        today=datetime.date(2026, 6, 1),
    )
    assert request_resource(request).errors == []
    late = NewRequest(**{**request.__dict__, "today": datetime.date(2026, 6, 10)})
    (error,) = request_resource(late).errors
    assert error.rule == "database-restore-window"
    assert error.message.endswith("to 2026-05-27T23:59:59Z")
    assert end_of(datetime.date(2026, 6, 10)).isoformat() == "2026-06-10T23:59:59.999999+00:00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-28", "'2026-11-28' is not an RFC 3339 date-time with an offset"),
        ("2026-11-28T21:00:00", "'2026-11-28T21:00:00' is not an RFC 3339 date-time"),
        ("2026-11-31T21:00:00Z", "'2026-11-31T21:00:00Z' is no real date and time"),
    ],
)
def test_at_is_typed_at_the_door(
    repo: Path, run: Callable[[list[str]], Run], value: str, message: str
) -> None:
    args = [*NEW, "--name", "bi-copy", "--restore-from", "analytics-bi-db", "--at", value]
    result = run([*args, "--root", str(repo)])
    assert result.exit_code == 2
    assert "Invalid value for '--at'" in result.stderr and message in result.stderr
    assert "hint: write a date, 'T', a time and Z for UTC" in result.stderr


def test_at_needs_restore_from(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [*NEW, "--name", "bi-copy", "--at", "2026-11-28T21:00:00Z", "--root", str(repo)]
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error: --at needs --restore-from" in err
    assert "hint: name the database whose backups to restore" in err


# --- incremental evaluation ---


def test_a_change_of_the_source_moves_the_finding_of_another_teams_restore(
    tmp_path: Path,
) -> None:
    """billing's database restores from analytics' (refused); analytics then deletes
    its database. billing's file did not change and no team of it did, but its finding
    did: the incremental evaluation checks a restore again when its source changes."""
    from platform_cli.evaluate.incremental import Mode, evaluate_tree
    from platform_cli.evaluate.pipeline import evaluate_files
    from platform_cli.load.cache import DocumentCache
    from platform_cli.sources.tree import SourceFile
    from tests.test_incremental import ROOT, TODAY, _files, _summary, _tree

    base_files, head_files = _files(ROOT), _files(ROOT)
    copy = (
        (ROOT / "stacks/prod/billing/payments-db.yaml")
        .read_text()
        .replace("name: payments-db", "name: payments-bi")
        .replace(
            "  deletionProtection: true\n",
            "  deletionProtection: true\n  restore:\n    from: analytics-bi-db\n",
        )
    )
    for side in (base_files, head_files):
        side["stacks/prod/billing/payments-bi.yaml"] = copy.encode()
    del head_files["stacks/prod/analytics/analytics-bi-db.yaml"]
    cache = DocumentCache(tmp_path / "cache")
    base = evaluate_tree(_tree(base_files), TODAY, cache=cache)
    got = evaluate_tree(_tree(head_files), TODAY, cache=cache, base=base)
    want = evaluate_files([SourceFile(p, head_files[p]) for p in sorted(head_files)], TODAY)
    assert got.how is Mode.INCREMENTAL
    restore = [f.message for f in want.findings if f.rule == "database-restore"]
    assert restore == ["database 'analytics-bi-db' is not declared in stack 'prod'"]
    before = [f.message for f in base.evaluation.findings if f.rule == "database-restore"]
    assert before == [
        "database 'analytics-bi-db' belongs to team 'analytics', not 'billing': a restore "
        "from it would read that team's data with that team's backup credentials"
    ]
    assert _summary(got.evaluation) == _summary(want)
