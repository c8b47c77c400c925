"""Waivers: they silence exactly their targets, expire, are refused beyond a year,
and are reported when unused. The clock is pinned with `today`."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

from platform_cli.checks.waivers import one_year_after
from platform_cli.evaluate.pipeline import CheckOptions, CheckResult, run_check
from tests.conftest import Run

TODAY = datetime.date(2026, 11, 27)
WAIVERS = "policies/waivers.yaml"
API = "stacks/prod/resident-app/resident-app-api.yaml"


def _check(root: Path, today: datetime.date = TODAY) -> CheckResult:
    return run_check(CheckOptions(root=root, today=today))


def _rules(result: CheckResult) -> list[tuple[str, str, int]]:
    return [(f.rule, f.path, f.line) for f in result.findings]


def _edit(root: Path, rel: str, before: str, after: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after), encoding="utf-8")


def _add_waiver(root: Path, policy: str, stack: str, kind: str, name: str) -> None:
    with (root / WAIVERS).open("a", encoding="utf-8") as out:
        out.write(
            f"    - policy: {policy}\n"
            f"      target: {{stack: '{stack}', kind: '{kind}', name: '{name}'}}\n"
            "      reason: A test waiver that is long enough to pass the schema.\n"
            "      ticket: ARCH-1\n"
            '      approvedBy: "@a-volkov"\n'
            '      expires: "2027-01-31"\n'
        )


def test_a_valid_waiver_silences_its_finding_and_counts_it(repo_copy: Path) -> None:
    result = _check(repo_copy)
    assert result.findings == []
    assert [(w.finding.rule, w.finding.path, w.waiver.ticket) for w in result.waived] == [
        ("LND005", API, "ARCH-142")
    ]
    assert result.exit_code == 0


def test_the_last_day_still_counts_and_the_day_after_is_expired(repo_copy: Path) -> None:
    assert _check(repo_copy, datetime.date(2027, 5, 31)).findings == []
    result = _check(repo_copy, datetime.date(2027, 6, 1))
    assert _rules(result) == [("waiver-expired", WAIVERS, 26), ("LND005", API, 31)]
    assert result.findings[0].message == (
        "waiver of LND005 for prod/Service/resident-app-api (ARCH-142) expired on 2027-05-31"
    )
    assert result.waived == []
    assert result.exit_code == 1


def test_an_expiry_more_than_a_year_ahead_is_refused(repo_copy: Path) -> None:
    _edit(repo_copy, WAIVERS, '"2027-05-31"', '"2027-11-28"')
    result = _check(repo_copy)
    assert _rules(result) == [("waiver-refused", WAIVERS, 26), ("LND005", API, 31)]
    assert "more than a year ahead" in result.findings[0].message
    assert result.findings[0].hint.startswith("set an expiry on 2027-11-27 or earlier")
    _edit(repo_copy, WAIVERS, '"2027-11-28"', '"2027-11-27"')
    assert _check(repo_copy).findings == []


def test_a_waiver_without_expiry_fails_the_schema(repo_copy: Path) -> None:
    _edit(repo_copy, WAIVERS, '      expires: "2027-05-31"\n', "")
    result = _check(repo_copy)
    # The file is refused as a whole, so nothing is waived
    assert _rules(result) == [("schema", WAIVERS, 13), ("LND005", API, 31)]
    assert result.findings[0].message == "spec.waivers[0]: missing required field 'expires'"


def test_an_impossible_date_is_refused(repo_copy: Path) -> None:
    _edit(repo_copy, WAIVERS, '"2027-05-31"', '"2027-02-30"')
    assert _rules(_check(repo_copy))[0] == ("waiver-refused", WAIVERS, 26)


def test_a_waiver_that_matches_nothing_is_a_warning(repo_copy: Path) -> None:
    _add_waiver(repo_copy, "LND009", "prod", "Service", "tickets-api")
    result = _check(repo_copy)
    assert _rules(result) == [("waiver-unused", WAIVERS, 27)]
    assert result.findings[0].message == (
        "waiver of LND009 for prod/Service/tickets-api (ARCH-1) matches no finding"
    )
    assert result.exit_code == 0


def test_an_unknown_policy_is_an_error(repo_copy: Path) -> None:
    _add_waiver(repo_copy, "LND999", "prod", "Service", "tickets-api")
    assert _rules(_check(repo_copy)) == [("waiver-policy", WAIVERS, 27)]


def test_a_waiver_silences_only_its_policy_on_its_target(repo_copy: Path) -> None:
    # Another policy on the waived service is still reported
    _edit(repo_copy, API, "registry.dom-komfort.example/resident-app", "docker.io/resident-app")
    # The same policy on another service of the same system is still reported
    other = "stacks/prod/resident-app/resident-auth.yaml"
    _edit(repo_copy, other, "  ports:\n", "  ingress: {port: http, public: true}\n  ports:\n")
    result = _check(repo_copy)
    assert [(f.rule, f.path) for f in result.findings] == [
        ("LND009", API),
        ("LND005", other),
    ]
    assert [w.finding.path for w in result.waived] == [API]


def test_globs_widen_a_waiver_to_matching_targets_only(repo_copy: Path) -> None:
    other = "stacks/prod/resident-app/resident-auth.yaml"
    _edit(repo_copy, other, "  ports:\n", "  ingress: {port: http, public: true}\n  ports:\n")
    _edit(repo_copy, WAIVERS, "name: resident-app-api", "name: resident-*")
    result = _check(repo_copy)
    assert result.findings == []
    assert sorted(w.finding.path for w in result.waived) == [API, other]
    # The stack is part of the target: a dev waiver does not cover prod
    _edit(repo_copy, WAIVERS, "stack: prod", "stack: dev")
    result = _check(repo_copy)
    assert {f.rule for f in result.findings} == {"LND005", "waiver-unused"}


def test_json_reports_waived_findings_separately(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    result = run(["check", "--root", str(repo_copy), "--format", "json", "--today", "2026-11-27"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["findings"] == []
    assert document["summary"]["waived"] == 1
    (waived,) = document["waived"]
    assert (waived["rule"], waived["path"], waived["line"]) == ("LND005", API, 31)
    assert waived["waiver"]["ticket"] == "ARCH-142"
    assert waived["waiver"]["approvedBy"] == "@a-volkov"
    assert waived["waiver"]["expires"] == "2027-05-31"


def test_text_summary_counts_waived(repo_copy: Path, run: Callable[[list[str]], Run]) -> None:
    result = run(["check", "--root", str(repo_copy), "--today", "2026-11-27"])
    assert result.stdout == (
        "check passed: 0 errors, 0 warnings, 1 waived in 184 files (150 resources in 2 stacks)\n"
    )


def test_sarif_marks_waived_results_as_suppressed(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    result = run(["check", "--root", str(repo_copy), "--format", "sarif", "--today", "2026-11-27"])
    (entry,) = json.loads(result.stdout)["runs"][0]["results"]
    assert entry["ruleId"] == "LND005"
    assert entry["suppressions"][0]["kind"] == "external"
    assert "ARCH-142" in entry["suppressions"][0]["justification"]


def test_one_year_after_handles_leap_days() -> None:
    assert one_year_after(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)
    assert one_year_after(datetime.date(2026, 11, 27)) == datetime.date(2027, 11, 27)
