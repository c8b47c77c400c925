"""Fixtures of the end-to-end tests: a real control plane, the real Pulumi engine, and the
bundled landscape in a real git repository, applied with the real `platform up`.

These tests never skip. Without the tools (`make e2e-tools`) or a control plane that
starts, every test fails with the reason: a run that proves nothing must not pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.e2e.controlplane import ControlPlane, ControlPlaneError, Tools

REPO = Path(__file__).resolve().parents[2]
PLATFORM = Path(sys.executable).parent / "platform"
STACKS = ("dev", "prod")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def kube_contexts(root: Path) -> list[str]:
    contexts = []
    for stack in STACKS:
        doc = yaml.safe_load((root / "stacks" / stack / "stack.yaml").read_text())
        contexts.append(doc["spec"]["cluster"]["kubeContext"])
    return contexts


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
        with ControlPlane(tools, workdir, ["e2e", *kube_contexts(REPO)]) as running:
            yield running
    except ControlPlaneError as exc:
        pytest.fail(f"the control plane did not start: {exc}", pytrace=False)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


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
        started = time.monotonic()
        out = subprocess.run(
            [str(PLATFORM), *args, "--root", str(self.root)],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = Run(args, out.returncode, out.stdout, out.stderr, time.monotonic() - started)
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
