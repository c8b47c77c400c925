"""The hosts a change creates, moves or removes, with their exposure.

A reviewer must see where a service becomes reachable, and from where: the host and
path, and whether the internet (`public`) or only the company network reaches it.
`render/hosts.py` says what a service's host is; this compares the base's with the
head's for every service the change adds, changes or removes.
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.load.model import Landscape, Service
from platform_cli.plan.landscape_diff import Change
from platform_cli.render.hosts import Host, host_of


@dataclass(frozen=True)
class HostChange:
    """A service's host before and after (None: no ingress on that side)."""

    stack: str
    service: str
    team: str
    path: str  # the service's file at head (at base when removed)
    before: Host | None
    after: Host | None

    @property
    def action(self) -> str:
        if self.before is None:
            return "add"
        if self.after is None:
            return "remove"
        return "change"

    @property
    def new_public(self) -> bool:
        """A public host the base did not serve publicly."""
        after, before = self.after, self.before
        if after is None or not after.public:
            return False
        return before is None or not before.public or before.host != after.host

    @property
    def exposure_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.public != self.after.public
        )


def host_changes(old: Landscape, new: Landscape, changes: list[Change]) -> list[HostChange]:
    """Every service whose host, path or exposure differs between base and head."""
    found = []
    for change in changes:
        if change.kind != "Service" or not change.stack:
            continue
        before = _host(old, change.stack, change.old)
        after = _host(new, change.stack, change.new)
        if before == after:
            continue
        entity = change.entity
        found.append(
            HostChange(
                change.stack,
                change.name,
                str(entity.metadata.get("team", "")),
                entity.path,
                before,
                after,
            )
        )
    return sorted(found, key=lambda h: (h.stack, h.service))


def _host(landscape: Landscape, stack: str, entity: object) -> Host | None:
    definition = landscape.stacks.get(stack)
    if not isinstance(entity, Service) or definition is None:
        return None
    return host_of(entity, definition)
