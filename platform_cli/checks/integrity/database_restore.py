"""`database-restore`: a database restored from another one's backups names a source it
may read, and one it can be restored from.

`spec.restore.from` names the database whose backups the new one starts from
(render/database.py renders CloudNativePG's `bootstrap.recovery` from the source's
ObjectStore). The source must:

- exist in the same stack, as a Database: the recovery reads the source's ObjectStore
  in the team's namespace;
- belong to the same team: a restore from another team's database would read that
  team's data, with that team's object store credentials (the ObjectStore names its
  Secret). A team restores only its own databases; the other team restores it for them;
- have backups (`spec.backup`): without them there is nothing to restore from;
- run the same PostgreSQL major version: a physical backup starts only on the major
  version that wrote it;
- have no more storage than the new database: the recovery copies the source's whole
  data directory onto the new volume, and a smaller one fills up half-way;
- not be the database itself.

A source that is retired (`metadata.retirement`) is a valid source: retirement keeps
its backups for exactly this. `spec.restore.at`, when given, must be an RFC 3339
date-time with an offset.

Two more judgments belong to the moment a restore is asked for, not to every later
check of the landscape (CloudNativePG reads `bootstrap` once, when it creates the
cluster; a restore done last year is not wrong today), so the plan and `platform new
database --restore-from` make them, with `now` passed in, never read from a clock
here: `WINDOW` (the point in time lies within the source's retention, and not in the
future) and `EXISTING` (a restore added to, or changed on, a database that exists
already does nothing).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest, undeclared
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database, Landscape, format_instant, parse_instant
from platform_cli.load.quantities import parse_bytes

RULE = BuiltinRule(
    "database-restore",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database restores from a source that does not exist in its stack, belongs to "
    "another team, has no backups, runs another major version, has more storage or is "
    "the database itself; or its point in time is no RFC 3339 date-time.",
)
WINDOW = BuiltinRule(
    "database-restore-window",
    Level.ERROR,
    RuleScope.ENTITY,
    "A new database restores to a point in time outside its source's backup retention "
    "(older than retentionDays, or in the future), or from a database the same change "
    "creates; found by the plan and by `platform new database --restore-from`, against "
    "the time they run.",
)
EXISTING = BuiltinRule(
    "database-restore-existing",
    Level.ERROR,
    RuleScope.ENTITY,
    "A restore is added to, or changed on, a database that exists already: CloudNativePG "
    "bootstraps a cluster once, so it would do nothing (found by the plan).",
)

AFTER_RETIREMENT = BuiltinRule(
    "database-restore-retired",
    Level.WARNING,
    RuleScope.ENTITY,
    "A database restores a retired source to a point in time after the day its retirement "
    "was requested: the source's backups end when that retirement was applied, and a "
    "later point makes the recovery fail.",
)

KEYS = ("spec", "restore")


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        if isinstance(resource, Database) and resource.restore is not None:
            yield from _source_findings(loaded, land, resource)


def _source_findings(loaded: Loaded, land: Landscape, db: Database) -> Iterator[Finding]:
    restore = db.restore
    assert restore is not None
    if restore.at is not None:
        try:
            parse_instant(restore.at)
        except ValueError as error:
            yield at(
                db,
                RULE,
                f"spec.restore.at: {error}",
                'write the time in UTC with a Z, quoted: at: "2026-11-28T21:00:00Z"; '
                "leave it out to restore the latest state the backups hold",
                *KEYS,
                "at",
            )
    if restore.source == db.name:
        yield at(
            db,
            RULE,
            f"database '{db.name}' restores from itself",
            "a restore creates a new database from another one's backups: give the new "
            "database its own name, and keep the source",
            *KEYS,
            "from",
        )
        return
    source = land.find(db.stack, "Database", restore.source)
    if not isinstance(source, Database):
        if undeclared(loaded, "Database", restore.source, db.stack):
            known = [n for (k, n) in land.in_stack(db.stack) if k == "Database" and n != db.name]
            yield at(
                db,
                RULE,
                f"database '{restore.source}' is not declared in stack '{db.stack}'",
                suggest(restore.source, known, "database"),
                *KEYS,
                "from",
            )
        return
    if source.team != db.team:
        yield at(
            db,
            RULE,
            f"database '{source.name}' belongs to team '{source.team}', not "
            f"'{db.team}': a restore from it would read that team's data with that "
            "team's backup credentials",
            f"a team restores only its own databases: ask team '{source.team}' to "
            "restore it into a database of their own",
            *KEYS,
            "from",
        )
        return
    if not source.spec.get("backup"):
        yield at(
            db,
            RULE,
            f"database '{source.name}' has no backups to restore from",
            f"give '{source.name}' spec.backup first (a restore can reach back only to "
            "its first backup), or restore from another database",
            *KEYS,
            "from",
        )
    if int(source.spec["version"]) != int(db.spec["version"]):
        yield at(
            db,
            RULE,
            f"database '{db.name}' runs PostgreSQL {db.spec['version']}, but its "
            f"source '{source.name}' runs {source.spec['version']}: a physical backup "
            "starts only on the major version that wrote it",
            f"set spec.version to {source.spec['version']}; upgrade after the restore",
            "spec",
            "version",
        )
    yield from _after_retirement(db, source)
    size, source_size = db.spec["storage"]["size"], source.spec["storage"]["size"]
    if parse_bytes(size) < parse_bytes(source_size):
        yield at(
            db,
            RULE,
            f"database '{db.name}' has {size} of storage, less than the {source_size} of "
            f"its source '{source.name}': the recovery copies the source's whole data "
            "directory onto it, and stops when the volume is full",
            f"give spec.storage.size at least {source_size}",
            "spec",
            "storage",
            "size",
        )


def _after_retirement(db: Database, source: Database) -> Iterator[Finding]:
    """A point in time after the day a source's retirement was requested. Phase 1 of a
    retirement takes a last backup and hibernates the cluster when it is applied, on
    that day or later: WAL archived after it does not exist. Only the apply knows the
    hour, so this is a warning, given from the day the retirement was requested."""
    retirement, restore = source.retirement, db.restore
    if retirement is None or restore is None or restore.at is None:
        return
    try:
        moment = parse_instant(restore.at)
    except ValueError:
        return  # RULE reports it
    if moment.astimezone(datetime.UTC).date() <= retirement.requested:
        return
    yield at(
        db,
        AFTER_RETIREMENT,
        f"database '{source.name}' was retired on {retirement.requested}: its backups end "
        f"when that retirement was applied (a last backup, then hibernation), and "
        f"{format_instant(moment)} may lie after them, where the recovery fails",
        "leave spec.restore.at out to restore the last state its backups hold, or give "
        "a time before its retirement was applied",
        *KEYS,
        "at",
    )


def window_finding(db: Database, source: Database, now: datetime.datetime) -> Finding | None:
    """`WINDOW`'s finding for a new `db` restored from `source` at `now` (aware), or
    None: the point in time lies within the `retentionDays` before `now` and not after
    it. Barman keeps the base backups (and the WAL after them) of that many days, so an
    older point has no backup left to start from. None too when there is nothing to
    judge (no point in time, no backups, a time that does not parse: RULE reports
    those)."""
    restore = db.restore
    backup = source.spec.get("backup")
    if restore is None or restore.at is None or not backup:
        return None
    try:
        moment = parse_instant(restore.at)
    except ValueError:
        return None
    days = int(backup["retentionDays"])
    oldest = now - datetime.timedelta(days=days)
    # Shown to the second: the bounds are a day's judgment, not a microsecond's
    shown_now, shown_oldest = (format_instant(t.replace(microsecond=0)) for t in (now, oldest))
    if moment > now:
        return at(
            db,
            WINDOW,
            f"the point in time {format_instant(moment)} lies in the future (now: {shown_now})",
            "give a time the backups have reached already, or leave spec.restore.at out "
            "for the latest state",
            *KEYS,
            "at",
        )
    if moment < oldest:
        return at(
            db,
            WINDOW,
            f"the point in time {format_instant(moment)} lies before what "
            f"'{source.name}' keeps: its backups reach back {days} days, to "
            f"{shown_oldest}",
            f"give a time from {shown_oldest} on",
            *KEYS,
            "at",
        )
    return None


def unborn_finding(db: Database) -> Finding:
    """`WINDOW`'s finding for a new `db` restored from a database that the same change
    creates: it has no backup yet, so there is no point in time to restore."""
    assert db.restore is not None
    return at(
        db,
        WINDOW,
        f"database '{db.restore.source}' is new in this change: it has no backups yet to "
        "restore from",
        f"create '{db.restore.source}' first; restore from it once its first backup has run",
        *KEYS,
        "from",
    )


def existing_finding(old: Database, new: Database) -> Finding | None:
    """`EXISTING`'s finding when `new`, a database that exists at the base as `old`,
    gets a restore it did not have or a different one, or None. Removing a restore
    from a database that was created by it changes nothing and is fine."""
    if new.restore is None or new.restore == old.restore:
        return None
    if old.restore is None:
        message = (
            f"database '{new.name}' exists already: adding spec.restore does nothing "
            "(CloudNativePG bootstraps a cluster once, when it creates it)"
        )
    else:
        message = (
            f"database '{new.name}' exists already: changing spec.restore does nothing "
            "(CloudNativePG bootstraps a cluster once, when it creates it)"
        )
    return at(
        new,
        EXISTING,
        message,
        f"restore into a new database instead: platform new database NAME "
        f"--restore-from {new.restore.source}"
        + (f" --at {new.restore.at}" if new.restore.at else "")
        + f", then point the consumers at it; keep spec.restore of '{new.name}' as it was",
        *KEYS,
    )
