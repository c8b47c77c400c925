"""Review routing: CODEOWNERS generated from the teams, kept fresh by `platform check`,
and `platform owners --for` with GitHub's last-match-wins semantics."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.checks import owners
from platform_cli.errors import PlatformError
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from tests.conftest import DATA, REPO, Run

TODAY = datetime.date(2026, 11, 27)


def test_generated_codeowners_matches_the_golden_file(
    repo_copy: Path, run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    (repo_copy / owners.PATH).unlink()
    result = run(["owners", "--root", str(repo_copy)])
    assert result.exit_code == 0
    assert result.stdout == f"wrote {owners.PATH} (29 rules)\n"
    text = (repo_copy / owners.PATH).read_text(encoding="utf-8")
    golden(DATA / "owners" / "CODEOWNERS", text)
    # The committed file is the generated one
    assert (REPO / owners.PATH).read_text(encoding="utf-8") == text
    again = run(["owners", "--root", str(repo_copy)])
    assert again.stdout == f"{owners.PATH} is up to date (29 rules)\n"


def test_check_reports_a_stale_codeowners_at_the_first_differing_line(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    team = repo_copy / "landscape/teams/iot.yaml"
    team.write_text(
        team.read_text().replace('["@dom-komfort/iot"]', '["@dom-komfort/iot", "@p-orlov"]')
    )
    result = run_check(CheckOptions(root=repo_copy, today=TODAY))
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            "codeowners",
            ".github/CODEOWNERS:29:1",
            ".github/CODEOWNERS is out of date with the teams and architects",
        )
    ]
    assert result.findings[0].hint == "run `platform owners` and commit .github/CODEOWNERS"
    assert run(["owners", "--root", str(repo_copy)]).stdout.startswith("wrote")
    assert run_check(CheckOptions(root=repo_copy, today=TODAY)).findings == []


def test_check_reports_a_missing_codeowners(repo_copy: Path) -> None:
    (repo_copy / owners.PATH).unlink()
    result = run_check(CheckOptions(root=repo_copy, today=TODAY))
    assert [(f.rule, f.location) for f in result.findings] == [("codeowners", owners.PATH)]


def test_a_team_file_with_errors_is_not_reported_twice(repo_copy: Path) -> None:
    team = repo_copy / "landscape/teams/iot.yaml"
    team.write_text(team.read_text().replace("owners:", "owner:"))
    result = run_check(CheckOptions(root=repo_copy, today=TODAY))
    assert "codeowners" not in {f.rule for f in result.findings}


def test_owners_for_paths(repo_copy: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(
        [
            "owners",
            "--root",
            str(repo_copy),
            "--for",
            "stacks/prod/call-center/crm-api.yaml",
            "stacks/dev/call-center/crm-db.yaml",
            "landscape/teams/iot.yaml",
            "landscape/systems/crm.yaml",
            "policies/waivers.yaml",
            "stacks/prod/stack.yaml",
        ]
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "stacks/prod/call-center/crm-api.yaml  @dom-komfort/call-center @i-petrova\n"
        "stacks/dev/call-center/crm-db.yaml    @dom-komfort/call-center @i-petrova\n"
        "landscape/teams/iot.yaml              @dom-komfort/iot @dom-komfort/architects\n"
        "landscape/systems/crm.yaml            @dom-komfort/architects\n"
        "policies/waivers.yaml                 @dom-komfort/architects\n"
        "stacks/prod/stack.yaml                @dom-komfort/architects\n"
    )


def test_owners_needs_the_architects(base_landscape: Path) -> None:
    with pytest.raises(PlatformError, match=r"without policies/config\.yaml"):
        owners.ownership(base_landscape)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*", "README.md", True),
        ("*", "stacks/prod/x.yaml", True),
        ("/stacks/*/iot/", "stacks/prod/iot/a.yaml", True),
        ("/stacks/*/iot/", "stacks/prod/iot/deep/a.yaml", True),
        ("/stacks/*/iot/", "stacks/prod/iot-two/a.yaml", False),
        ("/stacks/*/iot/", "stacks/iot/a.yaml", False),
        ("/policies/", "policies/waivers.yaml", True),
        ("/policies/", "other/policies/x", False),
        ("docs/", "a/docs/b.md", True),
        ("*.md", "a/b/c.md", True),
        ("/a/**/z.txt", "a/b/c/z.txt", True),
        ("/.github/CODEOWNERS", ".github/CODEOWNERS", True),
    ],
)
def test_pattern_semantics(pattern: str, path: str, matches: bool) -> None:
    assert owners.CodeownersEntry(pattern, ("@x",)).matches(path) is matches
