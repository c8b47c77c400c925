"""`limit-range`: every container and volume claim a resource makes fits the LimitRange
of its namespace.

The renderer gives each team namespace a LimitRange (`render/pods.py` `limit_range`): no
container may request less than the minimum, no container's limit may pass the team's
whole CPU or memory quota in the stack, and no claim its storage quota. The rendered
LimitRanges are each namespace's share (the VM namespace's is its servers' modelled peak,
the team namespace's the rest, `namespace_quotas`), but this check holds every resource
to the whole quota on purpose: a container over its namespace's share and under the
whole quota makes the team's peaks sum past its quota, which LND007 reports with the
whole picture; reporting it here too would blame a database for a machine's size. The API server
refuses such a pod or claim outright, whatever the quota's total; this check finds it
first, in the containers the resource model says the operators will create (the
CloudNativePG instance, KubeVirt's launcher with its overhead and sidecar, CDI's
importer and claims), at the field that sizes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database, Resource, Server, Service
from platform_cli.render.pods import Breach, LimitRange, breaches, column, demand, limit_range

RULE = BuiltinRule(
    "limit-range",
    Level.ERROR,
    RuleScope.ENTITY,
    "A container or volume claim that a resource makes is outside its namespace's "
    "LimitRange (the per-container minimum, or the team's quota as the maximum).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    ranges: dict[tuple[str, str], LimitRange] = {}
    for resource in loaded.resources():
        stack, team = land.stacks.get(resource.stack), land.teams.get(resource.team)
        if stack is None or team is None:
            continue  # reported by stack-file / ref-team
        limits = ranges.get((team.name, stack.name))
        if limits is None:
            limits = ranges[(team.name, stack.name)] = limit_range(team.quota(stack.name))
        found = demand(resource, stack)
        for breach in breaches(found, limits):
            yield at(
                resource,
                RULE,
                _message(breach, stack.name),
                _hint(breach),
                *_field(resource, breach),
            )


def _message(breach: Breach, stack: str) -> str:
    amount, bound = column(breach.key, [breach.amount, breach.bound], up=True)
    if breach.above:
        return (
            f"{breach.what} {'need' if breach.many else 'needs'} {breach.key} "
            f"{'up to ' if breach.many else ''}{amount}, over the largest its namespace in "
            f"stack '{stack}' admits ({bound}, the team's whole quota)"
        )
    return (
        f"{breach.what} {'request' if breach.many else 'requests'} {breach.key} "
        f"{'as little as ' if breach.many else ''}{amount}, under the smallest its namespace "
        f"admits ({bound})"
    )


def _hint(breach: Breach) -> str:
    if breach.above:
        return "shrink the resource, or raise the team's quota with the architects' approval"
    return "request at least the minimum (a typo such as '1m' for '1'?)"


def _field(resource: Resource, breach: Breach) -> tuple[str, ...]:
    key = breach.key
    if isinstance(resource, Service):
        side = "limits" if breach.above else "requests"
        return ("spec", "resources", side, key)
    if isinstance(resource, Database):
        if key == "storage":
            return ("spec", "storage", "size")
        return ("spec", "resources", key) if resource.spec.get("resources") else ("spec",)
    assert isinstance(resource, Server)
    return {"cpu": ("spec", "cpu"), "memory": ("spec", "memory")}.get(key, ("spec", "disk", "size"))
