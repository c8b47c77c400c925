"""`namespace-clash`: a team's namespaces are its own in every stack.

A team's namespaces are its name in the stack's patterns (`Stack.namespaces`, the
renderer's own answer): `{stack}-{team}` for its services and databases and
`{stack}-{team}-vms` for its servers, by default. A team named `billing-vms` would then
be given `prod-billing-vms`, the namespace of billing's servers: its Role, quota and
network policy would be applied to billing's virtual machines, and its shard would take
over theirs. Rendering the whole stack finds the clash too, but only at plan or apply
time; this check names the teams at `platform check`. Every team of a clash is named,
at its file, since either may be the one to rename. Stacks on one cluster (one
`kubeContext`) share its namespaces: team `x-billing` of stack `dev` and team `billing`
of stack `dev-x` would both get `dev-x-billing` there.

Nor may a team namespace be one of the cluster's own: `default`, a `kube-` namespace
(Kubernetes'), or one the stack names for the ingress controller, the CloudNativePG
operator or the metrics collector (`render.context.cluster_namespaces`). The renderer's
network policies admit those into every team's pods, and a Role bound there would reach
the cluster's components: a team called `ingress` in a stack whose ingress controller
runs in `prod-ingress` would be let into every exposed service.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Team
from platform_cli.render.context import cluster_namespaces

RULE = BuiltinRule(
    "namespace-clash",
    Level.ERROR,
    RuleScope.GLOBAL,
    "Two teams would get the same namespace in a stack, or in two stacks on one cluster "
    "(for example a team named '<team>-vms' and the servers' namespace of <team>), or a "
    "team would get one of the cluster's own namespaces (default, kube-*, or the "
    "ingress, database operator or monitoring namespace the stack names).",
)
_WHAT = ("namespace", "VM namespace")


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    # Stacks that share a cluster (one kubeContext) share its namespaces
    clusters: dict[str, list[str]] = {}
    for name in sorted(land.stacks):
        context = str(land.stacks[name].spec["cluster"]["kubeContext"])
        clusters.setdefault(context, []).append(name)
    for context, stack_names in sorted(clusters.items()):
        claims: dict[str, list[_Claim]] = {}  # namespace -> who gets it
        own: dict[str, str] = {}  # the cluster's own namespaces -> whose
        for stack_name in stack_names:
            stack = land.stacks[stack_name]
            own.update(cluster_namespaces(stack))
            for team in sorted(land.teams):
                for which, namespace in enumerate(stack.namespaces(team)):
                    claims.setdefault(namespace, []).append(_Claim(stack_name, team, which))
        for namespace, claimed in claims.items():
            yield from _clashes(land.teams, context, namespace, claimed, own)


@dataclass(frozen=True)
class _Claim:
    stack: str
    team: str
    which: int  # 0: the team's namespace, 1: its VM namespace

    def said(self, other: _Claim | None = None) -> str:
        where = (
            "" if other is not None and other.stack == self.stack else f" in stack '{self.stack}'"
        )
        return f"the {_WHAT[self.which]} of team '{self.team}'{where}"


def _clashes(
    teams: Mapping[str, Team],
    context: str,
    namespace: str,
    claimed: list[_Claim],
    own: Mapping[str, str],
) -> Iterator[Finding]:
    whose = _cluster_owner(namespace, own)
    if whose:
        for claim in claimed:
            yield at(
                teams[claim.team],
                RULE,
                f"in stack '{claim.stack}' the {_WHAT[claim.which]} of team '{claim.team}' "
                f"would be '{namespace}', {whose}",
                "rename the team: the cluster's own namespaces admit their pods into every "
                "team's, and no team's Role may be bound there",
                "metadata",
                "name",
            )
    if len({(c.stack, c.team) for c in claimed}) < 2:
        return  # one team's two patterns alike: render-name-clash, at the stack
    for claim in claimed:
        others = [c for c in claimed if (c.stack, c.team) != (claim.stack, claim.team)]
        shared = "" if all(c.stack == claim.stack for c in others) else f" (cluster {context})"
        yield at(
            teams[claim.team],
            RULE,
            f"in stack '{claim.stack}' the {_WHAT[claim.which]} of team '{claim.team}' is "
            f"'{namespace}', which is also " + ", ".join(c.said(claim) for c in others) + shared,
            "rename the team so that its namespaces are its own: on a cluster that several "
            "stacks share, a team name must not spell another stack's namespace"
            if shared
            else "rename the team so that its namespaces are its own (a team name must not "
            "end like another team's namespace, such as '-vms')",
            "metadata",
            "name",
        )


def _cluster_owner(namespace: str, cluster: Mapping[str, str]) -> str:
    """Whose namespace this is, when it is one of the cluster's own; else ""."""
    if namespace == "default":
        return "Kubernetes' default namespace"
    if namespace.startswith("kube-"):
        return "a name with the prefix kube-, which Kubernetes keeps for its own namespaces"
    return f"{cluster[namespace]} namespace" if namespace in cluster else ""
