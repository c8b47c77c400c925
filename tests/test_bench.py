"""The benchmark script runs end to end (at N=100; figures are not asserted)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from benchmarks import run as bench


def test_benchmark_runs_at_n_100(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    bench.main(["--sizes", "100", "--runs", "1", "--work", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    assert "| 100 | 107 |" in text
    assert "## Targets" in text and "## Verdicts" in text
    assert "| core check | policies |" in text and "| policies linear |" in text
    assert "## The pull-request pipeline" in text and "| pull-request pipeline |" in text
    assert (tmp_path / "pr-100" / "previews").is_dir()
    assert (tmp_path / "pr-100" / "check.sarif").is_file()
    assert (tmp_path / "100" / ".git").is_dir()


def _result(n: int, policies: float) -> bench.Result:
    # One second for everything else, so that only the policies' figure varies
    measures = defaultdict(lambda: bench.Measure("other", [bench.Run(1.0)]))
    measures["policies"] = bench.Measure("policies", [bench.Run(policies)])
    return bench.Result(n, n, 1.0, "prod.team", 10, measures)


def test_policies_that_grow_faster_than_the_landscape_miss_their_target() -> None:
    """What the policy scale test asserted with a wall clock, the benchmark judges:
    time per resource at N=10,000 against N=1,000."""
    linear = bench._verdicts([_result(1_000, 0.013), _result(10_000, 0.16)])
    quadratic = bench._verdicts([_result(1_000, 0.013), _result(10_000, 1.3)])
    assert "- policies linear: met (1.23x per resource)" in linear
    assert "- policies linear: NOT met (10.00x per resource)" in quadratic


def test_the_apply_block_survives_a_rewrite_and_is_replaced_whole() -> None:
    """`make bench` rewrites docs/performance.md and keeps `make bench-apply`'s block."""
    from benchmarks.blocks import BEGIN, END, block_of, splice

    first = splice("# Performance\n\ntable\n", f"{BEGIN}\nold figures\n{END}")
    assert first.startswith("# Performance\n\ntable\n")
    assert block_of(first) == f"{BEGIN}\nold figures\n{END}"
    rewritten = splice("# Performance\n\nnew table\n", block_of(first))
    assert "new table" in rewritten and "old figures" in rewritten
    replaced = splice(rewritten, f"{BEGIN}\nnew figures\n{END}")
    assert "old figures" not in replaced and replaced.count(BEGIN) == 1
    assert block_of("no block here") == ""


def test_the_catalog_block_is_kept_apart_from_the_apply_block() -> None:
    from benchmarks.blocks import BEGIN, CATALOG_BEGIN, CATALOG_END, END, block_of, splice

    doc = splice("# Performance\n", f"{BEGIN}\napply\n{END}")
    doc = splice(doc, f"{CATALOG_BEGIN}\ncatalog\n{CATALOG_END}", CATALOG_BEGIN, CATALOG_END)
    assert block_of(doc) == f"{BEGIN}\napply\n{END}"
    assert block_of(doc, CATALOG_BEGIN, CATALOG_END) == f"{CATALOG_BEGIN}\ncatalog\n{CATALOG_END}"
    doc = splice(doc, f"{CATALOG_BEGIN}\nnew\n{CATALOG_END}", CATALOG_BEGIN, CATALOG_END)
    assert "apply" in doc and "new" in doc and "\ncatalog\n" not in doc
