"""Mutation tests: each policy fires on the bundled landscape when one plausible
mistake is made, and only that policy (with the side effects named per case)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import policies
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from tests.conftest import REPO

TODAY = datetime.date(2026, 11, 27)

# policy ID, file, text before, text after, other rules the change also triggers
MUTATIONS = [
    (
        "LND001",
        "landscape/teams/iot.yaml",
        'owners: ["@dom-komfort/iot"]',
        'owners: ["@p-orlov"]',
        {"codeowners"},
    ),
    (
        "LND002",
        "stacks/prod/resident-app/resident-app-api.yaml",
        "- database: resident-app-db",
        "- database: tickets-db",
        set(),
    ),
    (
        "LND003",
        "landscape/systems/resident-app.yaml",
        "dataClasses: [personal]",
        "dataClasses: [personal, resident-registry]",
        set(),
    ),
    (
        "LND004",
        "stacks/prod/resident-app/resident-app-db.yaml",
        "retentionDays: 30",
        "retentionDays: 7",
        set(),
    ),
    (
        "LND005",
        "policies/waivers.yaml",
        "name: resident-app-api",
        "name: resident-app-web",
        {"waiver-unused"},
    ),
    (
        "LND006",
        "stacks/prod/service-desk/tickets-api.yaml",
        "minReplicas: 3",
        "minReplicas: 1",
        set(),
    ),
    ("LND007", "landscape/teams/resident-app.yaml", 'cpu: "113"', 'cpu: "8"', set()),
    ("LND008", "stacks/prod/analytics/analytics-jump-1.yaml", "cpu: 8", "cpu: 32", {"LND007"}),
    (
        "LND009",
        "stacks/prod/service-desk/tickets-api.yaml",
        # a moving tag, and no digest: what runs is not what was reviewed
        "tickets-api:5.21.0@sha256:ecadae7c8cd6fe63b3c9859f60b8c0e12e2e390922873f6e5c3b0e947b8bb8ad",
        "tickets-api:latest",
        set(),
    ),
    (
        "LND010",
        "stacks/prod/service-desk/tickets-api.yaml",
        'LOG_LEVEL: "info"',
        'LOG_LEVEL: "info"\n    SMS_API_KEY: "s3cr3t-Value"',
        set(),
    ),
    (
        "LND011",
        "stacks/prod/resident-app/resident-app-db.yaml",
        "deletionProtection: true",
        "deletionProtection: false",
        set(),
    ),
    (
        "LND012",
        "stacks/dev/service-desk/tickets-db.yaml",
        'size: "20Gi"',
        'size: "40Gi"',
        {"LND007", "limit-range"},
    ),
]


def test_bundled_repository_is_clean_with_its_waiver() -> None:
    result = run_check(CheckOptions(root=REPO, strict=True, today=TODAY))
    assert [f"{f.location} {f.rule}" for f in result.findings] == []
    assert [(w.finding.rule, w.finding.path) for w in result.waived] == [
        ("LND005", "stacks/prod/resident-app/resident-app-api.yaml")
    ]


def test_every_policy_has_a_mutation() -> None:
    assert [m[0] for m in MUTATIONS] == list(policies.POLICIES)


@pytest.mark.parametrize(
    ("policy_id", "rel", "before", "after", "also"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_policy_fires_on_a_mutated_bundled_landscape(
    repo_copy: Path, policy_id: str, rel: str, before: str, after: str, also: set[str]
) -> None:
    path = repo_copy / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(before) == 1, f"{before!r} not found once in {rel}"
    path.write_text(text.replace(before, after), encoding="utf-8")
    result = run_check(CheckOptions(root=repo_copy, today=TODAY))
    fired = [f for f in result.findings if f.rule == policy_id]
    assert fired, f"{policy_id} did not fire"
    assert {f.rule for f in result.findings} == {policy_id} | also
