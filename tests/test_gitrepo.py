"""Reading revisions from git objects, on real repositories built in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from platform_cli.errors import UsageError
from platform_cli.sources.git import GitRepository
from tests.conftest import DATA, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_files_at_a_revision_come_from_git_not_the_work_tree(repo: Path) -> None:
    svc = repo / "stacks/prod/service-desk/tickets-api.yaml"
    committed = svc.read_bytes()
    svc.write_text("changed in the work tree\n")
    (repo / "stacks/prod/service-desk/new.yaml").write_text("untracked\n")
    status_before = git(repo, "status", "--porcelain")

    gr = GitRepository(repo)
    files, findings = gr.files_at(gr.resolve("main"))
    assert findings == []
    by_path = {f.path: f.data for f in files}
    assert by_path["stacks/prod/service-desk/tickets-api.yaml"] == committed
    assert "stacks/prod/service-desk/new.yaml" not in by_path
    assert sorted(by_path) == [f.path for f in files]
    assert git(repo, "status", "--porcelain") == status_before


def test_changed_paths_between_commits_and_against_the_work_tree(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "stacks/prod/service-desk/tickets-db.yaml").unlink()
    git(repo, "commit", "-q", "-am", "drop db")
    gr = GitRepository(repo)
    assert gr.changed_paths(gr.resolve("main"), gr.resolve("feature")) == [
        "stacks/prod/service-desk/tickets-db.yaml"
    ]
    (repo / "landscape/teams/new-team.yaml").write_text("x: 1\n")
    assert gr.changed_paths(gr.resolve("main"), None) == [
        "landscape/teams/new-team.yaml",
        "stacks/prod/service-desk/tickets-db.yaml",
    ]


def test_landscape_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    top = tmp_path / "mono"
    shutil.copytree(DATA / "check" / "_base", top / "infra")
    (top / "README").write_text("monorepo\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    gr = GitRepository(top / "infra")
    files, _ = gr.files_at(gr.resolve("HEAD"))
    assert "landscape/teams/service-desk.yaml" in [f.path for f in files]


def test_symlinks_in_git_are_not_followed(repo: Path) -> None:
    (repo / "stacks/prod/service-desk/link.yaml").symlink_to("/etc/hostname")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    gr = GitRepository(repo)
    files, findings = gr.files_at(gr.resolve("HEAD"))
    assert [(f.path, f.rule) for f in findings] == [
        ("stacks/prod/service-desk/link.yaml", "layout")
    ]
    assert "stacks/prod/service-desk/link.yaml" not in [f.path for f in files]


def test_unknown_revision_and_missing_repository_are_usage_errors(
    repo: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="unknown revision 'nope'"):
        GitRepository(repo).resolve("nope")
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    with pytest.raises(UsageError, match="not inside a git repository"):
        GitRepository(lonely)


@pytest.mark.parametrize("prefix", ["", "infra/"])
def test_a_listing_moved_by_a_diff_equals_a_listing(tmp_path: Path, prefix: str) -> None:
    """`tree_after` (the base's listing and one diff-tree) gives what listing the
    head gives: for edits, additions, deletions, files that become symbolic links
    and back, executable bits, submodules, and files outside the landscape."""
    top = tmp_path / "repo"
    root = top / prefix
    shutil.copytree(DATA / "check" / "_base", root)
    (root / "stacks/prod/service-desk/was-a-link.yaml").symlink_to("tickets-api.yaml")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    git(top, "switch", "-q", "-c", "feature")
    (root / "stacks/prod/service-desk/tickets-api.yaml").write_text("edited: 1\n")
    (root / "stacks/prod/service-desk/tickets-db.yaml").unlink()
    (root / "stacks/prod/service-desk/new.yaml").write_text("new: 1\n")
    (root / "stacks/prod/service-desk/was-a-link.yaml").unlink()
    (root / "stacks/prod/service-desk/was-a-link.yaml").write_text("now: a file\n")
    (root / "landscape/teams/link.yaml").symlink_to("service-desk.yaml")
    (root / "landscape/teams/service-desk.yaml").chmod(0o755)
    (root / "stacks/prod/notes.txt").write_text("not a landscape file\n")
    (top / "outside.yaml").write_text("outside: 1\n")
    git(top, "add", "-A")
    module = git(top, "rev-parse", "HEAD")  # a submodule names a commit
    git(top, "update-index", "--add", "--cacheinfo", f"160000,{module},{prefix}stacks/prod/sub")
    git(top, "commit", "-q", "-m", "feature")
    gr = GitRepository(root)
    base, head = gr.resolve("main"), gr.resolve("feature")
    base_tree, base_findings = gr.tree_at(base)
    assert [f.path for f in base_findings] == ["stacks/prod/service-desk/was-a-link.yaml"]
    moved, moved_findings = gr.tree_after(base, base_tree, base_findings, head)
    listed, listed_findings = gr.tree_at(head)
    assert list(moved.blobs.items()) == list(listed.blobs.items())
    assert moved.key == listed.key
    assert sorted(moved_findings) == sorted(listed_findings)
    assert [f.path for f in listed_findings] == ["landscape/teams/link.yaml"]
    assert "stacks/prod/sub" not in listed.blobs and "stacks/prod/notes.txt" not in listed.blobs
