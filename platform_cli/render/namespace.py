"""A team's namespace in a stack: the Namespace, its quota and limits, the default-deny
network policy and the team group's `edit` role binding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.load.model import Team
from platform_cli.load.quantities import format_bytes, format_cpu
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, team_labels
from platform_cli.render.network import default_deny
from platform_cli.render.pods import (
    HARD,
    QUOTA_KEYS,
    Amounts,
    LimitRange,
    limit_range,
    quota_amounts,
)

# Pod Security Admission: the restricted profile everywhere it can be enforced.
# KubeVirt's virt-launcher pods are a privileged workload (KubeVirt's own PSA integration
# labels namespaces that run VMs "privileged"), so a namespace with servers enforces
# privileged and still audits and warns at restricted; see docs/kubernetes.md.
PSA = "pod-security.kubernetes.io"


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
    """The team's quota for the stack, on the keys the resource model counts
    (render/pods.py); a stack without an entry gives the team nothing."""
    amounts = quota_amounts(quota)
    hard = {}
    for key in QUOTA_KEYS:
        value = amounts.get(key) if amounts is not None else 0
        if key == "cpu":
            hard[HARD[key]] = format_cpu(value)
        elif key == "servers":
            hard[HARD[key]] = str(value)
        else:
            hard[HARD[key]] = format_bytes(value) if value else "0"
    return manifest(
        "v1",
        "ResourceQuota",
        metadata("team-quota", namespace, labels, source),
        spec={"hard": hard},
    )


def _limit_range(
    namespace: str, labels: Mapping[str, str], source: str, quota: Mapping[str, Any] | None
) -> Manifest:
    """The model's LimitRange (render/pods.py `limit_range`): defaults for containers
    that declare no resources, a minimum, and no single container or claim larger than
    the whole quota."""
    limits: LimitRange = limit_range(quota)
    container: dict[str, Any] = {
        "type": "Container",
        "default": _amounts(limits.default),
        "defaultRequest": _amounts(limits.default_request),
        "min": _amounts(limits.min),
    }
    items: list[dict[str, Any]] = [container]
    if limits.max is not None:
        container["max"] = _amounts(limits.max)
    if limits.claim_max is not None:
        items.append(
            {"type": "PersistentVolumeClaim", "max": {"storage": format_bytes(limits.claim_max)}}
        )
    return manifest(
        "v1",
        "LimitRange",
        metadata("team-limits", namespace, labels, source),
        spec={"limits": items},
    )


def _amounts(amounts: Amounts) -> dict[str, str]:
    return {"cpu": format_cpu(amounts.cpu), "memory": format_bytes(amounts.memory)}


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
