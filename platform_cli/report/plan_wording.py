"""The words every plan format shares, so markdown, text and JSON say the same thing.

The verdict (`headline`, `summary`), what a landscape change or a Kubernetes object
change is (`describe_change`, `describe_object`, `describe_fields`), the signs for
actions, and the wording of money deltas and quota lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from platform_cli.load.model import (
    Database,
    Entity,
    Resource,
    Server,
    Service,
    format_instant,
    parse_instant,
)
from platform_cli.plan.access import Opening
from platform_cli.plan.build import Plan
from platform_cli.plan.landscape_diff import (
    MISSING,
    Change,
    FieldChange,
    field_changes,
    render_value,
)
from platform_cli.plan.money import QuotaLine
from platform_cli.plan.objects import KubernetesStack, ObjectAction, ObjectChange
from platform_cli.plan.retirements import RetirementStep
from platform_cli.render.hosts import Host
from platform_cli.render.pods import in_unit, unit_for
from platform_cli.render.usage import format_money
from platform_cli.words import plural

# A value shown in a field change is cut after this many characters
_VALUE_LIMIT = 80
# Characters shown on each side of where two long values start to differ
_CONTEXT = 24

ACTION_SIGNS = {
    "add": "+",
    "remove": "-",
    "change": "~",
    "create": "+",
    "delete": "-",
    "update": "~",
    "replace": "!",
}


def headline(plan: Plan) -> str:
    if plan.failed:
        return f"Plan failed: the head has {plural(len(plan.errors), 'error')}"
    if plan.risks:
        return f"{plural(len(plan.risks), 'risk')} to review"
    return "No risks found"


def summary(plan: Plan) -> str:
    """The facts behind the verdict, in one line."""
    stacks = sorted({c.stack for c in plan.changes if c.stack})
    where = f" in {', '.join(stacks)}" if stacks else ""
    parts = [f"{plural(len(plan.changes), 'landscape change')}{where}"]
    objects = sum(len(k.changes) for k in plan.kubernetes)
    replaced = sum(k.count(ObjectAction.REPLACE) for k in plan.kubernetes)
    kube = f"{plural(objects, 'Kubernetes object change')}"
    if replaced:
        kube += f" ({replaced} replaced)"
    if any(k.unavailable for k in plan.kubernetes):
        kube = "Kubernetes changes unavailable"
    parts.append(kube)
    parts.append(f"cost {format_money(plan.cost_delta, signed=True)}/month")
    over = sorted({f"{q.team} in {q.stack}" for q in plan.quotas if q.over})
    if over:
        parts.append(f"over quota: {', '.join(over)}")
    return ", ".join(parts)


def snapshot(label: str, sha: str) -> str:
    """A revision as its label and short sha: `main (0123456789ab)`."""
    return f"{label} ({sha[:12]})" if sha else label


def stack_title(stack: str) -> str:
    return stack or "global"


# --- Changes -----------------------------------------------------------------------


def _field_path(path: str) -> str:
    return path.removeprefix("spec.")


def _short(value: Any, limit: int = _VALUE_LIMIT) -> str:
    text = render_value(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Field paths a reviewer must never lose to a limit: who is let in, where a service is
# reachable, what it may call, what protects its data. Listed first, never cut.
_SECURITY = re.compile(
    r"ingress|egress|exposure|host|public|dependsOn|securityContext|serviceAccount|"
    r"deletionProtection|labels|podSelector|namespaceSelector|secret|image|tls",
    re.IGNORECASE,
)


def describe_fields(fields: Sequence[FieldChange], *, limit: int | None = None) -> list[str]:
    """One line per changed field. With `limit`, the security-relevant fields come
    first and are always shown; only the others are counted as `(+n more fields)`."""
    if limit is None:
        return [_describe_field(f) for f in fields]
    relevant = [f for f in fields if _SECURITY.search(f.path)]
    other = [f for f in fields if not _SECURITY.search(f.path)]
    room = max(limit - len(relevant), 0)
    out = [_describe_field(f) for f in [*relevant, *other[:room]]]
    if len(other) > room:
        out.append(f"(+{len(other) - room} more fields)")
    return out


def _describe_field(f: FieldChange) -> str:
    path = _field_path(f.path)
    if f.old is MISSING:
        return f"{path} added" if isinstance(f.new, dict) else f"{path} added: {_short(f.new)}"
    if f.new is MISSING:
        return f"{path} removed"
    if isinstance(f.old, list) and isinstance(f.new, list):
        return _describe_list(path, f.old, f.new)
    old, new = render_value(f.old), render_value(f.new)
    if len(old) > _VALUE_LIMIT or len(new) > _VALUE_LIMIT:
        old, new = differing_part(old, new)
    elif _BYTES_KEY.search(f.path):
        old, new = _with_binary(old), _with_binary(new)
    return f"{path} {old} -> {new}"


# Byte quantities the renderer writes exactly (a namespace's quota and limits follow
# the resource model to the byte) read better with their binary size beside them
_BYTES_KEY = re.compile(r"(^|\.)(memory|storage|ephemeral-storage)$")
_QUANTITY = re.compile(r"^(\d+)(k|M|G|T|)$")
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def _with_binary(value: str) -> str:
    """`149752150271` -> `149752150271 (139.47Gi)`; a binary quantity stays as it is."""
    found = _QUANTITY.match(value)
    if found is None or int(found.group(1)) == 0:
        return value
    amount = int(found.group(1)) * _DECIMAL[found.group(2)]
    return f"{value} ({in_unit(amount, unit_for('memory', [amount]))})"


def _describe_list(path: str, old: list[Any], new: list[Any]) -> str:
    """A list of mappings that keeps its length changes inside its elements (a
    NetworkPolicy's one ingress rule gains a peer): the elements' own changes, by
    index. Any other list: the elements it gains and loses."""
    if len(old) == len(new) and all(isinstance(v, dict) for v in [*old, *new]):
        inner = [
            _describe_field(c)
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for c in field_changes(a, b, f"{path}[{i}]")
        ]
        return "; ".join(inner)
    return f"{path} {list_delta(old, new)}"


def list_delta(old: list[Any], new: list[Any]) -> str:
    """`+[service: tickets-api]; -[service: keycloak]`: the elements a list gains and
    loses, each whole; `reordered` when it only changes order."""
    before = [render_value(v) for v in old]
    after = [render_value(v) for v in new]
    added = [v for v in after if v not in before]
    removed = [v for v in before if v not in after]
    parts = []
    if added:
        parts.append("+[" + ", ".join(added) + "]")
    if removed:
        parts.append("-[" + ", ".join(removed) + "]")
    if not parts:
        return "reordered: " + _short(new)
    return "; ".join(parts)


def differing_part(old: str, new: str, context: int = _CONTEXT) -> tuple[str, str]:
    """The part of two long strings that differs, with `context` characters of what
    they share on each side, and `…` where the text is cut: an image digest or a long
    URL shows where it changes, never only a common prefix."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while (
        end < min(len(old), len(new)) - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]
    ):
        end += 1
    left = max(start - context, 0)

    def cut(text: str) -> str:
        right = min(len(text) - end + context, len(text))
        return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")

    return cut(old), cut(new)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _depends(entity: Resource) -> list[str]:
    if not entity.depends_on:
        return []
    return ["depends on " + _join([f"{kind.lower()} {name}" for kind, name in entity.depends_on])]


def _ports(spec: Mapping[str, Any]) -> list[str]:
    ports = spec.get("ports") or []
    if not ports:
        return []
    return ["ports " + _join([f"{p.get('name', '?')} {p.get('port', '?')}" for p in ports])]


def _resources(spec: Mapping[str, Any]) -> list[str]:
    """`requests cpu 100m memory 128Mi`, `limits ...` for a service; `cpu 500m memory
    1Gi per instance` for a database, whose resources are one figure each."""
    resources = spec.get("resources") or {}
    if "cpu" in resources or "memory" in resources:
        return [
            f"cpu {resources.get('cpu', '-')} memory {resources.get('memory', '-')} per instance"
        ]
    out = []
    for key in ("requests", "limits"):
        values = resources.get(key) or {}
        if values:
            out.append(f"{key} cpu {values.get('cpu', '-')} memory {values.get('memory', '-')}")
    return out


def describe_entity(change: Change, host: Host | None = None) -> str:
    """What an added resource is, in the terms a reviewer judges: host and exposure,
    ports, dependencies, replicas, CPU and memory, disk, image."""
    entity = change.entity
    spec = entity.spec
    if isinstance(entity, Server):
        parts = [
            f"{spec['cpu']} vCPU, {spec['memory']} memory",
            f"disk {spec['disk']['size']}"
            + (f" {spec['disk']['class']}" if spec["disk"].get("class") else ""),
            f"image {spec['image']}",
            *_ports(spec),
            *_depends(entity),
        ]
        if entity.deletion_protection:
            parts.append("deletionProtection on")
        return "; ".join(parts)
    if isinstance(entity, Database):
        storage = spec["storage"]
        text = f"{spec['engine']} {spec['version']}, storage {storage['size']}"
        if storage.get("class"):
            text += f" {storage['class']}"
        if "instances" in spec:
            text += f" x {spec['instances']}"
        parts = [text, *_resources(spec), *_depends(entity)]
        if entity.deletion_protection:
            parts.append("deletionProtection on")
        return "; ".join(parts)
    if isinstance(entity, Service):
        scaling = spec.get("autoscaling")
        if scaling:
            replicas = f"{scaling['minReplicas']}-{scaling['maxReplicas']} replicas (autoscaled)"
        elif "replicas" in spec:
            replicas = f"{spec['replicas']} replicas"
        else:
            replicas = "the stack's default replicas"
        parts = [f"image {spec['image']}", replicas, *_resources(spec), *_ports(spec)]
        parts += _depends(entity)
        if host is not None:
            parts.append(f"{host.exposure} host {host.host}{host.path}")
        elif spec.get("ingress"):
            parts.append("ingress on the default host")
        else:
            parts.append("no ingress (in-cluster only)")
        return "; ".join(parts)
    return entity.path


def describe_removal(change: Change, host: Host | None = None) -> str:
    """What stops existing when a resource is removed."""
    entity = change.entity
    name = entity.name
    if isinstance(entity, Service):
        gone = [f"its pods and in-cluster name {name}"]
        if host is not None:
            gone.append(f"its {host.exposure} host {host.host}{host.path}")
        return "stops existing: " + "; ".join(gone)
    if isinstance(entity, Database):
        return (
            f"stops existing: the {spec_text(entity)} cluster and its data "
            f"({entity.spec['storage']['size']}), its connection secret {name}-app and "
            f"service {name}-rw"
        )
    if isinstance(entity, Server):
        return (
            f"stops existing: the VM and its disk ({entity.spec['disk']['size']}, image "
            f"{entity.spec['image']})"
        )
    return f"stops existing: {entity.path}"


def adoption_lines(plan: Plan, change: Change) -> list[str]:
    """An added resource whose file records its adoption (`platform import`): how many
    of its objects the first apply takes over instead of creating, where they exist."""
    entity = change.new
    if change.action != "add" or not isinstance(entity, Resource) or entity.adoption is None:
        return []
    count = sum(
        1
        for stack in plan.kubernetes
        for obj in stack.changes
        if obj.source == entity.path and obj.action is ObjectAction.CREATE
    )
    adoption = entity.adoption
    what = plural(count, "existing object") if count else "the existing objects it renders"
    return [
        f"adopts {what} (imported from {adoption.source} "
        f"{adoption.origin} on {adoption.at}): the first apply takes over the ones that exist "
        "instead of creating them"
    ]


def spec_text(entity: Database) -> str:
    return f"{entity.spec['engine']} {entity.spec['version']}"


def describe_change(
    change: Change, *, limit: int | None = None, host: Host | None = None
) -> list[str]:
    if change.action == "change":
        return describe_fields(change.fields, limit=limit)
    if change.action == "add":
        return [f"new: {describe_entity(change, host)}", *describe_restore(change.entity)]
    return [f"deleted: {describe_removal(change, host)}"]


def describe_restore(entity: Entity) -> list[str]:
    """`restore of billing-db as of 2026-11-28T21:00:00Z` (or `as of the latest
    backup`) for a new database made from another one's backups; nothing otherwise."""
    restore = entity.restore if isinstance(entity, Database) else None
    if restore is None:
        return []
    if restore.at is None:
        when = "the latest backup (the end of its archived WAL)"
    else:
        try:
            when = format_instant(parse_instant(restore.at))
        except ValueError:
            when = restore.at
    return [f"restore of {restore.source} as of {when}"]


def change_host(plan: Plan, change: Change) -> Host | None:
    """The host a created service gets, or a removed one loses."""
    for h in plan.hosts:
        if (h.stack, h.service) == (change.stack, change.name) and change.kind == "Service":
            return h.after if change.action == "add" else h.before
    return None


# Changes under these paths roll a workload's pods (or restart its instances)
_ROLLS = {
    "Deployment": ("spec.template.",),
    "Cluster": ("spec.imageName", "spec.resources", "spec.postgresql.", "spec.env"),
    "VirtualMachine": ("spec.template.",),
}
_ROLL_NOTES = {
    "Deployment": "pods restart (rolling update)",
    "Cluster": "database instances restart one by one (switchover of the primary)",
    "VirtualMachine": "the VM must restart to take the change",
}


def restart_note(obj: ObjectChange) -> str:
    """`pods restart (rolling update)` when an update changes the pod template."""
    prefixes = _ROLLS.get(obj.kind)
    if obj.action != "update" or not prefixes:
        return ""
    if any(f.path.startswith(prefixes) or f.path in prefixes for f in obj.fields):
        return _ROLL_NOTES[obj.kind]
    return ""


def describe_object(obj: ObjectChange, *, limit: int | None = None) -> list[str]:
    lines = []
    if obj.action == "replace":
        lines.append(f"replaced: {', '.join(obj.immutable)} cannot change in place")
    note = restart_note(obj)
    if note:
        lines.append(note)
    if obj.fields:
        lines += describe_fields(obj.fields, limit=limit)
    return lines


def kube_counts(stack: KubernetesStack) -> str:
    """How many objects of a stack each action touches: `2 to create, 1 to update`."""
    parts = [f"{stack.count(action)} to {action}" for action in ObjectAction if stack.count(action)]
    return ", ".join(parts) or "no changes"


def host_text(before: Host | None, after: Host | None) -> str:
    """`crm.apps.example/ (internal) -> crm.apps.example/ (public)`, or one side."""
    if before is None:
        return str(after)
    if after is None:
        return f"{before} removed"
    return f"{before} -> {after}"


def access_paths(plan: Plan) -> list[Opening]:
    """Every network path the plan opens, then every one it closes, each in order."""
    opened = [o for k in plan.kubernetes for o in k.openings]
    closed = [o for k in plan.kubernetes for o in k.closings]
    return [*opened, *closed]


def moved_text(moved: int) -> str:
    return (
        f"{plural(moved, 'network path')} only {'follows' if moved == 1 else 'follow'} a "
        "rename (the same path under the new name) and "
        f"{'is' if moved == 1 else 'are'} not listed"
    )


def unaffected_text(plan: Plan) -> str:
    """The shards the changed paths could touch that render the same, and why they
    are left alone; when no shard is affected, the change is check-only."""
    names = ", ".join(a.shard.name for a in plan.unaffected[:5])
    more = f" and {len(plan.unaffected) - 5} more" if len(plan.unaffected) > 5 else ""
    same = (
        f"{plural(len(plan.unaffected), 'Pulumi stack')} ({names}{more}) "
        f"{'renders' if len(plan.unaffected) == 1 else 'render'} the same objects and "
        "configuration on both sides and "
        f"{'is' if len(plan.unaffected) == 1 else 'are'} not applied"
    )
    if plan.affected:
        return same + "."
    return same + ": a check-only change (waivers, policies, prices, comments) affects no stack."


# --- Money and quotas --------------------------------------------------------------


def money_delta(value: Decimal) -> str:
    """A cost line's delta: signed, or a bare `0` when nothing moves."""
    return format_money(value, signed=True) if value else "0"


def quota_text(q: QuotaLine) -> str:
    """One team's peak of one quota key against its quota, every amount in one unit
    (render/pods.py `column`): `49.02 -> 48.02 / 57 (quota was 30)`, `56.5Gi / 80Gi`."""
    # The quota last: the unit is one in which it prints exactly
    unit = unit_for(q.key, [q.before, q.after, q.quota_before or 0, q.quota or 0])
    before, after = in_unit(q.before, unit, up=True), in_unit(q.after, unit, up=True)
    amount = after if q.before == q.after else f"{before} -> {after}"
    if q.quota is None:
        return f"{amount} (no quota)"
    text = f"{amount} / {in_unit(q.quota, unit)}"
    if q.quota_before is not None and q.quota_before != q.quota:
        text += f" (quota was {in_unit(q.quota_before, unit)})"
    if q.over:
        text += " OVER"
    return text


def quota_groups(plan: Plan) -> list[tuple[str, str, dict[str, QuotaLine]]]:
    """The plan's quota lines by stack and team, sorted, each team's lines by key."""
    groups: dict[tuple[str, str], list[QuotaLine]] = {}
    for q in plan.quotas:
        groups.setdefault((q.stack, q.team), []).append(q)
    return [
        (stack, team, {q.key: q for q in lines}) for (stack, team), lines in sorted(groups.items())
    ]


# --- Retirements --------------------------------------------------------------------


def retirement_title(step: RetirementStep) -> str:
    """`prod Database crm-db: retired (phase 1), data kept until 2027-01-31`."""
    if step.phase == 1:
        keep = (
            f", data kept until {step.keep_data_until}"
            if step.keep_data_until is not None
            else ", no data to keep"
        )
        title = f"{step.subject}: retired (phase 1){keep}"
    else:
        title = f"{step.subject}: deleted (phase 2)"
        if step.requested is not None:
            title += f", retired on {step.requested}"
    if step.reason:
        title += f"; reason: {step.reason}"
    return title


def retirement_stops(step: RetirementStep) -> str:
    return "stops" if step.phase == 1 else "deleted"


def retirement_lines(step: RetirementStep) -> list[str]:
    """What stops (or is deleted) and what is kept, one line each."""
    return [f"{retirement_stops(step)}: {s}" for s in step.stops] + [
        f"kept: {k}" for k in step.kept
    ]
