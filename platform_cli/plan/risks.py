"""The risks of a change: what a reviewer must not miss, each under a stable code.

Risks are derived from the landscape diff (deleted or shrunk data, a major upgrade,
a dependency left dangling, a raised quota, a team's access or a system's
classification changed, a resource moved to a system of weaker classification, a new
public host or a changed exposure), from the object diff (a replacement, a network path
opened into another team's namespace) and from the changed paths (waivers, policies,
schemas). They are listed in the order of `RiskCode`, which is the order a reviewer
should read them in.

A risk that someone besides the changed files' owners must approve names them in
`approver`: the architects (`ARCHITECTS`), or the team whose namespace a change
opens. `reviewers.py` turns these into required approvals.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_cli.load.model import Database, Entity, Landscape, Resource, Server, System, Team
from platform_cli.plan.hosts import host_changes
from platform_cli.plan.landscape_diff import Change, ChangeAction, field_changes
from platform_cli.plan.objects import KubernetesStack, ObjectAction
from platform_cli.plan.renames import Rename
from platform_cli.render.usage import QUOTA_KEYS, parse_quota
from platform_cli.sources.layout import RESOURCE_KINDS

WAIVERS_PATH = "policies/waivers.yaml"
PRICES_PATH = "policies/prices.yaml"


class RiskCode(enum.StrEnum):
    """The code of a risk, stable for tools; in the order a reviewer should read them."""

    ACCESS_OPENED = "access-opened"
    DELETE_DATABASE = "delete-database"
    RENAME_DATABASE = "rename-database"
    DELETE_SERVER = "delete-server"
    DELETE_DEPENDED_ON = "delete-depended-on"
    RENAME = "rename"
    DELETION_PROTECTION_REMOVED = "deletion-protection-removed"
    SHRINK_STORAGE = "shrink-storage"
    MAJOR_VERSION = "major-version"
    REPLACEMENT = "replacement"
    KUBERNETES_UNAVAILABLE = "kubernetes-unavailable"
    QUOTA_RAISED = "quota-raised"
    PUBLIC_HOST = "public-host"
    EXPOSURE_CHANGED = "exposure-changed"
    TEAM_ACCESS_CHANGED = "team-access-changed"
    SYSTEM_CLASSIFICATION_CHANGED = "system-classification-changed"
    SYSTEM_MOVE_WEAKER = "system-move-weaker"
    WAIVERS_CHANGED = "waivers-changed"
    POLICIES_CHANGED = "policies-changed"
    SCHEMAS_CHANGED = "schemas-changed"
    PRICES_CHANGED = "prices-changed"


_ORDER = {code: i for i, code in enumerate(RiskCode)}

# The `approver` of a risk only the architects may accept
ARCHITECTS = "architects"

# Data classes whose loss from a resource's system weakens how it is protected: the
# policies for personal data (LND004, LND005) and master data (LND003) key on them
SENSITIVE_CLASSES = ("personal", "payment", "resident-registry", "building-registry")


@dataclass(frozen=True)
class Risk:
    """Something a reviewer must not miss. `code` is stable, for tools; `approver`
    is who must approve beyond the changed files' owners (`ARCHITECTS` or a team),
    or ''."""

    code: RiskCode
    subject: str
    message: str
    approver: str = ""


def risks(
    old: Landscape,
    new: Landscape,
    changes: list[Change],
    paths: tuple[str, ...],
    kubernetes: tuple[KubernetesStack, ...],
    renamed: Sequence[Rename] = (),
    prices_changed: bool = False,
) -> list[Risk]:
    """Every risk of the change, in the order of `RiskCode`, then by subject."""
    found: list[Risk] = [_rename_risk(r) for r in renamed]
    if prices_changed:
        found.append(
            Risk(
                RiskCode.PRICES_CHANGED,
                PRICES_PATH,
                "the price sheet changes: every shard's cost is computed again; no "
                "deployed object changes",
            )
        )
    removed = {
        (c.stack, c.kind, c.name) for c in changes if c.action == ChangeAction.REMOVE and c.stack
    }
    # A renamed resource's dependents follow the new name (or the head has errors)
    dependents = _dependents(old, removed - {(r.stack, r.kind, r.old) for r in renamed})
    for change in changes:
        if not change.stack or change.kind not in RESOURCE_KINDS:
            continue
        subject = f"{change.stack} {change.kind} {change.name}"
        if change.action == ChangeAction.REMOVE:
            found += _removal_risks(change, subject, dependents, removed, new)
        elif change.action == ChangeAction.CHANGE:
            assert change.old is not None and change.new is not None
            found += _change_risks(change.old, change.new, subject)
            found += _move_risks(change.old, change.new, subject, old, new)
    for change in changes:
        found += _definition_risks(change)
    for host in host_changes(old, new, changes):
        subject = f"{host.stack} Service {host.service}"
        if host.exposure_changed:
            assert host.before is not None and host.after is not None
            found.append(
                Risk(
                    RiskCode.EXPOSURE_CHANGED,
                    subject,
                    f"exposure {host.before.exposure} -> {host.after.exposure} "
                    f"({host.after.host}{host.after.path}); the architects decide what the "
                    "internet reaches",
                    ARCHITECTS,
                )
            )
        elif host.new_public:
            assert host.after is not None
            found.append(
                Risk(
                    RiskCode.PUBLIC_HOST,
                    subject,
                    f"serves {host.after.host}{host.after.path} to the internet; the "
                    "architects decide what the internet reaches",
                    ARCHITECTS,
                )
            )
    for stack in kubernetes:
        for opening in stack.openings:
            if opening.cross_namespace and opening.team:
                found.append(
                    Risk(
                        RiskCode.ACCESS_OPENED,
                        f"{stack.stack} {opening.namespace}",
                        f"{opening.describe()}; team {opening.team} owns the namespace "
                        "and must approve",
                        opening.team,
                    )
                )
        if stack.unavailable and not stack.unavailable.startswith("the head"):
            found.append(
                Risk(
                    RiskCode.KUBERNETES_UNAVAILABLE,
                    f"{stack.stack}",
                    f"the Kubernetes objects cannot be compared ({stack.unavailable}): "
                    "which objects change and which network paths open is unknown; the "
                    "architects must approve",
                )
            )
        for obj in stack.changes:
            if obj.action == ObjectAction.REPLACE:
                found.append(
                    Risk(
                        RiskCode.REPLACEMENT,
                        f"{stack.stack} {obj.ref}",
                        "is deleted and created again: "
                        + ", ".join(obj.immutable)
                        + " cannot change in place",
                    )
                )
    for change in changes:
        raised = raised_quotas(change)
        if raised:
            found.append(
                Risk(
                    RiskCode.QUOTA_RAISED,
                    f"Team {change.name}",
                    "raises its quota: " + ", ".join(raised) + "; the architects must approve",
                    ARCHITECTS,
                )
            )
    found += _architecture_risks(old, new, paths)
    return sorted(found, key=lambda r: (_ORDER[r.code], r.subject))


def _rename_risk(rename: Rename) -> Risk:
    """A rename is a delete and a create under a new name; a database's is a new,
    empty database, which the architects must accept."""
    gone = (
        "a new, empty database unless a restore is declared"
        if rename.is_database
        else "Pulumi deletes and creates its objects"
    )
    text = f"renamed: {gone}; downtime while it moves (see Renames)"
    if rename.references:
        text += "; still naming the old one: " + ", ".join(rename.references)
    if rename.is_database:
        return Risk(RiskCode.RENAME_DATABASE, rename.subject, text, ARCHITECTS)
    return Risk(RiskCode.RENAME, rename.subject, text)


def raised_quotas(change: Change) -> list[str]:
    """`stack.key old -> new` for every quota of a team that grows (or appears)."""
    if change.kind != "Team" or change.action == ChangeAction.REMOVE:
        return []
    old = change.old.spec["quotas"] if change.old is not None else {}
    new = change.entity.spec["quotas"]
    raised = []
    for stack in sorted(new):
        for key in QUOTA_KEYS:
            after = parse_quota(key, new[stack][key])
            before_raw = old.get(stack, {}).get(key)
            before = parse_quota(key, before_raw) if before_raw is not None else 0
            if after > before:
                shown = "(none)" if before_raw is None else str(before_raw)
                raised.append(f"{stack}.{key} {shown} -> {new[stack][key]}")
    return raised


def _dependents(
    landscape: Landscape, removed: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[Resource]]:
    """For each removed resource, the resources of the base that depend on it."""
    out: dict[tuple[str, str, str], list[Resource]] = {}
    if not removed:
        return out
    for resource in landscape.all_resources():
        for kind, name in resource.depends_on:
            key = (resource.stack, kind, name)
            if key in removed:
                out.setdefault(key, []).append(resource)
    return out


def _removal_risks(
    change: Change,
    subject: str,
    dependents: Mapping[tuple[str, str, str], list[Resource]],
    removed: set[tuple[str, str, str]],
    new: Landscape,
) -> list[Risk]:
    found = []
    entity = change.old
    if isinstance(entity, Database | Server):
        protected = ""
        if entity.deletion_protection and entity.retirement is not None:
            protected = (
                f"; retired on {entity.retirement.requested}: the apply lifts "
                "deletionProtection for exactly its objects"
            )
        elif entity.deletion_protection:
            protected = (
                "; deletionProtection is on: only a retired resource past its "
                "keepDataUntil may be deleted (or any in a development stack)"
            )
        what = "its data" if isinstance(entity, Database) else "its disk"
        code = RiskCode.DELETE_DATABASE if isinstance(entity, Database) else RiskCode.DELETE_SERVER
        found.append(Risk(code, subject, f"is deleted with {what}{protected}"))
    users = []
    for user in dependents.get((change.stack, change.kind, change.name), []):
        if (user.stack, user.kind, user.name) in removed:
            continue
        now = new.find(user.stack, user.kind, user.name)
        still = now is not None and (change.kind, change.name) in now.depends_on
        users.append(f"{user.ref} ({'still declared at head' if still else 'dropped at head'})")
    if users:
        found.append(
            Risk(
                RiskCode.DELETE_DEPENDED_ON,
                subject,
                f"is deleted, but {', '.join(sorted(users))} depended on it at base",
            )
        )
    return found


def _change_risks(old: Entity, new: Entity, subject: str) -> list[Risk]:
    found: list[Risk] = []
    if not (isinstance(old, Resource) and isinstance(new, Resource)):
        return found
    if old.deletion_protection and not new.deletion_protection:
        found.append(
            Risk(RiskCode.DELETION_PROTECTION_REMOVED, subject, "deletionProtection is turned off")
        )
    if isinstance(old, Database) and isinstance(new, Database):
        if new.storage_bytes < old.storage_bytes:
            found.append(
                Risk(
                    RiskCode.SHRINK_STORAGE,
                    subject,
                    f"storage shrinks from {old.spec['storage']['size']} to "
                    f"{new.spec['storage']['size']}",
                )
            )
        if (old.spec["engine"], old.spec["version"]) != (new.spec["engine"], new.spec["version"]):
            found.append(
                Risk(
                    RiskCode.MAJOR_VERSION,
                    subject,
                    f"{old.spec['engine']} {old.spec['version']} -> "
                    f"{new.spec['engine']} {new.spec['version']}: a major upgrade",
                )
            )
    if isinstance(old, Server) and isinstance(new, Server) and new.disk_bytes < old.disk_bytes:
        found.append(
            Risk(
                RiskCode.SHRINK_STORAGE,
                subject,
                f"disk shrinks from {old.spec['disk']['size']} to {new.spec['disk']['size']}",
            )
        )
    return found


def _definition_risks(change: Change) -> list[Risk]:
    """A team's access (its Kubernetes group, its namespace labels) or a system's
    classification or tier changed: the architects decide those, not the team."""
    if change.action != ChangeAction.CHANGE:
        return []
    before, after = change.old, change.new
    if isinstance(before, Team) and isinstance(after, Team):
        moved = []
        if before.kubernetes_group != after.kubernetes_group:
            moved.append(f"kubernetesGroup {before.kubernetes_group} -> {after.kubernetes_group}")
        if dict(before.metadata.get("labels", {})) != dict(after.metadata.get("labels", {})):
            moved.append("the labels of its namespaces")
        if moved:
            return [
                Risk(
                    RiskCode.TEAM_ACCESS_CHANGED,
                    f"Team {change.name}",
                    "changes who gets access: " + "; ".join(moved),
                    ARCHITECTS,
                )
            ]
    if isinstance(before, System) and isinstance(after, System):
        moved = []
        if before.tier != after.tier:
            moved.append(f"tier {before.tier} -> {after.tier}")
        if sorted(before.data_classes) != sorted(after.data_classes):
            moved.append(
                f"dataClasses [{', '.join(before.data_classes)}] -> "
                f"[{', '.join(after.data_classes)}]"
            )
        if before.master_data != after.master_data:
            moved.append(f"masterData {before.master_data} -> {after.master_data}")
        if moved:
            return [
                Risk(
                    RiskCode.SYSTEM_CLASSIFICATION_CHANGED,
                    f"System {change.name}",
                    "changes how the policies judge its resources: " + "; ".join(moved),
                    ARCHITECTS,
                )
            ]
    return []


def _move_risks(
    before: Entity, after: Entity, subject: str, old: Landscape, new: Landscape
) -> list[Risk]:
    """A resource moved to a system whose classification is weaker: the policies judge
    the head as a whole, so a move that drops `personal` also drops what LND004 and
    LND005 demand (backups, replicas, internal exposure) in the same pull request."""
    if not (isinstance(before, Resource) and isinstance(after, Resource)):
        return []
    if before.system == after.system:
        return []
    was, now = old.systems.get(before.system), new.systems.get(after.system)
    if was is None or now is None:
        return []
    lost = [c for c in SENSITIVE_CLASSES if c in was.data_classes and c not in now.data_classes]
    if not lost:
        return []
    return [
        Risk(
            RiskCode.SYSTEM_MOVE_WEAKER,
            subject,
            f"moves from system {was.name} to {now.name}, which does not hold "
            f"{', '.join(lost)} data: the policies for that data no longer apply to it",
            ARCHITECTS,
        )
    ]


def _architecture_risks(old: Landscape, new: Landscape, paths: tuple[str, ...]) -> list[Risk]:
    found = []
    if WAIVERS_PATH in paths:
        details = _waiver_changes(old, new) or ["the file changes"]
        found.append(Risk(RiskCode.WAIVERS_CHANGED, WAIVERS_PATH, "; ".join(details)))
    policies = [
        p for p in paths if p.startswith("policies/") and p not in (WAIVERS_PATH, PRICES_PATH)
    ]
    if policies:
        found.append(Risk(RiskCode.POLICIES_CHANGED, "policies/", "changes " + ", ".join(policies)))
    schemas = [p for p in paths if p.startswith("schemas/")]
    if schemas:
        found.append(Risk(RiskCode.SCHEMAS_CHANGED, "schemas/", "changes " + ", ".join(schemas)))
    return found


def _waiver_key(entry: Mapping[str, Any]) -> tuple[str, str, str, str]:
    target = entry.get("target", {})
    return (
        str(entry.get("policy")),
        str(target.get("stack")),
        str(target.get("kind")),
        str(target.get("name")),
    )


def _waiver_changes(old: Landscape, new: Landscape) -> list[str]:
    before = {_waiver_key(e): e for e in (old.waivers.entries if old.waivers else [])}
    after = {_waiver_key(e): e for e in (new.waivers.entries if new.waivers else [])}
    out = []
    for key in sorted(before.keys() | after.keys()):
        policy, stack, kind, name = key
        target = f"{policy} for {stack} {kind}/{name}"
        was, now = before.get(key), after.get(key)
        if was is None and now is not None:
            out.append(
                f"adds a waiver of {target} ({now.get('ticket')}, expires {now.get('expires')})"
            )
        elif now is None:
            out.append(f"removes the waiver of {target}")
        elif was != now:
            fields = ", ".join(c.describe() for c in field_changes(was, now))
            out.append(f"changes the waiver of {target}: {fields}")
    return out
