"""The program under Pulumi's mocks for every sharded Pulumi stack of the bundled
landscape: each shard registers, and a stack's shards together register exactly the
unsharded render, each object once."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from platform_cli.apply.program import COMMIT_ANNOTATION, logical_name, run_offline, with_commit
from platform_cli.plan.shards import Shard, shards
from tests.render_support import STACKS, bundled, rendered

PROVIDER_TYPE = "pulumi:providers:kubernetes"


def _shards_of(stack: str) -> list[Shard]:
    return [s for s in shards(bundled()) if s.stack == stack]


@pytest.mark.parametrize("stack", STACKS)
def test_the_shards_of_a_stack_register_the_unsharded_render_once(stack: str) -> None:
    whole = rendered(stack)
    expected = {logical_name(o): o for o in whole.objects}
    seen: Counter[str] = Counter()
    for shard in _shards_of(stack):
        run = run_offline(whole, shard.team)
        resources = [r for r in run.registrations if r.type != PROVIDER_TYPE]
        assert resources, f"{shard.name} registers nothing"
        assert len(run.registrations) - len(resources) == 1, "one provider per shard"
        for registration in resources:
            assert dict(registration.inputs) == expected[registration.name]
            assert registration.name.split("/")[1] == f"{stack}-{shard.team}" or (
                registration.name == f"Namespace/{stack}-{shard.team}"
            )
        seen.update(r.name for r in resources)
    assert set(seen) == set(expected)
    assert [name for name, count in seen.items() if count > 1] == []


def test_every_shard_has_a_namespace() -> None:
    names = {s.name for s in shards(bundled())}
    assert len(names) > 2
    for stack in STACKS:
        namespaces = {
            o["metadata"]["name"] for o in rendered(stack).objects if o["kind"] == "Namespace"
        }
        assert {f"{stack}-{s.team}" for s in _shards_of(stack)} <= namespaces


def test_the_commit_annotation_is_added_by_the_program_not_the_renderer() -> None:
    objects = rendered("dev").objects
    before = copy.deepcopy(objects)
    annotated = with_commit(objects, "a" * 40)
    assert objects == before
    assert all(o["metadata"]["annotations"][COMMIT_ANNOTATION] == "a" * 40 for o in annotated)
    assert all(COMMIT_ANNOTATION not in o["metadata"].get("annotations", {}) for o in objects)
    for old, new in zip(objects, annotated, strict=True):
        new_annotations = dict(new["metadata"]["annotations"])
        del new_annotations[COMMIT_ANNOTATION]
        assert new_annotations == old["metadata"].get("annotations", {})
