"""What only the plan can judge of a restore: the moment it is asked for.

`checks/integrity/database_restore.py` judges a restore's source on every check. Two
judgments hold only when the database is created, since CloudNativePG reads
`bootstrap.recovery` once: that the point in time lies within the source's retention
at the time the plan runs, and that the source is not itself new in the change, with
no backup yet (`WINDOW`; a restore done last year is not wrong today), and
that a database that exists already does not get a restore added or changed
(`EXISTING`: it would do nothing). Both are located errors of the head.
"""

from __future__ import annotations

import datetime

from platform_cli.checks.integrity.database_restore import (
    existing_finding,
    unborn_finding,
    window_finding,
)
from platform_cli.findings import Finding
from platform_cli.load.model import Database, Landscape
from platform_cli.plan.landscape_diff import Change, ChangeAction


def end_of(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in UTC: `now` for a plan run with an explicit today."""
    return datetime.datetime.combine(day, datetime.time.max, datetime.UTC)


def restore_findings(
    new: Landscape, changes: list[Change], now: datetime.datetime
) -> list[Finding]:
    """The findings of the restores the change adds or alters, at `now` (aware)."""
    found: list[Finding] = []
    added = {
        (c.stack, c.name) for c in changes if c.action == ChangeAction.ADD and c.kind == "Database"
    }
    for change in changes:
        entity = change.new
        if not isinstance(entity, Database) or entity.restore is None:
            continue
        if change.action == ChangeAction.ADD:
            source = new.find(entity.stack, "Database", entity.restore.source)
            if not isinstance(source, Database):
                continue
            if (entity.stack, source.name) in added:
                found.append(unborn_finding(entity))
                continue
            finding = window_finding(entity, source, now)
            if finding is not None:
                found.append(finding)
        elif change.action == ChangeAction.CHANGE and isinstance(change.old, Database):
            finding = existing_finding(change.old, entity)
            if finding is not None:
                found.append(finding)
    return found
