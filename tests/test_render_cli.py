"""`platform render` as a user runs it: the stream, the folder layout, and refusals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from platform_cli.cli import commands as cli_module
from tests.conftest import REPO, Run
from tests.render_support import rendered


def _copy_repo(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    for top in ("landscape", "stacks", "policies"):
        shutil.copytree(REPO / top, target / top, ignore=shutil.ignore_patterns("*.py"))
    return target


def test_render_to_stdout_is_a_yaml_stream(run: Callable[[list[str]], Run]) -> None:
    result = run(["render", "--stack", "dev", "--root", str(REPO)])
    assert result.exit_code == 0
    assert list(yaml.safe_load_all(result.stdout)) == rendered("dev").objects


def test_render_json_to_stdout_is_a_list(run: Callable[[list[str]], Run]) -> None:
    result = run(["render", "--stack", "dev", "--root", str(REPO), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["kind"] == "List"
    assert document["items"] == rendered("dev").objects


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_render_writes_one_file_per_object(
    fmt: str, tmp_path: Path, run: Callable[[list[str]], Run]
) -> None:
    out = tmp_path / "out"
    result = run(
        ["render", "--stack", "prod", "--root", str(REPO), "--out", str(out), "--format", fmt]
    )
    assert result.exit_code == 0
    objects = rendered("prod").objects
    # 11 team namespaces and the VM namespaces of the 6 teams with servers
    assert f"{len(objects)} objects in 17 folders" in result.stdout
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())
    files = kustomization["resources"]
    assert len(files) == len(objects) == len(set(files))
    loaded = [
        json.loads((out / f).read_text())
        if fmt == "json"
        else yaml.safe_load((out / f).read_text())
        for f in files
    ]
    assert loaded == objects
    # Per folder, the Namespace sorts first
    first = sorted((out / "prod-billing").iterdir())[0]
    assert first.name == f"000-namespace-prod-billing.{fmt}"


def test_render_twice_gives_identical_files(
    tmp_path: Path, run: Callable[[list[str]], Run]
) -> None:
    out = tmp_path / "out"
    run(["render", "--stack", "prod", "--root", str(REPO), "--out", str(out)])
    first = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    (out / "prod-billing" / "stale.yaml").write_text("left over")
    run(["render", "--stack", "prod", "--root", str(REPO), "--out", str(out)])
    second = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert first == second


def test_render_refuses_a_folder_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["render", "--stack", "prod", "--root", str(REPO), "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "was not written by `platform render`" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_render_refuses_a_landscape_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_repo(tmp_path)
    service = root / "stacks/prod/call-center/crm-api.yaml"
    service.write_text(service.read_text().replace("database: crm-db", "database: crm-dbx"))
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["render", "--stack", "prod", "--root", str(root)])
    assert exc.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "refusing to render it" in captured.err
    assert "stacks/prod/call-center/crm-api.yaml" in captured.err
    assert "ref-depends-on" in captured.err


def test_render_of_an_unknown_stack_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["render", "--stack", "prd", "--root", str(REPO)])
    assert exc.value.code == 2
    assert "unknown stack 'prd'" in capsys.readouterr().err


def test_real_preview_of_a_whole_stack_points_to_shards_or_offline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A real preview runs per shard (`prod.billing`); a whole landscape stack is only
    previewed offline, and the error says both."""
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["preview", "--stack", "prod", "--root", str(REPO)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--offline" in err
    assert "'prod' is a landscape stack, not a Pulumi stack" in err
