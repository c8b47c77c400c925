"""The control plane stops every process it started, by PID, on Ctrl-C and on SIGTERM
(what a CI job's timeout sends), and leaves nothing listening."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO
from tests.e2e.controlplane import Tools


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose; /proc says which
    stat = Path(f"/proc/{pid}/stat")
    return stat.is_file() and stat.read_text().split()[2] != "Z"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_every_process_and_frees_every_port(
    tools: Tools, tmp_path: Path, sig: signal.Signals
) -> None:
    workdir = tmp_path / "plane"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.controlplane", str(workdir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # Each test has a HOME of its own (tests/conftest.py): name the tools' cache
        env={**os.environ, "PLATFORM_E2E_CACHE": str(tools.root.parent)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "KUBECONFIG=" in line, line + proc.stdout.read()
        started = {
            name: int(pid)
            for name, pid in (
                entry.split() for entry in (workdir / "pids").read_text().splitlines()
            )
        }
        assert set(started) == {
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kwok",
        }
        config = (workdir / "kubeconfig").read_text()
        port = int(config.split("https://127.0.0.1:", 1)[1].split('"', 1)[0])
        assert _listening(port)
        proc.send_signal(sig)
        assert proc.wait(60) == 0, "it stops cleanly, not by being killed"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in started.values()):
            time.sleep(0.5)
        assert {name for name, pid in started.items() if _alive(pid)} == set()
        assert not _listening(port)
    finally:
        # Leave nothing behind even when the test fails: the control plane's processes
        # run in sessions of their own, so they are killed by their recorded PIDs
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        pids = workdir / "pids"
        for entry in pids.read_text().splitlines() if pids.is_file() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.split()[1]), signal.SIGKILL)
        if proc.stdout is not None:
            proc.stdout.close()
