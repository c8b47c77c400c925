"""`backup-schedule`: a database's backup schedule is one that CloudNativePG's scheduler
accepts, field by field.

CloudNativePG parses `ScheduledBackup.spec.schedule` with robfig/cron v1 (its webhook
and its controller call `cron.Parse`), after the renderer puts a seconds field in front
of our five fields. This check applies that parser's rules to each field, so that
`0 25 * * 7` fails at check time, at the field, instead of at the operator's webhook:

- each field is a comma-separated list of `*` or `?`, a number or a name, or a range
  `a-b`, each optionally followed by a step `/n` (n > 0);
- numbers lie in the field's bounds: minute 0-59, hour 0-23, day of month 1-31, month
  1-12 (or JAN-DEC), day of week 0-6 (or SUN-SAT; 7 is not Sunday there);
- a range does not run backwards, and a list has no empty item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database

RULE = BuiltinRule(
    "backup-schedule",
    Level.ERROR,
    RuleScope.ENTITY,
    "A backup schedule has a field that CloudNativePG's scheduler refuses (a number out "
    "of range, a backward range, a zero step).",
)

KEYS = ("spec", "backup", "schedule")


@dataclass(frozen=True)
class Bounds:
    name: str
    low: int
    high: int
    names: Mapping[str, int]


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
FIELDS = (
    Bounds("minute", 0, 59, {}),
    Bounds("hour", 0, 23, {}),
    Bounds("day of month", 1, 31, {}),
    Bounds("month", 1, 12, _MONTHS),
    Bounds("day of week", 0, 6, _DAYS),
)
_NUMBER = re.compile(r"[0-9]+")


def field_error(text: str, bounds: Bounds) -> str | None:
    """Why robfig/cron refuses `text` as this field, or None."""
    for item in text.split(","):
        if not item:
            return "has an empty list item"
        range_part, *step = item.split("/")
        if len(step) > 1:
            return f"'{item}' has more than one '/'"
        if step and (not _NUMBER.fullmatch(step[0]) or int(step[0]) == 0):
            return f"'{item}' needs a step of 1 or more after '/'"
        if range_part in ("*", "?"):
            continue
        ends = range_part.split("-")
        if len(ends) > 2:
            return f"'{item}' has more than one '-'"
        values = []
        for end in ends:
            value = _value(end, bounds)
            if value is None:
                allowed = f"{bounds.low}-{bounds.high}"
                if bounds.names:
                    allowed += " or " + "-".join(
                        (
                            min(bounds.names, key=bounds.names.__getitem__).upper(),
                            max(bounds.names, key=bounds.names.__getitem__).upper(),
                        )
                    )
                return f"'{end or item}' is not a {bounds.name} ({allowed})"
            if not bounds.low <= value <= bounds.high:
                return f"{value} is out of range {bounds.low}-{bounds.high}"
            values.append(value)
        if len(values) == 2 and values[0] > values[1]:
            return f"the range '{range_part}' runs backwards"
    return None


def _value(text: str, bounds: Bounds) -> int | None:
    if text.lower() in bounds.names:
        return bounds.names[text.lower()]
    if _NUMBER.fullmatch(text):
        return int(text)
    return None


def schedule_errors(schedule: str) -> list[tuple[int, str]]:
    """(offset of the field in `schedule`, message) for each field that is refused."""
    fields = list(re.finditer(r"\S+", schedule))
    if len(fields) != len(FIELDS):
        return [(0, f"has {len(fields)} fields, not 5 (minute hour day month weekday)")]
    errors = []
    for match, bounds in zip(fields, FIELDS, strict=True):
        error = field_error(match.group(), bounds)
        if error is not None:
            errors.append((match.start(), f"{bounds.name} field: {error}"))
    return errors


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Database) or "backup" not in resource.spec:
            continue
        schedule = str(resource.spec["backup"]["schedule"])
        errors = schedule_errors(schedule)
        if not errors:
            continue
        line, column = resource.locate(*KEYS)
        shift = _shift(resource.doc.source_of(KEYS), schedule)
        for offset, message in errors:
            yield RULE.finding(
                resource.path,
                line,
                column + shift + offset if shift >= 0 else column,
                f"backup schedule {schedule!r}: {message}",
                "minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC, weekday 0-6 or "
                'SUN-SAT (Sunday is 0); for example "0 2 * * *"',
            )


def _shift(source: str, value: str) -> int:
    """Where `value` starts in its source text (1 after an opening quote), or -1 when
    the text is not the value on one line (a block scalar, an escape)."""
    if "\n" in source:
        return -1
    index = source.find(value)
    return index
