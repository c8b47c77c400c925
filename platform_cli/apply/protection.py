"""Lifting deletion protection for exactly what a retirement lets go.

The Pulumi program protects every object rendered from a resource with
`deletionProtection` (apply/program.py), so the engine refuses to delete them. A
retirement is the one way they may go, and `release` decides, before a shard's update,
which protected objects of its state are about to be deleted (they are in the state
but not in the render of HEAD) and whether each may be:

- its file is still at HEAD and its resource is retired (phase 1): the objects the
  retirement stops rendering may go (a database's ScheduledBackup, a halted server's
  Service and LoadBalancer), never a Cluster or a VirtualMachine;
- its file is gone at HEAD (phase 2): the resource as the shard's last applied commit
  declared it (the `platform:commit` tag, read through git) must be retired there with
  its `keepDataUntil` on or before today, so phase 1, its final backup included, was
  applied; or its stack is a development stack, which may skip phase 1
  (`checks.retirement.deletable`).

Anything else is refused before the update runs, naming the objects and the reason.
What may go is unprotected in the state (`automation.unprotect`, the only door) and
the update then deletes it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.apply import automation
from platform_cli.apply.program import DATA_KINDS, logical_name
from platform_cli.checks.retirement import deletable
from platform_cli.errors import PlatformError
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape, Resource
from platform_cli.render import Manifest
from platform_cli.sources.git import GitRepository
from platform_cli.words import plural


class ProtectionRefused(PlatformError):
    """A protected object would be deleted without a retirement that allows it."""


@dataclass
class Released:
    """The protected objects an update may delete, by the file they came from."""

    by_source: dict[str, list[str]] = field(default_factory=dict)

    @property
    def urns(self) -> frozenset[str]:
        return frozenset(u for urns in self.by_source.values() for u in urns)

    def describe(self) -> list[str]:
        return [
            f"lifted deletionProtection for {plural(len(urns), 'object')} of {source} "
            "(retired): the update deletes them"
            for source, urns in sorted(self.by_source.items())
        ]


def _kind(name: str) -> str:
    return name.split("/", 1)[0]


def _by_path(landscape: Landscape) -> dict[str, Resource]:
    return {r.path: r for r in landscape.all_resources()}


def judge_release(
    state: list[automation.StateObject],
    objects: list[Manifest],
    head: Landscape,
    last_applied: Landscape | None,
    today: datetime.date,
) -> Released:
    """Which protected objects of `state` the update of `objects` may delete; raises
    `ProtectionRefused` naming every other one. Pure."""
    rendered = {logical_name(o) for o in objects}
    going = [s for s in state if s.protected and s.name not in rendered]
    released = Released()
    if not going:
        return released
    at_head = _by_path(head)
    before = _by_path(last_applied) if last_applied is not None else {}
    refused: list[str] = []
    for obj in going:
        resource = at_head.get(obj.source)
        if resource is not None:
            if resource.retirement is not None and _kind(obj.name) not in DATA_KINDS:
                released.by_source.setdefault(obj.source, []).append(obj.urn)
            else:
                refused.append(f"{obj.name} ({obj.source} is at HEAD and not retired)")
            continue
        was = before.get(obj.source)
        if was is None:
            refused.append(
                f"{obj.name} ({obj.source or 'no source file'} is not in the last applied "
                "commit either)"
            )
        elif deletable(last_applied or head, was, today):
            released.by_source.setdefault(obj.source, []).append(obj.urn)
        else:
            retirement = was.retirement
            why = (
                "was not retired when last applied"
                if retirement is None
                else f"keeps its data until {retirement.keep_data_until}"
            )
            refused.append(f"{obj.name} ({obj.source} {why}; today is {today})")
    if refused:
        raise ProtectionRefused(
            f"{plural(len(refused), 'protected object')} would be deleted: "
            + "; ".join(sorted(refused)),
            hint="a protected resource is deleted in two steps: `platform retire` it and "
            "apply that, then delete its file from its keepDataUntil on",
        )
    return released


def release(
    workspace: automation.Workspace,
    stack: str,
    state: automation.StackState | None,
    objects: list[Manifest],
    head: Landscape,
    root: Path,
    today: datetime.date,
) -> Released:
    """Judge `state` (the stack's, exported once before the update), then unprotect in
    the state what may go (nothing is changed when something is refused). The stack's
    tags and the last applied commit are read only when a protected object is about
    to go."""
    if state is None or not state.objects:
        return Released()
    rendered = {logical_name(o) for o in objects}
    going = [s for s in state.objects if s.protected and s.name not in rendered]
    if not going:
        return Released()
    # The last applied commit matters only for files gone at HEAD (phase 2)
    at_head = {r.path for r in head.all_resources()}
    commit = None
    if any(s.source not in at_head for s in going):
        tags = automation.stack_tags(workspace, [stack]).get(stack)
        commit = None if tags is None else tags.get(automation.COMMIT_TAG)
    last_applied = None
    if commit:
        repo = GitRepository(root)
        try:
            files, _ = repo.files_at(repo.resolve(commit))
        finally:
            repo.close()
        last_applied = load(files).landscape
    released = judge_release(list(state.objects), objects, head, last_applied, today)
    if released.urns:
        automation.unprotect(workspace, stack, released.urns)
    return released
