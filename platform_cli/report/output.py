"""What a command prints, as a value, and the findings block every text report shares.

A formatter returns a string for stdout, or an `Output` when a command also writes to
stderr (the findings beside a render, warnings after an apply, the report beside a
dry run's file). The command line prints the parts in order and does nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from platform_cli.findings import Finding, format_finding


class Stream(enum.Enum):
    STDOUT = "stdout"
    STDERR = "stderr"


@dataclass(frozen=True)
class Output:
    """Text for stdout and stderr, in the order a person sees it."""

    parts: tuple[tuple[Stream, str], ...] = ()

    @classmethod
    def stdout(cls, text: str) -> Output:
        return cls(((Stream.STDOUT, text),))

    @classmethod
    def stderr(cls, text: str) -> Output:
        return cls(((Stream.STDERR, text),))

    def __add__(self, other: Output) -> Output:
        return Output(self.parts + other.parts)


def findings_text(findings: Iterable[Finding], *, hints: bool = True) -> str:
    """One line per finding, location first, each hint indented below it."""
    lines = []
    for f in findings:
        lines.append(format_finding(f))
        if hints and f.hint:
            lines.append(f"    hint: {f.hint}")
    return "".join(line + "\n" for line in lines)
