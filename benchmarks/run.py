"""Measure the toolkit at landscape scale and write docs/performance.md.

    python benchmarks/run.py [--sizes 1000,10000,50000] [--runs 3] [--out docs/performance.md]

For each size N it generates a landscape (benchmarks/generate.py, cached under
build/bench/N), then measures, as medians of --runs runs:

- `platform check` end to end (process start to exit) and its peak memory;
- the core check in-process (`run_check`);
- the policies alone in-process (`policy_engine.evaluate`), whose time per resource
  must not grow with the landscape: no policy may scan the landscape per resource;
- `platform plan` for the one-file change of the `feature` branch;
- `platform render` of the prod stack;
- the offline preview of the largest shard (Pulumi program under mocks);
- the pull-request pipeline: `platform ci pr` with every output (annotations, SARIF,
  plan markdown and JSON, matrix, offline previews of the affected shards), with a
  cold state store (an empty cache folder) and a warm one (the folder an earlier run
  left, as the Actions cache keyed by the base commit keeps it), and once the separate
  commands the workflow ran before (`check` twice, `plan`, `stacks --affected` twice,
  one `preview --offline` per affected shard);
- the floor: bare `yaml.load(CSafeLoader)` over the same files;
- the tool people use today: `check-jsonschema` with the project's schemas on the
  same files (one call per kind, in batches that fit the command line).

It prints a table of times, ratios and resources per second, checks the targets of
docs/performance.md, and rewrites that file. Figures are from the machine it runs on.
No test asserts a time: the test suite only runs this script once at N=100.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform as host
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from benchmarks.blocks import CATALOG_BEGIN, CATALOG_END, block_of, splice
from benchmarks.generate import generate, make_history
from platform_cli.checks import policy_engine
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.gcpause import paused
from platform_cli.plan.shards import shards
from platform_cli.sources.tree import read_tree

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TODAY = "2026-11-27"
KINDS = {"Service": "service", "Database": "database", "Server": "server", "Team": "team",
         "System": "system", "Stack": "stack"}  # fmt: skip
ARG_BUDGET = 100_000  # bytes of file names per check-jsonschema call


@dataclass
class Run:
    seconds: float
    peak_mib: float = 0.0


@dataclass
class Measure:
    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max((r.peak_mib for r in self.runs), default=0.0)


def _process(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command to its end; its wall time and its own peak resident memory."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=_environment(env)
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4; tell Popen so
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.read().decode()[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024)


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    """The measured processes run as an installed tool does: with Python's bytecode
    cache (see `_compile`), whatever this shell says about writing it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def _compile() -> None:
    """Compile every module the tools import, as `pip install` does: otherwise each
    measured process would spend its first 0.2 s compiling source code."""
    import sysconfig

    folders = [sysconfig.get_paths()["purelib"], str(REPO / "platform_cli"), str(REPO / "policies")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=False,
                   stdout=subprocess.DEVNULL, env=_environment(None))  # fmt: skip


def _same_plan(cmd: list[str], root: Path, cold: dict[str, str], warm: dict[str, str]) -> None:
    """The plan from the stored state and an incremental head is the plan of a full
    evaluation, byte for byte, at every size measured; the figures mean nothing else."""
    outputs = [
        subprocess.run(cmd, cwd=root, capture_output=True, env=_environment(env), check=False)
        for env in (cold, warm)
    ]
    if outputs[0].stdout != outputs[1].stdout or not outputs[0].stdout:
        raise SystemExit(f"the plan with the cache differs from the plan without it in {root}")


def _cold_pipeline(cmd: list[str], root: Path, work: Path) -> Run:
    """`platform ci pr` on a fresh runner: the state store on, in an empty folder."""
    with tempfile.TemporaryDirectory(dir=work) as folder:
        return _process(cmd, root, {"PLATFORM_CACHE": "on", "PLATFORM_CACHE_DIR": folder})


def _separate_commands(platform_bin: str, root: Path) -> Run:
    """What the check job ran before `platform ci pr`, one process each, as it ran
    them on a runner (cache off): both check formats, the plan, the affected stacks
    twice, and an offline preview of each affected stack."""
    cold = {"PLATFORM_CACHE": "off"}
    affected = ["stacks", "--affected", "--base", "main", "--head", "feature"]
    total = Run(0.0)
    for cmd in (
        ["check", "--today", TODAY, "--format", "github"],
        ["check", "--today", TODAY, "--format", "sarif"],
        ["plan", "--base", "main", "--head", "feature", "--format", "text", "--today", TODAY],
        affected,
        [*affected, "--format", "json"],
    ):
        run = _process([platform_bin, *cmd], root, cold)
        total = Run(total.seconds + run.seconds, max(total.peak_mib, run.peak_mib))
    listed = subprocess.run(
        [platform_bin, *affected, "--format", "json"], cwd=root, capture_output=True,
        check=True, env=_environment(cold),
    )  # fmt: skip
    for entry in yaml.safe_load(listed.stdout)["include"]:
        run = _process(
            [platform_bin, "preview", "--offline", "--stack", entry["stack"]], root, cold
        )
        total = Run(total.seconds + run.seconds, max(total.peak_mib, run.peak_mib))
    return total


def _in_process(fn: Callable[[], object]) -> Run:
    start = time.perf_counter()
    fn()
    return Run(time.perf_counter() - start)


def _repeat(name: str, runs: int, once: Callable[[], Run]) -> Measure:
    measure = Measure(name)
    for _ in range(runs):
        measure.runs.append(once())
    print(f"  {name}: {measure.median:.2f}s", file=sys.stderr)
    return measure


def _interleaved(
    names: tuple[str, str], runs: int, once: tuple[Callable[[], Run], Callable[[], Run]]
) -> tuple[Measure, Measure]:
    """Two measures taken in turns, one run of each after the other."""
    first, second = Measure(names[0]), Measure(names[1])
    for _ in range(runs):
        first.runs.append(once[0]())
        second.runs.append(once[1]())
    for measure in (first, second):
        print(f"  {measure.name}: {measure.median:.2f}s", file=sys.stderr)
    return first, second


def _check_jsonschema(root: Path) -> Run:
    """Validate every document against its kind's schema with check-jsonschema."""
    files, _ = read_tree(root)
    by_kind: dict[str, list[str]] = {}
    for f in files:
        if not f.path.endswith(".yaml"):
            continue
        kind = next(
            (k for k in KINDS if f"\nkind: {k}\n" in f.data.decode("utf-8", "replace")), None
        )
        if kind is not None:
            by_kind.setdefault(kind, []).append(f.path)
    total = Run(0.0)
    for kind, paths in sorted(by_kind.items()):
        schema = REPO / "schemas" / f"{KINDS[kind]}.schema.json"
        base = [str(BIN / "check-jsonschema"), "--schemafile", str(schema),
                "--base-uri", schema.as_uri()]  # fmt: skip
        for batch in _batches(paths):
            run = _process([*base, *batch], root)
            total = Run(total.seconds + run.seconds, max(total.peak_mib, run.peak_mib))
    return total


def _batches(paths: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for path in paths:
        if size + len(path) > ARG_BUDGET and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += len(path) + 1
    return batches


@dataclass
class Result:
    n: int
    files: int
    megabytes: float
    largest_shard: str
    largest_shard_resources: int
    measures: dict[str, Measure]


def bench(n: int, runs: int, work: Path) -> Result:
    root = work / str(n)
    if not (root / ".git").is_dir():
        print(f"generating {n} resources in {root}", file=sys.stderr)
        root.mkdir(parents=True, exist_ok=True)
        generate(n, root)
        make_history(root)
    print(f"N={n}", file=sys.stderr)
    files, _ = read_tree(root)
    yaml_files = [f for f in files if f.path.endswith(".yaml")]
    size_mb = sum(len(f.data) for f in yaml_files) / 1e6
    today = datetime.date.fromisoformat(TODAY)
    platform_bin = str(BIN / "platform")
    landscape = run_check(CheckOptions(root=root, today=today)).landscape
    largest = max(
        shards(landscape),
        key=lambda s: sum(1 for r in landscape.in_stack(s.stack).values() if r.team == s.team),
    )
    shard_sizes = Counter((r.stack, r.team) for r in landscape.all_resources())
    cold = {"PLATFORM_CACHE": "off"}
    warm = {"PLATFORM_CACHE": "on", "PLATFORM_CACHE_DIR": str(work / f"cache-{n}")}
    check_cmd = [platform_bin, "check", "--today", TODAY, "--format", "json"]
    out = work / f"pr-{n}"
    pipeline_cmd = [platform_bin, "ci", "pr", "--base", "main", "--head", "feature",
                    "--today", TODAY, "--annotations", str(out / "annotations.txt"),
                    "--sarif", str(out / "check.sarif"), "--plan-markdown", str(out / "plan.md"),
                    "--plan-json", str(out / "plan.json"), "--matrix", str(out / "matrix.json"),
                    "--previews", str(out / "previews")]  # fmt: skip
    pipeline_warm = {"PLATFORM_CACHE": "on", "PLATFORM_CACHE_DIR": str(work / f"pr-cache-{n}")}
    _process(pipeline_cmd, root, pipeline_warm)  # the state an earlier push left
    plan_cmd = [platform_bin, "plan", "--base", "main", "--head", "feature", "--format", "json",
                "--today", TODAY]  # fmt: skip
    _process(plan_cmd, root, warm)  # fills the cache, and keeps the base's state
    _same_plan(plan_cmd, root, cold, warm)
    m = {
        "bare": _repeat("bare yaml.load", runs, lambda: _in_process(
            lambda: [yaml.load(f.data, Loader=yaml.CSafeLoader) for f in yaml_files])),
        # The same with the cyclic collector paused, as `platform check` runs: the
        # floor judged against, so that the check gains nothing the parse could not
        "bare-paused": _repeat("bare yaml.load, collector paused", runs, lambda: _in_process(
            paused(lambda: [yaml.load(f.data, Loader=yaml.CSafeLoader) for f in yaml_files]))),
        "core": _repeat("core check", runs, lambda: _in_process(
            lambda: run_check(CheckOptions(root=root, today=today)))),
        "policies": _repeat("policies", runs, lambda: _in_process(
            paused(lambda: policy_engine.evaluate(landscape)))),
        "check": _repeat("platform check", runs, lambda: _process(check_cmd, root, cold)),
        "check-warm": _repeat("platform check, warm cache", runs,
                              lambda: _process(check_cmd, root, warm)),
        "plan-cold": _repeat("platform plan, no cache", runs,
                             lambda: _process(plan_cmd, root, cold)),
        "plan": _repeat("platform plan, warm cache", runs, lambda: _process(plan_cmd, root, warm)),
        "render": _repeat("platform render", runs, lambda: _process(
            [platform_bin, "render", "--stack", "prod", "--format", "json"], root, cold)),
        "preview": _repeat("offline preview", 1 if n > 10_000 else runs, lambda: _process(
            [platform_bin, "preview", "--offline", "--stack", largest.name], root, cold)),
        "check-jsonschema": _repeat("check-jsonschema", 1 if n > 10_000 else runs,
                                    lambda: _check_jsonschema(root)),
        "pipeline-warm": _repeat("platform ci pr, warm state store", runs,
                                 lambda: _process(pipeline_cmd, root, pipeline_warm)),
        "pipeline-before": _repeat("the separate commands", 1,
                                   lambda: _separate_commands(platform_bin, root)),
    }  # fmt: skip
    # Each cold pipeline right after a cold check: the machine's load moves both
    # alike, so their ratio holds on a busy machine too
    m["pipeline-check"], m["pipeline"] = _interleaved(
        ("platform check, next to the pipeline", "platform ci pr, cold state store"),
        runs,
        (lambda: _process(check_cmd, root, cold), lambda: _cold_pipeline(pipeline_cmd, root, work)),
    )
    return Result(n, len(yaml_files), size_mb, largest.name, max(shard_sizes.values()), m)


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB of memory"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {host.system()} {host.release()}; "
        f"Python {host.python_version()}, PyYAML {yaml.__version__} "
        f"(libyaml {'yes' if yaml.__with_libyaml__ else 'no'})"
    )


DESIGN = """\
## Why it is fast, and where the time goes

- **Parsing** is libyaml composing nodes in C, then one walk of our own that builds the
  values and checks every YAML hazard at once; it costs less than PyYAML's own
  constructor. Tag resolution uses the same YAML 1.1 resolvers minus path resolvers.
  Field locations are found only for findings, by composing that one file again, and
  through one index of keys per mapping (20,000 unknown fields: 0.6 s, not minutes).
  What libyaml accepts and the spec does not (`platform_cli/load/lexical.py`) costs a
  clean file next to nothing: the walk checks the lines of the rare nodes that span
  lines, the token scan for glued comments runs only on a file with a `#` right after
  a flow indicator, a quote or a block header, and the invisible-character scan skips
  ASCII text, which the string knows about itself. Measured when it was added, at
  N=10,000, CPU seconds, the best of alternating runs on a shared machine: the reader
  0.91 s before, 0.90 s after (bare parse 1.20 s), `platform check` 1.80 s before, 1.77 s
  after.
- **Schemas** are decided by jsonschema-rs (compiled; tens of thousands of documents a
  second); jsonschema only explains the documents that fail.
- **Everything after parsing** (references, policies, quotas) is a pass over
  dictionaries built once: no step is quadratic in files or resources. Quantities
  such as `500m` or `1Gi` are parsed once per distinct value, secret-name patterns
  are one regular expression, and files are read with bare system calls.
- **The document cache** (`platform_cli/load/cache.py`) keeps parsed, schema-valid
  documents by git blob id in JSON packs under `~/.cache/platform`, so unchanged files
  are not parsed again, in any branch or revision. It is off in CI unless
  `PLATFORM_CACHE=on` (a runner is thrown away), and `PLATFORM_CACHE=off` turns it off.
- **The plan** lists both revisions by blob id (one `git ls-tree` each) and reads the
  bytes of a file only when it has not evaluated them before. Every full evaluation
  with the cache on leaves a *state* of its revision (`platform_cli/evaluate/state.py`):
  the blob ids, an index of the entities, their values and the findings of each
  stage. The warm plan reads the base's state and, since the change touches one
  resource file, evaluates the head from it: it parses that file and re-checks only
  the focus (the file, what depends on it or shares its name, its team's resources,
  its stack's dependency graph). Values of the other 10,000 entities are never
  decoded; only the affected shards are rendered; stack costs move by what left and
  joined them. A property test holds that this equals a full evaluation, finding for
  finding, over random changes, and the benchmark checks that the warm plan's output
  is the no-cache plan's, byte for byte, at every size. What remains linear in the landscape are cheap
  passes over an index (listing, keys, shards), a few milliseconds per thousand files.
- **Starting** costs about 0.25 s of a warm plan: the interpreter, click, PyYAML and
  jsonschema-rs, and our modules. GitPython (0.2 s to import) is imported only by the
  commands that write to a repository; reading revisions runs the git CLI directly.
  The processes run with Python's bytecode cache, as an installed tool does.
- **The cyclic garbage collector** is paused while a landscape is loaded and checked
  (`platform_cli/gcpause.py`): it would walk millions of live objects again and
  again and find nothing, since values and the model hold no cycles. Peak memory is
  the same.
- **Sharding** keeps each Pulumi stack to one team's namespace in one stack, so the
  largest shard is a team's share, not the landscape.

"""

TARGETS = """\
| target | rule |
|---|---|
| check vs parse | `platform check` at N=10,000 takes at most 1.3x the bare parse of the same files |
| check vs check-jsonschema | `platform check` at N=10,000 is at least 5x faster than check-jsonschema |
| plan vs check | `platform plan` of a one-file change at N=10,000 takes at most 20% of a full check |
| memory | peak memory of `platform check` at N=50,000 stays under 1 GiB |
| shard size | no Pulumi shard of the 10,000-resource landscape exceeds 500 resources |
| policies linear | evaluating the policies at N=10,000 takes at most twice as long per resource as at N=1,000 |
| pull-request pipeline | `platform ci pr` of a one-file change at N=10,000 with a cold state store, offline previews included, takes at most 2.5x one cold `platform check` |
"""

PIPELINE = """## The pull-request pipeline

The check job of `.github/workflows/pr.yml` runs `platform ci pr` once: one evaluation of
base and head gives the annotations, the SARIF file, the plan (markdown and JSON), the
affected-stacks matrix and an offline preview of each affected stack, on the objects the
plan rendered. *Cold* starts from an empty state store (a pull request's first run);
*warm* finds the store an earlier run left (the Actions cache keyed by the base commit),
so the base is not evaluated again. *platform check* here is measured in turns with the
cold pipeline, one run of each after the other, so that both see the same load on the
machine; the ratios are against it. *Separate commands* is what the job ran before, one
process each with the cache off: `check --format github`, `check --format sarif`,
`plan`, `stacks --affected` twice and `preview --offline` per affected stack (run once).

"""


def report(results: list[Result], machine: str) -> str:
    lines = [
        "# Performance",
        "",
        "<!-- Written by `make bench` (benchmarks/run.py). Do not edit by hand. -->",
        "",
        f"Measured on {machine}. Each figure is the median of several runs, in seconds "
        "(the largest sizes run the slowest tools once). `platform check` and "
        "`platform plan` are whole processes, from start to exit; *core check* is "
        "`run_check` in-process; *policies* is the policy engine alone, in-process; "
        "*bare parse* is `yaml.load(CSafeLoader)` over the same files, the floor for any "
        "YAML tool and the one the target names; it is "
        "also measured with Python's cyclic collector paused, as `platform check` runs, "
        "and *check / paused parse* shows the ratio against that stricter floor; *check-jsonschema* validates the same "
        "files with the project's own schemas. *platform check* runs with the document "
        "cache off (a fresh CI runner); *warm cache* runs find every file parsed before "
        "(a developer's machine, or CI with the cache folder kept); the plan compares "
        "`main` with a branch that changes one database file; *plan, warm cache* finds "
        "the base's state left by an earlier plan and evaluates the head incrementally "
        "from it (see below), *plan, no cache* evaluates both sides in full.",
        "",
        "| N | files | MB | bare parse | bare parse, GC paused | core check | policies "
        "| platform check "
        "| check / parse | check / paused parse "
        "| check, warm cache | check-jsonschema | speed-up | plan, no cache | plan, warm cache "
        "| plan / check | render prod | preview (largest shard) | check peak MiB "
        "| resources/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r.measures
        check = m["check"].median
        lines.append(
            f"| {r.n:,} | {r.files:,} | {r.megabytes:.1f} | {m['bare'].median:.2f} "
            f"| {m['bare-paused'].median:.2f} "
            f"| {m['core'].median:.2f} | {m['policies'].median:.2f} | {check:.2f} "
            f"| {check / m['bare'].median:.2f}x "
            f"| {check / m['bare-paused'].median:.2f}x "
            f"| {m['check-warm'].median:.2f} | {m['check-jsonschema'].median:.2f} "
            f"| {m['check-jsonschema'].median / check:.1f}x | {m['plan-cold'].median:.2f} "
            f"| {m['plan'].median:.2f} "
            f"| {m['plan'].median / check:.0%} | {m['render'].median:.2f} "
            f"| {m['preview'].median:.2f} ({r.largest_shard}) "
            f"| {m['check'].peak_mib:.0f} | {r.n / check:,.0f} |"
        )
    lines += ["", PIPELINE]
    lines += [
        "| N | platform check | separate commands | before / check | ci pr, cold "
        "| cold / check | ci pr, warm | warm / check |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r.measures
        check = m["pipeline-check"].median
        lines.append(
            f"| {r.n:,} | {check:.2f} | {m['pipeline-before'].median:.2f} "
            f"| {m['pipeline-before'].median / check:.1f}x | {m['pipeline'].median:.2f} "
            f"| {m['pipeline'].median / check:.2f}x | {m['pipeline-warm'].median:.2f} "
            f"| {m['pipeline-warm'].median / check:.2f}x |"
        )
    lines += ["", DESIGN + "## Targets", "", TARGETS, "## Verdicts", ""]
    lines += _verdicts(results)
    lines += [
        "",
        "Largest shard per size: "
        + ", ".join(
            f"N={r.n:,}: {r.largest_shard} with {r.largest_shard_resources} resources"
            for r in results
        )
        + ".",
        "",
    ]
    return "\n".join(lines) + "\n"


def _verdicts(results: list[Result]) -> list[str]:
    out = []
    by_n = {r.n: r for r in results}
    ten = by_n.get(10_000)
    if ten is not None:
        m = ten.measures
        check = m["check"].median
        parse, paused = m["bare"].median, m["bare-paused"].median
        out.append(_verdict("check vs parse", check / parse <= 1.3,
                            f"{check / parse:.2f}x; {check / paused:.2f}x against a parse "
                            "with the collector paused"))  # fmt: skip
        out.append(_verdict("check vs check-jsonschema", m["check-jsonschema"].median / check >= 5,
                            f"{m['check-jsonschema'].median / check:.1f}x faster"))  # fmt: skip
        out.append(_verdict("plan vs check", m["plan"].median / check <= 0.2,
                            f"{m['plan'].median / check:.0%}"))  # fmt: skip
        beside = m["pipeline-check"].median
        pipeline = m["pipeline"].median / beside
        out.append(_verdict("pull-request pipeline", pipeline <= 2.5,
                            f"{pipeline:.2f}x cold, {m['pipeline-warm'].median / beside:.2f}x "
                            "warm"))  # fmt: skip
        out.append(_verdict("shard size", ten.largest_shard_resources <= 500,
                            f"{ten.largest_shard_resources} resources in {ten.largest_shard}"))  # fmt: skip
    one = by_n.get(1_000)
    if one is not None and ten is not None:
        # Per resource, N=10,000 against N=1,000: 1.0 is perfectly linear
        growth = (ten.measures["policies"].median / 10) / one.measures["policies"].median
        out.append(_verdict("policies linear", growth <= 2, f"{growth:.2f}x per resource"))
    fifty = by_n.get(50_000)
    if fifty is not None:
        peak = fifty.measures["check"].peak_mib
        out.append(_verdict("memory", peak < 1024, f"{peak:.0f} MiB"))
    return out or ["(no size with a target was measured)"]


def _verdict(name: str, ok: bool, figure: str) -> str:
    return f"- {name}: {'met' if ok else 'NOT met'} ({figure})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    _compile()
    load = os.getloadavg()[0]
    results = [bench(n, args.runs, args.work) for n in sizes]
    text = report(results, f"{_machine()}; load average {load:.1f} when the run began")
    # The real apply's figures are benchmarks/apply.py's to write; keep them
    kept = block_of(args.out.read_text(encoding="utf-8")) if args.out.is_file() else ""
    if kept:
        text = splice(text, kept)
    # and the catalog's, benchmarks/catalog.py's
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    catalog = block_of(old, CATALOG_BEGIN, CATALOG_END)
    if catalog:
        text = splice(text, catalog, CATALOG_BEGIN, CATALOG_END)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
