"""`platform check`: load the landscape, validate it and check its integrity.

`run_check(options)` is the whole command without click: it reads the files, runs
every stage and returns findings as data. The CLI only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platform_cli import references
from platform_cli.errors import UsageError
from platform_cli.findings import Finding, has_errors
from platform_cli.landscape import Loaded, load
from platform_cli.model import Landscape
from platform_cli.sources import SourceFile, read_tree


@dataclass(frozen=True)
class CheckOptions:
    root: Path
    stacks: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    strict: bool = False


@dataclass
class CheckResult:
    findings: list[Finding]
    landscape: Landscape
    files: int
    strict: bool = False

    @property
    def failed(self) -> bool:
        return has_errors(self.findings, strict=self.strict)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def check_files(files: list[SourceFile]) -> tuple[Loaded, list[Finding]]:
    """Every finding for a set of files: the pure core of `platform check`."""
    loaded = load(files)
    findings = loaded.findings + references.check(loaded)
    return loaded, findings


def run_check(options: CheckOptions) -> CheckResult:
    files, findings = read_tree(options.root)
    loaded, more = check_files(files)
    findings += more
    landscape = loaded.landscape
    unknown = sorted(set(options.stacks) - set(loaded.stack_files))
    if unknown:
        raise UsageError(
            f"unknown stack {', '.join(repr(s) for s in unknown)}",
            hint=f"stacks: {', '.join(sorted(loaded.stack_files)) or '(none)'}",
        )
    selected = [f for f in findings if _selected(f.path, options)]
    return CheckResult(sorted(selected), landscape, loaded.files, strict=options.strict)


def _selected(path: str, options: CheckOptions) -> bool:
    if options.stacks:
        parts = path.split("/")
        if parts[0] == "stacks" and (len(parts) < 2 or parts[1] not in options.stacks):
            return False
    if options.paths:
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in options.paths)
    return True
