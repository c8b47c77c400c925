"""Landscape integrity: references between documents and facts no single schema sees.

Each check is a function of the loaded landscape that yields findings at the field
that holds the bad reference. All of them are linear in the number of documents
(dictionary look-ups; the cycle search visits each dependency edge once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from platform_cli.findings import Finding, error, warning
from platform_cli.load.landscape import POLICY_FILES, Loaded
from platform_cli.load.model import Database, Entity, Resource, Server, Service
from platform_cli.load.quantities import parse_bytes, parse_cpu
from platform_cli.words import did_you_mean


def _at(
    entity: Entity, rule: str, message: str, hint: str, *keys: str | int, at_key: bool = False
) -> Finding:
    line, column = entity.locate(*keys, at_key=at_key)
    return error(entity.path, line, column, rule, message, hint)


def _suggest(name: str, known: Iterable[str], what: str) -> str:
    known = sorted(known)
    suggestion = did_you_mean(name, known)
    if suggestion:
        return suggestion
    return (
        f"declare the {what} first"
        if not known
        else f"known: {', '.join(known[:8])}" + (", ..." if len(known) > 8 else "")
    )


def _unknown(loaded: Loaded, kind: str, name: str, stack: str = "") -> bool:
    """True when nothing of that kind and name was declared at all; a reference to a
    declared but invalid document is not reported again."""
    return (stack, kind, name) not in loaded.declared


def duplicate_names(loaded: Loaded) -> Iterator[Finding]:
    """Names are unique per kind (and per stack for resources), ignoring letter case."""
    seen: dict[tuple[str, str, str], Entity] = {}
    for entity in loaded.entities:
        scope = entity.stack if isinstance(entity, Resource) else ""
        key = (scope, entity.kind, entity.name.casefold())
        first = seen.setdefault(key, entity)
        if first is entity or not loaded.in_focus(entity.path):
            continue
        line, _ = first.locate("metadata", "name")
        where = f" in stack '{scope}'" if scope else ""
        yield _at(
            entity,
            "duplicate-name",
            f"{entity.kind} '{entity.name}'{where} is already declared in {first.path}:{line}",
            "names must be unique; rename one of them",
            "metadata",
            "name",
        )


def stacks(loaded: Loaded) -> Iterator[Finding]:
    """Every stack folder has exactly one stack file, named like its folder."""
    for name, paths in sorted(loaded.stack_files.items()):
        if not paths:
            yield error(
                f"stacks/{name}",
                0,
                0,
                "stack-file",
                f"stack folder '{name}' has no stack.yaml",
                "add stacks/<stack>/stack.yaml with kind: Stack",
            )
        for extra in paths[1:]:
            yield error(
                extra,
                0,
                0,
                "stack-file",
                f"stack folder '{name}' has more than one stack file ({paths[0]})",
                "keep only stack.yaml",
            )
    for folder, stack in loaded.landscape.stacks.items():
        if stack.name != folder:
            yield _at(
                stack,
                "layout",
                f"the stack in folder '{folder}' is named '{stack.name}'",
                f"set metadata.name: {folder}",
                "metadata",
                "name",
            )
        classes = stack.storage_classes
        if stack.default_storage_class not in classes:
            yield _at(
                stack,
                "ref-storage-class",
                f"default storage class '{stack.default_storage_class}' is not declared",
                _suggest(stack.default_storage_class, classes, "storage class"),
                "spec",
                "defaultStorageClass",
            )


def teams_and_systems(loaded: Loaded) -> Iterator[Finding]:
    """Systems have an existing owner team; integrations name existing systems;
    team quotas name existing stacks."""
    land = loaded.landscape
    for system in land.systems.values():
        if system.owner not in land.teams and _unknown(loaded, "Team", system.owner):
            yield _at(
                system,
                "ref-team",
                f"owner team '{system.owner}' is not declared",
                _suggest(system.owner, land.teams, "team"),
                "spec",
                "owner",
            )
        for index, other in enumerate(system.integrates_with):
            if other == system.name:
                yield _at(
                    system,
                    "ref-system",
                    "a system cannot integrate with itself",
                    "remove it from integratesWith",
                    "spec",
                    "integratesWith",
                    index,
                )
            elif other not in land.systems and _unknown(loaded, "System", other):
                yield _at(
                    system,
                    "ref-system",
                    f"integration with undeclared system '{other}'",
                    _suggest(other, land.systems, "system"),
                    "spec",
                    "integratesWith",
                    index,
                )
    for team in land.teams.values():
        for stack in team.spec["quotas"]:
            if stack not in land.stacks and stack not in loaded.stack_files:
                yield _at(
                    team,
                    "ref-stack",
                    f"quota for undeclared stack '{stack}'",
                    _suggest(stack, land.stacks, "stack"),
                    "spec",
                    "quotas",
                    stack,
                    at_key=True,
                )


def ownership(loaded: Loaded) -> Iterator[Finding]:
    """A resource names its folder's team, an existing team, and a system that team owns."""
    land = loaded.landscape
    for resource in loaded.resources():
        folder_team = resource.path.split("/")[2]
        if resource.team != folder_team:
            yield _at(
                resource,
                "layout",
                f"metadata.team is '{resource.team}' but the file is in the folder of "
                f"team '{folder_team}'",
                f"move the file to stacks/{resource.stack}/{resource.team}/ or set "
                f"team: {folder_team}",
                "metadata",
                "team",
            )
        if resource.team not in land.teams and _unknown(loaded, "Team", resource.team):
            yield _at(
                resource,
                "ref-team",
                f"team '{resource.team}' is not declared",
                _suggest(resource.team, land.teams, "team"),
                "metadata",
                "team",
            )
        system = land.systems.get(resource.system)
        if system is None and _unknown(loaded, "System", resource.system):
            yield _at(
                resource,
                "ref-system",
                f"system '{resource.system}' is not declared",
                _suggest(resource.system, land.systems, "system"),
                "metadata",
                "system",
            )
        elif system is not None and system.owner != resource.team:
            yield _at(
                resource,
                "ref-system-owner",
                f"system '{system.name}' is owned by team '{system.owner}', not '{resource.team}'",
                "a team declares resources only for the systems it owns",
                "metadata",
                "system",
            )


def stack_references(loaded: Loaded) -> Iterator[Finding]:
    """Dependencies and storage classes resolve inside the resource's own stack."""
    land = loaded.landscape
    for resource in loaded.resources():
        stack = land.stacks.get(resource.stack)
        for index, (kind, name) in enumerate(resource.depends_on):
            key = kind.lower()
            if (kind, name) == (resource.kind, resource.name):
                yield _at(
                    resource,
                    "dependency-cycle",
                    f"{resource.ref} depends on itself",
                    "remove the entry",
                    "spec",
                    "dependsOn",
                    index,
                    key,
                )
            elif _unknown(loaded, kind, name, resource.stack):
                known = [
                    n
                    for (k, n) in land.in_stack(resource.stack)
                    if k == kind and n != resource.name
                ]
                yield _at(
                    resource,
                    "ref-depends-on",
                    f"{kind.lower()} '{name}' is not declared in stack '{resource.stack}'",
                    _suggest(name, known, kind.lower()),
                    "spec",
                    "dependsOn",
                    index,
                    key,
                )
        config = land.config
        if isinstance(resource, Server) and config is not None:
            image = str(resource.spec["image"])
            if image not in config.vm_images:
                yield _at(
                    resource,
                    "ref-vm-image",
                    f"image '{image}' is not in the VM image catalog",
                    _suggest(image, config.vm_images, "image"),
                    "spec",
                    "image",
                )
        if stack is None:
            continue
        for keys in _storage_fields(resource):
            storage = resource.spec[keys[1]]
            cls = storage.get("class")
            if cls is not None and cls not in stack.storage_classes:
                yield _at(
                    resource,
                    "ref-storage-class",
                    f"storage class '{cls}' is not declared in stack '{stack.name}'",
                    _suggest(cls, stack.storage_classes, "storage class"),
                    *keys,
                    "class",
                )


def _storage_fields(resource: Resource) -> list[tuple[str, str]]:
    if isinstance(resource, Database):
        return [("spec", "storage")]
    if isinstance(resource, Server):
        return [("spec", "disk")]
    return []


def service_fields(loaded: Loaded) -> Iterator[Finding]:
    """Facts inside one service that its schema cannot express: named ports exist,
    requests do not exceed limits, autoscaling bounds are ordered, no variable is both
    plain and secret."""
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        spec = resource.spec
        ports = resource.port_names
        for section in ("health", "ingress"):
            port = spec.get(section, {}).get("port")
            if port is not None and port not in ports:
                yield _at(
                    resource,
                    "ref-port",
                    f"{section}.port '{port}' is not a declared port",
                    f"declared ports: {', '.join(ports)}",
                    "spec",
                    section,
                    "port",
                )
        requests, limits = spec["resources"]["requests"], spec["resources"]["limits"]
        for field, parse in (("cpu", parse_cpu), ("memory", parse_bytes)):
            if parse(requests[field]) > parse(limits[field]):
                yield _at(
                    resource,
                    "resources-range",
                    f"requests.{field} {requests[field]} is more than limits.{field} "
                    f"{limits[field]}",
                    "a request can be at most its limit",
                    "spec",
                    "resources",
                    "requests",
                    field,
                )
        scaling = spec.get("autoscaling")
        if scaling and scaling["minReplicas"] > scaling["maxReplicas"]:
            yield _at(
                resource,
                "autoscaling-range",
                f"minReplicas {scaling['minReplicas']} is more than maxReplicas "
                f"{scaling['maxReplicas']}",
                "swap or correct the bounds",
                "spec",
                "autoscaling",
                "minReplicas",
            )
        for name in sorted(set(spec.get("env", {})) & set(spec.get("secretEnv", {}))):
            yield _at(
                resource,
                "duplicate-env",
                f"variable '{name}' is set both in env and in secretEnv",
                "keep it in one place; secrets belong in secretEnv",
                "spec",
                "secretEnv",
                name,
                at_key=True,
            )


def backup_store(loaded: Loaded) -> Iterator[Finding]:
    """A database with backups lives in a stack that says where backups go."""
    land = loaded.landscape
    for resource in loaded.resources():
        if not isinstance(resource, Database) or "backup" not in resource.spec:
            continue
        stack = land.stacks.get(resource.stack)
        if stack is not None and "backupStore" not in stack.spec.get("databases", {}):
            yield _at(
                resource,
                "backup-store",
                f"the database declares backups, but stack '{stack.name}' has no "
                "backup object store",
                f"set spec.databases.backupStore in {stack.path}",
                "spec",
                "backup",
            )


def name_clash(loaded: Loaded) -> Iterator[Finding]:
    """A Service and a Server with ports of one team in one stack would both render a
    Kubernetes Service of the same name in the team's namespace."""
    land = loaded.landscape
    for stack in sorted(land.resources):
        bucket = land.resources[stack]
        for (kind, name), server in bucket.items():
            if kind != "Server" or not loaded.in_focus(server.path):
                continue
            if "ports" not in server.spec:
                continue
            service = bucket.get(("Service", name))
            if service is not None and service.team == server.team:
                line, _ = service.locate("metadata", "name")
                yield _at(
                    server,
                    "name-clash",
                    f"server '{name}' and the service declared in {service.path}:{line} "
                    "would both render the Kubernetes Service "
                    f"'{name}' in the team's namespace",
                    "give one of them another name",
                    "metadata",
                    "name",
                )


def prices(loaded: Loaded) -> Iterator[Finding]:
    """Every storage class of every stack has a price, so every resource can be priced."""
    land = loaded.landscape
    sheet = land.prices
    if sheet is None:
        return
    for folder in sorted(land.stacks):
        stack = land.stacks[folder]
        for cls in stack.storage_classes:
            if sheet.storage(cls) is None:
                yield _at(
                    stack,
                    "ref-price",
                    f"storage class '{cls}' has no price in {sheet.path}",
                    f"add storage.{cls} to {sheet.path}",
                    "spec",
                    "storageClasses",
                    cls,
                    at_key=True,
                )


def stack_limits(loaded: Loaded) -> Iterator[Finding]:
    """No single resource exceeds the hard limits its stack declares in `spec.limits`."""
    land = loaded.landscape
    for resource in loaded.resources():
        stack = land.stacks.get(resource.stack)
        if stack is None or not stack.spec.get("limits"):
            continue
        limits = stack.spec["limits"]
        for keys, value, limit_key, parse in _limited(resource):
            limit = limits.get(limit_key)
            if limit is not None and parse(value) > parse(limit):
                yield _at(
                    resource,
                    "stack-limit",
                    f"{'.'.join(str(k) for k in keys[1:])} {value} is over the limit of "
                    f"stack '{stack.name}' ({limit_key}: {limit})",
                    f"stay within {limit}, or change the stack's limits with the platform team",
                    *keys,
                )


def _as_int(value: object) -> int:
    return int(str(value))


def _as_bytes(value: object) -> int:
    return parse_bytes(str(value))


def _limited(
    resource: Resource,
) -> Iterator[tuple[tuple[str, ...], object, str, Callable[[object], int]]]:
    """(field path, value, the stack limit that bounds it, how to compare) per field."""
    spec = resource.spec
    as_int, as_bytes = _as_int, _as_bytes
    if isinstance(resource, Service):
        if "replicas" in spec:
            yield ("spec", "replicas"), spec["replicas"], "maxReplicas", as_int
        if "autoscaling" in spec:
            yield (
                ("spec", "autoscaling", "maxReplicas"),
                spec["autoscaling"]["maxReplicas"],
                "maxReplicas",
                as_int,
            )
    elif isinstance(resource, Database):
        yield ("spec", "storage", "size"), spec["storage"]["size"], "maxDatabaseStorage", as_bytes
    elif isinstance(resource, Server):
        yield ("spec", "cpu"), spec["cpu"], "maxServerCpu", as_int
        yield ("spec", "memory"), spec["memory"], "maxServerMemory", as_bytes


def dependency_cycles(loaded: Loaded) -> Iterator[Finding]:
    """No cycles among services' dependencies; each cycle is reported once, with its path."""
    land = loaded.landscape
    for stack in sorted(land.resources):
        if loaded.focus is not None and stack not in loaded.focus.stacks:
            continue
        services = {n: r for (k, n), r in land.resources[stack].items() if k == "Service"}
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
            yield _at(
                first,
                "dependency-cycle",
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


def file_names(loaded: Loaded) -> Iterator[Finding]:
    """A file is named after what it declares, so people and tools find it by name."""
    for entity in loaded.entities:
        if not loaded.in_focus(entity.path):
            continue
        stem = entity.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if entity.kind == "Stack" or entity.kind in POLICY_FILES.values():
            continue  # fixed file names: stack.yaml and the files in policies/
        expected = entity.name
        if stem != expected:
            line, column = entity.locate("metadata", "name")
            yield warning(
                entity.path,
                line,
                column,
                "file-name",
                f"the file of {entity.ref} is named '{stem}'",
                f"rename the file to {expected}.yaml",
            )


# What each check's findings depend on, so that an incremental evaluation
# (incremental.py) knows which of them a change of some resource files can move:
# - ENTITY: findings on a file depend on that file, the global definitions (teams,
#   systems, stacks, policy files) and the resources it names or shares a name with;
#   with a focus they are reported only for the files in focus;
# - GLOBAL: they read no resource at all, so a change of resources never moves them;
# - STACK: they depend on one stack's whole dependency graph, and a focus names the
#   stacks to search again.
ENTITY, GLOBAL, STACK = "entity", "global", "stack"

Rule = Callable[[Loaded], Iterable[Finding]]
RULES: tuple[tuple[Rule, str], ...] = (
    (duplicate_names, ENTITY),
    (stacks, GLOBAL),
    (teams_and_systems, GLOBAL),
    (ownership, ENTITY),
    (stack_references, ENTITY),
    (service_fields, ENTITY),
    (stack_limits, ENTITY),
    (backup_store, ENTITY),
    (name_clash, ENTITY),
    (prices, GLOBAL),
    (dependency_cycles, STACK),
    (file_names, ENTITY),
)


def check_by_rule(
    loaded: Loaded, scopes: Iterable[str] = (ENTITY, GLOBAL, STACK)
) -> dict[str, list[Finding]]:
    """The findings of every check (of the given scopes), by the check's name."""
    wanted = set(scopes)
    return {rule.__name__: list(rule(loaded)) for rule, scope in RULES if scope in wanted}
