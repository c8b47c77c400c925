"""The plan for tools (`platform plan --format json`): the same content as the other
formats, with stable keys and money as decimal strings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from platform_cli.plan.access import Opening
from platform_cli.plan.build import Plan
from platform_cli.plan.landscape_diff import MISSING, Change, FieldChange
from platform_cli.plan.objects import ObjectChange
from platform_cli.render.hosts import Host
from platform_cli.report.check import finding_dict
from platform_cli.report.plan_wording import (
    adoption_lines,
    change_host,
    describe_change,
    headline,
    retirement_title,
    summary,
)

_UNITS = {"cpu": "millicores", "memory": "bytes", "storage": "bytes", "servers": "count"}


def _fields(fields: Iterable[FieldChange]) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        entry: dict[str, Any] = {"path": f.path}
        if f.old is not MISSING:
            entry["old"] = f.old
        if f.new is not MISSING:
            entry["new"] = f.new
        out.append(entry)
    return out


def _change_dict(plan: Plan, change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "stack": change.stack,
        "kind": change.kind,
        "name": change.name,
        "path": change.entity.path,
        "summary": describe_change(change, host=change_host(plan, change))
        + adoption_lines(plan, change),
        "fields": _fields(change.fields),
    }


def _object_dict(obj: ObjectChange) -> dict[str, Any]:
    return {
        "action": obj.action,
        "apiVersion": obj.api_version,
        "kind": obj.kind,
        "namespace": obj.namespace,
        "name": obj.name,
        "source": obj.source,
        "immutableFields": list(obj.immutable),
        "fields": _fields(obj.fields),
    }


def _access(o: Opening) -> dict[str, Any]:
    return {
        "stack": o.stack,
        "namespace": o.namespace,
        "team": o.team,
        "networkPolicy": o.policy,
        "target": o.target,
        "peer": o.peer,
        "peerNamespace": o.peer_namespace,
        "ports": list(o.ports),
        "source": o.source,
        "description": o.describe(),
    }


def _host(host: Host | None) -> dict[str, Any] | None:
    if host is None:
        return None
    return {"host": host.host, "path": host.path, "exposure": host.exposure}


class JsonReporter:
    """The same content for tools: stable keys, money as decimal strings."""

    def render(self, plan: Plan) -> str:
        document = {
            "version": 1,
            "passed": not plan.failed,
            "verdict": f"{headline(plan)}: {summary(plan)}",
            "base": {"ref": plan.base.label, "sha": plan.base.sha},
            "head": {"ref": plan.head.label, "sha": plan.head.sha},
            "changedPaths": list(plan.changed_paths),
            "risks": [
                {"code": r.code, "subject": r.subject, "message": r.message} for r in plan.risks
            ],
            "findings": {
                "errors": len(plan.errors),
                "warnings": len(plan.warnings),
                "waived": plan.waived,
                "baseErrors": plan.base_errors,
                "items": [finding_dict(f) for f in plan.findings],
            },
            "landscapeChanges": [_change_dict(plan, c) for c in plan.changes],
            "kubernetes": [
                {
                    "stack": k.stack,
                    "available": not k.unavailable,
                    "unavailable": k.unavailable,
                    "changes": [_object_dict(c) for c in k.changes],
                }
                for k in plan.kubernetes
            ],
            "cost": {
                "currency": "RUB",
                "period": "month",
                "delta": str(plan.cost_delta),
                "priceSheetChanged": plan.price_sheet_changed,
                "unpricedStorageClasses": list(plan.unpriced),
                "shards": [
                    {
                        "stack": c.stack,
                        "team": c.team,
                        "before": str(c.before),
                        "after": str(c.after),
                        "delta": str(c.delta),
                    }
                    for c in plan.costs
                ],
                "stacks": [
                    {
                        "stack": c.stack,
                        "before": str(c.before),
                        "after": str(c.after),
                        "delta": str(c.delta),
                    }
                    for c in plan.stack_costs
                ],
            },
            "quotas": [
                {
                    "stack": q.stack,
                    "team": q.team,
                    "key": q.key,
                    "unit": _UNITS[q.key],
                    "before": q.before,
                    "after": q.after,
                    "quota": q.quota,
                    "quotaBefore": q.quota_before,
                    "over": q.over,
                }
                for q in plan.quotas
            ],
            "reviewers": [
                {"owner": r.owner, "paths": list(r.paths), "reasons": list(r.reasons)}
                for r in plan.reviewers
            ],
            # Beyond CODEOWNERS: each entry needs one approval from any of its owners
            "requiredApprovals": [
                {"team": a.team, "owners": list(a.owners), "reasons": list(a.reasons)}
                for a in plan.approvals
            ],
            "hosts": [
                {
                    "action": h.action,
                    "stack": h.stack,
                    "service": h.service,
                    "team": h.team,
                    "path": h.path,
                    "before": _host(h.before),
                    "after": _host(h.after),
                }
                for h in plan.hosts
            ],
            "openings": [_access(o) for k in plan.kubernetes for o in k.openings],
            "closings": [_access(o) for k in plan.kubernetes for o in k.closings],
            # Paths that only follow a rename, left out of both lists
            "pathsFollowingRenames": sum(k.moved for k in plan.kubernetes),
            "renames": [
                {
                    "stack": r.stack,
                    "kind": r.kind,
                    "old": r.old,
                    "new": r.new,
                    "team": r.team,
                    "fields": _fields(r.fields),
                    "changes": list(r.moves),
                    "references": list(r.references),
                }
                for r in plan.renames
            ],
            "retirements": [
                {
                    "stack": r.stack,
                    "kind": r.kind,
                    "name": r.name,
                    "team": r.team,
                    "phase": r.phase,
                    "requested": r.requested,
                    "keepDataUntil": r.keep_data_until,
                    "reason": r.reason,
                    "title": retirement_title(r),
                    "stops": list(r.stops) if r.phase == 1 else [],
                    "deleted": list(r.stops) if r.phase == 2 else [],
                    "kept": list(r.kept),
                    "backups": r.backups,
                }
                for r in plan.retirements
            ],
            "affectedStacks": [
                {
                    "name": a.shard.name,
                    "stack": a.shard.stack,
                    "team": a.shard.team,
                    "reasons": list(a.reasons),
                }
                for a in plan.affected
            ],
            # Shards the changed paths could touch that render the same on both sides
            "unaffectedStacks": [
                {"name": a.shard.name, "reasons": list(a.reasons)} for a in plan.unaffected
            ],
            "largestStack": (
                {"name": plan.largest[0], "resources": plan.largest[1]} if plan.largest else None
            ),
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
