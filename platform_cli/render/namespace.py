"""A team's namespace in a stack: the Namespace, its quota and limits, the default-deny
network policy and the team group's `edit` role binding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.load.model import Team
from platform_cli.load.quantities import format_bytes, format_cpu, parse_bytes, parse_cpu
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, team_labels
from platform_cli.render.network import default_deny

# Pod Security Admission: the restricted profile everywhere it can be enforced.
# KubeVirt's virt-launcher pods are a privileged workload (KubeVirt's own PSA integration
# labels namespaces that run VMs "privileged"), so a namespace with servers enforces
# privileged and still audits and warns at restricted; see docs/kubernetes.md.
PSA = "pod-security.kubernetes.io"

# Container defaults for pods that declare no resources (the CloudNativePG and
# KubeVirt helper containers); a ResourceQuota on limits rejects pods without them
DEFAULT_LIMIT_CPU = 500
DEFAULT_LIMIT_MEMORY = 512 * 1024**2
DEFAULT_REQUEST_CPU = 100
DEFAULT_REQUEST_MEMORY = 128 * 1024**2

VM_COUNT = "count/virtualmachines.kubevirt.io"


def render_team(team: Team, ctx: Context, has_servers: bool) -> list[Manifest]:
    namespace = ctx.stack.namespace(team.name)
    labels = team_labels(team, ctx.stack)
    source = team.path
    quota = team.quota(ctx.stack.name)
    return [
        _namespace(namespace, labels, source, has_servers),
        _resource_quota(namespace, labels, source, quota),
        _limit_range(namespace, labels, source, quota),
        default_deny(namespace, labels, source),
        _role_binding(namespace, labels, source, team.kubernetes_group),
    ]


def _namespace(
    namespace: str, labels: Mapping[str, str], source: str, has_servers: bool
) -> Manifest:
    psa = {
        f"{PSA}/enforce": "privileged" if has_servers else "restricted",
        f"{PSA}/enforce-version": "latest",
        f"{PSA}/audit": "restricted",
        f"{PSA}/audit-version": "latest",
        f"{PSA}/warn": "restricted",
        f"{PSA}/warn-version": "latest",
    }
    meta = metadata(namespace, None, {**labels, **psa}, source)
    return manifest("v1", "Namespace", meta)


def _resource_quota(
    namespace: str, labels: Mapping[str, str], source: str, quota: Mapping[str, Any] | None
) -> Manifest:
    """The team's quota for the stack; a stack without an entry gives the team nothing."""
    if quota is None:
        hard = {"limits.cpu": "0", "limits.memory": "0", "requests.storage": "0", VM_COUNT: "0"}
    else:
        hard = {
            "limits.cpu": format_cpu(parse_cpu(str(quota["cpu"]))),
            "limits.memory": str(quota["memory"]),
            "requests.storage": str(quota["storage"]),
            VM_COUNT: str(int(quota["servers"])),
        }
    return manifest(
        "v1",
        "ResourceQuota",
        metadata("team-quota", namespace, labels, source),
        spec={"hard": hard},
    )


def _limit_range(
    namespace: str, labels: Mapping[str, str], source: str, quota: Mapping[str, Any] | None
) -> Manifest:
    """Defaults for containers that declare no resources, capped by the quota, and no
    single container or volume larger than the whole quota."""
    cpu = parse_cpu(str(quota["cpu"])) if quota else 0
    memory = parse_bytes(str(quota["memory"])) if quota else 0
    container: dict[str, Any] = {
        "type": "Container",
        "default": {
            "cpu": format_cpu(min(DEFAULT_LIMIT_CPU, cpu) or DEFAULT_LIMIT_CPU),
            "memory": format_bytes(min(DEFAULT_LIMIT_MEMORY, memory) or DEFAULT_LIMIT_MEMORY),
        },
        "defaultRequest": {
            "cpu": format_cpu(min(DEFAULT_REQUEST_CPU, cpu) or DEFAULT_REQUEST_CPU),
            "memory": format_bytes(min(DEFAULT_REQUEST_MEMORY, memory) or DEFAULT_REQUEST_MEMORY),
        },
    }
    limits: list[dict[str, Any]] = [container]
    if quota:
        container["max"] = {"cpu": format_cpu(cpu), "memory": format_bytes(memory)}
        limits.append({"type": "PersistentVolumeClaim", "max": {"storage": str(quota["storage"])}})
    return manifest(
        "v1",
        "LimitRange",
        metadata("team-limits", namespace, labels, source),
        spec={"limits": limits},
    )


def _role_binding(namespace: str, labels: Mapping[str, str], source: str, group: str) -> Manifest:
    """The team's group may edit its own namespace (a RoleBinding, never a
    ClusterRoleBinding), and nothing outside it."""
    return manifest(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        metadata("team-edit", namespace, labels, source),
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
    )
