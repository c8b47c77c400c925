"""Kubernetes objects as landscape resources: what `platform import` reads back.

`read_objects` groups the objects of a namespace (or of a folder of manifests) into
resources: a Deployment with its Services, Ingress and HorizontalPodAutoscaler becomes
a Service; a CloudNativePG Cluster with its ScheduledBackup and ObjectStore a Database;
a KubeVirt VirtualMachine with its Services a Server. It reads the fields the model
has, and nothing else: what the model cannot say is found afterwards by rendering the
written resources and comparing (`unexpressible`), so that no field is judged by a
second, hand-kept list of what the renderer writes. Objects of other kinds are listed
(`import-unknown-kind`), never dropped.

The objects the renderer derives (ServiceAccount, PodDisruptionBudget, the resource's
NetworkPolicy) are read too: a NetworkPolicy's consumers are the dependencies of the
resources they name. The team's own namespace objects (the Namespace, its quota,
LimitRange, roles and default-deny policy, labelled `component: namespace`) belong to
the team, not to a resource, and are neither read nor reported.

Pure: objects in, `Candidate`s and findings out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_cli.checks.adoption import IMPORT_UNEXPRESSIBLE, IMPORT_UNKNOWN_KIND
from platform_cli.findings import Finding
from platform_cli.load.model import Stack
from platform_cli.render.database import BARMAN_API
from platform_cli.render.meta import (
    COMPONENT_LABEL,
    COMPONENTS,
    DELETION_PROTECTION_ANNOTATION,
    DOMAIN,
    NAME_LABEL,
    SYSTEM_LABEL,
    TEAM_LABEL,
)
from platform_cli.render.workload import DATABASE_ENV, env_prefix

CNPG_API = "postgresql.cnpg.io/v1"
KUBEVIRT_API = "kubevirt.io/v1"
_KIND_OF_COMPONENT = {v: k for k, v in COMPONENTS.items()}
_DEPENDENCY_KEY = {"Service": "service", "Database": "database", "Server": "server"}
# Labels Kubernetes' recommended set and the platform own: derived, never user labels
_DERIVED_LABEL = re.compile(r"^(app\.kubernetes\.io/|" + re.escape(DOMAIN) + "/)")
# What Kubernetes puts in every namespace by itself: nobody's choice, nothing to import
_EVERY_NAMESPACE = {("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")}
_CPU_MILLI = re.compile(r"^([0-9]+)m$")


@dataclass
class Candidate:
    """One resource read from existing objects, before its team and system are known."""

    kind: str  # Service, Database or Server
    name: str
    namespace: str
    # From the platform's labels, when the objects carry them
    team: str = ""
    system: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    # The input objects it was read from, first the main one
    objects: list[Mapping[str, Any]] = field(default_factory=list)
    # Where each input object came from (a file of a folder, or the namespace)
    where: str = ""
    notes: list[Finding] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class Read:
    candidates: list[Candidate]
    findings: list[Finding]


def describe(obj: Mapping[str, Any]) -> str:
    """`Deployment legacy-crm/crm-web`."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    name = meta.get("name", "?")
    return (
        f"{obj.get('kind', '?')} {namespace}/{name}" if namespace else f"{obj.get('kind')} {name}"
    )


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    labels = _meta(obj).get("labels")
    return labels if isinstance(labels, Mapping) else {}


def _get(obj: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            if not isinstance(obj, list) or len(obj) <= key:
                return None
        elif not isinstance(obj, Mapping):
            return None
        obj = obj[key] if isinstance(key, int) else obj.get(key)
    return obj


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def read_objects(objects: Iterable[Mapping[str, Any]], where: Mapping[int, str]) -> Read:
    """Candidates and the findings of reading `objects`; `where[id(obj)]` names the file
    (or namespace) each object came from, for the findings."""
    items = [o for o in objects if isinstance(o, Mapping)]
    used: set[int] = set()
    candidates: list[Candidate] = []
    findings: list[Finding] = []
    # Objects of one namespace only ever belong together: grouping by namespace first
    # keeps the matching of Services to workloads linear in the namespaces' count
    by_namespace: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for obj in items:
        namespace = str(_meta(obj).get("namespace", ""))
        by_namespace.setdefault(namespace, {}).setdefault(str(obj.get("kind", "")), []).append(obj)
        if _labels(obj).get(COMPONENT_LABEL) == "namespace" or obj.get("kind") == "Namespace":
            used.add(id(obj))  # the team's namespace objects
        if (str(obj.get("kind")), str(_meta(obj).get("name"))) in _EVERY_NAMESPACE:
            used.add(id(obj))
    policies = [p for group in by_namespace.values() for p in group.get("NetworkPolicy", [])]
    for _, by_kind in sorted(by_namespace.items()):
        found = []
        for obj in by_kind.get("Deployment", []):
            found.append(_service(obj, by_kind, used))
            used.update(id(o) for o in found[-1].objects)
        for obj in by_kind.get("Cluster", []):
            if str(obj.get("apiVersion", "")).startswith("postgresql.cnpg.io/"):
                found.append(_database(obj, by_kind, used))
                used.update(id(o) for o in found[-1].objects)
        for obj in by_kind.get("VirtualMachine", []):
            if str(obj.get("apiVersion", "")).startswith("kubevirt.io/"):
                found.append(_server(obj, by_kind, used))
                used.update(id(o) for o in found[-1].objects)
        candidates += found
    for candidate in candidates:
        candidate.where = where.get(id(candidate.objects[0]), "")
    _dependencies(candidates, policies, used)
    for obj in items:
        if id(obj) in used:
            continue
        source = where.get(id(obj), "")
        findings.append(
            IMPORT_UNKNOWN_KIND.finding(
                source,
                0,
                0,
                f"{describe(obj)}: not imported: no Deployment, Cluster or VirtualMachine "
                "of the input uses it, and the landscape has no kind for it",
                "the apply leaves it alone; declare what it does another way, or delete it "
                "once the imported resources replace it",
            )
        )
    return Read(candidates, findings)


def _common(kind: str, obj: Mapping[str, Any], notes: list[Finding] | None = None) -> Candidate:
    meta = _meta(obj)
    labels = _labels(obj)
    user = {str(k): str(v) for k, v in sorted(labels.items()) if not _DERIVED_LABEL.match(str(k))}
    return Candidate(
        kind=kind,
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        team=str(labels.get(TEAM_LABEL, "")),
        system=str(labels.get(SYSTEM_LABEL, "")),
        labels=user,
        objects=[obj],
        notes=notes or [],
    )


# Service: Deployment, Services, Ingress, HorizontalPodAutoscaler


def _service(
    deployment: Mapping[str, Any], by_kind: Mapping[str, list[Mapping[str, Any]]], used: set[int]
) -> Candidate:
    candidate = _common("Service", deployment)
    name = candidate.name
    template_labels = _get(deployment, "spec", "template", "metadata", "labels") or {}
    pod = _get(deployment, "spec", "template", "spec") or {}
    containers = pod.get("containers") or [{}]
    container = containers[0]
    services = [
        s
        for s in by_kind.get("Service", [])
        if id(s) not in used and _selects(_get(s, "spec", "selector") or {}, template_labels)
    ]
    names = {str(_meta(s).get("name")) for s in services}
    ingresses = [
        i for i in by_kind.get("Ingress", []) if id(i) not in used and _ingress_services(i) & names
    ]
    autoscalers = [
        h
        for h in by_kind.get("HorizontalPodAutoscaler", [])
        if id(h) not in used
        and _get(h, "spec", "scaleTargetRef", "kind") == "Deployment"
        and _get(h, "spec", "scaleTargetRef", "name") == name
    ]
    account = str(pod.get("serviceAccountName") or "")
    derived = [
        o
        for kind in ("ServiceAccount", "PodDisruptionBudget", "NetworkPolicy")
        for o in by_kind.get(kind, [])
        if id(o) not in used
        and _meta(o).get("name") == (account if kind == "ServiceAccount" else name)
        and (kind == "ServiceAccount" or _labels(o).get(COMPONENT_LABEL) == "service")
    ]
    candidate.objects += [*services, *ingresses, *autoscalers, *derived]
    spec: dict[str, Any] = {"image": str(container.get("image", ""))}
    if _get(deployment, "spec", "replicas") is not None and not autoscalers:
        spec["replicas"] = int(deployment["spec"]["replicas"])
    if container.get("args"):
        spec["args"] = [str(a) for a in container["args"]]
    spec["resources"] = _container_resources(container)
    spec["ports"] = _service_ports(container, services)
    health = _health(container)
    if health:
        spec["health"] = health
    if ingresses:
        spec["ingress"] = _ingress(ingresses[0], spec["ports"], services)
    if autoscalers:
        spec["autoscaling"] = _autoscaling(autoscalers[0])
    env, secret_env, databases = _environment(container)
    if env:
        spec["env"] = env
    if secret_env:
        spec["secretEnv"] = secret_env
    if databases:
        spec["dependsOn"] = [{"database": d} for d in databases]
    candidate.spec = spec
    return candidate


def _ingress_services(ingress: Mapping[str, Any]) -> set[str]:
    found = set()
    for rule in _get(ingress, "spec", "rules") or []:
        for path in _get(rule, "http", "paths") or []:
            service = _get(path, "backend", "service", "name")
            if service:
                found.add(str(service))
    return found


def _container_resources(container: Mapping[str, Any]) -> dict[str, Any]:
    """Requests and limits as the model takes them: each of cpu and memory falls back on
    the other side (Kubernetes' own rule for a missing request), then on nothing; the
    schema and the admission report what is still missing."""
    resources = container.get("resources") or {}
    requests = dict(resources.get("requests") or {})
    limits = dict(resources.get("limits") or {})
    out: dict[str, Any] = {"requests": {}, "limits": {}}
    for key in ("cpu", "memory"):
        request = requests.get(key, limits.get(key))
        limit = limits.get(key, requests.get(key))
        # As written: a quantity the model cannot take (decimal units, bare bytes) is
        # reported by the schema, located in the file that would be written
        if request is not None:
            out["requests"][key] = str(request)
        if limit is not None:
            out["limits"][key] = str(limit)
    return out


def _service_ports(
    container: Mapping[str, Any], services: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The container's ports, named by the container or else by the Service port that
    targets them (a port the model must name: `port-<number>` when nobody does)."""
    service_names: dict[int | str, str] = {}
    for service in services:
        for sp in _get(service, "spec", "ports") or []:
            target = sp.get("targetPort", sp.get("port"))
            if sp.get("name"):
                service_names.setdefault(target, str(sp["name"]))
    out = []
    for cp in container.get("ports") or []:
        number = int(cp.get("containerPort", 0))
        name = str(cp.get("name") or service_names.get(number) or f"port-{number}")
        port: dict[str, Any] = {"name": name, "port": number}
        if cp.get("protocol", "TCP") != "TCP":
            port["protocol"] = str(cp["protocol"])
        out.append(port)
    return out


def _health(container: Mapping[str, Any]) -> dict[str, Any]:
    """HTTP probes on one named port become `health`; the renderer's own TCP probes on
    the first port are what a service without `health` gets."""
    probes = {key: container.get(f"{key}Probe") for key in ("liveness", "readiness", "startup")}
    gets = {k: _get(p, "httpGet") for k, p in probes.items() if p}
    if not gets.get("liveness") or not gets.get("readiness"):
        return {}
    ports = {str(g.get("port")) for g in gets.values() if g}
    if len(ports) != 1:
        return {}
    health: dict[str, Any] = {"port": ports.pop()}
    for key in ("liveness", "readiness", "startup"):
        found = gets.get(key)
        if found:
            health[key] = str(found.get("path", "/"))
    return health


def _ingress(
    ingress: Mapping[str, Any], ports: list[dict[str, Any]], services: list[Mapping[str, Any]]
) -> dict[str, Any]:
    rule = _get(ingress, "spec", "rules", 0) or {}
    path = _get(rule, "http", "paths", 0) or {}
    backend_port = _get(path, "backend", "service", "port") or {}
    port = str(backend_port.get("name") or "")
    if not port and backend_port.get("number") is not None:
        number = int(backend_port["number"])
        for service in services:
            for sp in _get(service, "spec", "ports") or []:
                if int(sp.get("port", 0)) == number:
                    target = sp.get("targetPort", number)
                    port = next((p["name"] for p in ports if target in (p["name"], p["port"])), "")
    out: dict[str, Any] = {}
    if rule.get("host"):
        out["host"] = str(rule["host"])
    if path.get("path") and path["path"] != "/":
        out["path"] = str(path["path"])
    out["port"] = port or (ports[0]["name"] if ports else "")
    # Public or not is decided against the stack's classes in `settle`
    klass = _get(ingress, "spec", "ingressClassName")
    if klass:
        out["public"] = str(klass)
    return out


def _autoscaling(hpa: Mapping[str, Any]) -> dict[str, Any]:
    spec = hpa.get("spec") or {}
    out: dict[str, Any] = {
        "minReplicas": int(spec.get("minReplicas", 1)),
        "maxReplicas": int(spec.get("maxReplicas", 1)),
    }
    for metric in spec.get("metrics") or []:
        if _get(metric, "resource", "name") == "cpu":
            target = _get(metric, "resource", "target", "averageUtilization")
            if target is not None and int(target) != 75:
                out["targetCPUUtilization"] = int(target)
    return out


def _environment(
    container: Mapping[str, Any],
) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(env, secretEnv, databases): a database's six connection variables from its
    `<database>-app` secret are the renderer's, for a declared dependency."""
    env: dict[str, str] = {}
    secrets: dict[str, dict[str, str]] = {}
    for var in container.get("env") or []:
        name = str(var.get("name", ""))
        ref = _get(var, "valueFrom", "secretKeyRef")
        if "value" in var:
            env[name] = str(var["value"])
        elif ref:
            secrets[name] = {"secret": str(ref.get("name", "")), "key": str(ref.get("key", ""))}
    databases = []
    for ref in list(secrets.values()):
        secret = ref["secret"]
        if not secret.endswith("-app"):
            continue
        database = secret[: -len("-app")]
        prefix = env_prefix(database)
        wanted = {f"{prefix}_{s}": k for s, k in DATABASE_ENV}
        if database not in databases and all(
            secrets.get(v) == {"secret": secret, "key": k} for v, k in wanted.items()
        ):
            databases.append(database)
    for database in databases:
        for suffix, _ in DATABASE_ENV:
            secrets.pop(f"{env_prefix(database)}_{suffix}", None)
    return dict(sorted(env.items())), dict(sorted(secrets.items())), databases


# Database: Cluster, ScheduledBackup, ObjectStore


def _database(
    cluster: Mapping[str, Any], by_kind: Mapping[str, list[Mapping[str, Any]]], used: set[int]
) -> Candidate:
    candidate = _common("Database", cluster)
    name = candidate.name
    spec_in = cluster.get("spec") or {}
    backups = [
        b
        for b in by_kind.get("ScheduledBackup", [])
        if id(b) not in used and _get(b, "spec", "cluster", "name") == name
    ]
    store_names = {
        str(_get(p, "parameters", "barmanObjectName"))
        for p in spec_in.get("plugins") or []
        if _get(p, "parameters", "barmanObjectName")
    }
    stores = [
        s
        for s in by_kind.get("ObjectStore", [])
        if id(s) not in used
        and str(s.get("apiVersion", "")) == BARMAN_API
        and _meta(s).get("name") in store_names
    ]
    policies = [
        p
        for p in by_kind.get("NetworkPolicy", [])
        if id(p) not in used
        and _meta(p).get("name") == name
        and _labels(p).get(COMPONENT_LABEL) == "database"
    ]
    candidate.objects += [*backups, *stores, *policies]
    spec: dict[str, Any] = {"engine": "postgresql", "version": _major(spec_in.get("imageName"))}
    if spec_in.get("instances") is not None:
        spec["instances"] = int(spec_in["instances"])
    spec["storage"] = _volume(spec_in.get("storage") or {})
    wal = spec_in.get("walStorage")
    if wal:
        spec["walStorage"] = _volume(wal)
    limits = _get(spec_in, "resources", "limits") or _get(spec_in, "resources", "requests") or {}
    if limits.get("cpu") is not None and limits.get("memory") is not None:
        spec["resources"] = {"cpu": str(limits["cpu"]), "memory": str(limits["memory"])}
    if backups:
        schedule = str(_get(backups[0], "spec", "schedule") or "")
        fields = schedule.split()
        retention = str(_get(stores[0], "spec", "retentionPolicy") or "") if stores else ""
        days = int(retention[:-1]) if retention.endswith("d") and retention[:-1].isdigit() else 0
        spec["backup"] = {
            "schedule": " ".join(fields[1:] if len(fields) == 6 else fields),
            "retentionDays": days,
        }
    if _meta(cluster).get("annotations", {}).get(DELETION_PROTECTION_ANNOTATION) == "true":
        spec["deletionProtection"] = True
    candidate.spec = spec
    return candidate


def _volume(storage: Mapping[str, Any]) -> dict[str, str]:
    """A CloudNativePG `storage` or `walStorage` as the model's {size, class}."""
    volume = {"size": str(storage.get("size", ""))}
    if storage.get("storageClass"):
        volume["class"] = str(storage["storageClass"])
    return volume


def _major(image: Any) -> int:
    """16 from `.../postgresql:16.15-...`; 0 (which the schema refuses) when no tag says."""
    tag = str(image or "").rpartition("/")[2].partition("@")[0].rpartition(":")[2]
    major = tag.split(".")[0].split("-")[0]
    return int(major) if major.isdigit() else 0


# Server: VirtualMachine and its Services


def _server(
    vm: Mapping[str, Any], by_kind: Mapping[str, list[Mapping[str, Any]]], used: set[int]
) -> Candidate:
    candidate = _common("Server", vm)
    name = candidate.name
    spec_in = vm.get("spec") or {}
    template = spec_in.get("template") or {}
    template_labels = _get(template, "metadata", "labels") or {}
    services = [
        s
        for s in by_kind.get("Service", [])
        if id(s) not in used and _selects(_get(s, "spec", "selector") or {}, template_labels)
    ]
    policies = [
        p
        for p in by_kind.get("NetworkPolicy", [])
        if id(p) not in used
        and _meta(p).get("name") == name
        and _labels(p).get(COMPONENT_LABEL) == "server"
    ]
    candidate.objects += [*services, *policies]
    domain = _get(template, "spec", "domain") or {}
    cores = _get(domain, "cpu", "cores") or _get(domain, "resources", "limits", "cpu") or 0
    memory = _get(domain, "memory", "guest") or _get(domain, "resources", "requests", "memory")
    spec: dict[str, Any] = {"cpu": _whole(cores), "memory": str(memory or "")}
    disk = _get(spec_in, "dataVolumeTemplates", 0, "spec") or {}
    size = _get(disk, "storage", "resources", "requests", "storage") or _get(
        disk, "pvc", "resources", "requests", "storage"
    )
    spec["disk"] = {"size": str(size or "")}
    klass = _get(disk, "storage", "storageClassName") or _get(disk, "pvc", "storageClassName")
    if klass:
        spec["disk"]["class"] = str(klass)
    source = _get(disk, "source", "registry", "url") or _get(disk, "source", "http", "url")
    # The image's catalog name is looked up in `settle`; until then, its source
    spec["image"] = str(source or "")
    secret = ""
    for credential in _get(template, "spec", "accessCredentials") or []:
        secret = secret or str(
            _get(credential, "sshPublicKey", "source", "secret", "secretName") or ""
        )
    spec["sshKeys"] = {"secret": secret}
    strategy = spec_in.get("runStrategy")
    running = spec_in.get("running")
    if strategy == "Halted" or running is False:
        spec["running"] = False
    ports: dict[str, dict[str, Any]] = {}
    external: dict[str, Any] = {}
    for service in services:
        for sp in _get(service, "spec", "ports") or []:
            port_name = str(sp.get("name") or f"port-{sp.get('port')}")
            port: dict[str, Any] = {"name": port_name, "port": int(sp.get("port", 0))}
            if sp.get("protocol", "TCP") != "TCP":
                port["protocol"] = str(sp["protocol"])
            ports.setdefault(port_name, port)
            if _get(service, "spec", "type") in ("LoadBalancer", "NodePort"):
                external.setdefault("ports", []).append(port_name)
                external["ranges"] = list(_get(service, "spec", "loadBalancerSourceRanges") or [])
    for policy in policies:  # a halted server has no Service: its ports are in its policy
        for rule in _get(policy, "spec", "ingress") or []:
            if any("ipBlock" in peer for peer in rule.get("from") or []):
                external.setdefault(
                    "ranges",
                    [
                        str(_get(peer, "ipBlock", "cidr"))
                        for peer in rule["from"]
                        if "ipBlock" in peer
                    ],
                )
    if ports:
        spec["ports"] = list(ports.values())
    if external.get("ports"):
        spec["external"] = external
    if _meta(vm).get("annotations", {}).get(DELETION_PROTECTION_ANNOTATION) == "true":
        spec["deletionProtection"] = True
    candidate.spec = spec
    return candidate


def _whole(cpu: Any) -> int:
    text = str(cpu)
    milli = _CPU_MILLI.match(text)
    if milli:
        return -(-int(milli.group(1)) // 1000)
    try:
        return max(int(float(text) + 0.999), 0)
    except ValueError:
        return 0


# Dependencies: the consumers a NetworkPolicy admits


def _dependencies(
    candidates: list[Candidate], policies: list[Mapping[str, Any]], used: set[int]
) -> None:
    """A rendered NetworkPolicy admits, by their pods' labels, the resources that depend
    on the one it protects: each becomes a `dependsOn` entry of that consumer."""
    by_ref = {(c.kind, c.name): c for c in candidates}
    for policy in policies:
        component = _labels(policy).get(COMPONENT_LABEL)
        target_kind = _KIND_OF_COMPONENT.get(str(component))
        target = str(_labels(policy).get(NAME_LABEL, ""))
        if target_kind is None or not target:
            continue
        for rule in _get(policy, "spec", "ingress") or []:
            for peer in rule.get("from") or []:
                match = _get(peer, "podSelector", "matchLabels") or {}
                kind = _KIND_OF_COMPONENT.get(str(match.get(COMPONENT_LABEL)))
                consumer = by_ref.get((kind or "", str(match.get(NAME_LABEL, ""))))
                if consumer is None:
                    continue
                entry = {_DEPENDENCY_KEY[target_kind]: target}
                entries = consumer.spec.setdefault("dependsOn", [])
                if entry not in entries:
                    entries.append(entry)
    order = {"database": 0, "service": 1, "server": 2}
    for candidate in candidates:
        if "dependsOn" in candidate.spec:
            candidate.spec["dependsOn"].sort(key=lambda e: (order[next(iter(e))], *e.values()))


# After team and stack are known: the values that read the stack


def settle(candidate: Candidate, stack: Stack, vm_images: Mapping[str, Any]) -> list[Finding]:
    """Put the stack-dependent values in the model's terms: the ingress class as
    `public`, a server's image source as its catalog name, source ranges as allow-list
    names; leave out what equals the stack's defaults. Returns what cannot be mapped."""
    spec = candidate.spec
    notes: list[Finding] = []
    where = candidate.where
    first = describe(candidate.objects[0])
    ingress = spec.get("ingress")
    if ingress and "public" in ingress:
        cluster = stack.spec["cluster"]
        public_class = str(cluster.get("publicIngressClassName", "nginx-public"))
        if ingress["public"] == public_class:
            ingress["public"] = True
        else:
            del ingress["public"]
    if (
        ingress
        and ingress.get("host") == f"{candidate.name}.{stack.spec['cluster']['ingressDomain']}"
    ):
        del ingress["host"]
    for key in ("storage", "disk", "walStorage"):
        if _get(spec, key, "class") == stack.default_storage_class:
            del spec[key]["class"]
    if candidate.kind == "Server":
        source = spec["image"]
        names = [n for n, image in sorted(vm_images.items()) if str(image.get("source")) == source]
        if names:
            spec["image"] = names[0]
        else:
            notes.append(
                IMPORT_UNEXPRESSIBLE.finding(
                    where,
                    0,
                    0,
                    f"{first}: spec.dataVolumeTemplates[0].spec.source ({source or 'none'}) "
                    "is no image of the catalog (policies/config.yaml vmImages)",
                    f"the file names it as written; choose one of {', '.join(sorted(vm_images))} "
                    "(the architects add images to the catalog)",
                )
            )
        external = spec.get("external")
        if external:
            ranges = set(external.pop("ranges", []))
            lists: Mapping[str, Any] = (
                stack.spec["cluster"].get("external", {}).get("allowLists", {})
            )
            chosen = [n for n, cidrs in sorted(lists.items()) if set(map(str, cidrs)) <= ranges]
            covered = {str(c) for n in chosen for c in lists[n]}
            if ranges - covered or not chosen:
                notes.append(
                    IMPORT_UNEXPRESSIBLE.finding(
                        where,
                        0,
                        0,
                        f"{first}: source ranges {', '.join(sorted(ranges - covered)) or '(none)'} "
                        "are in no allow-list of the stack",
                        "ask the architects for an allow-list in the stack's "
                        "spec.cluster.external.allowLists, then name it in spec.external.allowFrom",
                    )
                )
            external["allowFrom"] = chosen
    return notes
