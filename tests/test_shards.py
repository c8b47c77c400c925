"""The program under Pulumi's mocks for every sharded Pulumi stack of the bundled
landscape: each shard registers, and a stack's shards together register exactly the
unsharded render, each object once."""

from __future__ import annotations

from collections import Counter

import pytest

from platform_cli.apply.program import engine_view, logical_name, run_offline
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
        own = bundled().stacks[stack].namespaces(shard.team)
        for registration in resources:
            assert dict(registration.inputs) == engine_view(expected[registration.name])
            # The team's namespace and its VM namespace both belong to its shard
            assert registration.name.split("/")[1] in own
        seen.update(r.name for r in resources)
        vm_objects = [r for r in resources if r.name.split("/")[1] == own[1]]
        if vm_objects:
            assert f"Namespace/{own[1]}" in {r.name for r in resources}
            assert any(r.name.startswith("VirtualMachine/") for r in vm_objects)
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


def test_the_program_registers_the_objects_exactly_as_rendered() -> None:
    """No per-apply stamp on the objects: the same files give the same inputs, so an
    apply with no change is a no-op and a one-line change updates one object."""
    objects = rendered("dev").objects
    run = run_offline(rendered("dev"))
    registered = {r.name: r.inputs for r in run.registrations if r.name != "kubernetes"}
    for obj in objects:
        assert registered[logical_name(obj)] == engine_view(obj)
        assert "commit" not in str(registered[logical_name(obj)]["metadata"])
