"""The one catalogue of built-in rules holds every rule a finding can name.

Two nets. The source, read with `ast`: every `BuiltinRule(...)` declared anywhere is in
the catalogue, and no finding is made with a rule ID written as a string. And every
data case, run for real: each finding of the check cases, the policy cases, the schema
examples and the bundled landscape (rendered too) names a catalogued rule or a policy.
"""

from __future__ import annotations

import ast
import datetime
import importlib
import shutil
from pathlib import Path

import pytest

import policies
from platform_cli.checks import catalogue
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load import schema
from platform_cli.load.reader import parse
from platform_cli.render import render_stack
from tests.conftest import DATA, REPO
from tests.test_architecture import module_name, sources
from tests.test_check_cases import lay_out

TODAY = datetime.date(2026, 11, 27)
KNOWN = set(catalogue.BY_ID) | set(policies.POLICIES)


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def rule_problems(source: str, where: str) -> list[str]:
    """Every rule ID in `source` that the catalogue does not vouch for: a `BuiltinRule`
    whose ID is not a string literal or is not catalogued, and a `Finding` made with a
    rule written as a string (built-in findings come from `RULE.finding(...)`)."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node)
        if name == "BuiltinRule":
            rule_id = _literal(node.args[0] if node.args else None)
            if rule_id is None or rule_id not in catalogue.BY_ID:
                problems.append(f"{where}:{node.lineno}: BuiltinRule {rule_id!r} is not catalogued")
        elif name == "Finding":
            keyword = next((k.value for k in node.keywords if k.arg == "rule"), None)
            rule = node.args[3] if len(node.args) > 3 else keyword
            rule_id = _literal(rule)
            if rule_id is not None:
                problems.append(f"{where}:{node.lineno}: Finding with the bare rule {rule_id!r}")
    return problems


def test_the_catalogue_has_each_rule_once_with_a_stable_looking_id() -> None:
    ids = [rule.id for rule in catalogue.RULES]
    assert len(ids) == len(set(ids))
    assert len({id(rule) for rule in catalogue.RULES}) == len(ids)
    for rule in catalogue.RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id, rule.id
        assert rule.doc.endswith(".") and not rule.doc.startswith("("), rule.id
        assert isinstance(rule.level, Level) and isinstance(rule.scope, RuleScope)
    assert not set(ids) & set(policies.POLICIES)


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_rule_in_the_source_is_catalogued(path: Path) -> None:
    assert rule_problems(path.read_text(encoding="utf-8"), str(path.relative_to(REPO))) == []


def test_every_declared_rule_object_is_the_catalogued_one() -> None:
    """Each module constant that is a `BuiltinRule` is the very object in the catalogue,
    so that no second declaration of an ID can drift from the first."""
    declared = []
    for path in sources():
        if "BuiltinRule(" in path.read_text(encoding="utf-8"):
            module = importlib.import_module(module_name(path))
            declared += [v for v in vars(module).values() if isinstance(v, BuiltinRule)]
    assert declared
    assert {id(rule) for rule in declared} == {id(rule) for rule in catalogue.RULES}


def test_the_source_check_sees_an_uncatalogued_rule() -> None:
    """The check itself can fail: a new rule nobody listed, a rule ID made up on the
    spot, and a finding with a bare rule ID."""
    probe = (
        'SHINY = BuiltinRule("shiny-new", Level.ERROR, RuleScope.FILE, "New.")\n'
        "ODD = BuiltinRule(make_id(), Level.ERROR, RuleScope.FILE, 'Odd.')\n"
        'OLD = BuiltinRule("schema", Level.ERROR, RuleScope.FILE, "Fine.")\n'
        'f = Finding("a.yaml", 1, 1, "ref-nothing", Level.ERROR, "m")\n'
        'g = Finding("a.yaml", 1, 1, rule="schema", level=Level.ERROR, message="m")\n'
        "h = Finding(path, 1, 1, policy.id, policy.level, message)\n"
    )
    assert rule_problems(probe, "probe.py") == [
        "probe.py:1: BuiltinRule 'shiny-new' is not catalogued",
        "probe.py:2: BuiltinRule None is not catalogued",
        "probe.py:4: Finding with the bare rule 'ref-nothing'",
        "probe.py:5: Finding with the bare rule 'schema'",
    ]


def _findings_of(root: Path) -> list[Finding]:
    """Every finding of `platform check` at `root`, and of rendering each of its stacks
    when the check found no error."""
    result = run_check(CheckOptions(root=root, today=TODAY))
    found = list(result.findings) + [w.finding for w in result.waived]
    if not result.failed:
        for stack in sorted(result.landscape.stacks):
            found += render_stack(result.landscape, stack).findings
    return found


def _landscapes(tmp_path: Path) -> list[Path]:
    roots = [REPO]
    cases = [c for c in sorted((DATA / "check").iterdir()) if not c.name.startswith("_")]
    cases += sorted(p for p in (DATA / "policies").glob("*/*") if p.is_dir())
    for index, case in enumerate(cases):
        root = tmp_path / str(index)
        shutil.copytree(DATA / "check" / "_base", root)
        lay_out(case, root)
        roots.append(root)
    return roots


def test_every_finding_of_every_data_case_names_a_known_rule(tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    for root in _landscapes(tmp_path):
        for finding in _findings_of(root):
            seen.setdefault(finding.rule, f"{root.name}: {finding.location}")
    for path in sorted((DATA / "schemas").glob("*/*/*.yaml")):
        result = parse(path.name, path.read_bytes())
        found = list(result.findings)
        if result.ok and result.document is not None:
            found += schema.validate(result.document.data["kind"], result.document)
        for finding in found:
            seen.setdefault(finding.rule, str(path.relative_to(DATA)))
    unknown = {rule: where for rule, where in seen.items() if rule not in KNOWN}
    assert unknown == {}
    # The run reaches rules of every stage: loading, integrity, policies, CODEOWNERS
    assert {"yaml-anchor", "schema", "layout", "ref-team", "LND007", "codeowners"} <= set(seen)
