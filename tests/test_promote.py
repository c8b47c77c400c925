"""`platform promote`: the release moves across stacks, what differs per stack stays."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_cli.cli.param_types import ResourceRefType
from platform_cli.errors import UsageError
from platform_cli.load.reader import parse
from tests.conftest import DATA, REPO, Run

CASES = sorted(p.name for p in (DATA / "promote").iterdir() if p.is_dir())


def _data(path: Path) -> dict[str, Any]:
    parsed = parse(path.name, path.read_bytes())
    assert parsed.ok, parsed.findings
    assert parsed.document is not None
    return parsed.document.data


def _run_case(case: str, root: Path, run: Callable[[list[str]], Run]) -> tuple[Run, list[str]]:
    folder = DATA / "promote" / case
    if (folder / "setup").is_dir():
        shutil.copytree(folder / "setup", root, dirs_exist_ok=True)
    args = folder.joinpath("args").read_text(encoding="utf-8").splitlines()
    return run([*args, "--root", str(root)]), args


@pytest.mark.parametrize("case", CASES)
def test_promote_case(
    case: str,
    repo_copy: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    folder = DATA / "promote" / case
    result, args = _run_case(case, repo_copy, run)
    golden(folder / "exit_code.txt", f"{result.exit_code}\n")
    golden(folder / "stdout.txt", result.stdout)
    ref = ResourceRefType().convert(args[1], None, None)
    kind, name = ref.kind, ref.name
    target = repo_copy / "stacks" / args[args.index("--to") + 1]
    written = sorted(target.glob(f"*/{name}.yaml"))
    if result.exit_code == 0 and "--dry-run" not in args:
        [path] = written
        golden(folder / "target.yaml", path.read_text(encoding="utf-8"))
        assert _data(path)["kind"] == kind
    else:
        bundled = [REPO / p.relative_to(repo_copy) for p in written]
        assert [p.read_bytes() for p in written] == [p.read_bytes() for p in bundled]


def test_existing_target_keeps_its_per_stack_fields(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    prod = _data(REPO / "stacks/prod/call-center/crm-api.yaml")["spec"]
    dev = _data(REPO / "stacks/dev/call-center/crm-api.yaml")["spec"]
    result, _ = _run_case("existing-service", repo_copy, run)
    assert result.exit_code == 0
    after = _data(repo_copy / "stacks/prod/call-center/crm-api.yaml")["spec"]
    assert after["image"] == dev["image"] != prod["image"]
    for key in ("resources", "autoscaling"):
        assert after[key] == prod[key] != dev[key]
    # Variables: the target's values stay, references to dev are not carried over
    assert after["env"] == prod["env"]
    kept = "kept from the target (they differ per stack): spec.autoscaling, spec.resources, "
    assert kept + "spec.env.LOG_LEVEL\n" in result.stdout


def test_dry_run_shows_the_diff_and_writes_nothing(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    target = repo_copy / "stacks/prod/call-center/crm-web.yaml"
    before = target.read_bytes()
    result, _ = _run_case("existing-service-dry-run", repo_copy, run)
    assert result.exit_code == 0
    assert target.read_bytes() == before
    # The digest tested in dev is the one production runs
    assert (
        "-  image: registry.dom-komfort.example/call-center/crm-web:3.15.2@sha256:" in result.stdout
    )
    assert (
        "+  image: registry.dom-komfort.example/call-center/crm-web:3.16.0@sha256:" in result.stdout
    )
    # The host, replicas and sizes of prod are kept, so the image is the only change
    changed = [line for line in result.stdout.splitlines() if line.startswith(("-  ", "+  "))]
    assert len(changed) == 2


def test_a_new_target_gets_the_target_stacks_requirements(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    result, _ = _run_case("new-database", repo_copy, run)
    assert result.exit_code == 0
    spec = _data(repo_copy / "stacks/prod/service-desk/tickets-archive-db.yaml")["spec"]
    assert spec["deletionProtection"] is True
    assert spec["storage"] == {"size": "10Gi", "class": "ssd-encrypted"}
    assert spec["instances"] == 3
    assert spec["backup"]["retentionDays"] == 30
    assert spec["version"] == 17


def test_a_new_service_is_rewritten_for_the_target_stack(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    result, _ = _run_case("new-service", repo_copy, run)
    assert result.exit_code == 0
    spec = _data(repo_copy / "stacks/prod/service-desk/tickets-export.yaml")["spec"]
    assert spec["ingress"]["host"] == "tickets-export.apps.dom-komfort.example"
    assert spec["env"]["TICKETS_API_URL"] == (
        "http://tickets-api.prod-service-desk.svc.cluster.local:8080"
    )
    assert spec["env"]["OIDC_ISSUER_URL"] == "https://sso.apps.dom-komfort.example/realms/staff"
    assert spec["replicas"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["service/crm-apu", "--from", "dev", "--to", "prod"], "did you mean 'crm-api'?"),
        (["server/pbx-1", "--from", "dev", "--to", "dev"], "the same stack"),
        (["server/pbx-1", "--from", "dev", "--to", "staging"], "unknown stack 'staging'"),
    ],
)
def test_promote_usage_errors(
    shared_repo_copy: Path, run: Callable[[list[str]], Run], args: list[str], message: str
) -> None:
    with pytest.raises(UsageError) as error:
        run(["promote", *args, "--root", str(shared_repo_copy)])
    assert message in f"{error.value.message} {error.value.hint}"


def test_promotion_rewrites_vm_namespaces_as_well_as_team_namespaces() -> None:
    """A URL pointing at a server in dev's VM namespace points at prod's after promotion."""
    from platform_cli.self_service.promote import rewrite
    from tests.render_support import bundled

    land = bundled()
    dev, prod = land.stacks["dev"], land.stacks["prod"]
    value = "http://pbx-1.dev-call-center-vms.svc:5060 and http://crm-api.dev-call-center.svc"
    assert rewrite(value, dev, prod, ["call-center"]) == (
        "http://pbx-1.prod-call-center-vms.svc:5060 and http://crm-api.prod-call-center.svc"
    )
