"""The catalog's build time against a cold `platform check`, on the bundled landscape and
on generated ones; rewrites its block of docs/performance.md.

    python -m benchmarks.catalog [--sizes 10000] [--runs 3]

Each figure is the median wall time of whole processes, as CI runs them, with the
document cache off (cold). The catalog must build in at most twice a cold check
(issue 18); the largest file it writes is reported too (no page over 1 MB).

- check, cold: `platform check` of the landscape.
- catalog, cold: a fresh build into a new, empty folder (as the Pages job on a cache
  miss). Each run has its own folder, and the folders are removed only after every
  measurement: deleting 10,000 files just before a build would bill the file system's
  work of the deletion to the build. Before every timed process (checks and builds
  alike) the disk is synced, so that no run pays for writing out the last one's files.
- one change: a commit changes one resource file (its description), then a rebuild
  into the last build's folder, which makes only the pages whose inputs changed.
- no-op: a rebuild with nothing changed.
- file creation: after the cold builds, creating as many files as one of them, of
  their mean size, in a new folder next to theirs: what the disk adds, which on a small
  VM varies from run to run (most just after many files were deleted).

The machine is shared, so the load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.blocks import CATALOG_BEGIN, CATALOG_END, splice
from benchmarks.generate import _git, generate, make_history
from benchmarks.run import _process

REPO = Path(__file__).resolve().parent.parent
COLD = {"PLATFORM_CACHE": "off"}


@dataclass(frozen=True)
class Row:
    name: str
    check: float
    cold: float
    spread: tuple[float, float, float, float]  # the fastest and slowest check, cold build
    change: float | None  # None for a landscape outside git history we may commit to
    noop: float
    pages: int
    largest: int
    load: tuple[float, float]  # the 1-minute load average before and after
    creating: tuple[int, float]  # a cold build's number of files, and seconds to create as many


def _timed(cmd: list[str], cwd: Path) -> float:
    """One whole process, after the disk has written what earlier runs left in memory
    (a build in CI starts with none; without this, a run pays for the last one's files)."""
    os.sync()
    return _process(cmd, cwd, COLD).seconds


def _creating(folder: Path, count: int, size: int) -> float:
    """Seconds to create `count` files of `size` bytes in a new folder, 100 a folder."""
    os.sync()
    data = b"x" * size
    start = time.perf_counter()
    for i in range(count):
        if i % 100 == 0:
            (folder / str(i // 100)).mkdir(parents=True)
        with open(folder / str(i // 100) / f"{i}.html", "wb", buffering=0) as f:
            f.write(data)
    return time.perf_counter() - start


def measure(name: str, root: Path, runs: int, work: Path, commits: bool) -> Row:
    platform = str(Path(sys.executable).parent / "platform")
    load_before = os.getloadavg()[0]
    checks, colds = [], []
    sites = []
    for i in range(runs):  # interleaved, so that a change of load hits both alike
        checks.append(_timed([platform, "check", "--root", str(root)], root))
        out = work / f"{root.name}-cold-{i}"
        sites.append(out)
        build = [platform, "catalog", "--root", str(root), "--out", str(out)]
        colds.append(_timed(build, root))
    written = [p for p in sites[0].rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in written) // len(written)
    creating = _creating(work / f"{root.name}-creating", len(written), size)
    out = sites[-1]
    build = [platform, "catalog", "--root", str(root), "--out", str(out)]
    noop = statistics.median(_timed(build, root) for _ in range(runs))
    change = None
    if commits:
        changes = []
        target = _one_resource(root)
        for i in range(runs):
            text = target.read_text(encoding="utf-8")
            target.write_text(_described(text, f"change {i}"), encoding="utf-8")
            _git(root, "commit", "-q", "-am", f"benchmark: change {i}")
            changes.append(_timed(build, root))
        change = statistics.median(changes)
    # what is published: not the marker and the manifest (upload-pages-artifact leaves
    # out hidden files)
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    pages = sum(1 for p in files if p.suffix == ".html")
    largest = max(p.stat().st_size for p in files)
    load_after = os.getloadavg()[0]
    for site in [*sites, work / f"{root.name}-creating"]:
        shutil.rmtree(site, ignore_errors=True)
    return Row(
        name,
        statistics.median(checks),
        statistics.median(colds),
        (min(checks), max(checks), min(colds), max(colds)),
        change,
        noop,
        pages,
        largest,
        (load_before, load_after),
        (len(written), creating),
    )


def _one_resource(root: Path) -> Path:
    return next(
        p for p in sorted(root.glob("stacks/*/*/*.yaml")) if "kind: Service" in p.read_text()
    )


def _described(text: str, note: str) -> str:
    head, sep, rest = text.partition("  description: ")
    line, newline, tail = rest.partition("\n")
    return f"{head}{sep}{line.split(' (')[0]} ({note}){newline}{tail}"


def block(rows: list[Row]) -> str:
    lines = [
        CATALOG_BEGIN,
        "## The catalog",
        "",
        "`platform catalog` (docs/catalog.md) against a cold `platform check` of the same",
        "landscape, whole processes, median of the runs, the document cache off. The catalog",
        "checks the landscape too (its governance page shows the findings), then renders",
        "every stack and makes every page. *Cold* is a fresh build into a new folder (the",
        "Pages job on a cache miss). *One change* is a rebuild into the last build's folder",
        "after a commit that changes one resource file: the manifest's digests let it make",
        "only the pages whose inputs changed. *No-op* is a rebuild with nothing changed.",
        "Both rebuilds still check the landscape and render every stack, to know what changed.",
        "",
        "| landscape | check, cold | catalog, cold | ratio | one change | no-op | pages "
        "| largest file | load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    spreads = []
    for r in rows:
        change = f"{r.change:.2f} s" if r.change is not None else "-"
        lines.append(
            f"| {r.name} | {r.check:.2f} s | {r.cold:.2f} s | {r.cold / r.check:.2f}x | "
            f"{change} | {r.noop:.2f} s | {r.pages:,} | {r.largest / 1024:.0f} KiB | "
            f"{r.load[0]:.1f} to {r.load[1]:.1f} |"
        )
        fast_check, slow_check, fast_cold, slow_cold = r.spread
        files, seconds = r.creating
        spreads.append(
            f"{r.name}: checks {fast_check:.2f} to {slow_check:.2f} s, "
            f"cold builds {fast_cold:.2f} to {slow_cold:.2f} s; creating {files:,} files "
            f"there took {seconds:.2f} s"
        )
    worst = max(r.cold / r.check for r in rows)
    slowest = max(r.spread[3] / r.check for r in rows)
    lines += [
        "",
        "The machine (2 cores) is shared by other work: the load average is the 1-minute",
        "figure before and after each landscape's runs; above 2, the processes waited for",
        "a core, and the figures are that much longer. The disk is synced before each",
        "timed process, and each cold build has a new folder.",
        "",
        "Beyond the check, a cold build renders every stack, serialises each rendered",
        "object to JSON once, makes every page and creates its file. One process per core",
        "shares that out by shard, the first checking the landscape meanwhile",
        "(docs/catalog.md, Scale). The runs behind each median ranged as below, with the",
        "seconds it took, after the cold builds, to create as many files as one of them,",
        "of their mean size, in a new folder next to theirs: the disk's part, which on",
        "this VM is largest just after many files were deleted.",
        "",
        *[f"- {line}" for line in spreads],
        "",
        f"Issue 18 asks for at most 2x a cold check: the median build here is at most "
        f"{worst:.2f}x its check, "
        + ("which is over." if worst > 2 else "which is within it.")
        + f" The slowest single build was {slowest:.2f}x the median check: on this VM,",
        "creating a file right after many others were deleted costs up to 0.6 ms of the",
        "kernel's time (its ext4 has no journal, and then skips each recently freed inode",
        "in turn), which the file creation figure above shows.",
    ]
    lines += ["", CATALOG_END]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        work = Path(tmp)
        rows.append(measure("bundled", REPO, args.runs, work, commits=False))
        for size in (int(s) for s in args.sizes.split(",") if s):
            root = work / f"landscape-{size}"
            generate(size, root)
            make_history(root)
            rows.append(measure(f"{size:,} resources", root, args.runs, work, commits=True))
    text = block(rows)
    args.out.write_text(splice(args.out.read_text(encoding="utf-8"), text,
                               CATALOG_BEGIN, CATALOG_END), encoding="utf-8")  # fmt: skip
    print(text)


if __name__ == "__main__":
    main()
