"""What a change retires, and what it deletes after a retirement: the plan's
"Retirements" section, as data.

Phase 1 (a retirement new at head) lists what stops (traffic, replicas, the VM, the
database's instances) and what is kept (the volumes, the final backup and where it
goes, and until when). Phase 2 (the file of a resource deleted) lists what is deleted
with the data and where the last backup stays. Whether phase 2 is allowed is
`checks/retirement.py`'s judgment; this module only describes. Linear: one look-up per
changed resource.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from platform_cli.load.model import Database, Landscape, Resource, Server, Service
from platform_cli.plan.landscape_diff import Change, ChangeAction
from platform_cli.render.database import backup_destination, final_backup_name
from platform_cli.render.hosts import host_of
from platform_cli.sources.layout import RESOURCE_KINDS


@dataclass(frozen=True)
class RetirementStep:
    stack: str
    kind: str
    name: str
    team: str
    phase: int  # 1: retired (the file stays), 2: deleted after its retirement
    requested: datetime.date | None
    keep_data_until: datetime.date | None
    reason: str
    stops: tuple[str, ...]
    kept: tuple[str, ...]
    # Where the database's backups are (its folder of the stack's object store)
    backups: str | None

    @property
    def subject(self) -> str:
        return f"{self.stack} {self.kind} {self.name}"


def _backups(db: Database, landscape: Landscape) -> str | None:
    stack = landscape.stacks.get(db.stack)
    if stack is None or not db.spec.get("backup"):
        return None
    folder = backup_destination(stack, db.team)
    return None if folder is None else f"{folder}/{db.name}/"


def _phase1(resource: Resource, landscape: Landscape) -> tuple[list[str], list[str], str | None]:
    stack = landscape.stacks[resource.stack]
    stops: list[str] = []
    kept: list[str] = []
    backups = None
    if isinstance(resource, Service):
        host = host_of(resource, stack)
        if host is not None:
            stops.append(f"traffic: the Ingress of {host.host}{host.path} (and its certificate)")
        if resource.spec.get("autoscaling"):
            stops.append("the autoscaler")
        stops.append(f"replicas {resource.replicas(stack)} -> 0")
        kept.append("the Deployment at 0 replicas, its Service and configuration")
    elif isinstance(resource, Server):
        stops.append("the VM is halted (runStrategy Halted)")
        if resource.spec.get("ports"):
            stops.append(
                "its Service" + (" and external address" if resource.spec.get("external") else "")
            )
        kept.append("its disk")
    elif isinstance(resource, Database):
        backups = _backups(resource, landscape)
        instances = resource.instances(stack)
        if backups is not None:
            stops.append(
                f"the cluster is hibernated after the final Backup {final_backup_name(resource)} "
                f"completes ({instances} instances stop)"
            )
            stops.append("the backup schedule")
            kept.append(f"the final backup and the WAL archive in {backups}")
        else:
            stops.append(f"the cluster is hibernated ({instances} instances stop); no backups")
        kept.append("its volumes (PersistentVolumeClaims)")
    return stops, kept, backups


def _phase2(resource: Resource, landscape: Landscape) -> tuple[list[str], list[str], str | None]:
    backups = None
    deleted: list[str] = []
    kept: list[str] = []
    if isinstance(resource, Database):
        deleted.append("the data: the cluster and its volumes are deleted")
        backups = _backups(resource, landscape)
        if backups is not None:
            kept.append(
                f"the last backups stay in {backups} (nothing prunes them once the "
                "ObjectStore is gone)"
            )
        else:
            kept.append("no backup: the database had none")
    elif isinstance(resource, Server):
        deleted.append("the data: the VM and its disk are deleted")
    else:
        deleted.append("the Deployment and everything rendered from the file")
    if resource.deletion_protection:
        deleted.append("the apply lifts deletionProtection for exactly these objects")
    return deleted, kept, backups


def retirement_steps(old: Landscape, new: Landscape, changes: list[Change]) -> list[RetirementStep]:
    """A step for every resource retired at head (and not at base), and for every
    deleted resource that was retired at base (or is a protected one in any stack)."""
    steps = []
    for change in changes:
        if not change.stack or change.kind not in RESOURCE_KINDS:
            continue
        if change.action == ChangeAction.REMOVE:
            resource = change.old
            assert isinstance(resource, Resource)
            if resource.retirement is None and not resource.deletion_protection:
                continue
            phase, (stops, kept, backups) = 2, _phase2(resource, old)
        else:
            resource = change.new
            assert isinstance(resource, Resource)
            before = change.old
            if resource.retirement is None or (
                isinstance(before, Resource) and before.retirement is not None
            ):
                continue
            phase, (stops, kept, backups) = 1, _phase1(resource, new)
        retirement = resource.retirement
        steps.append(
            RetirementStep(
                resource.stack,
                resource.kind,
                resource.name,
                resource.team,
                phase,
                retirement.requested if retirement else None,
                retirement.keep_data_until if retirement else None,
                retirement.reason if retirement else "",
                tuple(stops),
                tuple(kept),
                backups,
            )
        )
    return steps
