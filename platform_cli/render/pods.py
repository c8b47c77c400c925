"""What each namespace really runs: the one resource model behind quotas, limits and cost.

A namespace's ResourceQuota and LimitRange count every pod and every volume claim in it,
including the ones the operators create. This module says, for each landscape resource,
which pods and claims exist at each moment of its life, with the requests and limits
the API server will see:

- a Service is a Deployment: its replicas (the autoscaler's maximum when it has one)
  plus the pods a rolling update adds on top (`maxSurge`, 25% rounded up unless the
  Deployment says otherwise);
- a Database is a CloudNativePG Cluster: one pod per instance, whose `postgres`
  container and `bootstrap-controller` init container both get the Cluster's
  `resources`, and one volume claim of `storage.size` per instance (another for
  `walStorage` when the Cluster has one). The initdb and join Jobs run one at a time
  with the same resources while the other instances run, so they never exceed the
  instance count. A Cluster bootstrapped by recovery (a restored database) first runs
  the `<name>-1-full-recovery` Job alone: its `full-recovery` container and
  `bootstrap-controller` init container get the Cluster's `resources`, and the Barman
  Cloud plugin adds its sidecar sized by the recovery source's ObjectStore (plugin
  v0.15.0 `collectSidecarResourcesForRecoveryJob`), even when the Cluster itself keeps
  no backups and its instances run without one;
- a Server is a KubeVirt VirtualMachine: while it runs, one virt-launcher pod whose
  `compute` container asks for the guest plus KubeVirt's memory overhead
  (`GetMemoryOverhead`, below), and the `guest-console-log` sidecar; during the first
  import of its root disk, CDI's importer pod and three claims of the disk's size
  (the disk, CDI's `prime` copy and the scratch space), each inflated by CDI's
  filesystem overhead.

The numbers are the operators' own, at the versions `scripts/e2e/pins.env` pins
(KubeVirt v1.6.0, CDI v1.62.0, CloudNativePG v1.27.1) and their default cluster
configuration; docs/model.md cites where each comes from.

Two doors lead into the same arithmetic: `demand(resource, stack)` reads a landscape
resource (fast enough for `platform check` on 50,000 resources), and
`rendered_demands(objects)` reads the objects Pulumi applies. A test holds the two
equal for every resource of the bundled landscape and of generated ones, so the check,
the plan, the renderer and the cluster cannot disagree.

The peak of a resource for a quota key is the largest amount over its moments (a
VM's import and its running life never overlap); a namespace's peak is the sum of its
resources' peaks, which is what the quota must admit when everything is rolled out,
scaled up and imported at once (a first apply, or a rebuild after a disaster).
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from platform_cli.load.model import Database, Resource, Server, Service, Stack
from platform_cli.load.quantities import parse_bytes, parse_cpu
from platform_cli.render.meta import SOURCE_ANNOTATION

MI = 1024**2
GI = 1024**3

# The quota keys, in the order every table shows them, and the ResourceQuota entries
# they are rendered as: limits, since a quota on limits is what caps a team at peak
QUOTA_KEYS = ("cpu", "memory", "storage", "servers")
VM_COUNT = "count/virtualmachines.kubevirt.io"
HARD = {"cpu": "limits.cpu", "memory": "limits.memory", "storage": "requests.storage"}
HARD["servers"] = VM_COUNT

# --- Deployments (apps/v1 defaults) ---
DEFAULT_MAX_SURGE = "25%"

# --- CloudNativePG ---
# What a database gets when neither it nor its stack declares resources
DEFAULT_DATABASE_CPU = "1"
DEFAULT_DATABASE_MEMORY = "2Gi"

# --- KubeVirt v1.6.0, pkg/virt-controller/services/template.go and renderresources.go ---
# Fixed per-VM overhead: virt-launcher-monitor 25Mi, virt-launcher 100Mi, virtlogd 25Mi,
# virtqemud 40Mi, qemu 30Mi
LAUNCHER_FIXED_OVERHEAD = (25 + 100 + 25 + 40 + 30) * MI
OVERHEAD_PER_VCPU = 8 * MI
IOTHREAD_OVERHEAD = 8 * MI
VIDEO_OVERHEAD = 32 * MI  # while autoattachGraphicsDevice is not false
GUARANTEED_OVERHEAD = 100 * MI  # requests equal limits (the webhook copies limits)
# serialconsolelog.go: the guest-console-log sidecar, on unless the cluster or the VM
# turns the serial console log off; requests equal limits for a Guaranteed VM
CONSOLE_LOG_LIMITS = (15, 60 * 1000**2)
CONSOLE_LOG_REQUESTS = (5, 35 * 1000**2)

# --- CDI v1.62.0 ---
# pkg/controller/config-controller.go: the importer pod when CDIConfig sets nothing
IMPORTER_LIMITS = (750, 600 * 1000**2)
IMPORTER_REQUESTS = (100, 60 * 1000**2)
# pkg/common/common.go DefaultGlobalOverhead, and pkg/util DefaultAlignBlockSize
FILESYSTEM_OVERHEAD = 0.055
ALIGN = MI

# --- The namespace's LimitRange (render/namespace.py renders it from here) ---
# No container may ask for less than this: smaller requests are typos ('1m' for '1')
MIN_CONTAINER = (10, 16 * MI)
DEFAULT_LIMIT = (500, 512 * MI)
DEFAULT_REQUEST = (100, 128 * MI)


class Amounts(NamedTuple):
    """CPU in millicores and memory in bytes."""

    cpu: int = 0
    memory: int = 0

    def plus(self, other: Amounts) -> Amounts:
        return Amounts(self.cpu + other.cpu, self.memory + other.memory)

    def times(self, count: int) -> Amounts:
        return Amounts(self.cpu * count, self.memory * count)

    def most(self, other: Amounts) -> Amounts:
        return Amounts(max(self.cpu, other.cpu), max(self.memory, other.memory))


class Container(NamedTuple):
    name: str
    requests: Amounts
    limits: Amounts
    # Why it is this size, for findings: "16Gi guest + 404Mi KubeVirt overhead"
    why: str = ""


class Pod(NamedTuple):
    """`number` pods of one shape. `containers` run side by side (sidecars included);
    `init` run one after the other before them."""

    name: str
    role: str  # replica, surge, instance, full-recovery, virt-launcher, importer
    containers: tuple[Container, ...]
    init: tuple[Container, ...] = ()
    number: int = 1
    # The Pod Security profile the operator's real pod meets
    profile: str = "restricted"

    def each(self, side: str) -> Amounts:
        """What the quota charges for one pod: the sum of its containers, or its
        largest init container when that is larger (Kubernetes' rule)."""
        running = Amounts()
        for c in self.containers:
            running = running.plus(getattr(c, side))
        for c in self.init:
            running = running.most(getattr(c, side))
        return running

    @property
    def limits(self) -> Amounts:
        return self.each("limits").times(self.number)

    @property
    def requests(self) -> Amounts:
        return self.each("requests").times(self.number)


class Claim(NamedTuple):
    name: str
    role: str  # data, wal, disk, prime, scratch
    size: int
    number: int = 1
    storage_class: str = ""


class Moment(NamedTuple):
    """What a resource runs at one moment of its life."""

    name: str  # "rollout at the most replicas", "running", "first import"
    pods: tuple[Pod, ...]
    claims: tuple[Claim, ...] = ()

    @property
    def limits(self) -> Amounts:
        total = Amounts()
        for pod in self.pods:
            total = total.plus(pod.limits)
        return total

    @property
    def requests(self) -> Amounts:
        total = Amounts()
        for pod in self.pods:
            total = total.plus(pod.requests)
        return total

    @property
    def storage(self) -> int:
        return sum(c.size * c.number for c in self.claims)


class Peak(NamedTuple):
    """A resource's or a namespace's most, per quota key."""

    cpu: int = 0
    memory: int = 0
    storage: int = 0
    servers: int = 0

    def get(self, key: str) -> int:
        return int(getattr(self, key))

    def plus(self, other: Peak) -> Peak:
        return Peak(*(a + b for a, b in zip(self, other, strict=True)))


class Demand(NamedTuple):
    """One resource in one namespace: its moments, and what runs while it rests."""

    kind: str
    name: str
    namespace: str
    source: str  # the landscape file it comes from
    moments: tuple[Moment, ...]
    rest: Moment  # steady state: what is reserved all the time (the cost)
    servers: int = 0

    @property
    def peak(self) -> Peak:
        cpu = memory = storage = 0
        for m in self.moments:
            limits = m.limits
            cpu, memory = max(cpu, limits.cpu), max(memory, limits.memory)
            storage = max(storage, m.storage)
        return Peak(cpu, memory, storage, self.servers)

    def peak_moment(self, key: str) -> Moment:
        """The moment that sets the peak of `key`."""
        if key == "storage":
            return max(self.moments, key=lambda m: m.storage)
        return max(self.moments, key=lambda m: getattr(m.limits, key))

    def containers(self) -> Iterable[tuple[Moment, Pod, Container]]:
        seen: set[tuple[str, Container]] = set()
        for moment in self.moments:
            for pod in moment.pods:
                for container in (*pod.init, *pod.containers):
                    if (pod.name, container) not in seen:
                        seen.add((pod.name, container))
                        yield moment, pod, container

    def claims(self) -> Iterable[Claim]:
        seen: set[Claim] = set()
        for moment in self.moments:
            for claim in moment.claims:
                if claim not in seen:
                    seen.add(claim)
                    yield claim


# --- from a landscape resource ---


# The quota policy and the limit-range check both ask for every resource's demand; a
# document never changes, so the answer is kept for as long as the entity lives
_DEMANDS: weakref.WeakKeyDictionary[Resource, tuple[Stack, Demand]] = weakref.WeakKeyDictionary()


def demand(resource: Resource, stack: Stack) -> Demand:
    """What `resource` runs in `stack`, as the operators will run it."""
    kept = _DEMANDS.get(resource)
    if kept is not None and kept[0] is stack:
        return kept[1]
    if isinstance(resource, Service):
        found = _service(resource, stack)
    elif isinstance(resource, Database):
        found = _database(resource, stack)
    else:
        assert isinstance(resource, Server)
        found = _server(resource, stack)
    _DEMANDS[resource] = (stack, found)
    return found


def database_resources(db: Database | None, stack: Stack) -> tuple[str, str]:
    """The CPU and memory of each instance, as written: the database's own, else the
    stack's default, else the built-in default."""
    declared = db.spec.get("resources") if db is not None else None
    if declared:
        return str(declared["cpu"]), str(declared["memory"])
    defaults: Mapping[str, Any] = stack.spec.get("defaults", {}).get("databaseResources", {})
    return (
        str(defaults.get("cpu", DEFAULT_DATABASE_CPU)),
        str(defaults.get("memory", DEFAULT_DATABASE_MEMORY)),
    )


def _service(svc: Service, stack: Stack) -> Demand:
    resources = svc.spec["resources"]
    requests, limits = resources["requests"], resources["limits"]
    container = Container(
        svc.name,
        Amounts(parse_cpu(str(requests["cpu"])), parse_bytes(str(requests["memory"]))),
        Amounts(parse_cpu(str(limits["cpu"])), parse_bytes(str(limits["memory"]))),
    )
    autoscaling = svc.spec.get("autoscaling")
    if autoscaling:
        least, most = int(autoscaling["minReplicas"]), int(autoscaling["maxReplicas"])
    else:
        least = most = svc.replicas(stack)
    if svc.retirement is not None:
        # Retired: the renderer scales it to nothing and drops its autoscaler
        least = most = 0
    return deployment_demand(
        svc.name, stack.namespace_of(svc), svc.path, (container,), least, most, None
    )


def deployment_demand(
    name: str,
    namespace: str,
    source: str,
    containers: tuple[Container, ...],
    least: int,
    most: int,
    strategy: Mapping[str, Any] | None,
    init: tuple[Container, ...] = (),
) -> Demand:
    surge = max_surge(most, strategy)
    pods = [Pod(name, "replica", containers, init, most)]
    if surge:
        pods.append(Pod(name, "surge", containers, init, surge))
    rollout = Moment("a rolling update at the most replicas", tuple(pods))
    rest = Moment("at rest", (Pod(name, "replica", containers, init, least),))
    return Demand("Service", name, namespace, source, (rollout,), rest)


def max_surge(replicas: int, strategy: Mapping[str, Any] | None) -> int:
    """How many pods a rolling update adds above `replicas` (apps/v1: maxSurge, 25%
    by default, a percentage rounded up; none for Recreate)."""
    strategy = strategy or {}
    if strategy.get("type") == "Recreate":
        return 0
    value = (strategy.get("rollingUpdate") or {}).get("maxSurge", DEFAULT_MAX_SURGE)
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(replicas * int(value[:-1]) / 100)
    return int(value)


# CloudNativePG's Barman Cloud plugin (its name as it registers with the operator)
# injects this sidecar into every instance, sized by the ObjectStore's
# `instanceSidecarConfiguration.resources`. The renderer sets them explicitly: the
# namespace's ResourceQuota counts them, and the LimitRange default would otherwise apply.
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
# CloudNativePG's declarative hibernation: "on" removes the instances, keeps the PVCs
HIBERNATION_ANNOTATION = "cnpg.io/hibernation"
BARMAN_SIDECAR = "plugin-barman-cloud"
BACKUP_SIDECAR_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
# A WAL volume derived from the stack's threshold: a tenth of the data, at least this
MIN_WAL_BYTES = 10 * 1024**3


def wal_storage(db: Database, stack: Stack) -> tuple[int, str] | None:
    """(bytes, storage class) of each instance's separate WAL volume, or None: the
    database's own spec.walStorage, else a tenth of its storage (at least 10Gi, in whole
    Gi) when its storage reaches the stack's spec.databases.separateWalFrom."""
    declared = db.spec.get("walStorage")
    if declared:
        return parse_bytes(str(declared["size"])), str(
            declared.get("class", db.storage_class(stack))
        )
    threshold = stack.spec.get("databases", {}).get("separateWalFrom")
    if threshold is None or db.storage_bytes < parse_bytes(str(threshold)):
        return None
    gib = 1024**3
    size = max(MIN_WAL_BYTES, -(-db.storage_bytes // 10 // gib) * gib)
    return size, db.storage_class(stack)


def _database(db: Database, stack: Stack) -> Demand:
    cpu, memory = database_resources(db, stack)
    amounts = Amounts(parse_cpu(cpu), parse_bytes(memory))
    instances = db.instances(stack)
    storage_class = db.storage_class(stack)
    claims = [Claim(f"{db.name}-N", "data", db.storage_bytes, instances, storage_class)]
    wal = wal_storage(db, stack)
    if wal is not None:
        claims.append(Claim(f"{db.name}-N-wal", "wal", wal[0], instances, wal[1]))
    # The renderer gives a Cluster the plugin (and so the sidecar) when the database has
    # backups and the stack a store; render/database.py reports a missing store
    sidecars: tuple[Container, ...] = ()
    if db.spec.get("backup") and stack.spec.get("databases", {}).get("backupStore"):
        sidecars = (
            _rendered_container({"name": BARMAN_SIDECAR, "resources": BACKUP_SIDECAR_RESOURCES}),
        )
    # A restored database's recovery Job gets the sidecar of its source's ObjectStore,
    # which the renderer sizes like every other (database-restore holds the source to
    # backups in this stack)
    recovery: tuple[Container, ...] | None = None
    if db.restore is not None:
        recovery = ()
        if stack.spec.get("databases", {}).get("backupStore"):
            recovery = (
                _rendered_container(
                    {"name": BARMAN_SIDECAR, "resources": BACKUP_SIDECAR_RESOURCES}
                ),
            )
    # The test that holds this door equal to the rendered one fails when the renderer
    # gives a Cluster something this does not count
    return cluster_demand(
        db.name,
        stack.namespace_of(db),
        db.path,
        instances,
        amounts,
        amounts,
        tuple(claims),
        sidecars,
        recovery,
        hibernated=db.retirement is not None,
    )


def cluster_demand(
    name: str,
    namespace: str,
    source: str,
    instances: int,
    requests: Amounts,
    limits: Amounts,
    claims: tuple[Claim, ...],
    sidecars: tuple[Container, ...] = (),
    recovery: tuple[Container, ...] | None = None,
    hibernated: bool = False,
) -> Demand:
    """A CloudNativePG Cluster: `instances` pods of `postgres` (and the plugins'
    sidecars), after the `bootstrap-controller` init container, and `claims`. With
    `recovery` (the sidecars of its Job; None for a cluster made by initdb), first the
    full-recovery Job's one pod, alone, writing to the first instance's claims (counted
    as all of them: the running moment has those and more). A hibernated cluster
    (`cnpg.io/hibernation: "on"`, a retired database) has no pods and keeps its claims;
    its bootstrap is long done."""
    why = f"{name} instance"
    postgres = Container("postgres", requests, limits, why)
    bootstrap = Container("bootstrap-controller", requests, limits, why)
    pods = 0 if hibernated else instances
    pod = Pod(f"{name}-N", "instance", (postgres, *sidecars), (bootstrap,), pods)
    running = Moment("hibernated" if hibernated else "running", (pod,), claims)
    moments: tuple[Moment, ...] = (running,)
    if recovery is not None and not hibernated:
        job_why = f"{name} recovery from backups"
        job = Pod(
            f"{name}-1-full-recovery",
            "full-recovery",
            (Container("full-recovery", requests, limits, job_why), *recovery),
            (Container("bootstrap-controller", requests, limits, job_why),),
        )
        moments = (Moment("recovery from backups", (job,), claims), running)
    return Demand("Database", name, namespace, source, moments, running)


def _server(server: Server, stack: Stack) -> Demand:
    cores, memory = server.cpu, server.memory_bytes
    vmi = Guest(
        vcpus=cores,
        guest=memory,
        requests=Amounts(cores * 1000, memory),
        limits=Amounts(cores * 1000, memory),
        graphics=True,
        console_log=True,
    )
    return vm_demand(
        server.name,
        stack.namespace_of(server),
        server.path,
        vmi if server.spec.get("running", True) and server.retirement is None else None,
        {f"{server.name}-root": (server.disk_bytes, True)},
        server.storage_class(stack),
    )


class Guest(NamedTuple):
    """What KubeVirt reads from a VirtualMachineInstance, after its webhook's defaults."""

    vcpus: int
    guest: int
    requests: Amounts
    limits: Amounts
    graphics: bool
    console_log: bool


def memory_overhead(vmi: Guest) -> int:
    """KubeVirt v1.6.0 `GetMemoryOverhead` on amd64, for a VM with no probes, TPM,
    VFIO, SEV or downward metrics, and no extra ratio in the KubeVirt CR."""
    kilo = -(-vmi.requests.memory // 1000)  # ScaledValue(Kilo) rounds up
    overhead = kilo * 1000 // 512  # page tables
    overhead += LAUNCHER_FIXED_OVERHEAD
    overhead += OVERHEAD_PER_VCPU * max(vmi.vcpus, 1)
    overhead += IOTHREAD_OVERHEAD
    if vmi.graphics:
        overhead += VIDEO_OVERHEAD
    if guaranteed(vmi):
        overhead += GUARANTEED_OVERHEAD
    return overhead


def guaranteed(vmi: Guest) -> bool:
    """`WantsToHaveQOSGuaranteed`: requests equal limits for CPU and memory."""
    return vmi.requests == vmi.limits and vmi.requests.cpu > 0 and vmi.requests.memory > 0


def launcher_pod(name: str, vmi: Guest) -> Pod:
    overhead = memory_overhead(vmi)
    why = "the guest and KubeVirt's memory overhead"
    compute = Container(
        "compute",
        Amounts(vmi.requests.cpu, vmi.requests.memory + overhead),
        Amounts(vmi.limits.cpu, vmi.limits.memory + overhead),
        why,
    )
    containers = [compute]
    if vmi.console_log:
        limits = Amounts(*CONSOLE_LOG_LIMITS)
        requests = limits if guaranteed(vmi) else Amounts(*CONSOLE_LOG_REQUESTS)
        containers.append(Container("guest-console-log", requests, limits, "serial console log"))
    return Pod(f"virt-launcher-{name}", "virt-launcher", tuple(containers), profile="privileged")


def importer_pod(name: str) -> Pod:
    importer = Container(
        "importer", Amounts(*IMPORTER_REQUESTS), Amounts(*IMPORTER_LIMITS), "CDI importer"
    )
    return Pod(f"importer-prime-{name}", "importer", (importer,))


def cdi_claim_size(size: int, inflate: bool = True) -> int:
    """The claim CDI makes for a DataVolume's `storage` of `size` on a Filesystem volume
    (`GetRequiredSpace`): aligned to 1Mi and divided by (1 - filesystem overhead)."""
    if not inflate:
        return size
    aligned = -(-size // ALIGN) * ALIGN
    return math.ceil(aligned / (1 - FILESYSTEM_OVERHEAD))


def cdi_scratch_size(claim: int) -> int:
    """CDI's scratch claim for a target claim of `claim` bytes (`createScratchPersistentVolumeClaim`)."""
    usable = math.ceil((1 - FILESYSTEM_OVERHEAD) * claim) // ALIGN * ALIGN
    raw = math.ceil(usable / (1 - FILESYSTEM_OVERHEAD))
    return -(-raw // ALIGN) * ALIGN


def vm_demand(
    name: str,
    namespace: str,
    source: str,
    vmi: Guest | None,
    disks: Mapping[str, tuple[int, bool]],
    storage_class: str,
) -> Demand:
    """`vmi` is None for a halted VM; `disks` maps each DataVolume to its requested
    size and whether CDI inflates it (the `storage` API does, `pvc` does not)."""
    steady, importing, importers = [], [], []
    for disk, (size, inflate) in sorted(disks.items()):
        claim = cdi_claim_size(size, inflate)
        steady.append(Claim(disk, "disk", claim, 1, storage_class))
        importing += [
            Claim(disk, "disk", claim, 1, storage_class),
            Claim(f"prime-{disk}", "prime", claim, 1, storage_class),
            Claim(f"{disk}-scratch", "scratch", cdi_scratch_size(claim), 1, storage_class),
        ]
        importers.append(importer_pod(disk))
    pods = (launcher_pod(name, vmi),) if vmi is not None else ()
    running = Moment("running" if vmi is not None else "halted", pods, tuple(steady))
    first = Moment("first import", tuple(importers), tuple(importing))
    return Demand("Server", name, namespace, source, (first, running), running, servers=1)


# --- from the rendered objects ---


def rendered_demands(objects: Iterable[Mapping[str, Any]]) -> list[Demand]:
    """The demand of every Deployment, CloudNativePG Cluster and KubeVirt
    VirtualMachine among `objects`, read as the cluster will read them."""
    objects = list(objects)
    autoscalers: dict[tuple[str, str], Mapping[str, Any]] = {}
    defaults: dict[str, tuple[Amounts, Amounts]] = {}
    stores: dict[tuple[str, str], Mapping[str, Any]] = {}
    for obj in objects:
        meta, kind = obj["metadata"], obj["kind"]
        if kind == "HorizontalPodAutoscaler":
            target = obj["spec"]["scaleTargetRef"]
            autoscalers[(meta["namespace"], target["name"])] = obj["spec"]
        elif kind == "LimitRange":
            for item in obj["spec"]["limits"]:
                if item["type"] == "Container":
                    defaults[meta["namespace"]] = (
                        _amounts(item["default"]),
                        _amounts(item["defaultRequest"]),
                    )
        elif kind == "ObjectStore" and obj["apiVersion"].startswith("barmancloud.cnpg.io/"):
            stores[(meta["namespace"], meta["name"])] = obj["spec"]
    found = []
    for obj in objects:
        kind = obj["kind"]
        if kind == "Deployment":
            found.append(_rendered_deployment(obj, autoscalers))
        elif kind == "Cluster" and obj["apiVersion"].startswith("postgresql.cnpg.io/"):
            found.append(_rendered_cluster(obj, defaults, stores))
        elif kind == "VirtualMachine":
            found.append(_rendered_vm(obj))
    return found


def _amounts(values: Mapping[str, Any]) -> Amounts:
    return Amounts(kube_cpu(values["cpu"]), kube_bytes(values["memory"]))


def _source(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    meta = obj["metadata"]
    return meta["name"], meta["namespace"], meta["annotations"][SOURCE_ANNOTATION]


def _rendered_container(
    spec: Mapping[str, Any], defaults: tuple[Amounts, Amounts] | None = None
) -> Container:
    """A container's requests and limits after the LimitRange's defaults: a missing
    limit is the default; a missing request is the limit when one was declared, else
    the default request."""
    resources = spec.get("resources") or {}
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    default, default_request = defaults or (Amounts(), Amounts())
    limit = Amounts(
        kube_cpu(limits["cpu"]) if "cpu" in limits else default.cpu,
        kube_bytes(limits["memory"]) if "memory" in limits else default.memory,
    )
    request = Amounts(
        kube_cpu(requests["cpu"])
        if "cpu" in requests
        else (limit.cpu if "cpu" in limits else default_request.cpu),
        kube_bytes(requests["memory"])
        if "memory" in requests
        else (limit.memory if "memory" in limits else default_request.memory),
    )
    return Container(str(spec["name"]), request, limit)


def _rendered_deployment(
    obj: Mapping[str, Any], autoscalers: Mapping[tuple[str, str], Mapping[str, Any]]
) -> Demand:
    name, namespace, source = _source(obj)
    spec = obj["spec"]
    pod = spec["template"]["spec"]
    containers = tuple(_rendered_container(c) for c in pod["containers"])
    init = tuple(_rendered_container(c) for c in pod.get("initContainers", []))
    scaler = autoscalers.get((namespace, name))
    if scaler is not None:
        least, most = int(scaler.get("minReplicas", 1)), int(scaler["maxReplicas"])
    else:
        least = most = int(spec.get("replicas", 1))
    return deployment_demand(
        name, namespace, source, containers, least, most, spec.get("strategy"), init
    )


def _rendered_cluster(
    obj: Mapping[str, Any],
    defaults: Mapping[str, tuple[Amounts, Amounts]],
    stores: Mapping[tuple[str, str], Mapping[str, Any]],
) -> Demand:
    name, namespace, source = _source(obj)
    spec = obj["spec"]
    limits = defaults.get(namespace)
    postgres = _rendered_container({"name": "postgres", "resources": spec.get("resources")}, limits)
    instances = int(spec.get("instances", 1))
    storage_class = str(spec["storage"].get("storageClass", ""))
    claims = [
        Claim(f"{name}-N", "data", kube_bytes(spec["storage"]["size"]), instances, storage_class)
    ]
    wal = spec.get("walStorage")
    if wal:
        wal_class = str(wal.get("storageClass", storage_class))
        claims.append(Claim(f"{name}-N-wal", "wal", kube_bytes(wal["size"]), instances, wal_class))
    sidecars = []
    for plugin in spec.get("plugins", []):
        if plugin.get("name") == BARMAN_PLUGIN and plugin.get("enabled", True):
            store_name = (plugin.get("parameters") or {}).get("barmanObjectName", "")
            store = stores.get((namespace, store_name), {})
            sidecar = store.get("instanceSidecarConfiguration", {})
            sidecars.append(
                _rendered_container(
                    {"name": BARMAN_SIDECAR, "resources": sidecar.get("resources")}, limits
                )
            )
    hibernated = obj["metadata"].get("annotations", {}).get(HIBERNATION_ANNOTATION) == "on"
    return cluster_demand(
        name,
        namespace,
        source,
        instances,
        postgres.requests,
        postgres.limits,
        tuple(claims),
        tuple(sidecars),
        _rendered_recovery(spec, namespace, stores, limits),
        hibernated,
    )


def _rendered_recovery(
    spec: Mapping[str, Any],
    namespace: str,
    stores: Mapping[tuple[str, str], Mapping[str, Any]],
    limits: tuple[Amounts, Amounts] | None,
) -> tuple[Container, ...] | None:
    """The sidecars of a Cluster's full-recovery Job, or None when it bootstraps
    otherwise: the Barman Cloud plugin's, sized by the ObjectStore of the external
    cluster that `bootstrap.recovery.source` names."""
    recovery = (spec.get("bootstrap") or {}).get("recovery")
    if not recovery or not recovery.get("source"):
        return None
    for external in spec.get("externalClusters") or []:
        plugin = external.get("plugin") or {}
        if external.get("name") == recovery["source"] and plugin.get("name") == BARMAN_PLUGIN:
            store_name = (plugin.get("parameters") or {}).get("barmanObjectName", "")
            store = stores.get((namespace, store_name), {})
            sidecar = store.get("instanceSidecarConfiguration", {})
            return (
                _rendered_container(
                    {"name": BARMAN_SIDECAR, "resources": sidecar.get("resources")}, limits
                ),
            )
    return ()


def _rendered_vm(obj: Mapping[str, Any]) -> Demand:
    name, namespace, source = _source(obj)
    spec = obj["spec"]
    halted = spec.get("runStrategy") == "Halted" or spec.get("running") is False
    domain = spec["template"]["spec"]["domain"]
    resources = domain.get("resources") or {}
    limits, requests = dict(resources.get("limits") or {}), dict(resources.get("requests") or {})
    # The VMI webhook's defaults (pkg/defaults): a limit without a request is the request
    for key in ("cpu", "memory"):
        if key in limits and key not in requests:
            requests[key] = limits[key]
    guest = domain.get("memory", {}).get("guest") or requests.get("memory")
    if "memory" not in requests and guest:
        requests["memory"] = guest
    cpu = domain.get("cpu") or {}
    vcpus = (
        int(cpu.get("cores", 1)) * int(cpu.get("sockets", 1)) * int(cpu.get("threads", 1))
        if cpu
        else math.ceil(kube_cpu(limits.get("cpu", requests.get("cpu", "1"))) / 1000)
    )
    devices = domain.get("devices") or {}
    vmi = Guest(
        vcpus=vcpus,
        guest=kube_bytes(str(guest)),
        requests=Amounts(
            kube_cpu(requests.get("cpu", "0")), kube_bytes(requests.get("memory", "0"))
        ),
        limits=Amounts(kube_cpu(limits.get("cpu", "0")), kube_bytes(limits.get("memory", "0"))),
        graphics=devices.get("autoattachGraphicsDevice", True) is not False,
        console_log=devices.get("autoattachSerialConsole", True) is not False
        and devices.get("logSerialConsole", True) is not False,
    )
    disks: dict[str, tuple[int, bool]] = {}
    storage_class = ""
    for template in spec.get("dataVolumeTemplates", []):
        dv = template["spec"]
        inflate = "storage" in dv
        claim = dv["storage"] if inflate else dv["pvc"]
        storage_class = str(claim.get("storageClassName", storage_class))
        disks[template["metadata"]["name"]] = (
            kube_bytes(claim["resources"]["requests"]["storage"]),
            inflate,
        )
    return vm_demand(name, namespace, source, None if halted else vmi, disks, storage_class)


# Kubernetes quantities as operators and manifests write them, in both unit systems
_QUANTITY = re.compile(r"^([0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_SUFFIX: dict[str | None, int | Decimal] = {
    None: 1,
    "m": Decimal("0.001"),
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "P": 1000**5,
    "E": 1000**6,
    "Ki": 1024,
    "Mi": MI,
    "Gi": GI,
    "Ti": 1024**4,
    "Pi": 1024**5,
    "Ei": 1024**6,
}


def _quantity(text: object) -> Decimal:
    match = _QUANTITY.match(str(text).strip())
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    return Decimal(match.group(1)) * _SUFFIX[match.group(2)]


def kube_cpu(text: object) -> int:
    """Millicores of any Kubernetes CPU quantity."""
    return math.ceil(_quantity(text) * 1000)


def kube_bytes(text: object) -> int:
    """Bytes of any Kubernetes quantity (`60M`, `16Gi`)."""
    return math.ceil(_quantity(text))


# --- the namespace's quota and limits ---


class LimitRange(NamedTuple):
    """The Container and PersistentVolumeClaim limits of a team's namespace."""

    min: Amounts
    max: Amounts | None  # None: the team has no quota in the stack, so no maximum
    default: Amounts
    default_request: Amounts
    claim_max: int | None


def quota_amounts(quota: Mapping[str, Any] | None) -> Peak | None:
    """A team's quota in a stack in the model's units; None when it has none there."""
    if quota is None:
        return None
    return Peak(
        parse_cpu(str(quota["cpu"])),
        parse_bytes(str(quota["memory"])),
        parse_bytes(str(quota["storage"])),
        int(quota["servers"]),
    )


def namespace_quotas(
    quota: Mapping[str, Any] | None, servers: Iterable[Demand]
) -> tuple[Peak | None, Peak | None]:
    """A team's one quota in a stack, split over its two namespaces: (team namespace,
    VM namespace). The VM namespace gets exactly the modelled peak of its servers
    (capped by the quota, so that the two never sum to more): nothing but the apply
    creates anything there, so nothing else may fit. The team namespace gets the rest.
    The two sum to the team's quota key by key; LND007 judges the whole. None for both
    when the team has no quota in the stack (every amount is then zero)."""
    amounts = quota_amounts(quota)
    if amounts is None:
        return None, None
    peak = Peak()
    for server in servers:
        peak = peak.plus(server.peak)
    vm = Peak(*(min(p, q) for p, q in zip(peak, amounts, strict=True)))
    team = Peak(*(q - v for q, v in zip(amounts, vm, strict=True)))
    return team, vm


def limit_range(quota: Mapping[str, Any] | None) -> LimitRange:
    """Defaults for containers that declare no resources, capped by the quota; a
    minimum against typos; no single container or claim larger than the whole quota."""
    return limits_for(quota_amounts(quota))


def limits_for(amounts: Peak | None) -> LimitRange:
    """`limit_range` for a namespace's share of the quota (`namespace_quotas`). A share
    below the minimum (a team namespace whose quota all goes to its servers) still gives
    a LimitRange the API server accepts: maximum and defaults never under the minimum."""
    least = Amounts(*MIN_CONTAINER)
    if amounts is None:
        return LimitRange(least, None, Amounts(*DEFAULT_LIMIT), Amounts(*DEFAULT_REQUEST), None)
    most = Amounts(max(amounts.cpu, least.cpu), max(amounts.memory, least.memory))
    default = Amounts(min(DEFAULT_LIMIT[0], most.cpu), min(DEFAULT_LIMIT[1], most.memory))
    request = Amounts(min(DEFAULT_REQUEST[0], most.cpu), min(DEFAULT_REQUEST[1], most.memory))
    return LimitRange(least, most, default, request, amounts.storage)


class Breach(NamedTuple):
    """A container or claim (or several of one size) the LimitRange refuses."""

    key: str  # cpu, memory or storage
    what: str  # "container compute of pod virt-launcher-pbx-1"
    amount: int
    bound: int
    above: bool  # True: over the maximum; False: under the minimum
    many: bool = False  # `what` names more than one


def breaches(found: Demand, limits: LimitRange) -> list[Breach]:
    """What in `found` the namespace's LimitRange refuses at admission; containers of
    one pod, or claims, refused for the same amount are named together."""
    refused: dict[tuple[str, str, int, int, bool], list[str]] = {}
    for _, pod, container in found.containers():
        for key in ("cpu", "memory"):
            least = getattr(limits.min, key)
            most = getattr(limits.max, key) if limits.max else None
            request, limit = getattr(container.requests, key), getattr(container.limits, key)
            if most is not None and limit > most:
                refused.setdefault((pod.name, key, limit, most, True), []).append(container.name)
            if request < least:
                refused.setdefault((pod.name, key, request, least, False), []).append(
                    container.name
                )
    out = [
        Breach(
            key, f"{_named('container', names)} of pod {pod}", amount, bound, above, len(names) > 1
        )
        for (pod, key, amount, bound, above), names in refused.items()
    ]
    if limits.claim_max is not None:
        over = [c for c in found.claims() if c.size > limits.claim_max]
        if over:
            what = _named("volume claim", [f"{c.name} ({c.role})" for c in over])
            largest = max(c.size for c in over)
            out.append(Breach("storage", what, largest, limits.claim_max, True, len(over) > 1))
    return out


def _named(noun: str, names: list[str]) -> str:
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{noun}{'s' if len(names) > 1 else ''} {listed}"


# --- one unit per column ---

_BINARY_UNITS = (("Ti", 1024**4), ("Gi", GI), ("Mi", MI), ("Ki", 1024))


def unit_for(key: str, amounts: list[int]) -> tuple[str, int]:
    """The unit a column of amounts of `key` prints in: cores for CPU, a count for
    servers, and for bytes the largest binary unit that the smallest non-zero amount
    reaches and in which the last amount (the quota or limit it is compared with) is
    exact to two decimals: `1054.7Gi / 500Gi`, `7700Gi / 8512Gi`, `2.69Ti / 3.25Ti`."""
    if key == "cpu":
        return "", 1000
    if key == "servers":
        return "", 1
    smallest = min((a for a in amounts if a), default=0)
    reference = amounts[-1] if amounts else 0
    reached = [(unit, size) for unit, size in _BINARY_UNITS if smallest >= size]
    for unit, size in reached[:-1] if len(reached) > 1 else reached:
        if (reference * 100) % size == 0:
            return unit, size
    # A reference no unit prints exactly (a namespace's share of a quota, which is a
    # modelled peak in bytes): the largest unit reached, and `column` rounds it up too
    return reached[0] if reached else ("Ki", 1024)


def in_unit(amount: int, unit: tuple[str, int], *, up: bool = False) -> str:
    """`amount` in `unit` with at most two decimals, three for CPU cores (rounded up
    with `up`, so that a peak never prints smaller than it is)."""
    suffix, size = unit
    if size == 1:
        return f"{amount}{suffix}"
    rounding = ROUND_CEILING if up else ROUND_HALF_UP
    places = Decimal("0.001") if size == 1000 else Decimal("0.01")  # millicores are exact
    value = (Decimal(amount) / size).quantize(places, rounding=rounding)
    return f"{value.normalize():f}{suffix}"


def column(key: str, amounts: list[int], *, up: bool = False) -> list[str]:
    """Amounts of one quota key, all in one unit: `['56.5Gi', '80Gi']`. With `up`, every
    amount but the last (the quota or limit, printed exactly where it can be) is rounded
    up."""
    unit = unit_for(key, amounts)
    *used, reference = amounts
    # A reference that is not exact in the unit rounds as the others do, so that an
    # amount that fits never prints larger than what it fits in
    exact = unit[1] == 1 or (reference * (1000 if unit[1] == 1000 else 100)) % unit[1] == 0
    return [in_unit(a, unit, up=up) for a in used] + [in_unit(reference, unit, up=up and not exact)]
