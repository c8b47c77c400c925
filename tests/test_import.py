"""`platform import` from a folder of manifests and from a VM inventory, as a user runs
it, on real git repositories in tmp_path: data folders of manifests
(tests/data/import/manifests/<case>/input, the report and the written files in
expected.txt), a VM inventory with bad rows (each error at file:row:column, nothing
written for them), and the command line's own errors."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from platform_cli.errors import UsageError
from platform_cli.load.landscape import load
from platform_cli.sources.tree import read_tree
from tests.conftest import DATA, REPO, Run, git
from tests.test_apply_runs import billing_repo

CASES = DATA / "import" / "manifests"
TODAY = ["--today", "2026-11-29"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = billing_repo(tmp_path)
    # The bundled image catalog, for the servers of an inventory
    (root / "policies").mkdir()
    shutil.copy(REPO / "policies" / "config.yaml", root / "policies" / "config.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the image catalog")
    monkeypatch.chdir(tmp_path)
    return root


def _written(root: Path) -> str:
    listed = git(root, "status", "--porcelain", "--untracked-files=all")
    paths = sorted(line[3:] for line in listed.splitlines())
    return "".join(f"--- {p}\n{(root / p).read_text()}" for p in paths)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_manifest_cases(
    case: str,
    repo: Path,
    tmp_path: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    shutil.copytree(CASES / case / "input", tmp_path / "input")
    args = ["import", "--root", str(repo), "--stack", "prod", "--from-manifests", "input"]
    result = run([*args, "--team", "service-desk", *TODAY])
    golden(
        CASES / case / "expected.txt",
        f"exit {result.exit_code}\n{result.stdout}{result.stderr}{_written(repo)}",
    )


def test_the_written_files_pass_check_and_record_the_adoption(
    repo: Path, tmp_path: Path, run: Callable[[list[str]], Run]
) -> None:
    shutil.copytree(CASES / "legacy-crm" / "input", tmp_path / "input")
    args = ["import", "--root", str(repo), "--stack", "prod", "--from-manifests", "input"]
    assert run([*args, "--team", "service-desk", *TODAY]).exit_code == 0
    assert "crm-web.yaml" not in run(["check", "--root", str(repo)]).stdout
    crm = load(read_tree(repo)[0]).landscape.find("prod", "Service", "crm-web")
    assert crm is not None and crm.adoption is not None
    assert (crm.adoption.source, crm.adoption.origin, crm.adoption.at) == (
        "manifests",
        "input",
        "2026-11-29",
    )
    # never overwritten: the second import refuses it and writes nothing
    before = (repo / "stacks/prod/service-desk/crm-web.yaml").read_text()
    again = run([*args, "--team", "service-desk", *TODAY])
    assert again.exit_code == 1
    assert "error [import-refused] Deployment prod-service-desk/crm-web: service 'crm-web' is " in (
        again.stdout
    )
    assert (repo / "stacks/prod/service-desk/crm-web.yaml").read_text() == before
    # --strict fails on any finding
    (repo / "stacks/prod/service-desk/crm-web.yaml").unlink()
    git(repo, "checkout", "-q", "--", ".")
    strict = run([*args, "--team", "service-desk", "--strict", "--dry-run", *TODAY])
    assert strict.exit_code == 1 and "(--strict: the findings fail the import)" in strict.stdout


def test_inventory_rows(
    repo: Path,
    tmp_path: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    shutil.copy(DATA / "import" / "inventory" / "estate.csv", tmp_path / "estate.csv")
    result = run(
        ["import", "--root", str(repo), "--stack", "prod", "--inventory", "estate.csv", *TODAY]
    )
    golden(
        DATA / "import" / "inventory" / "expected.txt",
        f"exit {result.exit_code}\n{result.stdout}{result.stderr}{_written(repo)}",
    )
    assert result.exit_code == 0  # one good row was written
    assert "erp-legacy-1" not in run(["check", "--root", str(repo)]).stdout


def test_an_inventory_without_good_rows_writes_nothing_and_fails(
    repo: Path, tmp_path: Path, run: Callable[[list[str]], Run]
) -> None:
    (tmp_path / "bad.csv").write_text("name,team\nx,service-desk\n")
    result = run(["import", "--root", str(repo), "--stack", "prod", "--inventory", "bad.csv"])
    assert result.exit_code == 1
    assert (
        "bad.csv:1:1: error [inventory-row] the header has no column system, vcpu, memory, "
        "disk, os_image, ports\n"
    ) in result.stdout
    assert _written(repo) == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "say where to import from: one of --from-cluster, --from-manifests, --inventory"),
        (["--from-cluster"], "--from-cluster needs --namespace"),
        (["--namespace", "x", "--inventory", "a.csv"], "--namespace goes with --from-cluster"),
        (["--from-manifests", "nowhere"], "nowhere is not a folder"),
        (["--inventory", "missing.csv"], "cannot read missing.csv"),
    ],
)
def test_command_line_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    from platform_cli.cli.commands import main

    with pytest.raises(SystemExit) as exit_:
        main(["import", "--root", str(repo), "--stack", "prod", *args])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith(f"platform: error: {message}")
    assert _written(repo) == ""


def test_command_line_error_messages(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from platform_cli.cli.commands import main

    with pytest.raises(SystemExit):
        main(["import", "--root", str(repo), "--stack", "nope", "--inventory", "x.csv"])
    err = capsys.readouterr().err
    assert err.startswith("platform: error: unknown stack 'nope'\n"), err


def test_the_plan_of_an_import_says_what_it_adopts(
    repo_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    repo = repo_copy  # the bundled landscape: clean, so the plan renders its objects
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "input").mkdir()
    text = (CASES / "legacy-crm" / "input" / "crm.yaml").read_text()
    # crm-web is the bundled call-center's: another name
    (tmp_path / "input" / "crm.yaml").write_text(text.replace("crm-web", "crm-portal"))
    git(repo, "checkout", "-q", "-b", "import-crm")
    args = ["import", "--root", str(repo), "--stack", "prod", "--from-manifests", "input"]
    imported = run([*args, "--team", "service-desk", "--system", "tickets", *TODAY])
    assert imported.exit_code == 0, imported.stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "crm-portal: imported")
    plan = run(["plan", "--root", str(repo), "--base", "main", "--format", "text", *TODAY])
    # the sections about the change (the rest reads the whole bundled landscape)
    shown = plan.stdout[plan.stdout.index("Landscape changes:") : plan.stdout.index("Cost per")]
    golden(DATA / "import" / "plan.txt", shown)
    assert (
        "+ Service crm-portal: new: image registry.dom-komfort.example/service-desk/crm-portal:2.0.1"
        in plan.stdout
    )
    assert (
        "adopts 4 existing objects (imported from manifests input on 2026-11-29): the first "
        "apply takes over the ones that exist instead of creating them\n"
    ) in plan.stdout
    assert plan.exit_code == 0


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in `kubectl` on PATH that answers from `cluster.json` beside it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    kubectl = folder / "kubectl"
    source = (DATA / "import" / "kubectl_standin.py").read_text()
    kubectl.write_text(f"#!{sys.executable}\n{source}")
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder


def test_from_cluster_reads_the_namespace_read_only_on_the_stacks_context(
    repo: Path, cluster: Path, run: Callable[[list[str]], Run]
) -> None:
    objects = yaml.safe_load_all((CASES / "legacy-crm" / "input" / "crm.yaml").read_text())
    (cluster / "cluster.json").write_text(
        json.dumps(
            {
                "namespaces": {"prod-service-desk": list(objects)},
                "unserved": ["virtualmachines.v1.kubevirt.io", "clusters.v1.postgresql.cnpg.io"],
            }
        )
    )
    args = ["import", "--root", str(repo), "--stack", "prod", "--from-cluster"]
    result = run([*args, "--namespace", "prod-service-desk", *TODAY])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith(
        "Import from the cluster prod-service-desk:\n  Wrote stacks/prod/service-desk/crm-web.yaml "
        "(Service crm-web; adopts 2 existing objects: Deployment prod-service-desk/crm-web, "
        "Service prod-service-desk/crm-web)\n"
    )
    text = (repo / "stacks/prod/service-desk/crm-web.yaml").read_text()
    assert "    source: cluster\n    from: prod-msk/prod-service-desk\n" in text
    log = (cluster / "kubectl-calls.jsonl").read_text().splitlines()
    calls = [json.loads(line)["args"] for line in log]
    assert all(c[:3] == ["--context", "prod-msk", "get"] for c in calls), calls
    assert all(c[-2:] == ["-o", "json"] for c in calls)
    assert not any("secret" in " ".join(c).lower() for c in calls)  # never Secrets

    with pytest.raises(
        UsageError,
        match="namespace 'nope' does not exist in the cluster of kube context 'prod-msk'",
    ):
        run([*args, "--namespace", "nope", *TODAY])


def test_from_cluster_refuses_another_teams_namespace(
    repo: Path, cluster: Path, run: Callable[[list[str]], Run]
) -> None:
    objects = yaml.safe_load_all((CASES / "other-team" / "input" / "steal.yaml").read_text())
    (cluster / "cluster.json").write_text(
        json.dumps({"namespaces": {"prod-billing": list(objects)}})
    )
    result = run(
        ["import", "--root", str(repo), "--stack", "prod", "--from-cluster", "--namespace",
         "prod-billing", "--team", "service-desk", *TODAY]
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        "prod-msk/prod-billing: error [import-refused] Deployment prod-billing/invoices: "
        "namespace 'prod-billing' belongs to team 'billing' (the stack's namespace pattern), "
        "not 'service-desk'\n"
    ) in result.stdout
    assert _written(repo) == ""
