"""The edge of `platform plan`: read both revisions from git (or the head from the
working tree) and build the plan of the change between them. Never checks out, and
never writes to the repository."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from pathlib import Path

from platform_cli.evaluate.store import StateStore
from platform_cli.findings import Finding
from platform_cli.load.cache import DocumentCache
from platform_cli.plan.build import Plan, Snapshot, build_plan
from platform_cli.plan.restores import end_of
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.git import GitRepository, Revision
from platform_cli.sources.tree import Tree, read_tree

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class PlanOptions:
    root: Path
    base: str
    head: str | None = None  # None: the working tree
    today: datetime.date | None = None
    cache: DocumentCache | None = None
    progress: Progress = SILENT


def run_plan(options: PlanOptions) -> Plan:
    """Read both revisions (from git objects, or the working tree for the head) and
    build the plan. Never checks out, and never writes to the repository."""
    repo = GitRepository(options.root)
    try:
        store = StateStore.of(options.cache)
        base_rev = repo.resolve(options.base)
        head_rev = repo.resolve(options.head) if options.head is not None else None
        base_tree, base_findings = _listed(repo, store, base_rev)
        base = Snapshot(options.base, base_tree, base_findings, base_rev.sha)
        if head_rev is None:
            head_files, head_findings = read_tree(options.root)
            head = Snapshot(WORKING_TREE, Tree.of_files(head_files), head_findings)
        else:
            head_tree, head_findings = repo.tree_after(base_rev, base_tree, base_findings, head_rev)
            head = Snapshot(str(options.head), head_tree, head_findings, head_rev.sha)
        changed = repo.changed_paths(base_rev, head_rev)
        today = options.today or datetime.date.today()
        # A new restore's point in time is judged against the clock, or against the
        # end of the day --today names
        now = end_of(options.today) if options.today else datetime.datetime.now(datetime.UTC)
        # Inside the try: the trees read files from the repository on demand
        return build_plan(base, head, changed, today, options.cache, options.progress, now)
    finally:
        repo.close()


def _listed(
    repo: GitRepository, store: StateStore | None, revision: Revision
) -> tuple[Tree, list[Finding]]:
    """A revision's files by blob id: listed by git, or kept from an earlier plan by
    the id of the revision's root tree (which names every file below it)."""
    if store is None:
        return repo.tree_at(revision)
    (tree_id,) = repo.tree_ids(revision)
    kept = store.listing(tree_id, repo.prefix)
    if kept is not None:
        blobs, findings, key = kept
        return replace(repo.tree_of(blobs), digest=key), findings
    tree, findings = repo.tree_at(revision)
    store.put_listing(tree_id, repo.prefix, tree, findings)
    return tree, findings
