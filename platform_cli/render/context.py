"""What every part of the renderer needs to know about the stack being rendered."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_cli.findings import Finding
from platform_cli.load.model import Landscape, Resource, Stack

# What the Stack schema documents as the defaults of its optional cluster settings
DEFAULT_INGRESS_CLASS = "nginx"
DEFAULT_INGRESS_NAMESPACE = "ingress-nginx"
DEFAULT_DATABASE_OPERATOR_NAMESPACE = "cnpg-system"
DEFAULT_EXTERNAL_SERVICE_TYPE = "LoadBalancer"
# CloudNativePG's postgres-containers: immutable tags (<minor>-<build>-<flavour>-<Debian>)
# of one weekly build of the "minimal" images on Debian trixie, pinned by digest; they
# carry no in-tree Barman (backups go through the Barman Cloud plugin). The stack's
# spec.databases.images replaces the whole map.
DEFAULT_POSTGRES_IMAGES = {
    "15": "ghcr.io/cloudnative-pg/postgresql:15.19-202608170814-minimal-trixie@sha256:67b23fdf6dbf3d5bc5dc42cdbc5d292375582b1fe378c1dc69eb51c6fbc57730",
    "16": "ghcr.io/cloudnative-pg/postgresql:16.15-202608170814-minimal-trixie@sha256:e3041d59a94c072fa2fd4436b82ecdf34afc9d38c8cf2b836b009b09a1744c63",
    "17": "ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-minimal-trixie@sha256:445ead3fd811466950a002b682a97c2a4907078b46fae8796b6637a763266a07",
}


def ingress_namespace(stack: Stack) -> str:
    return str(stack.spec["cluster"].get("ingressNamespace", DEFAULT_INGRESS_NAMESPACE))


def database_operator_namespace(stack: Stack) -> str:
    databases = stack.spec.get("databases", {})
    return str(databases.get("operatorNamespace", DEFAULT_DATABASE_OPERATOR_NAMESPACE))


def monitoring_namespace(stack: Stack) -> str | None:
    namespace = stack.spec["cluster"].get("monitoringNamespace")
    return None if namespace is None else str(namespace)


def cluster_namespaces(stack: Stack) -> dict[str, str]:
    """The namespaces of the cluster's own components that the stack names, each with
    what runs there: the network policies the renderer writes admit them into teams'
    namespaces, so no team namespace may be one of them."""
    found = {
        ingress_namespace(stack): "the ingress controller's",
        database_operator_namespace(stack): "the CloudNativePG operator's",
    }
    monitoring = monitoring_namespace(stack)
    if monitoring is not None:
        found[monitoring] = "the metrics collector's"
    return found


@dataclass
class Context:
    """The landscape, the stack, who consumes what, and the findings collected so far."""

    landscape: Landscape
    stack: Stack
    # (kind, name) of a resource -> the resources that declare a dependency on it,
    # ordered by namespace and name
    consumers: Mapping[tuple[str, str], list[Resource]]
    findings: list[Finding] = field(default_factory=list)

    def namespace(self, resource: Resource) -> str:
        """Where `resource` lives: `Stack.namespace_of`, the one owner of that answer."""
        return self.stack.namespace_of(resource)

    @property
    def cluster(self) -> Mapping[str, Any]:
        cluster: Mapping[str, Any] = self.stack.spec["cluster"]
        return cluster

    @property
    def databases(self) -> Mapping[str, Any]:
        databases: Mapping[str, Any] = self.stack.spec.get("databases", {})
        return databases

    @property
    def ingress_class(self) -> str:
        return str(self.cluster.get("ingressClassName", DEFAULT_INGRESS_CLASS))

    @property
    def ingress_namespace(self) -> str:
        return ingress_namespace(self.stack)

    @property
    def database_operator_namespace(self) -> str:
        return database_operator_namespace(self.stack)

    @property
    def monitoring_namespace(self) -> str | None:
        return monitoring_namespace(self.stack)

    @property
    def external(self) -> Mapping[str, Any] | None:
        external: Mapping[str, Any] | None = self.cluster.get("external")
        return external

    @property
    def external_service_type(self) -> str:
        return str((self.external or {}).get("serviceType", DEFAULT_EXTERNAL_SERVICE_TYPE))

    @property
    def postgres_images(self) -> Mapping[str, str]:
        return postgres_images(self.stack)


def postgres_images(stack: Stack) -> Mapping[str, str]:
    """The operand image of each PostgreSQL major version ("16" -> image) in a stack."""
    images: Mapping[str, str] | None = stack.spec.get("databases", {}).get("images")
    return DEFAULT_POSTGRES_IMAGES if images is None else images


def consumers_of(landscape: Landscape, stack: Stack) -> Mapping[tuple[str, str], list[Resource]]:
    """Invert `dependsOn`: for each resource, who depends on it."""
    index: dict[tuple[str, str], list[Resource]] = {}
    for resource in landscape.in_stack(stack.name).values():
        for target in resource.depends_on:
            index.setdefault(target, []).append(resource)
    return _Consumers(index, stack)


class _Consumers(Mapping[tuple[str, str], list[Resource]]):
    """The consumers of each resource, ordered by namespace, kind and name when first
    asked for: rendering one team's shard asks for a few of thousands."""

    def __init__(self, index: dict[tuple[str, str], list[Resource]], stack: Stack) -> None:
        self._index, self._stack = index, stack
        self._sorted: set[tuple[str, str]] = set()

    def __getitem__(self, key: tuple[str, str]) -> list[Resource]:
        consumers = self._index[key]
        if key not in self._sorted:
            stack = self._stack
            consumers.sort(key=lambda r: (stack.namespace_of(r), r.kind, r.name))
            self._sorted.add(key)
        return consumers

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
