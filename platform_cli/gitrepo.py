"""Git, through GitPython: the only module that imports it.

Revisions are read straight from git objects, never by checking out, so a plan of
two revisions leaves the working tree, the index and HEAD exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git
from git.objects import Blob, Tree

from platform_cli import sources
from platform_cli.errors import UsageError
from platform_cli.findings import Finding, error
from platform_cli.sources import SourceFile

_SYMLINK_MODE = 0o120000


@dataclass(frozen=True)
class Revision:
    """A resolved revision: what the user typed and the commit it names."""

    ref: str
    sha: str


class GitRepository:
    """A landscape repository on disk."""

    def __init__(self, root: Path) -> None:
        try:
            self._repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise UsageError(
                f"{root} is not inside a git repository",
                hint="run `git init`, or pass the repository with --root",
            ) from None
        work_tree = self._repo.working_tree_dir
        if work_tree is None:
            raise UsageError(f"{root} is a bare repository; a work tree is needed")
        self.root = Path(work_tree)
        self.prefix = self._prefix(root)

    def _prefix(self, root: Path) -> str:
        """The landscape's folder inside the repository ('' when it is the top)."""
        rel = root.resolve().relative_to(self.root.resolve()).as_posix()
        return "" if rel == "." else rel + "/"

    def resolve(self, ref: str) -> Revision:
        try:
            commit = self._repo.commit(ref)
        except (git.BadName, ValueError, git.GitCommandError):
            raise UsageError(
                f"unknown revision {ref!r}",
                hint="name a branch, tag or commit, e.g. origin/main or HEAD~1",
            ) from None
        return Revision(ref, commit.hexsha)

    def files_at(self, revision: Revision) -> tuple[list[SourceFile], list[Finding]]:
        """The landscape's files as committed in `revision`, in a stable order."""
        tree = self._repo.commit(revision.sha).tree
        files: list[SourceFile] = []
        findings: list[Finding] = []
        for top in sources.LANDSCAPE_DIRS:
            subtree = _subtree(tree, self.prefix + top)
            if subtree is None:
                continue
            for blob in _blobs(subtree):
                rel = str(blob.path)[len(self.prefix) :]
                if not sources.is_landscape_file(rel):
                    continue
                if blob.mode == _SYMLINK_MODE:
                    findings.append(
                        error(
                            rel,
                            0,
                            0,
                            "layout",
                            "symbolic links are not followed",
                            "commit the file itself instead of a link to it",
                        )
                    )
                    continue
                files.append(SourceFile(rel, blob.data_stream.read()))
        for rel in (*sources.OPTIONAL_FILES, *sources.OPTIONAL_TEXT_FILES):
            item = _item(tree, self.prefix + rel)
            if isinstance(item, Blob) and item.mode != _SYMLINK_MODE:
                files.append(SourceFile(rel, item.data_stream.read()))
        files.sort(key=lambda f: f.path)
        return files, findings

    def changed_paths(self, base: Revision, head: Revision | None) -> list[str]:
        """Paths (relative to the landscape root) that differ between `base` and `head`;
        with no head, between `base` and the working tree, untracked files included."""
        base_commit = self._repo.commit(base.sha)
        if head is None:
            diffs = base_commit.diff(None)
            paths = {d.a_path for d in diffs} | {d.b_path for d in diffs}
            paths |= set(self._repo.untracked_files)
        else:
            diffs = base_commit.diff(self._repo.commit(head.sha))
            paths = {d.a_path for d in diffs} | {d.b_path for d in diffs}
        return sorted(p[len(self.prefix) :] for p in paths if p and p.startswith(self.prefix))

    def head(self) -> Revision:
        return self.resolve("HEAD")

    def is_dirty(self) -> bool:
        return self._repo.is_dirty(untracked_files=True)

    def close(self) -> None:
        self._repo.close()


def _subtree(tree: Tree, path: str) -> Tree | None:
    item = _item(tree, path)
    return item if isinstance(item, Tree) else None


def _item(tree: Tree, path: str) -> Tree | Blob | None:
    try:
        item = tree / path
    except KeyError:
        return None
    return item if isinstance(item, Tree | Blob) else None


def _blobs(tree: Tree) -> Iterator[Blob]:
    for item in tree.traverse():
        if isinstance(item, Blob):
            yield item
