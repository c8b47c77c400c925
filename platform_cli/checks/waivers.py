"""Waivers: the architects' approved, expiring exceptions to policies.

`apply(landscape, results, today, known)` splits policy findings into those that
stand and those a valid waiver silences, and adds findings about the waivers
themselves:

- `waiver-expired` (error): the expiry date has passed; the waiver silences nothing;
- `waiver-refused` (error): the expiry is more than a year after today, or not a
  real date; the waiver silences nothing (a waiver without expiry fails the schema);
- `waiver-policy` (error): the waiver names a policy that does not exist;
- `waiver-unused` (warning): the waiver matched no finding, so it can be removed.

A waiver matches a finding when the policy IDs are equal and the stack, kind and
name globs of its target match the finding's target (`fnmatchcase`). It silences
only findings of that one policy, so other policies still apply to the same
resource. "Today" is a parameter, so tests and `--today` can pin the clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from platform_cli.checks.policy_engine import PolicyFinding
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.model import Landscape, Waivers

WAIVER_EXPIRED = BuiltinRule(
    "waiver-expired",
    Level.ERROR,
    RuleScope.GLOBAL,
    "A waiver in policies/waivers.yaml has passed its expiry date; it silences nothing.",
)
WAIVER_REFUSED = BuiltinRule(
    "waiver-refused",
    Level.ERROR,
    RuleScope.GLOBAL,
    "A waiver expires more than a year ahead (or on no real date); it silences nothing.",
)
WAIVER_POLICY = BuiltinRule(
    "waiver-policy",
    Level.ERROR,
    RuleScope.GLOBAL,
    "A waiver names a policy ID that does not exist.",
)
# Whether a waiver is used is a question about every policy finding
WAIVER_UNUSED = BuiltinRule(
    "waiver-unused",
    Level.WARNING,
    RuleScope.LANDSCAPE,
    "A waiver matches no finding and can be removed.",
)


@dataclass(frozen=True)
class Waiver:
    index: int
    policy: str
    stack: str
    kind: str
    name: str
    reason: str
    ticket: str
    approved_by: str
    expires: str
    path: str

    @classmethod
    def from_entry(cls, index: int, entry: Mapping[str, Any], path: str) -> Waiver:
        target = entry["target"]
        return cls(
            index,
            str(entry["policy"]),
            str(target["stack"]),
            str(target["kind"]),
            str(target["name"]),
            str(entry["reason"]),
            str(entry["ticket"]),
            str(entry["approvedBy"]),
            str(entry["expires"]),
            path,
        )

    @property
    def target(self) -> str:
        return f"{self.stack}/{self.kind}/{self.name}"

    def matches(self, result: PolicyFinding) -> bool:
        stack, kind, name = result.target
        return (
            result.finding.rule == self.policy
            and fnmatchcase(stack or "", self.stack)
            and fnmatchcase(kind, self.kind)
            and fnmatchcase(name, self.name)
        )


@dataclass(frozen=True)
class Waived:
    """A finding that a waiver silenced, kept for the report."""

    finding: Finding
    waiver: Waiver


@dataclass
class Outcome:
    findings: list[Finding]
    waived: list[Waived]


def apply(
    landscape: Landscape,
    results: Iterable[PolicyFinding],
    today: datetime.date,
    known: Collection[str],
) -> Outcome:
    results = list(results)
    document = landscape.waivers
    if document is None:
        return Outcome([r.finding for r in results], [])
    problems: list[Finding] = []
    active: dict[str, list[Waiver]] = {}
    for index, entry in enumerate(document.entries):
        waiver = Waiver.from_entry(index, entry, document.path)
        problem = _validity(document, waiver, today, known)
        if problem is None:
            active.setdefault(waiver.policy, []).append(waiver)
        else:
            problems.append(problem)
    kept: list[Finding] = []
    waived: list[Waived] = []
    used: set[int] = set()
    for result in results:
        match = next((w for w in active.get(result.finding.rule, ()) if w.matches(result)), None)
        if match is None:
            kept.append(result.finding)
        else:
            used.add(match.index)
            waived.append(Waived(result.finding, match))
    for waivers in active.values():
        for waiver in waivers:
            if waiver.index not in used:
                line, column = document.locate("spec", "waivers", waiver.index)
                problems.append(
                    WAIVER_UNUSED.finding(
                        document.path,
                        line,
                        column,
                        f"waiver of {waiver.policy} for {waiver.target} ({waiver.ticket}) "
                        "matches no finding",
                        "remove it: what it excused is fixed or gone",
                    )
                )
    return Outcome(kept + problems, waived)


def _validity(
    document: Waivers, waiver: Waiver, today: datetime.date, known: Collection[str]
) -> Finding | None:
    def at(rule: BuiltinRule, key: str, message: str, hint: str) -> Finding:
        line, column = document.locate("spec", "waivers", waiver.index, key)
        return rule.finding(document.path, line, column, message, hint)

    if waiver.policy not in known:
        return at(
            WAIVER_POLICY,
            "policy",
            f"waiver for {waiver.target} names unknown policy '{waiver.policy}'",
            "see `platform policies` for the IDs",
        )
    try:
        expires = datetime.date.fromisoformat(waiver.expires)
    except ValueError:
        return at(
            WAIVER_REFUSED,
            "expires",
            f"waiver of {waiver.policy} for {waiver.target}: '{waiver.expires}' is not a date",
            "write the last day the waiver applies as YYYY-MM-DD",
        )
    if expires < today:
        return at(
            WAIVER_EXPIRED,
            "expires",
            f"waiver of {waiver.policy} for {waiver.target} ({waiver.ticket}) expired on "
            f"{waiver.expires}",
            "fix what it excused, or have the architects approve a new expiry",
        )
    latest = one_year_after(today)
    if expires > latest:
        return at(
            WAIVER_REFUSED,
            "expires",
            f"waiver of {waiver.policy} for {waiver.target} runs until {waiver.expires}, "
            "more than a year ahead",
            f"set an expiry on {latest.isoformat()} or earlier and review the exception again then",
        )
    return None


def one_year_after(day: datetime.date) -> datetime.date:
    """The same date a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
