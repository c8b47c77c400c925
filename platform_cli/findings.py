"""Findings: every problem the toolkit reports, as data, and the built-in rules they name.

A YAML syntax error, a schema violation, a dangling reference and a policy violation
are all a `Finding`. The core collects them; reporters format them; the CLI turns
them into an exit code.

Every finding names a rule. An architecture policy (`policies/`) is one kind of rule;
the other kind is a `BuiltinRule`, which the toolkit checks itself. Each built-in rule
is declared once, next to the code that emits it, and builds its findings
(`RULE.finding(...)`), so that its ID and level cannot drift apart. The catalogue in
`checks/catalogue.py` lists all of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Level(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place.

    `path` is the file relative to the landscape root, in POSIX form. `line` and
    `column` are 1-based; 0 means "the whole file". `rule` is a stable identifier
    such as ``yaml-duplicate-key``, ``schema`` or ``ref-team``.
    """

    path: str
    line: int
    column: int
    rule: str
    level: Level = field(compare=False)
    message: str
    hint: str = field(default="", compare=False)

    @property
    def location(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


class RuleScope(enum.Enum):
    """What the findings of a built-in rule depend on (see `meaning`).

    An incremental evaluation (`evaluate/incremental.py`) checks again only what a
    change can move, so a check must not read more than its rule's scope says (the
    incremental-equals-full property test catches one that does). With a focus, a
    FILE or ENTITY check reports only on the files in focus, and a STACK check only on
    the stacks in focus; GLOBAL checks are not run again.
    """

    FILE = "file"
    ENTITY = "entity"
    STACK = "stack"
    GLOBAL = "global"
    LANDSCAPE = "landscape"
    CHANGE = "change"

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    RuleScope.FILE: "the file alone: its bytes, its YAML, its schema and its place in the layout",
    RuleScope.ENTITY: "the file, the global definitions (teams, systems, stacks and the "
    "policy files) and the resources it names, or shares a name or a team with",
    RuleScope.STACK: "one stack's whole dependency graph",
    RuleScope.GLOBAL: "the global definitions only (teams, systems, stacks and the policy "
    "files), never a resource",
    RuleScope.LANDSCAPE: "every policy finding of the landscape",
    RuleScope.CHANGE: "the base and the head of a change, and the day (found by `platform plan`)",
}


@dataclass(frozen=True)
class BuiltinRule:
    """A rule the toolkit checks itself: a stable ID that is never reused for another
    meaning, the level of its findings, its scope and one line of documentation (which
    SARIF, docs/checks.md and `platform policies explain` show)."""

    id: str
    level: Level
    scope: RuleScope
    doc: str

    def finding(self, path: str, line: int, column: int, message: str, hint: str = "") -> Finding:
        return Finding(path, line, column, self.id, self.level, message, hint)


def format_finding(f: Finding, *, level: bool = True) -> str:
    """The one line a person reads: `path:line:column: error [rule] message`."""
    if level:
        return f"{f.location}: {f.level} [{f.rule}] {f.message}"
    return f"{f.location}: [{f.rule}] {f.message}"


def has_errors(findings: list[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail the run (warnings count with `strict`)."""
    return any(f.level is Level.ERROR or strict for f in findings)
