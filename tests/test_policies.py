"""The architecture policies: registry, per-policy data cases, docs and the CLI.

Each folder tests/data/policies/<ID>/{pass,fail}/ is the shared `_base` landscape of
tests/data/check/ with the case's `files/` laid over it, and `expected.txt`, the exact
policy findings (`ID path:line:column`) that `platform check` reports for it: none
for `pass`, at least one of that policy for `fail`.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import policies
from platform_cli.checks import catalogue, policy_engine
from platform_cli.checks.explain import explanation
from platform_cli.cli.commands import main
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import BuiltinRule, Level
from tests.conftest import DATA, REPO, Run

TODAY = datetime.date(2026, 11, 27)
CASES = sorted(p for p in (DATA / "policies").glob("*/*") if p.is_dir())
IDS = list(policies.POLICIES)


def _policy_findings(root: Path) -> list[str]:
    result = run_check(CheckOptions(root=root, today=TODAY))
    # A case is a valid landscape apart from the policies it exercises
    others = [
        f"{f.location} {f.rule} {f.message}"
        for f in result.findings
        if f.rule not in policies.POLICIES and f.rule != "codeowners"
    ]
    assert others == []
    return [f"{f.rule} {f.location}" for f in result.findings if f.rule in policies.POLICIES]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}-{c.name}" for c in CASES])
def test_policy_case(case: Path, base_landscape: Path, golden: Callable[[Path, str], None]) -> None:
    shutil.copytree(case / "files", base_landscape, dirs_exist_ok=True)
    found = _policy_findings(base_landscape)
    golden(case / "expected.txt", "".join(f"{line}\n" for line in found))
    policy_id = case.parent.name
    if case.name == "pass":
        assert found == []
    else:
        assert found, "a failing case must fail"
        assert {line.split()[0] for line in found} == {policy_id}


def test_every_policy_has_a_passing_and_a_failing_case() -> None:
    for policy_id in IDS:
        for side in ("pass", "fail"):
            assert (DATA / "policies" / policy_id / side / "files").is_dir(), (policy_id, side)


def test_registry_is_keyed_by_each_modules_own_id() -> None:
    for key, module in policies.POLICIES.items():
        assert key == module.ID
        assert module.LEVEL in (Level.ERROR, Level.WARNING)
        assert module.TITLE and module.__doc__ and module.PASSING and module.FAILING
        assert module.__name__.startswith(f"policies.{key.lower()}_")
    assert sorted(IDS) == IDS
    assert not set(IDS) & policies.RETIRED


def test_docs_page_is_generated_from_the_registry() -> None:
    committed = (REPO / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == policy_engine.render_docs(), (
        "docs/policies.md is stale: run `platform policies --markdown > docs/policies.md`"
    )


def test_policies_command_lists_ids_levels_and_titles(run: Callable[[list[str]], Run]) -> None:
    result = run(["policies"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(IDS)
    assert lines[0].split()[:2] == ["LND001", "error"]
    assert "LND012  warning  Development stacks stay small" in lines


def test_explain_prints_the_docs_and_both_examples(run: Callable[[list[str]], Run]) -> None:
    result = run(["policies", "explain", "lnd005"])
    assert result.exit_code == 0
    assert result.stdout.startswith("LND005 (error): No public ingress")
    assert "Passing example:" in result.stdout and "Failing example:" in result.stdout
    assert "public: true" in result.stdout


def test_explain_an_unknown_policy_suggests_the_closest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["policies", "explain", "LND05"])
    assert exit_info.value.code == 2
    assert "did you mean 'LND005'?" in capsys.readouterr().err


def test_explain_prints_a_built_in_rule_from_the_catalogue(
    run: Callable[[list[str]], Run],
) -> None:
    result = run(["policies", "explain", "yaml-anchor"])
    assert result.exit_code == 0
    assert result.stdout == (
        "yaml-anchor (error): a built-in rule\n\n"
        "Anchors, aliases and merge keys are not allowed (they hide values and enable "
        "alias bombs).\n\n"
        "Scope file: its findings depend on the file alone: its bytes, its YAML, its "
        "schema and its place in the layout.\n"
    )


@pytest.mark.parametrize("rule", catalogue.RULES, ids=lambda r: r.id)
def test_explain_knows_every_catalogued_rule(rule: BuiltinRule) -> None:
    text = explanation(rule.id.upper())
    assert text.startswith(f"{rule.id} ({rule.level}): a built-in rule\n\n{rule.doc}\n")


def test_explain_an_unknown_rule_suggests_the_closest_built_in_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["policies", "explain", "yaml-anchr"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown policy or rule 'yaml-anchr'" in err
    assert "did you mean 'yaml-anchor'?" in err
