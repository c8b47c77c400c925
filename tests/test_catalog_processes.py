"""The catalog made by several processes (catalog/processes.py, catalog/shares.py): the
same files as from one, whatever the landscape; and the forked children's failures."""

from __future__ import annotations

import os
import pickle
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from platform_cli.catalog import processes, shares
from platform_cli.catalog.site import MANIFEST, CatalogOptions, CatalogResult, build_catalog
from platform_cli.errors import PlatformError
from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import load
from platform_cli.render import Rendered, render_stack
from platform_cli.sources.tree import read_tree
from tests.catalog_repo import TODAY, _commit, make_repo
from tests.conftest import REPO


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _build(root: Path, out: Path, jobs: int) -> CatalogResult:
    return build_catalog(CatalogOptions(root=root, out=out, today=TODAY, jobs=jobs))


def _break(root: Path) -> None:
    """A check error: billing-api of prod names a system nobody declared."""
    path = root / "stacks/prod/billing/billing-api.yaml"
    path.write_text(path.read_text().replace("  system: billing\n", "  system: no-such\n", 1))
    _commit(root, "2026-11-18T12:00:00+00:00", "billing-api: a system nobody declared")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("processes") / "repo")


def test_any_number_of_processes_makes_the_same_site(repo: Path, tmp_path: Path) -> None:
    """The files, the manifest among them, and the counts do not depend on how many
    processes made them."""
    one = _build(repo, tmp_path / "one", 1)
    sites = {1: _files(tmp_path / "one")}
    for jobs in (2, 3):
        result = _build(repo, tmp_path / f"jobs-{jobs}", jobs)
        sites[jobs] = _files(tmp_path / f"jobs-{jobs}")
        assert (result.pages, result.written, result.largest) == (
            one.pages,
            one.written,
            one.largest,
        )
        assert sorted(result.changed) == sorted(one.changed)
    assert sites[1] == sites[2] == sites[3]
    assert MANIFEST in sites[2]
    page = sites[2]["resources/prod/service/billing-api.html"].decode()
    assert "Deployment prod-billing/billing-api" in page


def test_with_check_errors_every_process_leaves_the_objects_out(tmp_path: Path, repo: Path) -> None:
    """The other processes render and write their pages before the first has checked
    the landscape; with a check error, every resource page is made again without
    rendered objects, also the pages whose manifest entry (from the last build, with
    the same error) says they need not be: a process of this build overwrote them."""
    root = make_repo(tmp_path / "repo")
    _break(root)
    out = tmp_path / "site"
    first = _build(root, out, 2)
    assert first.notes == [
        "rendered objects left out: the landscape has check errors (see Governance)"
    ]
    again = _build(root, out, 2)
    fresh = _build(root, tmp_path / "one", 1)
    assert _files(out) == _files(tmp_path / "one")
    page = (out / "resources/dev/service/billing-api.html").read_text()
    assert "Not rendered: the landscape has check errors" in page
    assert "Deployment dev-billing" not in page
    # the pages the second process wrote ahead were written again; the first's were not
    resources = [p for p in again.changed if p.startswith("resources/")]
    assert 0 < len(resources) < fresh.pages


def test_a_stack_that_renders_in_no_process_leaves_every_objects_out(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stack that does not render (here made to fail in whichever process renders
    it) leaves the rendered objects out of every page, as one process would."""

    def failing(landscape: Any, stack: str, teams: Any = None) -> Rendered:
        rendered = render_stack(landscape, stack, teams)
        if stack == "prod":
            broken = Finding("stacks/prod/stack.yaml", 1, 1, "render-x", Level.ERROR, "no")
            rendered.findings.append(broken)
        return rendered

    monkeypatch.setattr(shares, "render_stack", failing)
    results = [_build(repo, tmp_path / f"jobs-{jobs}", jobs) for jobs in (1, 2)]
    assert _files(tmp_path / "jobs-1") == _files(tmp_path / "jobs-2")
    why = "stack prod does not render (run `platform render --stack prod`)"
    assert [r.notes for r in results] == [[f"rendered objects left out: {why}"]] * 2
    page = (tmp_path / "jobs-2/resources/dev/service/billing-api.html").read_text()
    assert f"Not rendered: {why}" in page


def _bundled() -> Any:
    files, _ = read_tree(REPO)
    return load([f for f in files if not f.path.startswith(".github")]).landscape


def test_split_gives_each_shard_whole_to_one_process() -> None:
    landscape = _bundled()
    everything = list(landscape.all_resources())
    for count in (1, 2, 3):
        parts = shares.split(landscape, count)
        assert len(parts) == count
        mine = [r for part in parts for r in part.resources]
        assert sorted(map(id, mine)) == sorted(map(id, everything))
        for part in parts:
            assert list(part.resources) == [r for r in everything if r in part.resources]
            for r in part.resources:
                assert r.team in part.teams[r.stack]
        owners = [(s, t) for part in parts for s, teams in part.teams.items() for t in teams]
        assert len(owners) == len(set(owners))  # no shard in two shares
    light, heavy = shares.split(landscape, 2, first_load=0.5)
    assert 0 < len(light.resources) < len(heavy.resources)
    even = shares.split(landscape, 2, first_load=0)
    assert abs(len(even[0].resources) - len(even[1].resources)) <= max(_shard_sizes(landscape))


def _shard_sizes(landscape: Any) -> list[int]:
    sizes: dict[tuple[str, str], int] = {}
    for r in landscape.all_resources():
        sizes[(r.stack, r.team)] = sizes.get((r.stack, r.team), 0) + 1
    return list(sizes.values())


def test_objects_of_two_shares_that_clash_fail_their_stack() -> None:
    """What `render_stack` of the whole stack finds (two sources of one object), the
    shares find together."""
    obj = ("v1", "Namespace", "", "prod-billing-vms")
    one = shares.Rendered(placed={"prod": [(obj, "landscape/teams/billing.yaml")]})
    other = shares.Rendered(placed={"prod": [(obj, "landscape/teams/billing-vms.yaml")]})
    same = shares.Rendered(placed={"prod": [(obj, "landscape/teams/billing.yaml")]})
    dev = shares.Rendered(placed={"dev": [(obj, "landscape/teams/billing-vms.yaml")]})
    assert shares.stacks_failed([one, other]) == {"prod"}
    assert shares.stacks_failed([one, same, dev]) == set()
    assert shares.stacks_failed([one, shares.Rendered(failed={"dev"})]) == {"dev"}


# processes.in_processes


def _pid_and_square(i: int) -> tuple[int, int]:
    return os.getpid(), i * i


def test_results_come_back_in_order_from_children() -> None:
    results = processes.in_processes(_pid_and_square, 3)
    assert [square for _, square in results] == [0, 1, 4]
    pids = [pid for pid, _ in results]
    assert pids[0] == os.getpid() and len(set(pids)) == 3
    _no_child_left()


def _no_child_left() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _fails_in(child: int, how: str) -> Any:
    def work(i: int) -> int:
        if i == child:
            if how == "platform":
                raise PlatformError("the disk is full", hint="free some space")
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "unpicklable":
                raise ValueError(lambda: None)
        return i

    return work


def test_a_childs_platform_error_is_raised_as_it_was() -> None:
    with pytest.raises(PlatformError, match="the disk is full") as caught:
        processes.in_processes(_fails_in(2, "platform"), 3)
    assert caught.value.hint == "free some space"
    _no_child_left()


def test_a_killed_child_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="killed by signal 9"):
        processes.in_processes(_fails_in(1, "killed"), 2)
    _no_child_left()


def test_an_error_that_cannot_be_pickled_comes_back_as_its_traceback() -> None:
    with pytest.raises((AttributeError, pickle.PicklingError)):
        pickle.dumps(ValueError(lambda: None))  # a function made in a function
    with pytest.raises(RuntimeError, match=r"(?s)a catalog process failed:.*ValueError"):
        processes.in_processes(_fails_in(1, "unpicklable"), 2)
    _no_child_left()


def test_an_error_here_stops_the_children() -> None:
    def work(i: int) -> int:
        if i == 0:
            raise PlatformError("the first share failed")
        time.sleep(120)  # stopped long before: the test would take minutes otherwise
        return i

    started = time.monotonic()
    with pytest.raises(PlatformError, match="the first share failed"):
        processes.in_processes(work, 3)
    assert time.monotonic() - started < 60
    _no_child_left()


def test_one_share_runs_here() -> None:
    assert processes.in_processes(_pid_and_square, 1) == [(os.getpid(), 0)]


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", None),  # no quota: the cores it may run on
        ("100000 100000\n", 1),
        ("150000 100000\n", 2),  # a quota of 1.5 CPUs: two processes, each part-time
        ("garbled\n", None),
    ],
)
def test_the_cores_follow_the_cgroups_cpu_quota(
    tmp_path: Path, cpu_max: str, expected: int | None
) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    here = len(os.sched_getaffinity(0))
    assert processes.cores(path) == min(here, expected or here)
    assert processes.cores(tmp_path / "missing") == here


def test_jobs_on_the_command_line(repo: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from platform_cli.cli.commands import cli

    args = ["catalog", "--root", str(repo), "--out"]
    made = CliRunner().invoke(cli, [*args, str(tmp_path / "two"), "--jobs", "2"])
    assert made.exit_code == 0, made.output
    _build(repo, tmp_path / "one", 1)
    two, one = _files(tmp_path / "two"), _files(tmp_path / "one")
    # the command builds for today, the test for TODAY: the days to a waiver's expiry
    # (governance) and so the manifest differ, and nothing else
    assert sorted(two) == sorted(one)
    assert {k for k in two if two[k] != one[k]} <= {"governance.html", MANIFEST}
    refused = CliRunner().invoke(cli, [*args, str(tmp_path / "none"), "--jobs", "0"])
    assert refused.exit_code == 2 and "--jobs" in refused.output
