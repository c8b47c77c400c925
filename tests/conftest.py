from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from platform_cli.cli.commands import cli

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@dom-komfort.example",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@dom-komfort.example",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its output, stripped; fails the test on an error."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture(autouse=True)
def _pinned_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("PLATFORM_CRASH_DIR", str(tmp_path))
    # Local runs and CI take one path: not CI (progress, backends), and the document
    # cache on, as on a developer's machine, in a folder of the test's own. A test of
    # another setting sets it itself.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PLATFORM_CACHE", "on")
    monkeypatch.setenv("PLATFORM_CACHE_DIR", str(tmp_path / "platform-cache"))


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run() -> Callable[[list[str]], Run]:
    """Run the `platform` CLI in-process as a user would, without catching exceptions."""

    def _run(args: list[str]) -> Run:
        runner = CliRunner()
        result = runner.invoke(cli, args, catch_exceptions=False, prog_name="platform")
        return Run(result.exit_code, result.stdout, result.stderr)

    return _run


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, str], None]:
    """Compare text with a golden file, or rewrite it with --update-goldens."""
    update = bool(request.config.getoption("--update-goldens"))

    def _check(path: Path, actual: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-goldens"
        assert actual == path.read_text(encoding="utf-8")

    return _check


@pytest.fixture
def landscape_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a landscape (the repository's own by default) into tmp_path."""

    def _copy(source: Path = REPO) -> Path:
        target = tmp_path / "repo"
        for top in ("landscape", "stacks"):
            shutil.copytree(source / top, target / top)
        return target

    return _copy


@pytest.fixture
def base_landscape(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", target)
    yield target


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """The bundled repository as `platform check` reads it, policies, waivers and
    CODEOWNERS included, copied into tmp_path."""
    return _copy_repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def shared_repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Like `repo_copy`, but copied once per session: only for tests that never write."""
    return _copy_repo(tmp_path_factory.mktemp("shared") / "repo")


def _copy_repo(target: Path) -> Path:
    for top in ("landscape", "stacks", "policies"):
        shutil.copytree(
            REPO / top, target / top, ignore=shutil.ignore_patterns("*.py", "__pycache__")
        )
    (target / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", target / ".github" / "CODEOWNERS")
    return target
