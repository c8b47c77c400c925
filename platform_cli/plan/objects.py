"""The Kubernetes side of a plan: which objects a change creates, updates, replaces or
deletes.

Objects are matched by identity (apiVersion, kind, namespace, name). An update that
changes a field the API server (or an operator) cannot change in place is a
replacement: the object is deleted and created again, which reviewers must see.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_cli.findings import Level, format_finding
from platform_cli.load.model import Landscape
from platform_cli.plan.access import Opening, closings, openings
from platform_cli.plan.landscape_diff import FieldChange, field_changes
from platform_cli.render import Manifest, object_id, render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION, TEAM_LABEL
from platform_cli.words import plural


class ObjectAction(enum.StrEnum):
    """What a plan does to one Kubernetes object, in the order reports list them. The
    values are what the plan's JSON and reports print."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass(frozen=True)
class ImmutableField:
    """A field whose change the API server (or the operator) cannot apply in place."""

    path: str
    value: Callable[[Manifest], Any]


def _at(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _per_data_volume(obj: Manifest, *keys: str) -> dict[str, Any]:
    templates = _at(obj, "spec", "dataVolumeTemplates") or []
    return {str(_at(t, "metadata", "name")): _at(t, *keys) for t in templates}


# Fields whose change means delete-and-create rather than an update, by (API group,
# kind). Kept small and explicit; an object whose identity (apiVersion, kind, namespace,
# name) changes is a delete plus a create anyway.
# - Deployment spec.selector: immutable in apps/v1.
# - Service spec.clusterIP: immutable once allocated; a change of type to or from
#   ExternalName drops or allocates the cluster IP, which Kubernetes does not do in place.
# - CloudNativePG Cluster spec.storage.storageClass: the operator never moves existing
#   PVCs to another class; the data must move to a new cluster.
# - KubeVirt VirtualMachine dataVolumeTemplates[*] storageClassName and source: a
#   DataVolume's spec is immutable once created, so the disk is re-created (re-imported).
# - PodDisruptionBudget spec.selector: immutable before Kubernetes 1.15; listed to be
#   conservative, since a selector change retargets the budget of other pods.
REPLACEMENT_RULES: dict[tuple[str, str], tuple[ImmutableField, ...]] = {
    ("apps", "Deployment"): (
        ImmutableField("spec.selector", lambda o: _at(o, "spec", "selector")),
    ),
    ("", "Service"): (
        ImmutableField("spec.clusterIP", lambda o: _at(o, "spec", "clusterIP")),
        ImmutableField(
            "spec.type (to or from ExternalName)",
            lambda o: _at(o, "spec", "type") == "ExternalName",
        ),
    ),
    ("postgresql.cnpg.io", "Cluster"): (
        ImmutableField(
            "spec.storage.storageClass", lambda o: _at(o, "spec", "storage", "storageClass")
        ),
    ),
    ("kubevirt.io", "VirtualMachine"): (
        ImmutableField(
            "spec.dataVolumeTemplates[*].spec.storage.storageClassName",
            lambda o: _per_data_volume(o, "spec", "storage", "storageClassName"),
        ),
        ImmutableField(
            "spec.dataVolumeTemplates[*].spec.source",
            lambda o: _per_data_volume(o, "spec", "source"),
        ),
    ),
    ("policy", "PodDisruptionBudget"): (
        ImmutableField("spec.selector", lambda o: _at(o, "spec", "selector")),
    ),
}


def replacement_reasons(old: Manifest, new: Manifest) -> tuple[str, ...]:
    """The immutable fields that differ between two versions of one object."""
    group = old["apiVersion"].rpartition("/")[0]
    rules = REPLACEMENT_RULES.get((group, old["kind"]), ())
    return tuple(r.path for r in rules if r.value(old) != r.value(new))


@dataclass(frozen=True)
class ObjectChange:
    """One Kubernetes object to create, update, replace or delete."""

    action: ObjectAction
    api_version: str
    kind: str
    namespace: str
    name: str
    source: str  # the landscape file the object is rendered from
    fields: tuple[FieldChange, ...] = ()
    immutable: tuple[str, ...] = ()  # why an update is a replacement

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class KubernetesStack:
    """The object changes of one stack and the network paths they open and close
    (`access.py`), or why they cannot be computed."""

    stack: str
    changes: tuple[ObjectChange, ...] = ()
    unavailable: str = ""
    openings: tuple[Opening, ...] = ()
    closings: tuple[Opening, ...] = ()
    # Paths that only follow a rename (taken out of both lists, `access.follow_renames`)
    moved: int = 0
    # The teams whose shard renders differently (objects or the provider's context);
    # None when the objects could not be compared
    differing: frozenset[str] | None = None
    # The head's objects of the rendered shards and its kube context: what an offline
    # preview registers, without rendering again
    head_objects: tuple[Manifest, ...] = field(default=(), compare=False, repr=False)
    kube_context: str = field(default="", compare=False)

    def count(self, action: ObjectAction) -> int:
        return sum(1 for c in self.changes if c.action == action)


def diff_objects(base: Iterable[Manifest], head: Iterable[Manifest]) -> list[ObjectChange]:
    """Object changes matched by identity (apiVersion, kind, namespace, name)."""
    old = {object_id(o): o for o in base}
    new = {object_id(o): o for o in head}
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[2], k[1], k[3], k[0])):
        api_version, kind, namespace, name = key
        before, after = old.get(key), new.get(key)
        obj = after if after is not None else before
        assert obj is not None
        source = str(_at(obj, "metadata", "annotations", SOURCE_ANNOTATION) or "")
        if before is None:
            changes.append(
                ObjectChange(ObjectAction.CREATE, api_version, kind, namespace, name, source)
            )
        elif after is None:
            changes.append(
                ObjectChange(ObjectAction.DELETE, api_version, kind, namespace, name, source)
            )
        elif before != after:
            fields = tuple(field_changes(before, after))
            reasons = replacement_reasons(before, after)
            action = ObjectAction.REPLACE if reasons else ObjectAction.UPDATE
            changes.append(
                ObjectChange(action, api_version, kind, namespace, name, source, fields, reasons)
            )
    return changes


def kubernetes_stack(
    stack: str,
    old: Landscape,
    new: Landscape,
    base_errors: int,
    head_errors: int,
    teams: set[str],
) -> KubernetesStack:
    """Render the shards of `teams` in one stack on both sides and diff the objects. A
    side with errors is not rendered: its objects would be a guess."""
    if head_errors:
        return KubernetesStack(stack, unavailable=f"the head has {plural(head_errors, 'error')}")
    if base_errors:
        return KubernetesStack(stack, unavailable=f"the base has {plural(base_errors, 'error')}")
    sides: list[list[Manifest]] = []
    contexts: list[str] = []
    for side, landscape in (("base", old), ("head", new)):
        if stack not in landscape.stacks:
            sides.append([])
            contexts.append("")
            continue
        rendered = render_stack(landscape, stack, teams)
        contexts.append(rendered.kube_context)
        if rendered.failed:
            errors = [f for f in rendered.findings if f.level is Level.ERROR]
            return KubernetesStack(
                stack,
                unavailable=f"rendering the {side} failed: "
                + format_finding(errors[0], level=False)
                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            )
        sides.append(rendered.objects)
    namespaces = teams_by_namespace(stack, old, new)
    differing = differing_teams(sides[0], sides[1])
    if contexts[0] != contexts[1]:  # the provider of every shard moves to another cluster
        differing |= teams
    return KubernetesStack(
        stack,
        tuple(diff_objects(sides[0], sides[1])),
        openings=tuple(openings(stack, sides[0], sides[1], namespaces)),
        closings=tuple(closings(stack, sides[0], sides[1], namespaces)),
        differing=frozenset(differing),
        head_objects=tuple(sides[1]),
        kube_context=contexts[1],
    )


def differing_teams(base: Iterable[Manifest], head: Iterable[Manifest]) -> set[str]:
    """The teams whose objects differ between two renders: a shard is the objects
    labelled with its team, and it differs when any of them is created, deleted or
    changed (the render's order is part of the program, so it counts too)."""
    sides: list[dict[str, list[Manifest]]] = [{}, {}]
    for side, objects in zip(sides, (base, head), strict=True):
        for obj in objects:
            team = str(obj["metadata"].get("labels", {}).get(TEAM_LABEL, ""))
            side.setdefault(team, []).append(obj)
    return {
        team
        for team in sides[0].keys() | sides[1].keys()
        if sides[0].get(team, []) != sides[1].get(team, [])
    }


def teams_by_namespace(stack: str, old: Landscape, new: Landscape) -> dict[str, str]:
    """The team of each namespace of a stack; the base's word first, since a change
    cannot make a namespace another team's by renaming things."""
    found: dict[str, str] = {}
    for landscape in (new, old):
        definition = landscape.stacks.get(stack)
        if definition is None:
            continue
        for team in landscape.teams:
            for namespace in definition.namespaces(team):
                found[namespace] = team
    return found
