"""The Kubernetes side of a plan for one stack: when it is computed, and why not."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.plan import objects
from platform_cli.plan.objects import KubernetesStack, ObjectAction, kubernetes_stack
from platform_cli.plan.shards import Affected, Shard, settle
from platform_cli.render import Rendered
from platform_cli.sources.tree import SourceFile
from tests.test_risks import _files, bundled_landscape


def test_a_side_with_errors_is_not_rendered() -> None:
    landscape = bundled_landscape()
    assert kubernetes_stack("prod", landscape, landscape, 0, 2, {"billing"}) == KubernetesStack(
        "prod", unavailable="the head has 2 errors"
    )
    assert kubernetes_stack("prod", landscape, landscape, 1, 0, {"billing"}) == KubernetesStack(
        "prod", unavailable="the base has 1 error"
    )


def test_the_same_landscape_renders_no_change() -> None:
    landscape = bundled_landscape()
    same = kubernetes_stack("prod", landscape, landscape, 0, 0, {"billing"})
    # Nothing differs, so the shard is not affected (plan/shards.py: settle)
    assert same == KubernetesStack("prod", differing=frozenset())


def test_a_stack_only_at_head_is_all_creations() -> None:
    landscape = bundled_landscape()
    stack = kubernetes_stack("prod", Landscape(), landscape, 0, 0, {"billing"})
    assert stack.changes and {c.action for c in stack.changes} == {ObjectAction.CREATE}
    assert stack.count(ObjectAction.CREATE) == len(stack.changes)
    assert all(
        c.source == "landscape/teams/billing.yaml" or c.source.startswith("stacks/prod/billing/")
        for c in stack.changes
    )


def test_a_failed_rendering_names_its_first_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(landscape: Landscape, stack: str, teams: Collection[str]) -> Rendered:
        findings = [
            Finding("stacks/prod/a/x.yaml", 3, 1, "some-warning", Level.WARNING, "not this one"),
            Finding("stacks/prod/a/y.yaml", 4, 5, "render-name-clash", Level.ERROR, "first"),
            Finding("stacks/prod/a/z.yaml", 0, 0, "render-name-clash", Level.ERROR, "second"),
        ]
        return Rendered(stack, [], findings)

    monkeypatch.setattr(objects, "render_stack", failing)
    landscape = bundled_landscape()
    assert kubernetes_stack("prod", landscape, landscape, 0, 0, {"a"}).unavailable == (
        "rendering the base failed: stacks/prod/a/y.yaml:4:5: [render-name-clash] first "
        "(and 1 more)"
    )


def _edited(path: str, old: str, new: str) -> Landscape:
    files = dict(_files())
    files[path] = files[path].decode().replace(old, new).encode()
    return load([SourceFile(p, d) for p, d in files.items()]).landscape


def test_a_shard_whose_provider_moves_to_another_cluster_differs() -> None:
    """The kube context is the Pulumi configuration of every shard of the stack: no
    object changes, and still each shard must be applied."""
    old = bundled_landscape()
    new = _edited("stacks/prod/stack.yaml", "kubeContext: prod-msk", "kubeContext: prod-spb")
    stack = kubernetes_stack("prod", old, new, 0, 0, {"billing", "iot"})
    assert stack.changes == ()
    assert stack.differing == {"billing", "iot"}


def test_only_the_shards_that_render_differently_stay_affected() -> None:
    def candidate(team: str, *reasons: str) -> Affected:
        return Affected(Shard("prod", team), reasons)

    billing = candidate("billing", "stacks/prod/billing/billing-api.yaml")
    platform = candidate("platform", "stacks/prod/billing/billing-api.yaml")
    code = candidate("iot", "platform_cli/render/workload.py")
    unknown = Affected(Shard("dev", "iot"), ("policies/waivers.yaml",))
    affected, unaffected = settle(
        [billing, platform, code, unknown], {"prod": frozenset({"billing"}), "dev": None}
    )
    # billing renders differently; the toolkit's code can render anything; dev could
    # not be compared; platform renders the same
    assert affected == [billing, code, unknown]
    assert unaffected == [platform]
