"""NetworkPolicies: the declared integrations become the only network paths.

Every team namespace denies all ingress by default; each workload then admits its
declared consumers (the resources whose `dependsOn` names it), by pod labels and, across
namespaces, by the namespace's `kubernetes.io/metadata.name` label. A peer with both a
namespaceSelector and a podSelector in one entry means "these pods in that namespace".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from platform_cli.load.model import Resource
from platform_cli.render.context import Context
from platform_cli.render.meta import NAMESPACE_NAME_LABEL, Manifest, manifest, metadata, selector

API = "networking.k8s.io/v1"


def consumer_peer(consumer: Resource, ctx: Context, namespace: str) -> dict[str, Any]:
    """The peer that matches a consumer's pods, seen from a policy in `namespace`."""
    peer: dict[str, Any] = {}
    consumer_namespace = ctx.namespace(consumer)
    if consumer_namespace != namespace:
        peer["namespaceSelector"] = {"matchLabels": {NAMESPACE_NAME_LABEL: consumer_namespace}}
    peer["podSelector"] = {"matchLabels": selector(consumer)}
    return peer


def namespace_peer(namespace: str, pod_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}
    if pod_labels:
        peer["podSelector"] = {"matchLabels": dict(pod_labels)}
    return peer


def ports(declared: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"protocol": str(p.get("protocol", "TCP")), "port": int(p["port"])} for p in declared]


def consumer_rule(
    resource: Resource, ctx: Context, port_list: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """One rule admitting every declared consumer of `resource` on `port_list`."""
    namespace = ctx.namespace(resource)
    consumers = ctx.consumers.get((resource.kind, resource.name), [])
    if not consumers or not port_list:
        return None
    return {"from": [consumer_peer(c, ctx, namespace) for c in consumers], "ports": port_list}


def policy(
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    source: str,
    pod_selector: Mapping[str, str],
    rules: list[dict[str, Any]],
) -> Manifest:
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": dict(pod_selector)} if pod_selector else {},
        "policyTypes": ["Ingress"],
        "ingress": rules,
    }
    return manifest(API, "NetworkPolicy", metadata(name, namespace, labels, source), spec=spec)


def default_deny(namespace: str, labels: Mapping[str, str], source: str) -> Manifest:
    """Select every pod, admit nothing: what is not declared is not reachable."""
    spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
    return manifest(
        API, "NetworkPolicy", metadata("default-deny", namespace, labels, source), spec=spec
    )
