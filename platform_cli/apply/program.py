"""The Pulumi program: one Pulumi resource per rendered Kubernetes object.

This is the only module that imports `pulumi` and `pulumi_kubernetes`. `Pulumi.yaml`
at the repository root runs `main()` (through `deploy/__main__.py`); `run_offline`
runs the same `deploy` under Pulumi's mock runtime for `platform preview --offline`.

- The Pulumi stack name selects the landscape stack: `prod`, or `prod.<team>` for a
  stack that holds one team's objects (`select_team`).
- Logical names are `Kind/namespace/name` (`Kind/name` when cluster-scoped): stable and
  unique, and independent of file names, so moving a file never replaces a resource.
- Typed pulumi-kubernetes classes where they exist; `apiextensions.CustomResource` for
  CloudNativePG and KubeVirt.
- One explicit provider per stack, on the stack's kube context; every namespaced object
  depends on its Namespace.
- `protect=True` on every object rendered from a landscape resource that sets
  `deletionProtection`: the CloudNativePG Cluster or KubeVirt VirtualMachine and what
  belongs to it (backup schedule, Service, NetworkPolicy), so the engine refuses the
  delete whole (the VM's root disk is its DataVolume template, which lives and dies
  with the VM). `retain_on_delete=True` on Namespaces that hold a
  database or a server: deleting a namespace deletes everything in it, so removing a
  team from a stack must never cascade into data; the namespace is left for a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi.runtime import mocks as pulumi_mocks

from platform_cli.errors import PlatformError
from platform_cli.evaluate.rendering import render_tree
from platform_cli.render import Manifest, Rendered, select_team
from platform_cli.render.meta import DELETION_PROTECTION_ANNOTATION, SOURCE_ANNOTATION
from platform_cli.sources.tree import find_root

PROJECT = "platform"

TYPED: dict[tuple[str, str], Callable[..., pulumi.CustomResource]] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
}
CUSTOM = frozenset(
    {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "ScheduledBackup"),
        ("postgresql.cnpg.io/v1", "Backup"),
        ("barmancloud.cnpg.io/v1", "ObjectStore"),
        ("kubevirt.io/v1", "VirtualMachine"),
    }
)
# Kinds whose deletion loses data: their namespace is retained on delete
DATA_KINDS = frozenset({"Cluster", "VirtualMachine"})
# Kinds that make pods or count against the namespace's quota
WORKLOAD_KINDS = frozenset({"Deployment", "Cluster", "VirtualMachine"})
WAIT_FOR = "pulumi.com/waitFor"
PATCH_FORCE = "pulumi.com/patchForce"
# A retired database's final Backup is done when CloudNativePG says so
BACKUP_COMPLETED = "jsonpath={.status.phase}=completed"


@dataclass(frozen=True)
class Target:
    """What a Pulumi stack deploys: a landscape stack, or one team of it."""

    stack: str
    team: str | None = None

    @classmethod
    def parse(cls, pulumi_stack: str) -> Target:
        """`prod` -> all of prod; `prod.billing` -> team billing in prod. An
        organisation prefix (`org/prod`) is ignored."""
        name = pulumi_stack.rsplit("/", 1)[-1]
        stack, _, team = name.partition(".")
        return cls(stack, team or None)


def logical_name(obj: Manifest) -> str:
    meta = obj["metadata"]
    if "namespace" in meta:
        return f"{obj['kind']}/{meta['namespace']}/{meta['name']}"
    return f"{obj['kind']}/{meta['name']}"


def is_protected(obj: Manifest) -> bool:
    annotations = obj["metadata"].get("annotations", {})
    return bool(annotations.get(DELETION_PROTECTION_ANNOTATION) == "true")


def _source(obj: Manifest) -> str:
    return str(obj["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION, ""))


def protected_sources(objects: Iterable[Manifest]) -> set[str]:
    """The landscape files whose resource sets deletionProtection.

    Every object rendered from such a file is protected, not only the Cluster or the
    VirtualMachine: a protected resource leaves the cluster whole or not at all, so a
    refused delete never leaves a database without its backup schedule or its network
    policy."""
    return {_source(o) for o in objects if is_protected(o)}


def retained_namespaces(objects: Iterable[Manifest]) -> set[str]:
    return {o["metadata"]["namespace"] for o in objects if o["kind"] in DATA_KINDS}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def register(obj: Manifest, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """One Pulumi resource for one rendered object, its fields passed as they are."""
    key = (obj["apiVersion"], obj["kind"])
    name = logical_name(obj)
    if key in CUSTOM:
        return k8s.apiextensions.CustomResource(
            name,
            api_version=obj["apiVersion"],
            kind=obj["kind"],
            metadata=obj["metadata"],
            spec=obj["spec"],
            opts=opts,
        )
    if key not in TYPED:
        raise PlatformError(f"no Pulumi resource type for {key[0]} {key[1]}")
    fields = {_snake(k): v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    return TYPED[key](name, opts=opts, **fields)


def outputs(objects: Iterable[Manifest]) -> dict[str, Any]:
    """Stack outputs: namespaces, service URLs, database secret names, VM names and the
    in-cluster address of each VM with ports (its Service)."""
    namespaces: list[str] = []
    urls: dict[str, str] = {}
    secrets: dict[str, str] = {}
    machines: list[str] = []
    addresses: dict[str, str] = {}
    for obj in objects:
        meta, kind = obj["metadata"], obj["kind"]
        ref = f"{meta.get('namespace', '')}/{meta['name']}"
        if kind == "Namespace":
            namespaces.append(meta["name"])
        elif kind == "Service" and meta["labels"].get("app.kubernetes.io/component") == "service":
            port = obj["spec"]["ports"][0]["port"]
            urls.setdefault(
                ref, f"http://{meta['name']}.{meta['namespace']}.svc.cluster.local:{port}"
            )
        elif kind == "Service" and meta["labels"].get("app.kubernetes.io/component") == "server":
            addresses[ref] = f"{meta['name']}.{meta['namespace']}.svc.cluster.local"
        elif kind == "Ingress":
            rule = obj["spec"]["rules"][0]
            urls[ref] = f"https://{rule['host']}{rule['http']['paths'][0]['path']}"
        elif kind == "Cluster":
            secrets[ref] = f"{meta['name']}-app"
        elif kind == "VirtualMachine":
            machines.append(ref)
    return {
        "namespaces": sorted(namespaces),
        "serviceUrls": dict(sorted(urls.items())),
        "databaseSecrets": dict(sorted(secrets.items())),
        "virtualMachines": sorted(machines),
        "virtualMachineAddresses": dict(sorted(addresses.items())),
    }


def engine_view(obj: Manifest) -> Manifest:
    """The object as the engine is given it: as rendered, plus the provider's own
    instructions (`pulumi.com/*` annotations).

    - Every object forces its server-side apply (`patchForce`): Git is the source of
      truth for the fields we set. After an emergency `kubectl scale`, kubectl owns
      `spec.replicas`, `platform drift` reports it, and without force the next apply
      from Git would fail on the field conflict instead of restoring it. Fields we do
      not set (an autoscaled Deployment's replicas) are never touched.
    - A ResourceQuota waits until the quota controller has computed its usage: until
      then the API server's quota admission refuses every object the quota counts
      ("status unknown for quota"), and a VirtualMachine, which nothing retries, would
      fail its apply.
    - A retired database's final Backup waits until CloudNativePG reports it
      `completed`; its Cluster, hibernated in the same apply, depends on it.
    """
    meta = obj["metadata"]
    annotations = {**meta.get("annotations", {}), PATCH_FORCE: "true"}
    if obj["kind"] == "ResourceQuota":
        annotations[WAIT_FOR] = "jsonpath={.status.used}"
    if obj["kind"] == "Backup":
        annotations[WAIT_FOR] = BACKUP_COMPLETED
    return {**obj, "metadata": {**meta, "annotations": annotations}}


# How long the provider waits for an object to become ready (a Deployment's rollout)
# unless `platform up --ready-timeout` says otherwise: inside the apply job's 60 minutes
DEFAULT_READY_TIMEOUT = 600


def deploy(
    objects: list[Manifest], kube_context: str, ready_timeout: int | None = None
) -> dict[str, Any]:
    """Register every object with Pulumi; return the stack outputs.

    Every namespaced object depends on its Namespace, and every workload (what makes
    pods or counts against the quota) also on the namespace's quota and limits, so
    that admission sees both before the first workload arrives.

    `ready_timeout` bounds the provider's wait for each object to become ready (the
    `customTimeouts` the provider honours): a workload that never becomes ready (an
    image that is never pulled, pods the quota refuses) fails its update within it,
    naming the object and the reason the provider saw, instead of holding the job."""
    timeouts = (
        pulumi.CustomTimeouts(create=f"{ready_timeout}s", update=f"{ready_timeout}s")
        if ready_timeout
        else None
    )
    provider = k8s.Provider("kubernetes", context=kube_context)
    guards: dict[str, list[pulumi.Resource]] = {}
    # (namespace, cluster) -> its final Backup, rendered before it (render/database.py)
    final_backups: dict[tuple[str, str], pulumi.Resource] = {}
    retained = retained_namespaces(objects)
    protected = protected_sources(objects)
    for obj in objects:
        meta = obj["metadata"]
        namespace = meta.get("namespace")
        if obj["kind"] in WORKLOAD_KINDS:
            depends_on = list(guards.get(namespace, []))
        else:
            depends_on = guards.get(namespace, [])[:1]
        backup = final_backups.get((namespace, meta["name"])) if obj["kind"] == "Cluster" else None
        if backup is not None:
            depends_on = [*depends_on, backup]
        opts = pulumi.ResourceOptions(
            provider=provider,
            depends_on=depends_on,
            protect=obj["kind"] != "Namespace" and _source(obj) in protected,
            retain_on_delete=obj["kind"] == "Namespace" and meta["name"] in retained,
            custom_timeouts=timeouts,
        )
        resource = register(engine_view(obj), opts)
        if obj["kind"] == "Namespace":
            guards[meta["name"]] = [resource]
        elif obj["kind"] in ("ResourceQuota", "LimitRange") and namespace in guards:
            guards[namespace].append(resource)
        elif obj["kind"] == "Backup":
            final_backups[(namespace, obj["spec"]["cluster"]["name"])] = resource
    return outputs(objects)


def main(root: Path | None = None) -> None:
    """The program: check, render, register. `platform up` runs it inline for the
    repository at `root`; `pulumi up` run by hand runs it from the project folder."""
    target = Target.parse(pulumi.get_stack())
    try:
        rendered = render_tree(root or find_root(Path.cwd()), target.stack)
    except PlatformError as exc:
        raise pulumi.RunError(f"{exc.message}\n{exc.hint}".strip()) from None
    # The objects go to the engine exactly as rendered. The commit being applied is the
    # Pulumi stack's tag (automation.COMMIT_TAG), never an annotation on every object,
    # which would turn each one-line change into an update of the whole shard.
    objects = select_team(rendered.objects, target.team)
    for key, value in deploy(objects, rendered.kube_context).items():
        pulumi.export(key, value)


def deploy_rendered(
    objects: list[Manifest], kube_context: str, ready_timeout: int = DEFAULT_READY_TIMEOUT
) -> None:
    """The program `platform up` runs inline: one shard's objects, rendered and judged
    once by the run that applies them (apply/operations.py), then registered."""
    for key, value in deploy(objects, kube_context, ready_timeout).items():
        pulumi.export(key, value)


# Offline runs under Pulumi's mock runtime


@dataclass(frozen=True)
class Registration:
    """What the program asked the engine to register, as the engine would see it."""

    type: str
    name: str
    protect: bool
    retain_on_delete: bool
    provider: str
    dependencies: tuple[str, ...]
    inputs: Mapping[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True)
class OfflineRun:
    registrations: list[Registration]
    outputs: dict[str, Any]


class _Mocks(pulumi_mocks.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[tuple[str, str], dict[str, Any]] = {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[(args.typ, args.name)] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _Monitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping the options that `Mocks.new_resource` does not see."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.requests.append((request, response.urn))
        return response


def run_offline(rendered: Rendered, team: str | None = None) -> OfflineRun:
    """Run `deploy` for a rendered stack under Pulumi's mocks: no engine, cluster or
    credentials. The registrations come back in the order the program made them."""
    mocks = _Mocks()
    monitor = _Monitor(mocks)
    pulumi.runtime.settings.reset_options(project=PROJECT, stack=rendered.stack, preview=True)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=rendered.stack, preview=True, monitor=monitor
    )
    result: dict[str, Any] = {}

    def program() -> None:
        result.update(deploy(select_team(rendered.objects, team), rendered.kube_context))

    pulumi.runtime.test(program)()
    urn_names = {urn: request.name for request, urn in monitor.requests}
    registrations = [
        Registration(
            type=request.type,
            name=request.name,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            provider=request.provider,
            dependencies=tuple(sorted(urn_names.get(u, u) for u in request.dependencies)),
            inputs=mocks.inputs.get((request.type, request.name), {}),
        )
        for request, _ in monitor.requests
    ]
    return OfflineRun(registrations, result)
