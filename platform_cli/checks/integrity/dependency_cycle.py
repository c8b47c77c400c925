"""`dependency-cycle`: the dependencies of a stack's services form a hierarchy.

Each cycle is reported once, with its path, at the first service of the cycle in name
order; a resource that depends on itself is reported at that entry. The search is
linear in the number of dependency edges.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded

RULE = BuiltinRule(
    "dependency-cycle",
    Level.ERROR,
    RuleScope.STACK,
    "Services depend on each other in a cycle (or a resource on itself).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack in sorted(land.resources):
        if loaded.focus is not None and stack not in loaded.focus.stacks:
            continue
        resources = land.resources[stack]
        for resource in resources.values():
            for index, dependency in enumerate(resource.depends_on):
                if dependency == (resource.kind, resource.name):
                    yield at(
                        resource,
                        RULE,
                        f"{resource.ref} depends on itself",
                        "remove the entry",
                        "spec",
                        "dependsOn",
                        index,
                        resource.kind.lower(),
                    )
        services = {n: r for (k, n), r in resources.items() if k == "Service"}
        graph = {
            name: [
                d
                for (kind, d) in svc.depends_on
                if kind == "Service" and d in services and d != name
            ]
            for name, svc in services.items()
        }
        for cycle in _cycles(graph):
            first = services[cycle[0]]
            index = [d for (_, d) in first.depends_on].index(cycle[1])
            path = " -> ".join([*cycle, cycle[0]])
            yield at(
                first,
                RULE,
                f"dependency cycle in stack '{stack}': {path}",
                "services must form a hierarchy; break the cycle at one edge",
                "spec",
                "dependsOn",
                index,
                "service",
            )


def _cycles(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """One cycle per strongly connected component with more than one node (iterative
    Tarjan, so deep dependency chains cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph[node]
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    yield _cycle_path(graph, set(component))


def _cycle_path(graph: dict[str, list[str]], component: set[str]) -> list[str]:
    """A concrete cycle through the smallest name of a strongly connected component."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in graph[node]:
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return list(reversed(path))
                if nxt in component and nxt not in parents and nxt != start:
                    parents[nxt] = node
                    following.append(nxt)
        frontier = following
    return sorted(component)  # unreachable for a real component
