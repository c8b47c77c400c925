"""The backup schedule check reads each field as robfig/cron v1 (CloudNativePG's
scheduler) does: what it accepts passes, what it refuses fails at the field."""

from __future__ import annotations

import pytest

from platform_cli.checks.integrity.backup_schedule import schedule_errors


@pytest.mark.parametrize(
    "schedule",
    [
        "0 2 * * *",
        "*/15 * * * *",
        "0 0-23/6 * * *",
        "30 23 1,15 * ?",
        "0 6 * JAN-MAR sun",
        "0 6 ? * MON-FRI",
        "59 23 31 12 6",
        "0 2 1-31/2 dec *",
    ],
)
def test_schedules_the_scheduler_accepts_pass(schedule: str) -> None:
    assert schedule_errors(schedule) == []


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            "0 25 * * 7",
            [
                (2, "hour field: 25 is out of range 0-23"),
                (9, "day of week field: 7 is out of range 0-6"),
            ],
        ),
        ("60 2 * * *", [(0, "minute field: 60 is out of range 0-59")]),
        ("0 2 0 * *", [(4, "day of month field: 0 is out of range 1-31")]),
        ("0 2 * 13 *", [(6, "month field: 13 is out of range 1-12")]),
        ("0 2 * FOO *", [(6, "month field: 'FOO' is not a month (1-12 or JAN-DEC)")]),
        ("0 2 * * 5-1", [(8, "day of week field: the range '5-1' runs backwards")]),
        ("*/0 2 * * *", [(0, "minute field: '*/0' needs a step of 1 or more after '/'")]),
        ("0 2 1,,2 * *", [(4, "day of month field: has an empty list item")]),
        ("0 1-2-3 * * *", [(2, "hour field: '1-2-3' has more than one '-'")]),
        ("0 2 * *", [(0, "has 4 fields, not 5 (minute hour day month weekday)")]),
    ],
)
def test_schedules_the_scheduler_refuses_fail_at_the_field(
    schedule: str, expected: list[tuple[int, str]]
) -> None:
    assert schedule_errors(schedule) == expected
