"""`platform up` stopped by a signal, as a CI job's timeout or cancel stops it (SIGINT,
then SIGTERM, then SIGKILL): the update under way is cancelled by the `pulumi` CLI itself
(one SIGINT: its graceful cancel), no other shard starts, and the run exits 130 with a
message that says what became of the lock and how the next run finishes the shard.
Against the stand-in `pulumi` (tests/data/apply/pulumi_standin.py), in a real process;
the real engine does the same in tests/e2e/test_faults.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.test_apply_runs import OTHER, STACK, repo  # noqa: F401
from tests.test_automation import Pulumi, pulumi  # noqa: F401

PLATFORM = Path(sys.executable).parent / "platform"


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(PLATFORM), "up", "--root", str(root), *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _until_up(pulumi: Pulumi, seconds: float = 60) -> None:  # noqa: F811
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "up" in pulumi.commands():
            time.sleep(0.5)  # the stand-in has set its handler
            return
        time.sleep(0.1)
    raise AssertionError(f"no update started: {pulumi.commands()}")


def _signals(pulumi: Pulumi) -> int:  # noqa: F811
    return pulumi.commands().count("signal")


def test_sigterm_cancels_the_update_and_starts_no_other_shard(
    repo: Path,  # noqa: F811
    pulumi: Pulumi,  # noqa: F811
    tmp_path: Path,
) -> None:
    pulumi.reply(up={"sleep": 120})
    results = tmp_path / "results.json"
    # parallel 1: the second shard waits for the first
    up = _start(repo, "--all", "--results", str(results))
    try:
        _until_up(pulumi)
        clock = time.monotonic()
        os.kill(up.pid, signal.SIGTERM)  # the process only, not its group
        stdout, stderr = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    assert up.returncode == 130, stdout + stderr
    assert time.monotonic() - clock < 20, stderr
    assert "platform: SIGTERM received: stopping" in stderr
    assert "Traceback" not in stderr
    # the update under way got Pulumi's own cancel, once
    assert _signals(pulumi) == 1
    assert pulumi.commands().count("up") == 1
    first, second = sorted([OTHER, STACK])
    assert (
        f"platform: error: the apply of Pulumi stack {first} was interrupted (SIGTERM): " in stderr
    ), stderr
    assert "update canceled; its lock is released and the state records what was applied" in stderr
    assert f"`platform up --pending` (or `--stack {first}`) finishes it" in stderr
    assert (
        f"Pulumi stack {second} was not applied: `platform up` was interrupted (SIGTERM) "
        "before its update started"
    ) in stderr
    shards = json.loads(results.read_text())["shards"]
    assert [s["status"] for s in shards] == ["failed", "failed"]


def test_a_sigint_to_the_whole_group_is_not_passed_on_twice(
    repo: Path,  # noqa: F811
    pulumi: Pulumi,  # noqa: F811
) -> None:
    """Ctrl-C in a terminal reaches every process of the group, `pulumi` included:
    asking it again would be its second ^C, which terminates it at once."""
    pulumi.reply(up={"sleep": 120, "cancel_seconds": 4})
    up = _start(repo, "--stack", STACK)
    try:
        _until_up(pulumi)
        os.killpg(up.pid, signal.SIGINT)
        stdout, stderr = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    assert up.returncode == 130, stdout + stderr
    assert _signals(pulumi) == 1, pulumi.commands()
    assert f"the apply of Pulumi stack {STACK} was interrupted (SIGINT)" in stderr


def test_the_apply_step_runs_platform_as_the_process_the_runner_signals() -> None:
    """A cancel or a job's timeout signals the step's process: a shell waiting on a
    child would not pass SIGINT on, so the step execs `platform up`."""
    workflow = yaml.safe_load((REPO / ".github/workflows/apply.yml").read_text())
    step = next(
        s for s in workflow["jobs"]["up"]["steps"] if s.get("name") == "Apply what is behind main"
    )
    lines = [line.strip() for line in step["run"].splitlines() if line.strip()]
    assert lines[-2].startswith("exec .venv/bin/platform up --pending"), lines
