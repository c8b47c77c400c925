"""`platform check` as a user runs it: formats, filters, exit codes and the error funnel."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.cli import commands as cli_module
from platform_cli.cli import review
from tests.conftest import DATA, Run

SVC = "stacks/prod/service-desk/tickets-api.yaml"


def _break(root: Path) -> None:
    """Two errors and a warning: a typo'd field, a dangling dependency, a misnamed file."""
    svc = root / SVC
    text = svc.read_text().replace("replicas: 2", "replica: 2")
    svc.write_text(text)
    (root / "stacks/prod/service-desk/api-copy.yaml").write_text(
        text.replace("replica: 2", "replicas: 2")
        .replace("name: tickets-api", "name: tickets-web")
        .replace("database: tickets-db", "service: tickets-worker")
    )


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_each_format_matches_its_golden_file(
    fmt: str,
    base_landscape: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    _break(base_landscape)
    result = run(["check", "--root", str(base_landscape), "--format", fmt])
    assert result.exit_code == 1
    golden(DATA / "reporters" / f"check.{fmt}", result.stdout)


def test_json_output_is_parseable_and_counts_findings(
    base_landscape: Path, run: Callable[[list[str]], Run]
) -> None:
    _break(base_landscape)
    result = run(["check", "--root", str(base_landscape), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["passed"] is False
    assert document["summary"]["errors"] == 2
    assert document["summary"]["warnings"] == 1
    assert {f["rule"] for f in document["findings"]} == {"schema", "ref-depends-on", "file-name"}


def test_sarif_has_rules_for_every_result(
    base_landscape: Path, run: Callable[[list[str]], Run]
) -> None:
    _break(base_landscape)
    document = json.loads(run(["check", "--root", str(base_landscape), "--format", "sarif"]).stdout)
    assert document["version"] == "2.1.0"
    run_ = document["runs"][0]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    for res in run_["results"]:
        assert rules[res["ruleIndex"]] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_github_format_is_the_default_inside_github_actions(
    base_landscape: Path, run: Callable[[list[str]], Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    _break(base_landscape)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = run(["check", "--root", str(base_landscape)])
    assert result.stdout.startswith("::")
    assert f"::error file={SVC},line=9,col=3," in result.stdout


def test_warnings_pass_unless_strict(base_landscape: Path, run: Callable[[list[str]], Run]) -> None:
    svc = base_landscape / SVC
    svc.rename(svc.with_name("api.yaml"))
    assert run(["check", "--root", str(base_landscape)]).exit_code == 0
    strict = run(["check", "--root", str(base_landscape), "--strict"])
    assert strict.exit_code == 1
    assert "warning [file-name]" in strict.stdout


def test_clean_landscape_passes(base_landscape: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(["check", "--root", str(base_landscape)])
    assert result.exit_code == 0
    assert result.stdout == (
        "check passed: 0 errors, 0 warnings in 5 files (2 resources in 1 stack)\n"
    )


def test_paths_narrow_the_report_but_not_the_load(
    base_landscape: Path, run: Callable[[list[str]], Run]
) -> None:
    _break(base_landscape)
    result = run(["check", "--root", str(base_landscape), str(base_landscape / SVC)])
    assert result.exit_code == 1
    assert "api-copy.yaml" not in result.stdout
    assert f"{SVC}:9:3: error [schema]" in result.stdout


def test_stack_filter_keeps_global_findings_and_that_stack(
    base_landscape: Path, run: Callable[[list[str]], Run]
) -> None:
    _break(base_landscape)
    dev = base_landscape / "stacks/dev/service-desk"
    dev.mkdir(parents=True)
    (dev / "tickets-api.yaml").write_text((base_landscape / SVC).read_text())
    other = run(["check", "--root", str(base_landscape), "--stack", "dev"])
    assert "stacks/prod/" not in other.stdout
    assert "stack folder 'dev' has no stack.yaml" in other.stdout


def test_unknown_stack_is_a_usage_error(
    base_landscape: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--root", str(base_landscape), "--stack", "prd"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "platform: error: unknown stack 'prd'" in err
    assert "hint: stacks: prod" in err


def test_no_landscape_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--root", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "no landscape found" in capsys.readouterr().err


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--format", "xml"])
    assert exit_info.value.code == 2
    assert "'xml' is not one of" in capsys.readouterr().err


def test_unexpected_bug_saves_a_traceback_and_exits_70(
    base_landscape: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def explode(_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(review, "run_check", explode)
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--root", str(base_landscape)])
    assert exit_info.value.code == 70
    err = capsys.readouterr().err
    assert "unexpected error, this is a bug" in err
    [report] = tmp_path.glob("platform-crash-*.log")
    assert "RuntimeError: boom" in report.read_text()


def test_pulumi_stack_settings_in_stacks_are_not_landscape_files(
    base_landscape: Path, run: Callable[[list[str]], Run]
) -> None:
    (base_landscape / "stacks/Pulumi.prod.service-desk.yaml").write_text("config: {}\n")
    (base_landscape / "stacks/stray.yaml").write_text("config: {}\n")
    result = run(["check", "--root", str(base_landscape)])
    assert "Pulumi.prod" not in result.stdout
    assert "stacks/stray.yaml: error [layout]" in result.stdout


@pytest.mark.parametrize(
    "case",
    [
        "yaml-root-tag",
        "yaml-impossible-date",
        "yaml-timestamp-tag-not-a-date",
        "yaml-integer-too-long",
        "yaml-collection-tag-on-scalar",
        "kind-not-a-string",
        "yaml-non-finite-price",
    ],
)
def test_input_that_once_crashed_check_exits_1_without_a_crash_report(
    case: str,
    base_landscape: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(DATA / "check" / case / "files", base_landscape, dirs_exist_ok=True)
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--root", str(base_landscape), "--format", "text"])
    assert exit_info.value.code == 1
    assert "this is a bug" not in capsys.readouterr().err
    assert list(tmp_path.glob("platform-crash-*.log")) == []
