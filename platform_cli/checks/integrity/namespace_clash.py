"""`namespace-clash`: a team's namespaces are its own in every stack.

A team's namespaces are its name in the stack's patterns (`Stack.namespaces`, the
renderer's own answer): `{stack}-{team}` for its services and databases and
`{stack}-{team}-vms` for its servers, by default. A team named `billing-vms` would then
be given `prod-billing-vms`, the namespace of billing's servers: its Role, quota and
network policy would be applied to billing's virtual machines, and its shard would take
over theirs. Rendering the whole stack finds the clash too, but only at plan or apply
time; this check names the teams at `platform check`. Every team of a clash is named,
at its file, since either may be the one to rename.

Nor may a team namespace be one of the cluster's own: `default`, a `kube-` namespace
(Kubernetes'), or one the stack names for the ingress controller, the CloudNativePG
operator or the metrics collector (`render.context.cluster_namespaces`). The renderer's
network policies admit those into every team's pods, and a Role bound there would reach
the cluster's components: a team called `ingress` in a stack whose ingress controller
runs in `prod-ingress` would be let into every exposed service.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.render.context import cluster_namespaces

RULE = BuiltinRule(
    "namespace-clash",
    Level.ERROR,
    RuleScope.GLOBAL,
    "Two teams would get the same namespace in a stack (for example a team named "
    "'<team>-vms' and the servers' namespace of <team>), or a team would get one of the "
    "cluster's own namespaces (default, kube-*, or the ingress, database operator or "
    "monitoring namespace the stack names).",
)
_WHAT = ("namespace", "VM namespace")


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack_name in sorted(land.stacks):
        stack = land.stacks[stack_name]
        owners: dict[str, list[tuple[str, int]]] = {}  # namespace -> (team, which)
        for team in sorted(land.teams):
            for which, namespace in enumerate(stack.namespaces(team)):
                owners.setdefault(namespace, []).append((team, which))
        cluster = cluster_namespaces(stack)
        for namespace, claims in owners.items():
            whose = _cluster_owner(namespace, cluster)
            if whose:
                for team, which in claims:
                    yield at(
                        land.teams[team],
                        RULE,
                        f"in stack '{stack_name}' the {_WHAT[which]} of team '{team}' would "
                        f"be '{namespace}', {whose}",
                        "rename the team: the cluster's own namespaces admit their pods "
                        "into every team's, and no team's Role may be bound there",
                        "metadata",
                        "name",
                    )
            if len({team for team, _ in claims}) < 2:
                continue  # one team's two patterns alike: render-name-clash, at the stack
            for team, which in claims:
                others = ", ".join(f"the {_WHAT[w]} of team '{t}'" for t, w in claims if t != team)
                yield at(
                    land.teams[team],
                    RULE,
                    f"in stack '{stack_name}' the {_WHAT[which]} of team '{team}' is "
                    f"'{namespace}', which is also {others}",
                    "rename the team so that its namespaces are its own (a team name "
                    "must not end like another team's namespace, such as '-vms')",
                    "metadata",
                    "name",
                )


def _cluster_owner(namespace: str, cluster: dict[str, str]) -> str:
    """Whose namespace this is, when it is one of the cluster's own; else ""."""
    if namespace == "default":
        return "Kubernetes' default namespace"
    if namespace.startswith("kube-"):
        return "a name with the prefix kube-, which Kubernetes keeps for its own namespaces"
    return f"{cluster[namespace]} namespace" if namespace in cluster else ""
