"""Names, labels and annotations that every rendered object carries.

The `app.kubernetes.io/*` labels follow Kubernetes' recommended labels; the
`platform.dom-komfort.example/*` labels say which team, system and stack an object
belongs to, and the source annotation leads from a live object back to its YAML file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.load.model import Entity, Resource, Stack, Team

Manifest = dict[str, Any]

DOMAIN = "platform.dom-komfort.example"
MANAGED_BY = "platform"
TEAM_LABEL = f"{DOMAIN}/team"
SYSTEM_LABEL = f"{DOMAIN}/system"
STACK_LABEL = f"{DOMAIN}/stack"
SOURCE_ANNOTATION = f"{DOMAIN}/source"
# On the object that holds a resource's data when the resource sets deletionProtection;
# the Pulumi program protects exactly these objects
DELETION_PROTECTION_ANNOTATION = f"{DOMAIN}/deletion-protection"
NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"
# Set by Kubernetes on every namespace; the only reliable way to select one by name
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# The component label of each landscape kind: it tells a Service's pods from a
# Server's virt-launcher pods when both carry the same name
COMPONENTS = {"Service": "service", "Database": "database", "Server": "server"}


def _user_labels(entity: Entity) -> dict[str, str]:
    labels: Mapping[str, Any] = entity.metadata.get("labels", {})
    return {str(k): str(v) for k, v in sorted(labels.items())}


def team_labels(team: Team, stack: Stack) -> dict[str, str]:
    """Labels of the objects that belong to a team's namespace rather than to a resource."""
    labels = _user_labels(team)
    labels.update(
        {
            NAME_LABEL: team.name,
            COMPONENT_LABEL: "namespace",
            "app.kubernetes.io/managed-by": MANAGED_BY,
            TEAM_LABEL: team.name,
            STACK_LABEL: stack.name,
        }
    )
    return labels


def resource_labels(resource: Resource) -> dict[str, str]:
    """Labels of every object rendered from a resource; the platform's own keys win
    over a user label of the same key."""
    labels = _user_labels(resource)
    labels.update(
        {
            NAME_LABEL: resource.name,
            COMPONENT_LABEL: COMPONENTS[resource.kind],
            "app.kubernetes.io/part-of": resource.system,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            TEAM_LABEL: resource.team,
            SYSTEM_LABEL: resource.system,
            STACK_LABEL: resource.stack,
        }
    )
    return labels


def selector(resource: Resource) -> dict[str, str]:
    """The labels that select a Service's or a Server's pods (immutable once applied)."""
    return {NAME_LABEL: resource.name, COMPONENT_LABEL: COMPONENTS[resource.kind]}


def metadata(
    name: str,
    namespace: str | None,
    labels: Mapping[str, str],
    source: str,
    *,
    protected: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = dict(labels)
    meta["annotations"] = {SOURCE_ANNOTATION: source}
    if protected:
        meta["annotations"][DELETION_PROTECTION_ANNOTATION] = "true"
    return meta


def manifest(api_version: str, kind: str, meta: dict[str, Any], **body: Any) -> Manifest:
    """An object in the conventional key order: apiVersion, kind, metadata, then the body."""
    obj: Manifest = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    obj.update(body)
    return obj
