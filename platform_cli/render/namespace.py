"""A team's namespaces in a stack, by trust.

- The team's namespace (`Stack.namespace`) runs its services and databases. It
  enforces the `restricted` Pod Security profile, and the team's group gets the Role
  `team-operator` there: read what runs, read the logs, restart a pod by deleting it,
  scale a Deployment, read its databases' `-app` secrets. Nothing that writes a
  workload, a NetworkPolicy, a quota, a limit or a role, and no exec, attach or port
  forwarding (they run with the pod's service account and mounted credentials, and a
  port forward passes by every NetworkPolicy).
- The VM namespace (`Stack.vm_namespace`, only when the team has servers in the stack)
  runs its VirtualMachines. KubeVirt's virt-launcher pods are a privileged workload
  (KubeVirt's own Pod Security integration labels namespaces that run VMs
  `privileged`), so it enforces `privileged` and audits and warns at `restricted`. The
  team's group gets only the Role `vm-operator` there: read, and KubeVirt's
  subresources to start, stop, restart, pause, soft-reboot and reach the console and
  VNC. It can create nothing, so the privileged profile is open to the apply alone.

Each namespace has its own ResourceQuota and LimitRange: the VM namespace exactly the
modelled peak of its servers (render/pods.py `namespace_quotas`), the team namespace
the rest of the team's quota; and its own default-deny NetworkPolicy. docs/security.md
lists the attempts this stops; docs/kubernetes.md the objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from platform_cli.load.model import Database, Resource, Server, Team
from platform_cli.load.quantities import format_bytes as _binary
from platform_cli.load.quantities import format_cpu
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, team_labels
from platform_cli.render.network import default_deny
from platform_cli.render.pods import (
    HARD,
    QUOTA_KEYS,
    Amounts,
    LimitRange,
    Peak,
    demand,
    limits_for,
    namespace_quotas,
)

PSA = "pod-security.kubernetes.io"
RBAC = "rbac.authorization.k8s.io"
TEAM_ROLE = "team-operator"
VM_ROLE = "vm-operator"
READ = ["get", "list", "watch"]


def render_team(team: Team, ctx: Context, resources: Iterable[Resource]) -> list[Manifest]:
    """The team's namespace, and its VM namespace when it has servers in the stack."""
    stack = ctx.stack
    labels = team_labels(team, stack)
    source = team.path
    resources = list(resources)
    servers = [r for r in resources if isinstance(r, Server)]
    databases = [r for r in resources if isinstance(r, Database)]
    own, vms = namespace_quotas(
        team.quota(stack.name), (demand(server, stack) for server in servers)
    )
    namespace = stack.namespace(team.name)
    objects = [
        _namespace(namespace, labels, source, privileged=False),
        _resource_quota(namespace, labels, source, own),
        _limit_range(namespace, labels, source, own),
        default_deny(namespace, labels, source),
        *_binding(namespace, labels, source, TEAM_ROLE, team_rules(databases), team),
    ]
    if servers:
        vm_namespace = stack.vm_namespace(team.name)
        objects += [
            _namespace(vm_namespace, labels, source, privileged=True),
            _resource_quota(vm_namespace, labels, source, vms),
            _limit_range(vm_namespace, labels, source, vms),
            default_deny(vm_namespace, labels, source),
            *_binding(vm_namespace, labels, source, VM_ROLE, vm_rules(), team),
        ]
    return objects


def team_rules(databases: Iterable[Database]) -> list[dict[str, Any]]:
    """What a team member may do in the team's namespace, besides what a pull request
    does. Every rule is explicit: no wildcard, no built-in role that grows with the
    cluster's CRDs."""
    rules = [
        _rule(
            "",
            READ,
            "pods",
            "pods/log",
            "services",
            "endpoints",
            "events",
            "configmaps",
            "persistentvolumeclaims",
            "resourcequotas",
            "limitranges",
        ),
        _rule("apps", READ, "deployments", "replicasets", "statefulsets"),
        _rule("autoscaling", READ, "horizontalpodautoscalers"),
        _rule("batch", READ, "jobs", "cronjobs"),
        _rule("networking.k8s.io", READ, "ingresses", "networkpolicies"),
        _rule("policy", READ, "poddisruptionbudgets"),
        _rule("events.k8s.io", READ, "events"),
        _rule("postgresql.cnpg.io", READ, "clusters", "backups", "scheduledbackups"),
        # Restart: delete a pod and its ReplicaSet makes another from the reviewed template
        _rule("", ["delete"], "pods"),
        # Scale by hand until the next apply sets the declared replicas again
        _rule("apps", ["get", "update", "patch"], "deployments/scale"),
    ]
    # The connection secrets of the team's own databases, by name: no list (a list
    # returns every secret's data), never the superuser, replication or backup secrets.
    # An empty resourceNames would mean every secret, so no databases, no rule.
    names = sorted(f"{db.name}-app" for db in databases)
    if names:
        rules.append({**_rule("", ["get"], "secrets"), "resourceNames": names})
    return rules


def vm_rules() -> list[dict[str, Any]]:
    """What a team member may do in the VM namespace: read, and KubeVirt's subresources
    (verbs as KubeVirt's own kubevirt.io:edit ClusterRole and its RBAC tests give them:
    update for lifecycle, get for the streams). No create of anything, no pod delete
    or exec: the launcher pods are privileged."""
    return [
        _rule("kubevirt.io", READ, "virtualmachines", "virtualmachineinstances"),
        _rule("cdi.kubevirt.io", READ, "datavolumes"),
        _rule(
            "",
            READ,
            "pods",
            "pods/log",
            "services",
            "endpoints",
            "events",
            "persistentvolumeclaims",
            "resourcequotas",
            "limitranges",
        ),
        _rule("networking.k8s.io", READ, "networkpolicies"),
        _rule("events.k8s.io", READ, "events"),
        _rule(
            "subresources.kubevirt.io",
            ["update"],
            "virtualmachines/start",
            "virtualmachines/stop",
            "virtualmachines/restart",
            "virtualmachineinstances/pause",
            "virtualmachineinstances/unpause",
            "virtualmachineinstances/softreboot",
        ),
        _rule(
            "subresources.kubevirt.io",
            ["get"],
            "virtualmachineinstances/console",
            "virtualmachineinstances/vnc",
        ),
    ]


def _rule(group: str, verbs: list[str], *resources: str) -> dict[str, Any]:
    return {"apiGroups": [group], "resources": list(resources), "verbs": list(verbs)}


def _namespace(
    namespace: str, labels: Mapping[str, str], source: str, *, privileged: bool
) -> Manifest:
    psa = {
        f"{PSA}/enforce": "privileged" if privileged else "restricted",
        f"{PSA}/enforce-version": "latest",
        f"{PSA}/audit": "restricted",
        f"{PSA}/audit-version": "latest",
        f"{PSA}/warn": "restricted",
        f"{PSA}/warn-version": "latest",
    }
    meta = metadata(namespace, None, {**labels, **psa}, source)
    return manifest("v1", "Namespace", meta)


def _resource_quota(
    namespace: str, labels: Mapping[str, str], source: str, amounts: Peak | None
) -> Manifest:
    """The namespace's share of the team's quota for the stack, on the keys the
    resource model counts (render/pods.py); a stack without an entry gives nothing."""
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
    namespace: str, labels: Mapping[str, str], source: str, amounts: Peak | None
) -> Manifest:
    """The model's LimitRange (render/pods.py `limits_for`): defaults for containers
    that declare no resources, a minimum, and no single container or claim larger than
    the namespace's share of the quota."""
    limits: LimitRange = limits_for(amounts)
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


_DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def format_bytes(count: int) -> str:
    """A byte count exactly, in the API server's canonical form (what it stores and
    returns, so that the applied object reads back as rendered): a binary unit when one
    divides it, else the largest decimal one (`600M`, KubeVirt's and CDI's sizes), else
    bytes. A VM namespace's quota is a modelled peak, rarely a round number."""
    if count % 1024 == 0:
        return _binary(count)
    for suffix, size in _DECIMAL:
        if count % size == 0:
            return f"{count // size}{suffix}"
    return str(count)


def _amounts(amounts: Amounts) -> dict[str, str]:
    return {"cpu": format_cpu(amounts.cpu), "memory": format_bytes(amounts.memory)}


def _binding(
    namespace: str,
    labels: Mapping[str, str],
    source: str,
    name: str,
    rules: list[dict[str, Any]],
    team: Team,
) -> list[Manifest]:
    """A Role we render, bound to the team's group in this namespace alone (never a
    ClusterRole, never a ClusterRoleBinding)."""
    role = manifest(f"{RBAC}/v1", "Role", metadata(name, namespace, labels, source), rules=rules)
    binding = manifest(
        f"{RBAC}/v1",
        "RoleBinding",
        metadata(name, namespace, labels, source),
        roleRef={"apiGroup": RBAC, "kind": "Role", "name": name},
        subjects=[{"apiGroup": RBAC, "kind": "Group", "name": team.kubernetes_group}],
    )
    return [role, binding]
