"""Fixtures of the end-to-end tests: a real control plane, the real Pulumi engine, and the
bundled landscape in a real git repository, applied with the real `platform up`.

These tests never skip. Without the tools (`make e2e-tools`) or a control plane that
starts, every test fails with the reason: a run that proves nothing must not pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import git
from tests.e2e.controlplane import ControlPlane, ControlPlaneError, Tools

REPO = Path(__file__).resolve().parents[2]
PLATFORM = Path(sys.executable).parent / "platform"
STACKS = ("dev", "prod")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def cluster_settings(root: Path, key: str) -> list[str]:
    """A `spec.cluster` setting of each bundled stack: its kube context or ingress class."""
    values = []
    for stack in STACKS:
        doc = yaml.safe_load((root / "stacks" / stack / "stack.yaml").read_text())
        values.append(doc["spec"]["cluster"][key])
    return sorted(set(values))


@pytest.fixture(scope="session")
def tools() -> Tools:
    try:
        return Tools.find()
    except ControlPlaneError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    workdir = tmp_path_factory.mktemp("cluster")
    try:
        contexts = ["e2e", *cluster_settings(REPO, "kubeContext")]
        # Internal and public exposure use different classes (render/hosts.py)
        classes = sorted(
            {
                *cluster_settings(REPO, "ingressClassName"),
                *cluster_settings(REPO, "publicIngressClassName"),
            }
        )
        with ControlPlane(tools, workdir, contexts, classes) as running:
            yield running
    except ControlPlaneError as exc:
        pytest.fail(f"the control plane did not start: {exc}", pytrace=False)


@dataclass
class Run:
    """One `platform` command: what it printed, how it ended and how long it took."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return f"$ platform {' '.join(self.args)}\n{self.stdout}{self.stderr}"


@dataclass
class Landscape:
    """The bundled landscape as a git repository of its own, with the engine's environment."""

    root: Path
    env: dict[str, str]
    base: str = ""
    runs: list[Run] = field(default_factory=list)

    def platform(self, *args: str, timeout: float = 1800) -> Run:
        """Run `platform` in a process group of its own, so that the Pulumi CLI and the
        provider it starts are stopped with it on any exit (a timeout, Ctrl-C, SIGTERM)."""
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(PLATFORM), *args, "--root", str(self.root)],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except BaseException:
            stop_group(proc)
            raise
        run = Run(args, proc.returncode, stdout, stderr, time.monotonic() - started)
        self.runs.append(run)
        return run

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD")

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        return self.head()

    def reset(self) -> None:
        """Back to the bundled landscape, as applied first."""
        git(self.root, "reset", "-q", "--hard", self.base)
        git(self.root, "clean", "-q", "-fd")


def stop_group(proc: subprocess.Popen[str]) -> None:
    """TERM the process group, then KILL it after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The group may outlive its leader: the provider is a grandchild
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def copy_landscape(target: Path) -> None:
    """The working tree as it is (committed or not), without ignored files."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if not source.is_file():
            continue  # deleted in the working tree
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)


def engine_env(tools: Tools, plane: ControlPlane, state: Path) -> dict[str, str]:
    """What CI's apply job sets, pointed at the loopback cluster and a file backend."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULUMI_", "KUBE", "GITHUB_"))
    }
    env.update(
        {
            "PATH": f"{tools.bin}{os.pathsep}{env.get('PATH', '')}",
            "PULUMI_HOME": str(state.parent / "pulumi-home"),
            "PULUMI_BACKEND_URL": state.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "e2e-not-a-secret",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "KUBECONFIG": str(plane.kubeconfig),
            "CI": "true",
            "PLATFORM_CACHE": "off",
        }
    )
    return env


@pytest.fixture(scope="session")
def landscape(
    tools: Tools, plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Landscape:
    root = tmp_path_factory.mktemp("landscape")
    copy_landscape(root)
    # The Pulumi program runs in the project's virtualenv, as in CI (Pulumi.yaml names .venv)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "e2e")
    git(root, "config", "user.email", "e2e@example.invalid")
    state = tmp_path_factory.mktemp("pulumi") / "state"
    state.mkdir()
    land = Landscape(root, engine_env(tools, plane, state))
    land.base = land.commit("the bundled landscape")
    return land


@pytest.fixture(scope="session")
def applied(landscape: Landscape) -> Run:
    """The first apply of every shard of both stacks, from nothing, in CI's way."""
    return landscape.platform("up", "--all", "--commit", landscape.base)
