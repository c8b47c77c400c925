"""Who must review a change: the owners of its paths, the teams whose namespaces it
opens, and the architects where the architecture, a quota, a team's access, a
system's classification or a host's exposure moves.

Two views of one answer. `Reviewer` is per GitHub handle, with the paths and reasons
that make it one (what the plan comment shows). `Approval` is per team: GitHub's
CODEOWNERS accepts any one listed owner of a file, so it cannot require the approval
of a team that owns none of the changed files, such as the team whose namespace a new
`dependsOn` opens. The approvals gate reads `Approval`s from `platform plan --format
json` (`requiredApprovals`) and fails until each has one approval from its owners.
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.checks import owners
from platform_cli.load.model import Landscape
from platform_cli.plan.landscape_diff import Change
from platform_cli.plan.objects import KubernetesStack
from platform_cli.plan.risks import ARCHITECTS, Risk, RiskCode, raised_quotas

# Changes under these paths need the architects, whatever CODEOWNERS says
ARCHITECT_PREFIXES = ("policies/", "schemas/", "landscape/systems/")


@dataclass(frozen=True)
class Reviewer:
    owner: str
    paths: tuple[str, ...]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Approval:
    """One approval the change needs: from any one of `owners` of `team` (or of the
    architects, whose `team` is `architects`), for `reasons`."""

    team: str
    owners: tuple[str, ...]
    reasons: tuple[str, ...]


def approvals(
    old: Landscape,
    new: Landscape,
    paths: tuple[str, ...],
    risks: list[Risk],
    kubernetes: tuple[KubernetesStack, ...],
) -> list[Approval]:
    """The teams beyond the changed files' owners that must approve: every team whose
    namespace the change opens (computed from the rendered NetworkPolicies, whoever
    the consumer is), and the architects for the risks that need them and for
    architecture files. A stack whose objects could not be compared while the head
    is sound needs the architects, since who it admits is then unknown.

    A team's owners are the base's: a change cannot name its own approvers."""
    reasons: dict[str, set[str]] = {}
    for stack in kubernetes:
        for opening in stack.openings:
            if opening.team:
                reasons.setdefault(opening.team, set()).add(
                    f"opens access into {opening.namespace}: {opening.describe()}"
                )
    for risk in risks:
        # An opened path is given as the opening itself, above
        if risk.approver and risk.code is not RiskCode.ACCESS_OPENED:
            reasons.setdefault(risk.approver, set()).add(
                f"[{risk.code}] {risk.subject}: {risk.message}"
            )
    for path in paths:
        if path.startswith(ARCHITECT_PREFIXES):
            reasons.setdefault(ARCHITECTS, set()).add(f"changes {path}")
    for stack in kubernetes:
        if stack.unavailable and not stack.unavailable.startswith("the head"):
            reasons.setdefault(ARCHITECTS, set()).add(
                f"the network paths of stack {stack.stack} could not be compared "
                f"({stack.unavailable})"
            )
    config = old.config or new.config
    found = []
    for team in sorted(reasons):
        if team == ARCHITECTS:
            who: tuple[str, ...] = (config.architects,) if config is not None else ()
        else:
            definition = old.teams.get(team) or new.teams.get(team)
            who = tuple(definition.owners) if definition is not None else ()
        found.append(Approval(team, who, tuple(sorted(reasons[team]))))
    return found


def reviewers(
    old: Landscape,
    new: Landscape,
    paths: tuple[str, ...],
    changes: list[Change],
    required: list[Approval] | None = None,
) -> list[Reviewer]:
    """The owners of the changed paths by the base's CODEOWNERS rules (GitHub applies
    the base branch's file to a pull request), plus the architects for architecture
    files and for raised quotas, plus every owner of a required approval with its
    reasons. The head's rules stand in when the base has no policy configuration.

    A team file lists the team and the architects, and GitHub accepts any one listed
    owner, so a team could approve its own quota; naming the architects here, with
    the `quota-raised` risk, is what tells the reviewer that they must approve."""
    table = owners.rules(old) or owners.rules(new)
    config = old.config or new.config
    by_owner: dict[str, set[str]] = {}
    why: dict[str, set[str]] = {}
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
    for approval in required or []:
        for owner in approval.owners:
            by_owner.setdefault(owner, set())
            why.setdefault(owner, set()).update(approval.reasons)
    return [
        Reviewer(owner, tuple(sorted(by_owner[owner])), tuple(sorted(why.get(owner, ()))))
        for owner in sorted(by_owner)
    ]
