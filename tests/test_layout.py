"""The repository layout: one module says what a path means, for every reader of paths."""

from __future__ import annotations

import pytest

from platform_cli.sources.layout import (
    RESOURCE_KINDS,
    Place,
    file_stem,
    is_landscape_file,
    place_of,
    resource_path,
    stack_of,
    team_folder,
)


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ("landscape/teams/billing.yaml", Place(("Team",))),
        ("landscape/systems/crm.yml", Place(("System",))),
        ("stacks/prod/stack.yaml", Place(("Stack",), stack="prod")),
        ("stacks/prod/billing/api.yaml", Place(RESOURCE_KINDS, stack="prod", team="billing")),
        ("stacks/prod/billing/db/main.yaml", Place(RESOURCE_KINDS, stack="prod", team="billing")),
        ("policies/waivers.yaml", Place(("Waivers",))),
        ("policies/other.yaml", None),
        ("landscape/teams/nested/x.yaml", None),
        ("stacks/prod/billing/api.json", None),
        ("stacks/Pulumi.prod.yaml", None),
        ("README.md", None),
    ],
)
def test_place_of(path: str, place: Place | None) -> None:
    assert place_of(path) == place


@pytest.mark.parametrize(
    ("path", "stack", "team"),
    [
        ("stacks/prod/billing/api.yaml", "prod", "billing"),
        ("stacks/dev", "dev", ""),
        ("stacks/dev/stack.yaml", "dev", ""),
        ("stacks/Pulumi.dev.yaml", "", ""),
        ("landscape/teams/billing.yaml", "", ""),
    ],
)
def test_stack_and_team_of_a_path(path: str, stack: str, team: str) -> None:
    assert stack_of(path) == stack
    assert team_folder(path) == team


def test_pulumi_settings_are_not_landscape_files() -> None:
    assert not is_landscape_file("stacks/Pulumi.prod.yaml")
    assert is_landscape_file("stacks/prod/stack.yaml")
    assert not is_landscape_file("stacks/prod/notes.txt")


def test_names_and_paths_round_trip() -> None:
    path = resource_path("prod", "billing", "billing-api")
    assert path == "stacks/prod/billing/billing-api.yaml"
    assert file_stem(path) == "billing-api"
    assert place_of(path) == Place(RESOURCE_KINDS, stack="prod", team="billing")
