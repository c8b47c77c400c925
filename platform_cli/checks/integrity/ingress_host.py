"""`ingress-host`: a host and path belong to exactly one resource, and a host to one
team, across the landscape; hosts lie under the domains their stack allows; the apex
of a domain and the hosts the architects reserve are refused.

Without this, one team could put its service on another team's host (a longer path
prefix on it takes that path's traffic, the single-sign-on login page, say), on the
company's apex domain, or on a copy of another service's host. Both resources of a
clash get a finding. Hosts are compared within a stack: a host lies under one stack's
domains only (the longest matching domain decides, `render/hosts.py`), so two stacks
cannot share one. Linear in the number of services.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service, Stack
from platform_cli.render.hosts import (
    Host,
    allowed_domains,
    apexes,
    host_of,
    ingress_class,
    owning_stack,
)

RULE = BuiltinRule(
    "ingress-host",
    Level.ERROR,
    RuleScope.STACK,
    "An ingress host is outside the stack's allowed domains, an apex, reserved by the "
    "architects, another team's, or a host and path another resource already serves.",
)


def _where(service: Service) -> tuple[str, ...]:
    return ("spec", "ingress", "host") if "host" in service.spec["ingress"] else ("spec", "ingress")


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    stacks = list(land.stacks.values())
    reserved = land.config.reserved_hosts if land.config is not None else {}
    domains = apexes(stacks)
    for name in sorted(land.resources):
        if loaded.focus is not None and name not in loaded.focus.stacks:
            continue
        stack = land.stacks.get(name)
        if stack is None:
            continue
        yield from _classes(stack)
        services = [
            (r, h)
            for r in land.resources[name].values()
            if isinstance(r, Service) and (h := host_of(r, stack)) is not None
        ]
        for service, host in services:
            yield from _placement(service, host, name, allowed_domains(stack), domains, stacks)
            yield from _reserved(service, host, reserved)
        yield from _clashes(services)


def _classes(stack: Stack) -> Iterator[Finding]:
    """Internal must be technically internal: another class, so another controller."""
    public = ingress_class(stack, public=True)
    if public == ingress_class(stack, public=False):
        keys: tuple[str, ...] = ("spec", "cluster")
        if "publicIngressClassName" in stack.spec["cluster"]:
            keys = ("spec", "cluster", "publicIngressClassName")
        yield at(
            stack,
            RULE,
            f"stack '{stack.name}' serves public and internal ingresses with one class "
            f"'{public}': an internal service would be reachable from the internet",
            "give publicIngressClassName the class of the internet-facing controller and "
            "ingressClassName the internal one",
            *keys,
        )


def _placement(
    service: Service,
    host: Host,
    stack: str,
    allowed: list[str],
    domains: set[str],
    stacks: list[Stack],
) -> Iterator[Finding]:
    if host.host in domains:
        yield at(
            service,
            RULE,
            f"host '{host.host}' is a domain of the landscape, not a host under it",
            f"use a host under it, such as '{service.name}.{host.host}'",
            *_where(service),
        )
        return
    owner = owning_stack(host.host, stacks)
    if owner is None or owner[1] not in allowed:
        hint = f"use a host under {' or '.join(allowed)}"
        if owner is not None and owner[0] != stack:
            hint = f"'{owner[1]}' is a domain of stack '{owner[0]}'; {hint}"
        yield at(
            service,
            RULE,
            f"host '{host.host}' is not under a domain stack '{stack}' allows",
            hint,
            *_where(service),
        )


def _reserved(service: Service, host: Host, reserved: Mapping[str, str]) -> Iterator[Finding]:
    if host.host not in reserved:
        return
    team = reserved[host.host]
    if team and team == service.team:
        return
    holder = f"for team '{team}'" if team else "for no team"
    yield at(
        service,
        RULE,
        f"host '{host.host}' is reserved by the architects {holder} (policies/config.yaml)",
        "choose another host; the architects assign reserved hosts",
        *_where(service),
    )


def _clashes(services: list[tuple[Service, Host]]) -> Iterator[Finding]:
    """Every resource of a host served by two teams, or of a host and path served twice,
    gets a finding that names the other."""
    by_host: dict[str, list[tuple[Service, Host]]] = {}
    for service, host in services:
        by_host.setdefault(host.host, []).append((service, host))
    for name in sorted(by_host):
        group = by_host[name]
        if len(group) < 2:
            continue
        teams = {s.team for s, _ in group}
        for service, host in group:
            others = [(s, h) for s, h in group if s is not service]
            foreign = [s for s, _ in others if s.team != service.team]
            same_path = [s for s, h in others if h.path == host.path]
            if len(teams) > 1 and foreign:
                line, _ = foreign[0].locate("metadata", "name")
                yield _finding(
                    service,
                    f"host '{name}' is also served by {foreign[0].ref} of team "
                    f"'{foreign[0].team}' ({foreign[0].path}:{line}); a host belongs to one team",
                )
            elif same_path:
                line, _ = same_path[0].locate("metadata", "name")
                yield _finding(
                    service,
                    f"host '{name}' and path '{host.path}' are also served by "
                    f"{same_path[0].ref} ({same_path[0].path}:{line})",
                )


def _finding(service: Service, message: str) -> Finding:
    return at(service, RULE, message, "choose another host or path", *_where(service))
