"""The benchmark script runs end to end (at N=100; figures are not asserted)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import run as bench


def test_benchmark_runs_at_n_100(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    bench.main(["--sizes", "100", "--runs", "1", "--work", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    assert "| 100 | 107 |" in text
    assert "## Targets" in text and "## Verdicts" in text
    assert (tmp_path / "100" / ".git").is_dir()
