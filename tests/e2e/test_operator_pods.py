"""The pods and claims the operators would create are admitted by the real API server.

No operator runs in the e2e cluster, so nothing creates CloudNativePG's instances,
KubeVirt's virt-launcher pods or CDI's importers and claims. This test creates them
itself, as the resource model (platform_cli/render/pods.py) says the operators would,
with the modelled requests and limits and the security contexts of the real pods, in
the namespaces `platform up` made. Together with the Deployments' own pods, scaled to
the model's peak (the autoscaler's maximum plus rollout surge) with bare copies, every
namespace must admit all of it, at both moments a VM has: the first import of its disk
(importer pod, disk, prime and scratch claims) and its running life (launcher pod and
disk). Quota, LimitRange and Pod Security admission are the real ones.
"""

from __future__ import annotations

import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml

from platform_cli.evaluate.rendering import render_tree
from platform_cli.render import pods
from tests.e2e.conftest import STACKS, Landscape, Run
from tests.e2e.controlplane import ControlPlane

LABEL = "e2e.platform.dom-komfort.example/model"
IMAGE = "registry.k8s.io/pause:3.10"


def _resources(c: pods.Container) -> dict[str, Any]:
    return {
        "requests": {"cpu": f"{c.requests.cpu}m", "memory": str(c.requests.memory)},
        "limits": {"cpu": f"{c.limits.cpu}m", "memory": str(c.limits.memory)},
    }


def _restricted() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _launcher() -> dict[str, Any]:
    """KubeVirt v1.6.0's non-root compute container (rendercontainer.go): uid 107,
    NET_BIND_SERVICE, and no seccomp profile unless the cluster sets one, which the
    restricted profile refuses."""
    return {
        "runAsUser": 107,
        "runAsGroup": 107,
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
    }


def pod_manifest(namespace: str, pod: pods.Pod, moment: str) -> dict[str, Any]:
    privileged = pod.profile == "privileged"
    security = _launcher() if privileged else _restricted()
    containers, init = [], []
    for c in pod.containers:
        spec = {
            "name": c.name,
            "image": IMAGE,
            "resources": _resources(c),
            "securityContext": security if c.name == "compute" else _restricted(),
        }
        if c.name == "guest-console-log":  # a native sidecar in the real pod
            init.append({**spec, "restartPolicy": "Always"})
        else:
            containers.append(spec)
    for c in pod.init:
        init.append(
            {
                "name": c.name,
                "image": IMAGE,
                "resources": _resources(c),
                "securityContext": security,
            }
        )
    spec: dict[str, Any] = {
        "containers": containers,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 107 if privileged else 26}
        | ({} if privileged else {"seccompProfile": {"type": "RuntimeDefault"}}),
        "automountServiceAccountToken": False,
    }
    if init:
        spec["initContainers"] = init
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": f"model-{pod.role}-",
            "namespace": namespace,
            "labels": {LABEL: moment.replace(" ", "-")},
        },
        "spec": spec,
    }


def claim_manifest(namespace: str, claim: pods.Claim, moment: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": str(claim.size)}},
    }
    if claim.storage_class:
        spec["storageClassName"] = claim.storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "generateName": f"model-{claim.role}-",
            "namespace": namespace,
            "labels": {LABEL: moment.replace(" ", "-")},
        },
        "spec": spec,
    }


class Created:
    """What `kubectl create` said: how many objects it created, the API server's
    refusals, and its warnings (Pod Security's `warn: restricted` on a privileged
    namespace warns, and admits)."""

    def __init__(self, stdout: str, stderr: str) -> None:
        self.count = sum(1 for line in stdout.splitlines() if line.endswith(" created"))
        lines = [line for line in stderr.splitlines() if line.strip()]
        self.warnings = [line for line in lines if line.startswith("Warning:")]
        self.refused = [line for line in lines if not line.startswith("Warning:")]


def _create(plane: ControlPlane, objects: list[dict[str, Any]]) -> Created:
    """Create every object in one request list, as far as the API server admits them."""
    if not objects:
        return Created("", "")
    document = {"apiVersion": "v1", "kind": "List", "items": objects}
    kubectl = [str(plane.tools.bin / "kubectl"), "--kubeconfig", str(plane.kubeconfig)]
    out = subprocess.run(
        [*kubectl, "create", "-f", "-"],
        input=yaml.safe_dump(document),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Created(out.stdout, out.stderr)


def _live_replicas(plane: ControlPlane, namespace: str) -> dict[str, int]:
    items = plane.get_json("deployments", "-n", namespace)["items"]
    return {d["metadata"]["name"]: int(d["spec"].get("replicas", 1)) for d in items}


def _moments(
    demands: list[pods.Demand], live: Mapping[str, Mapping[str, int]], vm_moment: str
) -> Iterator[tuple[str, pods.Pod | pods.Claim]]:
    """(namespace, pod or claim) to create beside what already runs, with each VM at
    `vm_moment`."""
    for d in demands:
        if d.kind == "Service":
            (moment,) = d.moments
            running = live[d.namespace].get(d.name, 0)
            for pod in moment.pods:
                extra = pod.number - running if pod.role == "replica" else pod.number
                if extra > 0:
                    yield d.namespace, pod._replace(number=extra)
            continue
        if d.kind == "Database":
            moment = d.moments[0]
        else:
            moment = next(
                m for m in d.moments if (m.name == "first import") == (vm_moment == "import")
            )
        for pod in moment.pods:
            yield d.namespace, pod
        for claim in moment.claims:
            yield d.namespace, claim


@pytest.fixture(scope="module")
def demands(landscape: Landscape) -> list[pods.Demand]:
    found = []
    for stack in STACKS:
        found += pods.rendered_demands(render_tree(landscape.root, stack).objects)
    return found


def test_every_pod_and_claim_the_operators_would_create_is_admitted(
    applied: Run, landscape: Landscape, plane: ControlPlane, demands: list[pods.Demand]
) -> None:
    assert applied.returncode == 0, applied.output
    landscape.reset()
    namespaces = sorted({d.namespace for d in demands})
    live = {ns: _live_replicas(plane, ns) for ns in namespaces}
    refused: list[str] = []
    warned: set[str] = set()
    wanted = created = 0
    try:
        for vm_moment in ("import", "running"):
            by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for namespace, item in _moments(demands, live, vm_moment):
                for _ in range(item.number):
                    by_namespace[namespace].append(
                        pod_manifest(namespace, item, vm_moment)
                        if isinstance(item, pods.Pod)
                        else claim_manifest(namespace, item, vm_moment)
                    )
            for namespace, objects in sorted(by_namespace.items()):
                result = _create(plane, objects)
                wanted += len(objects)
                created += result.count
                refused += [f"{namespace} ({vm_moment}): {line}" for line in result.refused]
                if result.warnings:
                    warned.add(namespace)
            # The import ends before the VM starts: the next moment starts from what
            # `platform up` made alone
            _delete_all(plane)
        assert wanted > 500
        assert refused == []
        assert created == wanted
        # Only the launchers break the restricted profile, and only their namespaces
        # (which enforce privileged, audit and warn restricted) say so
        launchers = {d.namespace for d in demands if d.kind == "Server" and d.rest.pods}
        assert warned == launchers
    finally:
        _delete_all(plane)


def _delete_all(plane: ControlPlane) -> None:
    """Delete what these tests created and wait until the quotas no longer count it."""
    plane.kubectl(
        "delete", "pods,pvc", "--all-namespaces", "-l", LABEL, "--grace-period=0",
        "--force", "--timeout=120s", check=False,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = plane.get_json("pods,pvc", "--all-namespaces", "-l", LABEL)["items"]
        if not left:
            break
        time.sleep(1)
    time.sleep(3)  # the quota controller counts the deletions


def test_a_namespace_over_its_quota_refuses_the_launcher(
    applied: Run, plane: ControlPlane, demands: list[pods.Demand]
) -> None:
    """The same pods are refused when they do not fit: the test above could fail."""
    assert applied.returncode == 0, applied.output
    server = next(d for d in demands if d.kind == "Server" and d.rest.pods)
    (launcher,) = server.rest.pods
    huge = launcher._replace(
        containers=tuple(
            c._replace(limits=c.limits._replace(memory=c.limits.memory * 1000))
            for c in launcher.containers
        )
    )
    try:
        result = _create(plane, [pod_manifest(server.namespace, huge, "refused")])
        assert result.count == 0
        assert result.refused and "forbidden" in result.refused[0].lower(), result.refused
    finally:
        _delete_all(plane)
