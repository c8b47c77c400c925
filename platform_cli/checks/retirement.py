"""The two phases of a retirement, judged on a change (base -> head) as of a day.

A resource's retirement (`metadata.retirement`) is phase 1; deleting its file is
phase 2. For a resource with `deletionProtection` in a stack that is not a
development stack, `platform plan` holds the two apart:

- `retirement-required` (error): the file of a protected resource is deleted, but the
  base revision did not retire it, or its `keepDataUntil` lies after the day of the
  plan. The apply would otherwise fail on Pulumi's protection after the merge; now the
  pull request says so at the deleted file, with the command that starts phase 1.
  When the base's retirement allows it, the apply lifts `protect` for exactly that
  resource's objects (apply/operations.py).
- `retirement-date` (error): a retirement new at head (or changed) keeps the data of a
  protected resource for less than its minimum (`self_service.retire.minimum_keep`:
  its backup retention, at least 30 days, counted from `requested`), has a `requested`
  day more than `BACKDATING_DAYS` before the plan's day, or moves an existing
  `keepDataUntil` earlier. A retirement written by hand gets the same rule as one
  written by `platform retire`.

Development stacks skip phase 1: their files may be deleted with or without a
retirement, and the apply lifts `protect` there too. "Today" is a parameter, as in
`waivers.py`: these judgments are never stored with an evaluation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.model import Database, Landscape, Resource

RETIREMENT_REQUIRED = BuiltinRule(
    "retirement-required",
    Level.ERROR,
    RuleScope.CHANGE,
    "The file of a protected resource is deleted before its retirement's keepDataUntil "
    "(or without a retirement in the base revision).",
)
RETIREMENT_DATE = BuiltinRule(
    "retirement-date",
    Level.ERROR,
    RuleScope.CHANGE,
    "A new or changed retirement of a protected resource keeps its data too briefly, "
    "is backdated, or moves keepDataUntil earlier.",
)

DEVELOPMENT = "development"
# The least days a protected resource without backups keeps its data after retiring
PROTECTED_KEEP_DAYS = 30
# How far before the plan's day a new retirement's `requested` may lie: a pull
# request may wait for review this long, not longer
BACKDATING_DAYS = 14


def minimum_keep(resource: Resource, requested: datetime.date) -> datetime.date | None:
    """The earliest keepDataUntil of a retirement of `resource` requested on
    `requested`: its backup retention (at least PROTECTED_KEEP_DAYS) later, or None
    when the resource is not protected (its file may go at any time)."""
    if not resource.deletion_protection:
        return None
    days = PROTECTED_KEEP_DAYS
    if isinstance(resource, Database) and resource.spec.get("backup"):
        days = max(days, int(resource.spec["backup"]["retentionDays"]))
    return requested + datetime.timedelta(days=days)


def gated(landscape: Landscape, resource: Resource) -> bool:
    """Whether deleting `resource` needs phase 1 first: it is protected, and its stack
    is not a development stack."""
    stack = landscape.stacks.get(resource.stack)
    development = stack is not None and stack.environment == DEVELOPMENT
    return resource.deletion_protection and not development


def deletable(landscape: Landscape, resource: Resource, today: datetime.date) -> bool:
    """Whether the base `resource` (of `landscape`) may be deleted on `today`."""
    if not gated(landscape, resource):
        return True
    return resource.retirement is not None and resource.retirement.deletable(today)


def check_change(
    old: Landscape,
    new: Landscape,
    today: datetime.date,
    changed: Iterable[tuple[str, str, str]] | None = None,
) -> list[Finding]:
    """The findings of both rules for the change from `old` to `new`, for the
    resources `changed` names as (stack, kind, name) (the plan's landscape changes;
    None: every resource of both sides). Two dictionary look-ups per resource."""
    if changed is None:
        keys = {(r.stack, r.kind, r.name) for r in [*old.all_resources(), *new.all_resources()]}
    else:
        keys = set(changed)
    findings: list[Finding] = []
    for stack, kind, name in sorted(keys):
        before, resource = old.find(stack, kind, name), new.find(stack, kind, name)
        if resource is None:
            if before is not None and not deletable(old, before, today):
                findings.append(_required(before, today))
            continue
        retirement = resource.retirement
        if retirement is None or not gated(new, resource):
            continue
        was = before.retirement if before is not None else None
        if was == retirement:
            continue
        finding = _date(resource, was, today)
        if finding is not None:
            findings.append(finding)
    return sorted(findings)


def _required(resource: Resource, today: datetime.date) -> Finding:
    line, column = resource.locate("metadata", "name")
    retirement = resource.retirement
    if retirement is None:
        why = "it was not retired first"
        hint = (
            f"retire it first: `platform retire {resource.kind}/{resource.name} --stack "
            f"{resource.stack}`, merge that, and delete the file from its keepDataUntil on"
        )
    elif retirement.keep_data_until is None:
        why = "its retirement has no keepDataUntil"
        hint = "set metadata.retirement.keepDataUntil (its backup retention from the request)"
    else:
        why = f"its data is kept until {retirement.keep_data_until} (today is {today})"
        hint = f"delete the file from {retirement.keep_data_until} on"
    return RETIREMENT_REQUIRED.finding(
        resource.path,
        line,
        column,
        f"{resource.kind.lower()} '{resource.name}' has deletionProtection and is deleted, "
        f"but {why}",
        hint,
    )


def _date(resource: Resource, was: object, today: datetime.date) -> Finding | None:
    retirement = resource.retirement
    assert retirement is not None
    line, column = resource.locate("metadata", "retirement")
    floor = minimum_keep(resource, retirement.requested)
    keep = retirement.keep_data_until
    problem = hint = ""
    previous = getattr(was, "keep_data_until", None)
    if previous is not None and (keep is None or keep < previous):
        problem = f"keepDataUntil moves earlier than {previous}"
        hint = f"keep {previous} or a later day"
    elif was is None and retirement.requested < today - datetime.timedelta(days=BACKDATING_DAYS):
        problem = (
            f"requested {retirement.requested} lies more than {BACKDATING_DAYS} days before "
            f"today ({today})"
        )
        hint = "write the day the retirement is asked for (`platform retire` writes today)"
    elif floor is not None and (keep is None or keep < floor):
        shown = "no keepDataUntil" if keep is None else f"keepDataUntil {keep}"
        problem = f"{shown} keeps the data less than its retention (until {floor} at the least)"
        hint = f"set keepDataUntil to {floor} or later"
    if not problem:
        return None
    return RETIREMENT_DATE.finding(
        resource.path,
        line,
        column,
        f"{resource.kind.lower()} '{resource.name}' has deletionProtection; its retirement's "
        f"{problem}",
        hint,
    )
