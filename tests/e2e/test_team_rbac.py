"""What a team member may do with kubectl, asked of the real API server's RBAC.

`platform up` has applied the bundled landscape. A member of a team with servers is
impersonated (the team's Kubernetes group, from its team file) and every answer comes
from the API server's own authorizer: SubjectAccessReviews, and requests made with
`--as`/`--as-group` that the server refuses or admits (dry runs: nothing is stored).
The attempts are those of docs/security.md, "Namespaces by trust".
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
import yaml

from platform_cli.load.landscape import load
from platform_cli.sources.tree import read_tree
from tests.e2e.conftest import Landscape, Run
from tests.e2e.controlplane import ControlPlane

STACK = "prod"
TEAM = "call-center"
USER = "e2e-member"


@pytest.fixture(scope="module")
def member(landscape: Landscape) -> dict[str, str]:
    files, _ = read_tree(landscape.root)
    land = load(files).landscape
    stack = land.stacks[STACK]
    assert any(r.kind == "Server" for r in land.in_stack(STACK).values() if r.team == TEAM)
    return {
        "group": land.teams[TEAM].kubernetes_group,
        "namespace": stack.namespace(TEAM),
        "vms": stack.vm_namespace(TEAM),
        "other": stack.namespace("billing"),
    }


def allowed(
    plane: ControlPlane,
    member: dict[str, str],
    namespace: str,
    verb: str,
    resource: str,
    group: str = "",
    subresource: str = "",
) -> bool:
    """The API server's answer for the impersonated member (a SubjectAccessReview:
    the same authorizer every request meets)."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": USER,
            "groups": [member["group"], "system:authenticated"],
            "resourceAttributes": {
                "namespace": namespace,
                "verb": verb,
                "group": group,
                "resource": resource,
                "subresource": subresource,
            },
        },
    }
    out = plane.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(review))
    return bool(json.loads(out)["status"].get("allowed", False))


def privileged_pod(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "take-the-node", "namespace": namespace},
        "spec": {
            "hostPID": True,
            "containers": [
                {
                    "name": "shell",
                    "image": "registry.k8s.io/pause:3.10",
                    "securityContext": {"privileged": True},
                    "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
                }
            ],
        },
    }


def create(
    plane: ControlPlane, obj: dict[str, Any], member: dict[str, str] | None
) -> tuple[int, str]:
    """`kubectl create --dry-run=server` as the member (or as the admin with None):
    the exit code and what the server said."""
    who = ["--as", USER, "--as-group", member["group"]] if member else []
    out = subprocess.run(
        [
            str(plane.tools.bin / "kubectl"),
            "--kubeconfig",
            str(plane.kubeconfig),
            *who,
            "create",
            "--dry-run=server",
            "-f",
            "-",
        ],
        input=yaml.safe_dump(obj),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.returncode, out.stderr + out.stdout


def test_a_member_cannot_create_a_privileged_pod_anywhere(
    applied: Run, plane: ControlPlane, member: dict[str, str]
) -> None:
    assert applied.returncode == 0, applied.output
    for namespace in (member["namespace"], member["vms"]):
        assert not allowed(plane, member, namespace, "create", "pods")
        code, said = create(plane, privileged_pod(namespace), member)
        assert code != 0 and "forbidden" in said.lower(), said
    # And were RBAC ever to let a pod through, the team's namespace enforces restricted
    code, said = create(plane, privileged_pod(member["namespace"]), None)
    assert code != 0 and "violates PodSecurity" in said, said
    # The VM namespace admits privileged pods (KubeVirt's launchers): the admin's dry run
    # passes, which is why the team creates nothing there
    code, said = create(plane, privileged_pod(member["vms"]), None)
    assert code == 0, said


def test_a_member_cannot_write_network_policies_quotas_or_roles(
    applied: Run, plane: ControlPlane, member: dict[str, str]
) -> None:
    assert applied.returncode == 0, applied.output
    for namespace in (member["namespace"], member["vms"], member["other"]):
        for verb in ("create", "update", "patch", "delete"):
            assert not allowed(
                plane, member, namespace, verb, "networkpolicies", "networking.k8s.io"
            )
            assert not allowed(plane, member, namespace, verb, "resourcequotas")
            assert not allowed(plane, member, namespace, verb, "limitranges")
            assert not allowed(
                plane, member, namespace, verb, "rolebindings", "rbac.authorization.k8s.io"
            )
            assert not allowed(plane, member, namespace, verb, "roles", "rbac.authorization.k8s.io")
        for verb in ("create", "update", "patch"):
            assert not allowed(plane, member, namespace, verb, "deployments", "apps")
            assert not allowed(plane, member, namespace, verb, "virtualmachines", "kubevirt.io")
        assert not allowed(plane, member, namespace, "list", "secrets")
        assert not allowed(plane, member, namespace, "create", "pods", subresource="exec")
        assert not allowed(plane, member, namespace, "create", "pods", subresource="portforward")
    # It reads its own namespace's policies, to see why a path is closed
    assert allowed(
        plane, member, member["namespace"], "list", "networkpolicies", "networking.k8s.io"
    )
    # And nothing in another team's namespace
    assert not allowed(plane, member, member["other"], "get", "pods")


def test_a_member_operates_its_vms_and_reads_its_workloads(
    applied: Run, plane: ControlPlane, member: dict[str, str]
) -> None:
    assert applied.returncode == 0, applied.output
    vms, own = member["vms"], member["namespace"]
    for action in ("start", "stop", "restart"):
        assert allowed(
            plane, member, vms, "update", "virtualmachines", "subresources.kubevirt.io", action
        )
        # Only where its VMs are
        assert not allowed(
            plane,
            member,
            member["other"],
            "update",
            "virtualmachines",
            "subresources.kubevirt.io",
            action,
        )
    for action in ("pause", "unpause", "softreboot"):
        assert allowed(
            plane,
            member,
            vms,
            "update",
            "virtualmachineinstances",
            "subresources.kubevirt.io",
            action,
        )
    for stream in ("console", "vnc"):
        assert allowed(
            plane, member, vms, "get", "virtualmachineinstances", "subresources.kubevirt.io", stream
        )
    assert allowed(plane, member, vms, "list", "virtualmachines", "kubevirt.io")
    assert not allowed(plane, member, vms, "delete", "pods")
    # Its own namespace: read pods and their logs, restart a pod, scale a Deployment
    assert allowed(plane, member, own, "get", "pods")
    assert allowed(plane, member, own, "get", "pods", subresource="log")
    assert allowed(plane, member, own, "delete", "pods")
    assert allowed(plane, member, own, "patch", "deployments", "apps", "scale")
    # The live objects say the same: the member lists its pods and VMs with kubectl
    who = ["--as", USER, "--as-group", member["group"]]
    plane.kubectl(*who, "get", "pods", "-n", own)
    listed = json.loads(plane.kubectl(*who, "get", "virtualmachines", "-n", vms, "-o", "json"))
    assert listed["items"], "the VM namespace holds the team's VirtualMachines"
