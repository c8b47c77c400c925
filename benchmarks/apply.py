"""Measure the real apply and write its block of docs/performance.md.

    python -m benchmarks.apply [--runs 3] [--parallel 4] [--out docs/performance.md]

Runs the loopback control plane of the e2e tests (`make e2e-tools` builds it) and the
real `platform up` on the bundled landscape, as CI applies it:

- a cold apply of every shard of both stacks, one after another (`platform up --all`);
- the same cold apply with N shards at a time, each a `platform up --stack` process of
  its own, on a fresh cluster and state;
- a no-op `up` of one shard, and a one-change `up` of that shard (one Deployment's
  replicas), as medians of several runs.

The block between the `apply` markers of the output file is replaced; `make bench`
keeps it when it rewrites the rest. Figures are from the machine it runs on.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.blocks import BEGIN, END, splice
from platform_cli.evaluate.rendering import render_tree
from tests.conftest import git
from tests.e2e.conftest import (
    REPO,
    Landscape,
    cluster_settings,
    copy_landscape,
    engine_env,
)
from tests.e2e.controlplane import ControlPlane, Tools

SHARD = "prod.billing"
CHANGED = "stacks/prod/billing/billing-calculator.yaml"
# Pulumi's published anchor: a 3,222-resource stack without journaling
ANCHOR = "3,222 resources in about 58 minutes (Pulumi, one stack, no journaling)"


@dataclass
class Figures:
    shards: int
    objects: int
    serial: float
    parallel: float
    parallel_n: int
    noop: list[float]
    one_change: list[float]


def _landscape(workdir: Path, tools: Tools, plane: ControlPlane) -> Landscape:
    root = workdir / "landscape"
    root.mkdir(parents=True)
    copy_landscape(root)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.invalid")
    state = workdir / "state"
    state.mkdir()
    land = Landscape(root, engine_env(tools, plane, state))
    land.base = land.commit("the bundled landscape")
    return land


def _plane(tools: Tools, workdir: Path) -> ControlPlane:
    contexts = ["e2e", *cluster_settings(REPO, "kubeContext")]
    return ControlPlane(tools, workdir, contexts, cluster_settings(REPO, "ingressClassName"))


def _checked(run_ok: bool, what: str, output: str) -> None:
    if not run_ok:
        raise SystemExit(f"{what} failed:\n{output}")


def measure(runs: int, parallel: int) -> Figures:
    tools = Tools.find()
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        work = Path(tmp)
        with _plane(tools, work / "cluster-serial") as plane:
            land = _landscape(work / "serial", tools, plane)
            listed = land.platform("stacks", "--format", "json")
            shards = [entry["stack"] for entry in json.loads(listed.stdout)["include"]]
            cold = land.platform("up", "--all", "--commit", land.base)
            _checked(cold.returncode == 0, "the serial cold apply", cold.output)
            # What the engine registers: every rendered object and one provider a shard
            objects = sum(len(render_tree(land.root, s).objects) for s in ("dev", "prod"))
            objects += len(shards)
            noop = []
            for _ in range(runs):
                again = land.platform("up", "--stack", SHARD, "--commit", land.base)
                _checked(again.returncode == 0, "a no-op up", again.output)
                noop.append(again.seconds)
            changes = []
            path = land.root / CHANGED
            for i in range(runs):
                replicas = 3 if i % 2 == 0 else 2
                text = path.read_text()
                path.write_text(
                    text.replace(f"replicas: {5 - replicas}\n", f"replicas: {replicas}\n")
                )
                sha = land.commit(f"replicas {replicas}")
                changed = land.platform("up", "--stack", SHARD, "--commit", sha)
                _checked(changed.returncode == 0, "a one-change up", changed.output)
                changes.append(changed.seconds)
        with _plane(tools, work / "cluster-parallel") as plane:
            land = _landscape(work / "parallel", tools, plane)
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
                results = list(
                    pool.map(
                        lambda shard: land.platform("up", "--stack", shard, "--commit", land.base),
                        shards,
                    )
                )
            elapsed = time.monotonic() - started
            for result in results:
                _checked(result.returncode == 0, "a parallel cold apply", result.output)
    return Figures(len(shards), objects, cold.seconds, elapsed, parallel, noop, changes)


def block(f: Figures, machine: str) -> str:
    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.1f}"

    return "\n".join(
        [
            BEGIN,
            "## The real apply",
            "",
            f"Measured on {machine} with `make bench-apply`: the real Pulumi CLI and "
            "pulumi-kubernetes provider (scripts/e2e/pins.env) applying the bundled "
            "landscape to the loopback control plane of `make e2e` (etcd, kube-apiserver, "
            "controller-manager, scheduler, kwok), with a file backend. Seconds, whole "
            "`platform up` processes; the check before each apply is included.",
            "",
            "| what | shards | seconds |",
            "|---|---|---|",
            f"| cold apply of both stacks, one shard after another (`platform up --all`) "
            f"| {f.shards} | {f.serial:.1f} |",
            f"| cold apply of both stacks, {f.parallel_n} shards at a time "
            f"| {f.shards} | {f.parallel:.1f} |",
            f"| no-op `up` of {SHARD} (median of {len(f.noop)}) | 1 | {median(f.noop)} |",
            f"| one-change `up` of {SHARD}: one Deployment's replicas (median of "
            f"{len(f.one_change)}) | 1 | {median(f.one_change)} |",
            "",
            f"The cold apply registers {f.objects:,} Pulumi resources in {f.shards} stacks "
            f"(every rendered object and one provider a stack): {f.serial / f.objects:.2f} s "
            f"a resource one stack after another, {f.parallel / f.objects:.2f} s "
            f"{f.parallel_n} at a time. Anchor: {ANCHOR}, about 1.1 s a resource. The "
            "bundled stacks are small, so much of each `up` is the fixed cost of starting "
            "the engine, the program and the provider, which is why stacks applied side "
            "by side finish sooner.",
            END,
        ]
    )


def main(argv: list[str] | None = None) -> None:
    from benchmarks.run import _machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    args = parser.parse_args(argv)
    figures = measure(args.runs, args.parallel)
    text = splice(args.out.read_text(encoding="utf-8"), block(figures, _machine()))
    args.out.write_text(text, encoding="utf-8")
    print(block(figures, _machine()))


if __name__ == "__main__":
    main()
