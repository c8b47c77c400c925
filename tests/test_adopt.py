"""Objects made by hand: `platform up` refuses a shard whose new objects exist in the
cluster already, naming each, unless `--adopt` lets the stack take them over (recorded
on the stack). Through the Automation API against the stand-in `pulumi` and the
stand-in `kubectl` (tests/data/apply/), on a real git repository with two shards; the
real engine and cluster do the same in tests/e2e/test_faults.py."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply import automation, operations, program
from platform_cli.plan.shards import Shard
from platform_cli.sources import kubectl
from tests.conftest import REPO
from tests.test_apply_runs import OTHER, STACK, _ups, billing_repo
from tests.test_automation import Pulumi, Result, platform, pulumi  # noqa: F401

NAMESPACE = "prod-service-desk"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return billing_repo(tmp_path)


def _tags_set(pulumi: Pulumi) -> dict[str, str]:  # noqa: F811
    found = {}
    for call in pulumi.calls():
        args = [a for a in call["args"] if a != "--non-interactive"]
        if call["command"] == "stack tag" and args[2] == "set":
            found[args[3]] = args[4]
    return found


def _export(root: Path, shard: Shard, *, but: str = "") -> dict[str, str]:
    """A `stack export` reply whose state holds every object of `shard` (but one)."""
    objects = operations.judge(root).objects[shard]
    urn = f"urn:pulumi:{shard.name}::platform::"
    resources = [
        {"urn": f"{urn}kubernetes:x:{o['kind']}::{program.logical_name(o)}"}
        for o in objects
        if program.logical_name(o) != but
    ]
    return {"stdout": json.dumps({"version": 3, "deployment": {"resources": resources}})}


def test_an_object_made_by_hand_refuses_its_shard_naming_it_and_the_others_apply(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    tmp_path: Path,
) -> None:
    pulumi.cluster_has(
        **{"": [f"namespace/{NAMESPACE}"], NAMESPACE: ["service/tickets-api", "configmap/x"]}
    )
    out = tmp_path / "results.json"
    result = platform("up", "--root", str(repo), "--all", "--results", str(out))
    assert result.exit_code == 1, result.stderr
    assert _ups(pulumi) == [OTHER]  # the refused shard never reached the engine
    assert (
        f"platform: error: refusing to apply Pulumi stack {STACK}: 2 objects it would create "
        f"exist in the cluster already, made by hand or by another tool: "
        f"Namespace {NAMESPACE}, Service {NAMESPACE}/tickets-api\n"
    ) in result.stderr
    assert f"`platform up --stack {STACK} --adopt`" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.endswith("2 Pulumi stacks: 1 applied, 1 failed\n")
    shards = {s["shard"]: s for s in json.loads(out.read_text())["shards"]}
    assert shards[STACK]["status"] == "failed" and "--adopt" in shards[STACK]["hint"]
    # one `kubectl get` per namespace, on the stack's kube context, read-only
    calls = pulumi.kubectl_calls()
    assert len(calls) == 2 * 2  # two shards, each a namespace and the cluster scope
    assert all(c[:3] == ["--context", "prod-msk", "get"] for c in calls), calls
    assert all(c[-3:] == ["--ignore-not-found", "-o", "name"] for c in calls)
    ours = next(c for c in calls if NAMESPACE in c and "Service/tickets-api" in c)
    assert (
        "Deployment.v1.apps/tickets-api" in ours
        and "Cluster.v1.postgresql.cnpg.io/tickets-db" in ours
    )


def test_adopt_takes_them_over_and_records_it(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
    tmp_path: Path,
) -> None:
    pulumi.cluster_has(**{NAMESPACE: ["service/tickets-api"]})
    out = tmp_path / "results.json"
    result = platform("up", "--root", str(repo), "--stack", STACK, "--adopt", "--results", str(out))
    assert result.exit_code == 0, result.stderr
    assert _ups(pulumi) == [STACK]
    assert (
        f"platform: warning: Pulumi stack {STACK} took over 1 object made by hand "
        f"(--adopt): Service {NAMESPACE}/tickets-api\n"
    ) in result.stderr
    adopted = _tags_set(pulumi)[automation.ADOPTED_TAG]
    assert adopted.startswith("1 object ") and adopted.endswith(
        f": Service {NAMESPACE}/tickets-api"
    )
    assert json.loads(out.read_text())["shards"][0]["adopted"] == [
        f"Service {NAMESPACE}/tickets-api"
    ]


def test_objects_the_state_holds_are_never_asked_about(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    # Every object of the shard is in its state: whatever the cluster holds is ours
    pulumi.reply(stack_export=_export(repo, Shard("prod", "service-desk")))
    pulumi.cluster_has(**{"": [f"namespace/{NAMESPACE}"]})
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 0, result.stderr
    assert pulumi.kubectl_calls() == []


def test_only_the_objects_new_to_the_state_are_asked_about(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    new = f"Service/{NAMESPACE}/tickets-api"
    pulumi.reply(stack_export=_export(repo, Shard("prod", "service-desk"), but=new))
    pulumi.cluster_has(**{NAMESPACE: ["service/tickets-api"]})
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert pulumi.kubectl_calls() == [
        ["--context", "prod-msk", "get", "-n", NAMESPACE, "Service/tickets-api",
         "--ignore-not-found", "-o", "name"]
    ]  # fmt: skip
    assert f"Service {NAMESPACE}/tickets-api" in result.stderr


def test_a_cluster_that_cannot_be_asked_refuses_unless_adopting(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    (pulumi.folder / "kubectl.json").write_text(
        json.dumps(
            {"code": 1, "stderr": "error: You must be logged in to the server (Unauthorized)\n"}
        )
    )
    refused = platform("up", "--root", str(repo), "--stack", STACK)
    assert refused.exit_code == 1
    assert (
        f"platform: error: refusing to apply Pulumi stack {STACK}: cannot ask the cluster of "
        "kube context 'prod-msk' which objects exist already: error: You must be logged in "
        "to the server (Unauthorized)\n"
    ) in refused.stderr
    assert "--adopt" in refused.stderr and _ups(pulumi) == []
    adopting = platform("up", "--root", str(repo), "--stack", STACK, "--adopt")
    assert adopting.exit_code == 0, adopting.stderr
    assert "could not check for objects made by hand" in adopting.stderr


def test_existing_batches_per_namespace_and_skips_kinds_the_cluster_does_not_serve(
    pulumi: Pulumi,  # noqa: F811
) -> None:
    refs = [kubectl.ObjectRef("v1", "ConfigMap", "a", f"cm-{i}") for i in range(450)]
    refs += [
        kubectl.ObjectRef("v1", "Service", "b", "web"),
        kubectl.ObjectRef("kubevirt.io/v1", "VirtualMachine", "b", "vm"),
        kubectl.ObjectRef("v1", "Namespace", "", "b"),
    ]
    (pulumi.folder / "kubectl.json").write_text(
        json.dumps(
            {
                "exists": {
                    "a": ["configmap/cm-7", "configmap/cm-420"],
                    "b": ["service/web"],
                    "": ["namespace/b"],
                },
                "unserved": ["virtualmachine.kubevirt.io"],
            }
        )
    )
    found = kubectl.existing(refs, "ctx", dict(os.environ))
    assert [r.describe() for r in found] == [
        "ConfigMap a/cm-420",
        "ConfigMap a/cm-7",
        "Namespace b",
        "Service b/web",
    ]
    calls = pulumi.kubectl_calls()
    # 450 names in `a`: 3 calls; `b`: one, refused for the VM, then one per kind; the cluster scope: 1
    assert len(calls) == 3 + 1 + 2 + 1, calls


def test_no_workflow_adopts() -> None:
    """`--adopt` is a person's decision after checking who made the objects."""
    workflows = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
    assert workflows
    for workflow in workflows:
        assert "--adopt" not in workflow.read_text(), workflow
