"""The words every plan format shares, so markdown, text and JSON say the same thing.

The verdict (`headline`, `summary`), what a landscape change or a Kubernetes object
change is (`describe_change`, `describe_object`, `describe_fields`), the signs for
actions, and the wording of money deltas and quota lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from platform_cli.load.model import Database, Server, Service
from platform_cli.plan.build import Plan
from platform_cli.plan.landscape_diff import MISSING, Change, FieldChange, render_value
from platform_cli.plan.money import QuotaLine
from platform_cli.plan.objects import KubernetesStack, ObjectAction, ObjectChange
from platform_cli.render.hosts import Host
from platform_cli.render.pods import in_unit, unit_for
from platform_cli.render.usage import format_money
from platform_cli.words import plural

# A value shown in a field change is cut after this many characters
_VALUE_LIMIT = 80

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


def describe_fields(fields: Sequence[FieldChange], *, limit: int | None = None) -> list[str]:
    shown = fields if limit is None else fields[:limit]
    out = [_describe_field(f) for f in shown]
    if limit is not None and len(fields) > limit:
        out.append(f"(+{len(fields) - limit} more fields)")
    return out


def _describe_field(f: FieldChange) -> str:
    path = _field_path(f.path)
    if f.old is MISSING:
        return f"{path} added" if isinstance(f.new, dict) else f"{path} added: {_short(f.new)}"
    if f.new is MISSING:
        return f"{path} removed"
    return f"{path} {_short(f.old)} -> {_short(f.new)}"


def describe_entity(change: Change) -> str:
    """What an added or removed resource is, in a few words."""
    entity = change.entity
    spec = entity.spec
    if isinstance(entity, Server):
        return (
            f"{spec['cpu']} vCPU, {spec['memory']} memory, disk {spec['disk']['size']}, "
            f"image {spec['image']}"
        )
    if isinstance(entity, Database):
        text = f"{spec['engine']} {spec['version']}, storage {spec['storage']['size']}"
        if "instances" in spec:
            text += f" x {spec['instances']}"
        return text
    if isinstance(entity, Service):
        ingress = spec.get("ingress")
        if ingress:
            exposure = "public" if ingress.get("public", False) else "internal"
            host = ingress.get("host") or "default host"
            return f"image {spec['image']}, {exposure} ingress on {host}{ingress.get('path', '/')}"
        return f"image {spec['image']}"
    return entity.path


def describe_change(change: Change, *, limit: int | None = None) -> list[str]:
    if change.action == "change":
        return describe_fields(change.fields, limit=limit)
    verb = "new" if change.action == "add" else "deleted"
    return [f"{verb}: {describe_entity(change)}"]


def describe_object(obj: ObjectChange, *, limit: int | None = None) -> list[str]:
    lines = []
    if obj.action == "replace":
        lines.append(f"replaced: {', '.join(obj.immutable)} cannot change in place")
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
