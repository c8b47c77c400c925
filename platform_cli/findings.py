"""Findings: every problem the toolkit reports, as data.

A YAML syntax error, a schema violation, a dangling reference and a policy violation
are all a `Finding`. The core collects them; reporters format them; the CLI turns
them into an exit code.
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


def error(path: str, line: int, column: int, rule: str, message: str, hint: str = "") -> Finding:
    return Finding(path, line, column, rule, Level.ERROR, message, hint)


def warning(path: str, line: int, column: int, rule: str, message: str, hint: str = "") -> Finding:
    return Finding(path, line, column, rule, Level.WARNING, message, hint)


def format_finding(f: Finding, *, level: bool = True) -> str:
    """The one line a person reads: `path:line:column: error [rule] message`."""
    if level:
        return f"{f.location}: {f.level} [{f.rule}] {f.message}"
    return f"{f.location}: [{f.rule}] {f.message}"


def has_errors(findings: list[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail the run (warnings count with `strict`)."""
    return any(f.level is Level.ERROR or strict for f in findings)
