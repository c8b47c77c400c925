"""The Pulumi program under Pulumi's mocks, for both bundled stacks, and the
offline preview as a user runs it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply.program import (
    PATCH_FORCE,
    WAIT_FOR,
    WORKLOAD_KINDS,
    OfflineRun,
    Target,
    engine_view,
    is_protected,
    logical_name,
    outputs,
    run_offline,
)
from platform_cli.load.model import Database, Server
from platform_cli.render import select_team
from platform_cli.render.meta import SOURCE_ANNOTATION
from tests.conftest import DATA, REPO, Run
from tests.render_support import STACKS, bundled, rendered

PROVIDER_TYPE = "pulumi:providers:kubernetes"


@functools.cache
def offline(stack: str) -> OfflineRun:
    return run_offline(rendered(stack))


def _type_token(api_version: str, kind: str) -> str:
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


@pytest.mark.parametrize("stack", STACKS)
def test_registered_resources_are_the_rendered_objects(stack: str) -> None:
    run = offline(stack)
    registered = {(r.type, r.name) for r in run.registrations if r.type != PROVIDER_TYPE}
    expected = {
        (_type_token(o["apiVersion"], o["kind"]), logical_name(o)) for o in rendered(stack).objects
    }
    assert registered == expected
    assert len(run.registrations) == len(rendered(stack).objects) + 1
    by_name = {r.name: r for r in run.registrations}
    for obj in rendered(stack).objects:
        assert dict(by_name[logical_name(obj)].inputs) == engine_view(obj), logical_name(obj)


@pytest.mark.parametrize("stack", STACKS)
def test_protect_follows_deletion_protection(stack: str) -> None:
    """Every object of a protected database or server, and nothing else."""
    landscape = bundled()
    sources = {
        r.path
        for r in landscape.in_stack(stack).values()
        if isinstance(r, Database | Server) and r.deletion_protection
    }
    expected = {
        logical_name(o)
        for o in rendered(stack).objects
        if o["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION) in sources
    }
    protected = {r.name for r in offline(stack).registrations if r.protect}
    assert protected == expected
    kinds = {name.split("/")[0] for name in protected}
    assert stack == "dev" or {"Cluster", "ScheduledBackup", "VirtualMachine"} <= kinds


@pytest.mark.parametrize("stack", STACKS)
def test_one_explicit_provider_on_the_stack_context(stack: str) -> None:
    run = offline(stack)
    providers = [r for r in run.registrations if r.type == PROVIDER_TYPE]
    assert len(providers) == 1
    assert providers[0].inputs["context"] == bundled().stacks[stack].spec["cluster"]["kubeContext"]
    reference = {r.provider for r in run.registrations if r.type != PROVIDER_TYPE}
    assert len(reference) == 1
    assert reference.pop().split("::")[-2:] == ["kubernetes", "kubernetes-id"]


@pytest.mark.parametrize("stack", STACKS)
def test_namespaced_objects_depend_on_their_namespace_and_workloads_on_its_guards(
    stack: str,
) -> None:
    """Admission must see the quota and the limits before the first workload."""
    by_name = {r.name: r for r in offline(stack).registrations}
    for obj in rendered(stack).objects:
        registration = by_name[logical_name(obj)]
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] == "Namespace":
            assert registration.dependencies == ()
        elif obj["kind"] in WORKLOAD_KINDS:
            assert registration.dependencies == (
                f"LimitRange/{namespace}/team-limits",
                f"Namespace/{namespace}",
                f"ResourceQuota/{namespace}/team-quota",
            )
        else:
            assert registration.dependencies == (f"Namespace/{namespace}",)


def test_the_engine_forces_our_fields_waits_for_quotas_and_nothing_else_is_added() -> None:
    for obj in rendered("prod").objects:
        view = engine_view(obj)
        annotations = view["metadata"]["annotations"]
        assert annotations.pop(PATCH_FORCE) == "true"
        if obj["kind"] == "ResourceQuota":
            assert annotations.pop(WAIT_FOR) == "jsonpath={.status.used}"
        assert view == obj


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_holding_data_are_retained_on_delete(stack: str) -> None:
    holding = {
        o["metadata"]["namespace"]
        for o in rendered(stack).objects
        if o["kind"] in ("Cluster", "VirtualMachine")
    }
    retained = {r.name for r in offline(stack).registrations if r.retain_on_delete}
    assert retained == {f"Namespace/{n}" for n in holding}


def test_stack_outputs() -> None:
    result = offline("prod").outputs
    assert result == outputs(rendered("prod").objects)
    assert "prod-call-center" in result["namespaces"]
    assert result["serviceUrls"]["prod-call-center/crm-web"].startswith("https://")
    assert (
        result["serviceUrls"]["prod-call-center/crm-api"]
        == "http://crm-api.prod-call-center.svc.cluster.local:8080"
    )
    assert result["databaseSecrets"]["prod-call-center/crm-db"] == "crm-db-app"
    assert "prod-call-center-vms/pbx-1" in result["virtualMachines"]
    assert {"prod-call-center", "prod-call-center-vms"} <= set(result["namespaces"])


def test_stack_names_select_a_stack_and_optionally_a_team() -> None:
    assert Target.parse("prod") == Target("prod")
    assert Target.parse("dom-komfort/prod") == Target("prod")
    assert Target.parse("prod.billing") == Target("prod", "billing")
    objects = select_team(rendered("prod").objects, "billing")
    assert {o["metadata"].get("namespace", o["metadata"]["name"]) for o in objects} == {
        "prod-billing"
    }
    assert select_team(rendered("prod").objects, None) == rendered("prod").objects


def test_protection_is_read_from_the_rendered_annotation() -> None:
    cluster = next(o for o in rendered("prod").objects if o["kind"] == "Cluster")
    assert is_protected(cluster) is True
    namespace = rendered("prod").objects[0]
    assert is_protected(namespace) is False


def test_offline_preview_of_prod(
    run: Callable[[list[str]], Run], golden: Callable[[Path, str], None]
) -> None:
    result = run(["preview", "--offline", "--stack", "prod", "--root", str(REPO)])
    assert result.exit_code == 0
    assert "kubernetes:postgresql.cnpg.io/v1:Cluster" in result.stdout
    golden(DATA / "render" / "preview-prod.txt", result.stdout)


def test_offline_preview_of_one_team_is_the_team_shard(run: Callable[[list[str]], Run]) -> None:
    result = run(["preview", "--offline", "--stack", "dev.billing", "--root", str(REPO)])
    assert result.exit_code == 0
    assert "Namespace/dev-billing" in result.stdout
    assert "dev-analytics" not in result.stdout
