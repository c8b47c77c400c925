"""A landscape Service: ServiceAccount, Deployment, Service, and when declared an
Ingress, a HorizontalPodAutoscaler, a PodDisruptionBudget and its NetworkPolicy.

Every pod meets the Pod Security Standards "restricted" profile; the reasons for each
setting are in docs/kubernetes.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.findings import BuiltinRule, Level, RuleScope
from platform_cli.load.model import Database, Service
from platform_cli.render.context import Context
from platform_cli.render.hosts import (
    CLUSTER_ISSUER_ANNOTATION,
    cluster_issuer,
    host_of,
    ingress_class,
)
from platform_cli.render.meta import Manifest, manifest, metadata, resource_labels, selector
from platform_cli.render.names import tls_secret_name
from platform_cli.render.network import consumer_rule, namespace_peer, policy, ports

RENDER_DATABASE_SECRET = BuiltinRule(
    "render-database-secret",
    Level.WARNING,
    RuleScope.ENTITY,
    "A service depends on a database in another namespace; its credentials cannot be "
    "injected (found when rendering).",
)

# A UID and GID outside the range that images' /etc/passwd entries and the host use
RUN_AS = 10001
TMP_SIZE = "256Mi"

# The variables a consumer gets for each database it depends on, and the keys of the
# CloudNativePG `<database>-app` secret they come from
DATABASE_ENV = (
    ("HOST", "host"),
    ("PORT", "port"),
    ("NAME", "dbname"),
    ("USER", "username"),
    ("PASSWORD", "password"),
    ("URI", "uri"),
)


def restricted_pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def restricted_container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def env_prefix(database: str) -> str:
    """`crm-db` -> `CRM_DB`. Names are DNS labels, so the mapping is one to one."""
    return database.upper().replace("-", "_")


def render_service(svc: Service, ctx: Context) -> list[Manifest]:
    namespace = ctx.namespace(svc)
    labels = resource_labels(svc)
    source = svc.path
    spec = svc.spec
    objects = [
        manifest(
            "v1",
            "ServiceAccount",
            metadata(svc.name, namespace, labels, source),
            automountServiceAccountToken=False,
        ),
        _deployment(svc, ctx, namespace, labels),
        _service(svc, namespace, labels),
    ]
    # A retired service takes no traffic: no Ingress (so no certificate), no autoscaler
    # and no replicas (render/pods.py counts it the same way)
    retired = svc.retirement is not None
    ingress = None if retired else spec.get("ingress")
    if ingress:
        objects.append(_ingress(svc, ctx, namespace, labels, ingress))
    autoscaling = None if retired else spec.get("autoscaling")
    if autoscaling:
        objects.append(_autoscaler(svc, namespace, labels, autoscaling))
    if _minimum_replicas(svc, ctx) > 1:
        objects.append(
            manifest(
                "policy/v1",
                "PodDisruptionBudget",
                metadata(svc.name, namespace, labels, source),
                spec={"maxUnavailable": 1, "selector": {"matchLabels": selector(svc)}},
            )
        )
    network = _network_policy(svc, ctx, namespace, labels, ingress)
    if network is not None:
        objects.append(network)
    return objects


def _minimum_replicas(svc: Service, ctx: Context) -> int:
    if svc.retirement is not None:
        return 0
    autoscaling = svc.spec.get("autoscaling")
    if autoscaling:
        return int(autoscaling["minReplicas"])
    return svc.replicas(ctx.stack)


def _deployment(svc: Service, ctx: Context, namespace: str, labels: Mapping[str, str]) -> Manifest:
    spec = svc.spec
    container: dict[str, Any] = {"name": svc.name, "image": str(spec["image"])}
    if spec.get("args"):
        container["args"] = [str(a) for a in spec["args"]]
    container["ports"] = [
        {
            "name": str(p["name"]),
            "containerPort": int(p["port"]),
            "protocol": str(p.get("protocol", "TCP")),
        }
        for p in spec["ports"]
    ]
    env = _env(svc, ctx)
    if env:
        container["env"] = env
    container["resources"] = {
        "requests": {k: str(v) for k, v in spec["resources"]["requests"].items()},
        "limits": {k: str(v) for k, v in spec["resources"]["limits"].items()},
    }
    container.update(_probes(svc))
    container["securityContext"] = restricted_container_security()
    container["volumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}]
    pod_spec: dict[str, Any] = {
        "serviceAccountName": svc.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": restricted_pod_security(),
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE}}],
    }
    deployment: dict[str, Any] = {}
    # With an autoscaler, the autoscaler owns the replica count; setting it here too
    # would make every apply fight the autoscaler.
    if svc.retirement is not None:
        deployment["replicas"] = 0
    elif not spec.get("autoscaling"):
        deployment["replicas"] = svc.replicas(ctx.stack)
    deployment["revisionHistoryLimit"] = 5
    deployment["selector"] = {"matchLabels": selector(svc)}
    deployment["template"] = {"metadata": {"labels": dict(labels)}, "spec": pod_spec}
    return manifest(
        "apps/v1", "Deployment", metadata(svc.name, namespace, labels, svc.path), spec=deployment
    )


def _env(svc: Service, ctx: Context) -> list[dict[str, Any]]:
    """Plain variables, then secret references, then the connection of every database
    the service depends on. A variable the service declares itself is never overridden."""
    spec = svc.spec
    env: list[dict[str, Any]] = [
        {"name": str(k), "value": str(v)} for k, v in sorted(spec.get("env", {}).items())
    ]
    for name, ref in sorted(spec.get("secretEnv", {}).items()):
        env.append(_secret_var(str(name), str(ref["secret"]), str(ref["key"])))
    declared = {e["name"] for e in env}
    namespace = ctx.namespace(svc)
    for kind, target in svc.depends_on:
        if kind != "Database":
            continue
        database = ctx.landscape.find(svc.stack, kind, target)
        if not isinstance(database, Database):
            continue
        if ctx.namespace(database) != namespace:
            line, column = svc.locate("spec", "dependsOn")
            ctx.findings.append(
                RENDER_DATABASE_SECRET.finding(
                    svc.path,
                    line,
                    column,
                    f"database {target!r} is in namespace {ctx.namespace(database)!r}; its "
                    f"'{target}-app' secret cannot be referenced from {namespace!r}, so no "
                    "connection variables are injected",
                    "copy the secret into the consumer's namespace (for example with "
                    "External Secrets) and reference it in secretEnv",
                )
            )
            continue
        prefix = env_prefix(target)
        for suffix, key in DATABASE_ENV:
            var = f"{prefix}_{suffix}"
            if var not in declared:
                env.append(_secret_var(var, f"{target}-app", key))
                declared.add(var)
    return env


def _secret_var(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _probes(svc: Service) -> dict[str, Any]:
    """HTTP probes on the declared health endpoints; without them, TCP probes on the
    first port, so that no pod runs without liveness and readiness checks."""
    health = svc.spec.get("health")
    if not health:
        port = str(svc.spec["ports"][0]["name"])
        tcp = {"tcpSocket": {"port": port}}
        return {
            "livenessProbe": {**tcp, "periodSeconds": 10, "failureThreshold": 3},
            "readinessProbe": {**tcp, "periodSeconds": 5, "failureThreshold": 3},
        }
    port = str(health["port"])

    def http(path: str) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": port}}

    probes: dict[str, Any] = {}
    if health.get("startup"):
        probes["startupProbe"] = {
            **http(str(health["startup"])),
            "periodSeconds": 5,
            "failureThreshold": 60,
        }
    probes["livenessProbe"] = {
        **http(str(health["liveness"])),
        "periodSeconds": 10,
        "failureThreshold": 3,
    }
    probes["readinessProbe"] = {
        **http(str(health["readiness"])),
        "periodSeconds": 5,
        "failureThreshold": 3,
    }
    return probes


def _service(svc: Service, namespace: str, labels: Mapping[str, str]) -> Manifest:
    service_ports = [
        {
            "name": str(p["name"]),
            "port": int(p["port"]),
            "targetPort": str(p["name"]),
            "protocol": str(p.get("protocol", "TCP")),
        }
        for p in svc.spec["ports"]
    ]
    spec = {"type": "ClusterIP", "selector": selector(svc), "ports": service_ports}
    return manifest("v1", "Service", metadata(svc.name, namespace, labels, svc.path), spec=spec)


def ingress_host(svc: Service, ctx: Context) -> str:
    host = host_of(svc, ctx.stack)
    assert host is not None, "only a service with an ingress has a host"
    return host.host


def _ingress(
    svc: Service,
    ctx: Context,
    namespace: str,
    labels: Mapping[str, str],
    ingress: Mapping[str, Any],
) -> Manifest:
    """The service's one host (render/hosts.py) on the controller of its exposure,
    with a certificate of its own from the stack's cert-manager ClusterIssuer."""
    host = host_of(svc, ctx.stack)
    assert host is not None
    backend = {"service": {"name": svc.name, "port": {"name": str(ingress["port"])}}}
    path = {"path": host.path, "pathType": "Prefix", "backend": backend}
    spec = {
        "ingressClassName": ingress_class(ctx.stack, host.public),
        "tls": [{"hosts": [host.host], "secretName": tls_secret_name(svc)}],
        "rules": [{"host": host.host, "http": {"paths": [path]}}],
    }
    meta = metadata(
        svc.name,
        namespace,
        {**labels, "platform.dom-komfort.example/exposure": host.exposure},
        svc.path,
    )
    meta["annotations"][CLUSTER_ISSUER_ANNOTATION] = cluster_issuer(ctx.stack)
    return manifest("networking.k8s.io/v1", "Ingress", meta, spec=spec)


def _autoscaler(
    svc: Service, namespace: str, labels: Mapping[str, str], autoscaling: Mapping[str, Any]
) -> Manifest:
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc.name},
        "minReplicas": int(autoscaling["minReplicas"]),
        "maxReplicas": int(autoscaling["maxReplicas"]),
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": int(autoscaling.get("targetCPUUtilization", 75)),
                    },
                },
            }
        ],
    }
    return manifest(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        metadata(svc.name, namespace, labels, svc.path),
        spec=spec,
    )


def _network_policy(
    svc: Service,
    ctx: Context,
    namespace: str,
    labels: Mapping[str, str],
    ingress: Mapping[str, Any] | None,
) -> Manifest | None:
    rules = []
    rule = consumer_rule(svc, ctx, ports(svc.spec["ports"]))
    if rule is not None:
        rules.append(rule)
    if ingress:
        exposed = [p for p in svc.spec["ports"] if p["name"] == ingress["port"]]
        rules.append({"from": [namespace_peer(ctx.ingress_namespace)], "ports": ports(exposed)})
    if not rules:
        return None
    return policy(svc.name, namespace, labels, svc.path, selector(svc), rules)
