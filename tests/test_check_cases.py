"""Each folder under tests/data/check/ is one case: a small landscape that is the shared
`_base` landscape with the case's `files/` laid over it (and the paths listed in
`delete.txt` removed); `expected.txt`, the exact exit code and output of
`platform check`; and `rule.txt`, the rule the case is about, which must be among the
errors, so that an unrelated finding cannot make a case pass. Every loader hazard and
every integrity check has its own case."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.checks.catalogue import BY_ID
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import Level
from tests.conftest import DATA, Run

CASES = sorted(p for p in (DATA / "check").iterdir() if p.is_dir() and not p.name.startswith("_"))


def lay_out(case: Path, root: Path) -> None:
    """The case's landscape at `root`, which holds a copy of `_base`."""
    overlay = case / "files"
    if overlay.is_dir():
        shutil.copytree(overlay, root, dirs_exist_ok=True)
    deletions = case / "delete.txt"
    if deletions.exists():
        for line in deletions.read_text().split():
            target = root / line
            shutil.rmtree(target) if target.is_dir() else target.unlink()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_case(
    case: Path,
    base_landscape: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    lay_out(case, base_landscape)
    result = run(["check", "--root", str(base_landscape), "--format", "text"])
    golden(case / "expected.txt", f"exit: {result.exit_code}\n{result.stdout}")
    assert result.exit_code == 1, "every case is a failing input"
    assert result.stderr == ""
    rule = (case / "rule.txt").read_text().strip()
    assert rule in BY_ID, f"{case.name}/rule.txt names {rule!r}, which is no built-in rule"
    findings = run_check(CheckOptions(root=base_landscape)).findings
    errors = {f.rule for f in findings if f.level is Level.ERROR}
    assert rule in errors, f"the case is about {rule}, but the errors are {sorted(errors)}"
