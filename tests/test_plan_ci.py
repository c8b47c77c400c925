"""`platform ci pr`: one evaluation of a pull request gives what the separate commands
print (annotations, SARIF, plan, matrix, offline previews), on a real git repository;
and the plan's object changes are what the engine is given to change."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply.program import run_offline
from platform_cli.plan.objects import ObjectAction
from platform_cli.plan.run import PlanOptions, run_plan
from platform_cli.render import Rendered, render_stack
from tests.conftest import Run
from tests.test_plan import CASES, TODAY, apply_change, copy_repository, git


def _branch(root: Path, name: str, case: str | None = None) -> None:
    git(root, "switch", "-q", "-c", name, "main")
    if case is not None:
        apply_change(root, CASES / case)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", name)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_repository(tmp_path_factory.mktemp("ci") / "repo")
    _branch(root, "comment-only", "comment-only")
    git(root, "switch", "-q", "main")
    _branch(root, "broken")
    (root / "stacks/prod/billing/payments-db.yaml").unlink()
    git(root, "commit", "-q", "-am", "broken")
    git(root, "switch", "-q", "main")
    # The checked-out branch: call-center's crm-web starts to call tickets-api
    _branch(root, "feature", "access-other-team-service")
    return root


def _ci(run: Callable[[list[str]], Run], root: Path, out: Path, head: str = "HEAD") -> Run:
    return run(
        [
            "ci", "pr", "--root", str(root), "--base", "main", "--head", head,
            "--today", TODAY, "--annotations", "-",
            "--sarif", str(out / "check.sarif"),
            "--plan-markdown", str(out / "plan.md"),
            "--plan-json", str(out / "plan.json"),
            "--plan-text", str(out / "plan.txt"),
            "--matrix", str(out / "matrix.json"),
            "--previews", str(out / "previews"),
        ]
    )  # fmt: skip


def test_one_evaluation_writes_what_the_separate_commands_print(
    repo: Path, run: Callable[[list[str]], Run], tmp_path: Path
) -> None:
    result = _ci(run, repo, tmp_path)
    assert result.exit_code == 0, result.stderr
    root = ["--root", str(repo)]
    check = ["check", *root, "--today", TODAY]
    assert result.stdout == run([*check, "--format", "github"]).stdout
    assert (tmp_path / "check.sarif").read_text() == run([*check, "--format", "sarif"]).stdout
    plan = ["plan", *root, "--base", "main", "--head", "HEAD", "--today", TODAY]
    for fmt, name in (("markdown", "plan.md"), ("json", "plan.json"), ("text", "plan.txt")):
        assert (tmp_path / name).read_text() == run([*plan, "--format", fmt]).stdout, fmt
    # Rendered-different: only service-desk's NetworkPolicy changes. The separate
    # `stacks --affected` still lists every candidate the changed paths pull in
    matrix = json.loads((tmp_path / "matrix.json").read_text())
    assert [e["stack"] for e in matrix["include"]] == ["prod.service-desk"]
    assert matrix["include"][0]["environment"] == "prod"
    listed = run(["stacks", *root, "--affected", "--base", "main", "--format", "json"]).stdout
    assert {"prod.service-desk"} < {e["stack"] for e in json.loads(listed)["include"]}
    (preview,) = sorted((tmp_path / "previews").iterdir())
    assert preview.name == "prod.service-desk.txt"
    alone = run(["preview", "--offline", *root, "--stack", "prod.service-desk"]).stdout
    assert preview.read_text() == alone
    assert "1 offline previews written" in result.stderr
    assert "1 of 22 Pulumi stacks affected" in result.stderr


def test_a_check_only_change_previews_and_applies_nothing(
    repo: Path, run: Callable[[list[str]], Run], tmp_path: Path
) -> None:
    result = _ci(run, repo, tmp_path, head="comment-only")
    assert result.exit_code == 0
    assert json.loads((tmp_path / "matrix.json").read_text()) == {"include": []}
    assert list((tmp_path / "previews").iterdir()) == []
    assert "a check-only change" in (tmp_path / "plan.md").read_text()


def test_a_head_with_errors_exits_1_after_writing_everything(
    repo: Path, run: Callable[[list[str]], Run], tmp_path: Path
) -> None:
    result = _ci(run, repo, tmp_path, head="broken")
    assert result.exit_code == 1
    assert "::error file=stacks/prod/billing/payments-api.yaml" in result.stdout
    sarif = json.loads((tmp_path / "check.sarif").read_text())
    assert any(r["level"] == "error" for r in sarif["runs"][0]["results"])
    assert "Plan failed" in (tmp_path / "plan.md").read_text()
    # The objects of a head with errors are a guess: nothing is previewed, and it says why
    assert list((tmp_path / "previews").iterdir()) == []
    assert "no offline preview of prod.billing: the head has" in result.stderr


def test_the_plans_object_changes_are_what_the_engine_is_given_to_change(
    repo: Path,
) -> None:
    """The commit is a stack tag, not an annotation on every object: the inputs the
    program registers differ between base and head for exactly the objects the plan
    lists, so the plan's count is the engine's."""
    plan = run_plan(PlanOptions(repo, "main", "feature", datetime.date.fromisoformat(TODAY)))
    (stack,) = plan.kubernetes
    planned = {f"{c.kind}/{c.namespace}/{c.name}" for c in stack.changes}
    assert [c.action for c in stack.changes] == [ObjectAction.UPDATE]
    registered = []
    for landscape in (plan.base_landscape, plan.head_landscape):
        rendered = render_stack(landscape, "prod")
        run = run_offline(Rendered("prod", rendered.objects, [], rendered.kube_context))
        registered.append({r.name: dict(r.inputs) for r in run.registrations})
    base, head = registered
    differ = {
        name
        for name in base.keys() | head.keys()
        if name != "kubernetes" and base.get(name) != head.get(name)
    }
    assert differ == planned == {"NetworkPolicy/prod-service-desk/tickets-api"}
    assert all("commit" not in str(inputs.get("metadata")) for inputs in head.values())
