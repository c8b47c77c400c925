"""`platform check`: load the landscape, validate it and check its integrity.

`run_check(options)` is the whole command without click: it reads the files, runs
every stage and returns findings as data. The CLI only formats them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.checks import integrity, owners, policy_engine, waivers
from platform_cli.checks.policy_engine import PolicyFinding
from platform_cli.checks.waivers import Waived
from platform_cli.errors import UsageError
from platform_cli.findings import Finding, Level, has_errors
from platform_cli.gcpause import paused
from platform_cli.load.cache import DocumentCache
from platform_cli.load.landscape import Loaded, load
from platform_cli.load.model import Landscape
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.layout import OPTIONAL_TEXT_FILES, stack_of
from platform_cli.sources.tree import SourceFile, read_tree


@dataclass(frozen=True)
class CheckOptions:
    root: Path
    stacks: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    strict: bool = False
    # The day waiver expiry is judged against; the real date when None
    today: datetime.date | None = None
    # Where to report progress of a long load (the CLI passes a terminal one)
    progress: Progress = SILENT
    # Parsed documents by content; None parses everything
    cache: DocumentCache | None = None


@dataclass
class CheckResult:
    findings: list[Finding]
    landscape: Landscape
    files: int
    strict: bool = False
    # Policy findings that a valid waiver silenced: reported, but never failing
    waived: list[Waived] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return has_errors(self.findings, strict=self.strict)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass
class Parts:
    """The findings of the stages after loading, by where they come from, so that an
    incremental evaluation (incremental.py) can re-run each for part of a landscape."""

    references: dict[str, list[Finding]]  # by check
    policies: list[PolicyFinding] | None  # before waivers; None when not evaluated
    owners: Finding | None = None  # a stale CODEOWNERS


@dataclass
class Evaluation:
    loaded: Loaded
    findings: list[Finding]
    waived: list[Waived]
    parts: Parts


@paused
def evaluate_files(
    files: list[SourceFile],
    today: datetime.date,
    progress: Progress = SILENT,
    cache: DocumentCache | None = None,
    *,
    policies: bool = True,
) -> Evaluation:
    """Every finding for a set of files: the pure core of `platform check`.

    Stages: load (YAML, layout, schemas), references, policies with their waivers,
    then the CODEOWNERS comparison. Text files such as CODEOWNERS are not loaded as
    landscape documents, only compared. With `policies=False` only the first two run:
    enough to know whether a landscape is sound enough to render (a plan's base).
    """
    return evaluate_loaded(load_files(files, progress, cache), today, policies=policies)


@dataclass(frozen=True)
class LoadedFiles:
    """The first stage of an evaluation: the landscape loaded from its documents, and
    the text files kept aside for the later stages."""

    loaded: Loaded
    texts: dict[str, SourceFile]


@paused
def load_files(
    files: list[SourceFile], progress: Progress = SILENT, cache: DocumentCache | None = None
) -> LoadedFiles:
    """The load stage of `evaluate_files` alone, for a caller (the catalog) with work
    that needs the landscape but not the findings."""
    texts = {f.path: f for f in files if f.path in OPTIONAL_TEXT_FILES}
    documents = [f for f in files if f.path not in texts]
    progress.start("checking", len(documents))
    loaded = load(documents, progress, cache)
    progress.finish()
    return LoadedFiles(loaded, texts)


@paused
def evaluate_loaded(
    first: LoadedFiles, today: datetime.date, *, policies: bool = True
) -> Evaluation:
    """The stages of `evaluate_files` after loading."""
    loaded = first.loaded
    parts = Parts(integrity.check_by_rule(loaded), None)
    if policies:
        parts.policies = policy_engine.evaluate(loaded.landscape)
        source = first.texts.get(owners.PATH)
        parts.owners = owners_finding(
            loaded, source.data.decode("utf-8", errors="replace") if source else None
        )
    return assemble(loaded, parts, today)


def owners_finding(loaded: Loaded, committed: str | None) -> Finding | None:
    """A stale CODEOWNERS, compared only when the files it is generated from loaded
    cleanly: a team file with a schema error would otherwise show up as a stale
    CODEOWNERS as well."""
    broken = (f for f in loaded.findings if f.level is Level.ERROR)
    if any(f.path.startswith(owners.INPUTS) for f in broken):
        return None
    return owners.stale(loaded.landscape, committed)


def assemble(loaded: Loaded, parts: Parts, today: datetime.date) -> Evaluation:
    """The findings of a landscape from those of its stages: waivers are applied to
    the policy findings as a whole, because whether a waiver matches anything is a
    question about all of them."""
    findings = list(loaded.findings)
    for found in parts.references.values():
        findings += found
    if parts.policies is None:
        return Evaluation(loaded, findings, [], parts)
    outcome = waivers.apply(loaded.landscape, parts.policies, today, policy_engine.policies_by_id())
    findings += outcome.findings
    if parts.owners is not None:
        findings.append(parts.owners)
    return Evaluation(loaded, findings, outcome.waived, parts)


def check_files(
    files: list[SourceFile], today: datetime.date | None = None
) -> tuple[Loaded, list[Finding]]:
    """Every finding that stands (waived ones dropped) for a set of files."""
    evaluation = evaluate_files(files, today or datetime.date.today())
    return evaluation.loaded, evaluation.findings


def run_check(options: CheckOptions) -> CheckResult:
    files, findings = read_tree(options.root)
    evaluation = evaluate_files(
        files, options.today or datetime.date.today(), options.progress, options.cache
    )
    loaded = evaluation.loaded
    findings += evaluation.findings
    landscape = loaded.landscape
    unknown = sorted(set(options.stacks) - set(loaded.stack_files))
    if unknown:
        raise UsageError(
            f"unknown stack {', '.join(repr(s) for s in unknown)}",
            hint=f"stacks: {', '.join(sorted(loaded.stack_files)) or '(none)'}",
        )
    selected = [f for f in findings if _selected(f.path, options)]
    waived = [w for w in evaluation.waived if _selected(w.finding.path, options)]
    return CheckResult(
        sorted(selected),
        landscape,
        loaded.files,
        strict=options.strict,
        waived=sorted(waived, key=lambda w: w.finding),
    )


def _selected(path: str, options: CheckOptions) -> bool:
    if options.stacks and path.startswith("stacks/") and stack_of(path) not in options.stacks:
        return False
    if options.paths:
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in options.paths)
    return True
