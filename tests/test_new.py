"""`platform new`: requests written as valid, commented files, refused when they break a
rule, and committed on a branch without touching the user's other changes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.cli import commands as cli_module
from platform_cli.errors import UsageError
from platform_cli.load.reader import parse
from platform_cli.self_service.yaml_writer import dump, is_plain, scalar
from tests.conftest import DATA, REPO, Run

CASES = sorted(p.name for p in (DATA / "new").iterdir() if p.is_dir())
GOLDEN_FILES = ("exit_code.txt", "stdout.txt", "stderr.txt", "written.yaml")


def _stack_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "stacks").rglob("*.yaml")}


@pytest.mark.parametrize("case", CASES)
def test_new_case(
    case: str,
    repo_copy: Path,
    run: Callable[[list[str]], Run],
    golden: Callable[[Path, str], None],
) -> None:
    folder = DATA / "new" / case
    args = folder.joinpath("args").read_text(encoding="utf-8").splitlines()
    before = _stack_files(repo_copy)
    result = run([*args, "--root", str(repo_copy)])
    added = sorted(_stack_files(repo_copy) - before)
    golden(folder / "exit_code.txt", f"{result.exit_code}\n")
    golden(folder / "stdout.txt", result.stdout)
    golden(folder / "stderr.txt", result.stderr)
    if result.exit_code != 0 or "--dry-run" in args:
        assert added == []
        assert not (folder / "written.yaml").exists()
        return
    [path] = added
    text = (repo_copy / path).read_text(encoding="utf-8")
    golden(folder / "written.yaml", text)
    assert parse(path, text.encode()).ok


def test_dry_run_prints_exactly_the_file_that_would_be_written(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    args = ["new", "database", "--stack", "dev", "--team", "billing", "--name", "x-db"]
    args += ["--system", "payments", "--root", str(repo_copy)]
    dry = run([*args, "--dry-run"])
    assert dry.exit_code == 0
    assert not (repo_copy / "stacks/dev/billing/x-db.yaml").exists()
    assert run(args).exit_code == 0
    assert (repo_copy / "stacks/dev/billing/x-db.yaml").read_text() == dry.stdout


@pytest.mark.parametrize(
    ("changes", "message", "hint"),
    [
        ({"--team": "call-centre"}, "unknown team 'call-centre'", "did you mean 'call-center'?"),
        ({"--stack": "prd"}, "unknown stack 'prd'", "did you mean 'prod'?"),
        ({"--system": "billing"}, "system 'billing' is owned by team 'billing'", "crm, telephony"),
        ({"--system": None}, "team 'call-center' owns 2 systems", "call-center: crm, telephony"),
        ({"--name": "pbx-1"}, "stacks/prod/call-center/pbx-1.yaml already exists", "edit the file"),
        ({"--name": "Pbx_3"}, "bad name 'Pbx_3'", "DNS label"),
    ],
)
def test_refusals_with_a_clear_error(
    shared_repo_copy: Path,
    run: Callable[[list[str]], Run],
    changes: dict[str, str | None],
    message: str,
    hint: str,
) -> None:
    options: dict[str, str | None] = {
        "--stack": "prod",
        "--team": "call-center",
        "--name": "pbx-3",
        "--system": "telephony",
    }
    argv = ["new", "server", "--image", "ubuntu-24.04", "--root", str(shared_repo_copy)]
    for key, value in (options | changes).items():
        argv += [key, value] if value is not None else []
    with pytest.raises(UsageError) as error:
        run(argv)
    assert message in error.value.message
    assert hint in error.value.hint


def test_a_name_declared_in_another_file_is_refused(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    # crm-db is declared in stacks/prod/call-center/crm-db.yaml; the same name as a
    # database of another team would clash in the stack
    moved = repo_copy / "stacks/prod/call-center/crm-db.yaml"
    moved.rename(moved.with_name("crm-database.yaml"))
    with pytest.raises(UsageError, match="database 'crm-db' is already declared in stack 'prod'"):
        run(
            [
                *("new", "database", "--stack", "prod", "--team", "call-center"),
                *("--name", "crm-db", "--system", "crm", "--root", str(repo_copy)),
            ]
        )


def test_usage_errors_exit_2_through_the_funnel(
    shared_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(
            [
                *("new", "service", "--stack", "prod", "--team", "call-center", "--name", "x"),
                *("--image", "registry.dom-komfort.example/x:1.0.0", "--port", "http"),
                *("--root", str(shared_repo_copy)),
            ]
        )
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Error: Invalid value for '--port': bad port 'http'" in err
    assert "hint: write a port as name:port" in err


# --- --branch, on a real repository --------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(repo_copy: Path) -> Path:
    git(repo_copy, "init", "-q", "-b", "main")
    git(repo_copy, "add", "-A")
    git(repo_copy, "commit", "-q", "-m", "base")
    return repo_copy


SERVER = ["new", "server", "--stack", "prod", "--team", "call-center", "--name", "pbx-3"]
SERVER += ["--system", "telephony", "--image", "ubuntu-24.04"]


def test_branch_commits_only_the_new_file_and_leaves_other_changes_alone(
    repo: Path, run: Callable[[list[str]], Run]
) -> None:
    staged = repo / "stacks/prod/call-center/crm-web.yaml"
    unstaged = repo / "stacks/prod/call-center/crm-api.yaml"
    untracked = repo / "stacks/dev/call-center/scratch.yaml"
    staged.write_text(staged.read_text() + "# staged edit\n")
    git(repo, "add", str(staged))
    unstaged.write_text(unstaged.read_text() + "# unstaged edit\n")
    untracked.write_text("# not yet a resource\n")
    # Staged and then changed again: both versions must survive
    both = repo / "stacks/prod/call-center/ivr-api.yaml"
    both.write_text(both.read_text() + "# staged\n")
    git(repo, "add", str(both))
    both.write_text(both.read_text() + "# and unstaged\n")
    contents = {p: p.read_bytes() for p in (staged, unstaged, untracked, both)}
    staged_blobs = git(repo, "ls-files", "-s", "--", str(staged), str(both))
    status = git(repo, "status", "--porcelain")
    base = git(repo, "rev-parse", "HEAD").strip()

    result = run([*SERVER, "--branch", "call-center/pbx-3", "--root", str(repo)])

    assert result.exit_code == 0, result.stdout
    assert "git push -u origin call-center/pbx-3" in result.stdout
    assert git(repo, "branch", "--show-current").strip() == "call-center/pbx-3"
    assert git(repo, "rev-parse", "HEAD~1").strip() == base
    changed = git(repo, "diff-tree", "--no-commit-id", "--name-status", "-r", "HEAD")
    assert changed == "A\tstacks/prod/call-center/pbx-3.yaml\n"
    assert git(repo, "log", "-1", "--format=%s").strip() == (
        "Request Server pbx-3 for team call-center in stack prod"
    )
    # The user's work: byte for byte, and the same status (the new file is clean)
    assert {p: p.read_bytes() for p in contents} == contents
    assert git(repo, "ls-files", "-s", "--", str(staged), str(both)) == staged_blobs
    assert git(repo, "status", "--porcelain") == status
    committed = git(repo, "show", "HEAD:stacks/prod/call-center/pbx-3.yaml")
    assert (repo / "stacks/prod/call-center/pbx-3.yaml").read_text() == committed
    assert "deletionProtection: true" in committed
    assert git(repo, "branch", "--list", "main").strip() == "main"


def test_branch_validates_against_head_not_the_work_tree(
    repo: Path, run: Callable[[list[str]], Run]
) -> None:
    # An uncommitted, broken edit elsewhere does not block the request and is not
    # committed with it
    broken = repo / "stacks/prod/call-center/crm-api.yaml"
    broken.write_text("replicas: [\n")
    result = run([*SERVER, "--branch", "req", "--root", str(repo)])
    assert result.exit_code == 0
    assert broken.read_text() == "replicas: [\n"
    assert git(repo, "status", "--porcelain") == " M stacks/prod/call-center/crm-api.yaml\n"


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda r: git(r, "branch", "taken"), "branch 'taken' already exists"),
        (lambda r: git(r, "checkout", "-q", "--detach"), "HEAD is detached"),
        (
            lambda r: (r / "stacks/prod/call-center/pbx-3.yaml").write_text("x: 1\n"),
            "stacks/prod/call-center/pbx-3.yaml already exists",
        ),
    ],
)
def test_branch_refusals(
    repo: Path,
    run: Callable[[list[str]], Run],
    prepare: Callable[[Path], object],
    message: str,
) -> None:
    prepare(repo)
    status = git(repo, "status", "--porcelain")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(UsageError, match=message):
        run([*SERVER, "--branch", "taken", "--root", str(repo)])
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "rev-parse", "HEAD") == head


def test_branch_in_a_repository_without_commits(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    git(repo_copy, "init", "-q", "-b", "main")
    with pytest.raises(UsageError, match="no commit yet"):
        run([*SERVER, "--branch", "req", "--root", str(repo_copy)])


# --- The YAML writer -----------------------------------------------------------------


def _resource_files() -> list[Path]:
    return sorted((REPO / "stacks").glob("*/*/*.yaml"))


def test_the_writer_reproduces_the_bundled_resources() -> None:
    """Our own files, re-written, are byte for byte the same, so promotions and
    generated files read like the hand-written ones (and diffs stay small)."""
    for path in _resource_files():
        text = path.read_text(encoding="utf-8")
        header = [line for line in text.splitlines() if line.startswith("#")][:2]
        parsed = parse(path.name, text.encode())
        assert parsed.ok, path
        assert parsed.document is not None
        assert dump(parsed.document.data, header=header) == text, path


@pytest.mark.parametrize(
    "value",
    [
        "8080",
        "yes",
        "No",
        "on",
        "22:30",
        "0755",
        "1_000",
        "0x1F",
        "1e3",
        "2026-03-01",
        "null",
        "~",
        "",
        " padded",
        "a: b",
        "a #b",
        "trailing:",
        "-dash",
        "*star",
        "&amp",
        "!tag",
        "@at",
        "%pct",
        "{x}",
        "[x]",
        "multi\nline",
        'say "hi"',
        "ünïcode",
        ".inf",
        "<<",
        "?",
        "x,y",
    ],
)
def test_strings_read_back_as_the_same_string(value: str) -> None:
    doc = {"env": {"VALUE": value}, "plain": value, "list": [value]}
    text = dump(doc)
    parsed = parse("x.yaml", text.encode())
    assert parsed.findings == []
    assert parsed.document is not None
    assert parsed.document.data == doc


def test_quoting_rules() -> None:
    assert scalar("ubuntu-24.04") == "ubuntu-24.04"
    assert scalar("8Gi") == '"8Gi"'
    assert scalar("info", quote=True) == '"info"'
    assert scalar(True) == "true"
    assert scalar(3) == "3"
    assert not is_plain("yes")
    assert is_plain("registry.dom-komfort.example/call-center/crm-api:3.15.2")


def test_comments_and_folding() -> None:
    text = dump(
        {"metadata": {"description": "word " * 30 + "end"}, "spec": {"cpu": 2}},
        header=["# head"],
        comments={("spec", "cpu"): "why"},
    )
    lines = text.splitlines()
    assert lines[0] == "# head"
    assert lines[2] == "  description: >-"
    assert all(len(line) <= 88 for line in lines)
    assert lines[-1] == "  cpu: 2" + " " * 28 + "# why"
    parsed = parse("x.yaml", text.encode())
    assert parsed.document is not None
    assert parsed.document.data["metadata"]["description"] == "word " * 30 + "end"


def test_every_kind_written_by_new_parses_cleanly() -> None:
    for golden in sorted((DATA / "new").glob("*/written.yaml")):
        parsed = parse(golden.name, golden.read_bytes())
        assert parsed.ok, golden
    kinds = {
        parse(g.name, g.read_bytes()).document.data["kind"]  # type: ignore[union-attr]
        for g in (DATA / "new").glob("*/written.yaml")
    }
    assert kinds == {"Server", "Database", "Service"}


# --- What the policies require -------------------------------------------------------


def test_every_policy_that_states_a_requirement_is_asked() -> None:
    from platform_cli.self_service.requirements import REQUIRING
    from policies import POLICIES

    stating = [m.requirement for m in POLICIES.values() if hasattr(m, "requirement")]
    assert list(REQUIRING) == stating


def _set_parameters(root: Path, **sections: str) -> None:
    config = root / "policies" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    for section, body in sections.items():
        start = text.index(f"  {section}:\n")
        end = start + len(f"  {section}:\n")
        while end < len(text) and text[end:].startswith("    "):
            end = text.index("\n", end) + 1
        text = text[:start] + f"  {section}:\n{body}" + text[end:]
    config.write_text(text, encoding="utf-8")


def test_the_defaults_follow_the_policies_parameters(
    repo_copy: Path, run: Callable[[list[str]], Run]
) -> None:
    """The values `new` writes come from policies/config.yaml, through the policies."""
    _set_parameters(
        repo_copy,
        personalData=(
            "    environments: [production]\n"
            "    minBackupRetentionDays: 45\n"
            "    minDatabaseInstances: 4\n"
        ),
        deletionProtection="    environments: [production, development]\n",
        devLimits='    environments: [staging]\n    maxReplicas: 2\n    maxDatabaseStorage: "20Gi"\n',
    )
    args = ["--team", "call-center", "--system", "crm", "--root", str(repo_copy), "--dry-run"]
    prod = run(["new", "database", "--stack", "prod", "--name", "db-9", *args])
    assert prod.exit_code == 0, prod.stderr
    assert "instances: 4                      # personal data: at least 4 (LND004)" in prod.stdout
    assert "retentionDays: 45               # personal data: at least 45 days (LND004)" in (
        prod.stdout
    )
    # development is no longer small, and now protected
    dev = run(["new", "database", "--stack", "dev", "--name", "db-9", *args])
    assert dev.exit_code == 0, dev.stderr
    assert 'size: "50Gi"' in dev.stdout
    assert "deletionProtection: true          # required in development (LND011)" in dev.stdout
