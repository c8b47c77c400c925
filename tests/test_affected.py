"""Affected shards: every shard whose rendered objects change is in the list."""

from __future__ import annotations

import datetime

import pytest

from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.load.model import Landscape
from platform_cli.plan.shards import Shard, affected_shards, shards
from platform_cli.render import render_stack, select_team
from platform_cli.sources.tree import SourceFile, read_tree
from tests.conftest import REPO

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture(scope="module")
def base_files() -> list[SourceFile]:
    files, _ = read_tree(REPO)
    return files


def _landscape(files: list[SourceFile]) -> Landscape:
    evaluation = evaluate_files(files, TODAY)
    errors = [f for f in evaluation.findings if f.level.value == "error"]
    assert errors == [], errors[:3]
    return evaluation.loaded.landscape


def _rendered_by_shard(landscape: Landscape) -> dict[Shard, list[object]]:
    out: dict[Shard, list[object]] = {}
    for stack in landscape.stacks:
        objects = render_stack(landscape, stack).objects
        for shard in shards(landscape):
            if shard.stack == stack:
                out[shard] = select_team(objects, shard.team)
    return out


def _replace(files: list[SourceFile], path: str, old: str, new: str) -> list[SourceFile]:
    out = []
    for f in files:
        if f.path == path:
            text = f.data.decode()
            assert old in text, (path, old)
            f = SourceFile(path, text.replace(old, new, 1).encode())
        out.append(f)
    return out


def _changed_shards(base: Landscape, head: Landscape) -> set[Shard]:
    before, after = _rendered_by_shard(base), _rendered_by_shard(head)
    return {s for s in set(before) | set(after) if before.get(s) != after.get(s)}


MUTATIONS = [
    # (file, old, new): each changes what some shard renders
    ("stacks/prod/billing/billing-db.yaml", 'size: "500Gi"', 'size: "600Gi"'),
    ("stacks/prod/call-center/crm-api.yaml", "    - service: keycloak\n", ""),
    ("stacks/prod/call-center/crm-api.yaml", "dependsOn:\n", "dependsOn:\n    - service: payments-api\n"),
    ("stacks/prod/call-center/pbx-1.yaml", "cpu: 8", "cpu: 6"),
    ("stacks/dev/iot/lift-telemetry-api.yaml", "LOG_LEVEL", "LOG_LEVEL_X"),
    ("stacks/prod/stack.yaml", "apps.dom-komfort.example", "apps2.dom-komfort.example"),
    ("landscape/teams/billing.yaml", "  quotas:\n    prod:\n      cpu: \"", "  quotas:\n    prod:\n      cpu: \"1"),
]  # fmt: skip


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{m[0]}:{m[1][:12]}" for m in MUTATIONS])
def test_every_shard_whose_objects_change_is_affected(
    mutation: tuple[str, str, str], base_files: list[SourceFile]
) -> None:
    path, old, new = mutation
    if path.endswith("crm-api.yaml") and "payments-api" in new:
        # a new cross-system dependency needs its integration declared too
        base_files = _replace(
            base_files,
            "landscape/systems/crm.yaml",
            "integratesWith:\n",
            "integratesWith:\n    - payments\n",
        )
    base = _landscape(base_files)
    head = _landscape(_replace(base_files, path, old, new))
    changed = _changed_shards(base, head)
    assert changed, "the mutation must change something"
    affected = {a.shard for a in affected_shards(base, head, [path])}
    assert changed <= affected


def test_one_team_file_affects_only_that_team_and_its_providers(
    base_files: list[SourceFile],
) -> None:
    path = "stacks/prod/call-center/crm-api.yaml"
    base = _landscape(base_files)
    head = _landscape(_replace(base_files, path, "LOG_LEVEL", "LOG_LEVEL_X"))
    affected = [a.shard.name for a in affected_shards(base, head, [path])]
    assert affected == sorted(
        [
            "prod.call-center",
            "prod.master-data",
            "prod.service-desk",
            "prod.billing",
            "prod.platform",
        ]
    )


def test_global_and_inert_paths(base_files: list[SourceFile]) -> None:
    land = _landscape(base_files)
    everything = [s.name for s in shards(land)]
    assert [
        a.shard.name for a in affected_shards(land, land, ["platform_cli/cli/main.py"])
    ] == everything
    assert [
        a.shard.name for a in affected_shards(land, land, ["policies/lnd001_team_owners.py"])
    ] == everything
    assert affected_shards(land, land, ["policies/prices.yaml", "docs/model.md", "README.md"]) == []
    prod = [a.shard.name for a in affected_shards(land, land, ["stacks/prod/stack.yaml"])]
    assert prod and all(name.startswith("prod.") for name in prod)
    team = [a.shard.name for a in affected_shards(land, land, ["landscape/teams/iot.yaml"])]
    assert team == ["dev.iot", "prod.iot"]
