"""Who must review a change: the owners of its paths, and the architects where the
architecture or a quota moves."""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.checks import owners
from platform_cli.load.model import Landscape
from platform_cli.plan.landscape_diff import Change
from platform_cli.plan.risks import raised_quotas

# Changes under these paths need the architects, whatever CODEOWNERS says
ARCHITECT_PREFIXES = ("policies/", "schemas/", "landscape/systems/")


@dataclass(frozen=True)
class Reviewer:
    owner: str
    paths: tuple[str, ...]


def reviewers(
    old: Landscape, new: Landscape, paths: tuple[str, ...], changes: list[Change]
) -> list[Reviewer]:
    """The owners of the changed paths by the base's CODEOWNERS rules (GitHub applies
    the base branch's file to a pull request), plus the architects for architecture
    files and for raised quotas. The head's rules stand in when the base has no policy
    configuration.

    A team file lists the team and the architects, and GitHub accepts any one listed
    owner, so a team could approve its own quota; naming the architects here, with
    the `quota-raised` risk, is what tells the reviewer that they must approve."""
    table = owners.rules(old) or owners.rules(new)
    config = old.config or new.config
    by_owner: dict[str, set[str]] = {}
    for path, who in owners.owners_for(table, paths):
        for owner in who:
            by_owner.setdefault(owner, set()).add(path)
    if config is not None:
        for path in paths:
            if path.startswith(ARCHITECT_PREFIXES):
                by_owner.setdefault(config.architects, set()).add(path)
        for change in changes:
            if raised_quotas(change):
                by_owner.setdefault(config.architects, set()).add(change.entity.path)
    return [Reviewer(owner, tuple(sorted(by_owner[owner]))) for owner in sorted(by_owner)]
