"""Renames: a resource removed and one of the same kind added, with the same or nearly
the same spec, in the same stack.

The landscape identifies a resource by (stack, kind, name), so a rename is a delete and
a create; `landscape_diff.py` lists both. Reviewers must see it as what it is, with
everything that moves with the name:

- the in-cluster DNS name (`<name>.<namespace>.svc.cluster.local`) and, for a service
  on its default host, the host (`<name>.<ingress domain>`);
- the names other objects and people use: a database's connection secret
  `<name>-app` and services `<name>-rw`/`-ro`, a service's TLS secret `<name>-tls`,
  a server's VM;
- Pulumi replaces every object: a logical name is `Kind/namespace/name`
  (`apply/program.py`), the same identity the API server keeps, and `metadata.name`
  is immutable, so no Pulumi alias can carry an object over to a new name. The old
  objects are deleted and new ones created: downtime, and for a database or a server,
  new and empty storage unless a restore is declared;
- a service with an explicit host keeps it: old and new Ingress claim the same host
  while both exist during the apply.

`references` lists the resources whose env or other values still name the old DNS
name, host or secret: they break after the apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from platform_cli.load.model import Database, Entity, Landscape, Resource, Server, Service
from platform_cli.plan.landscape_diff import Change, ChangeAction, FieldChange, field_changes
from platform_cli.render.hosts import host_of
from platform_cli.render.names import tls_secret_name

# At most this many fields may differ, besides the name, for a delete and a create to
# read as one rename (a changed image or replica count during a rename, say)
NEARLY_SAME = 3


@dataclass(frozen=True)
class Rename:
    stack: str
    kind: str
    old: str
    new: str
    team: str
    fields: tuple[FieldChange, ...]  # what else differs between the two specs
    moves: tuple[str, ...]  # what changes with the name, for people
    references: tuple[str, ...]  # `Service crm-api (env CRM_WEB_URL)`, at head
    explicit_host: str = ""  # a host old and new both claim during the apply

    @property
    def subject(self) -> str:
        return f"{self.stack} {self.kind} {self.old} -> {self.new}"

    @property
    def is_database(self) -> bool:
        return self.kind == "Database"


def renames(old: Landscape, new: Landscape, changes: Iterable[Change]) -> list[Rename]:
    """Every removed resource paired with the added one of the same stack and kind
    whose spec differs least (by at most `NEARLY_SAME` fields), each used once."""
    added: dict[tuple[str, str], list[Change]] = {}
    removed: list[Change] = []
    for change in changes:
        if not change.stack or not isinstance(change.entity, Resource):
            continue
        if change.action == ChangeAction.ADD:
            added.setdefault((change.stack, change.kind), []).append(change)
        elif change.action == ChangeAction.REMOVE:
            removed.append(change)
    found = []
    taken: set[tuple[str, str, str]] = set()
    for gone in removed:
        assert gone.old is not None
        best: tuple[int, Change, list[FieldChange]] | None = None
        for candidate in added.get((gone.stack, gone.kind), []):
            if (candidate.stack, candidate.kind, candidate.name) in taken:
                continue
            assert candidate.new is not None
            differ = list(field_changes(_comparable(gone.old), _comparable(candidate.new)))
            if len(differ) <= NEARLY_SAME and (best is None or len(differ) < best[0]):
                best = (len(differ), candidate, differ)
        if best is None:
            continue
        _, came, differ = best
        taken.add((came.stack, came.kind, came.name))
        assert came.new is not None
        found.append(_rename(old, new, gone.old, came.new, gone.stack, differ))
    return sorted(found, key=lambda r: (r.stack, r.kind, r.old))


def _comparable(entity: Entity) -> dict[str, Any]:
    """What a rename keeps: the spec and the metadata besides the name."""
    metadata = {k: v for k, v in entity.metadata.items() if k not in ("name", "description")}
    return {"metadata": metadata, "spec": dict(entity.spec)}


def _rename(
    old: Landscape,
    new: Landscape,
    before: Entity,
    after: Entity,
    stack: str,
    differ: list[FieldChange],
) -> Rename:
    assert isinstance(before, Resource) and isinstance(after, Resource)
    was, now = old.stacks.get(stack), new.stacks.get(stack)
    old_ns = was.namespace_of(before) if was is not None else ""
    new_ns = now.namespace_of(after) if now is not None else ""
    moves = []
    stale = []
    if not isinstance(before, Database):  # a database's names are its services, below
        moves.append(
            f"DNS name {before.name}.{old_ns}.svc.cluster.local -> "
            f"{after.name}.{new_ns}.svc.cluster.local"
        )
        stale += [f"{before.name}.{old_ns}.svc", f"{before.name}.{old_ns}:"]
    explicit = ""
    if isinstance(before, Service) and isinstance(after, Service):
        old_host = host_of(before, was) if was is not None else None
        new_host = host_of(after, now) if now is not None else None
        if old_host is not None and new_host is not None and old_host.host == new_host.host:
            explicit = old_host.host
            moves.append(
                f"host {old_host.host} stays: the old and the new Ingress both claim it "
                "while the apply runs"
            )
        elif old_host is not None:
            moves.append(
                f"host {old_host.host} -> {new_host.host if new_host else '(none)'} "
                "(the default host follows the name)"
            )
            stale.append(old_host.host)
        if old_host is not None:
            moves.append(f"TLS secret {tls_secret_name(before)} -> {tls_secret_name(after)}")
    if isinstance(before, Database):
        moves.append(
            f"connection secret {before.name}-app -> {after.name}-app, services "
            f"{before.name}-rw/-ro -> {after.name}-rw/-ro"
        )
        moves.append(
            "a new, empty database: the data stays with the old cluster, which is deleted, "
            "unless a restore is declared"
        )
        stale += [f"{before.name}-app", f"{before.name}-rw", f"{before.name}-ro"]
    if isinstance(before, Server):
        moves.append(f"VM {before.name} -> {after.name} with a new disk imported from its image")
    moves.append(
        "Pulumi replaces every object (Kind/namespace/name is the logical name and "
        "metadata.name is immutable, so no alias can keep them): downtime between the "
        "delete and the create"
    )
    references = _references(new, stack, after, stale)
    return Rename(
        stack,
        before.kind,
        before.name,
        after.name,
        after.team,
        tuple(differ),
        tuple(moves),
        tuple(references),
        explicit,
    )


def _references(
    landscape: Landscape, stack: str, renamed: Resource, needles: list[str]
) -> list[str]:
    """The resources of the stack at head whose values still contain one of `needles`
    (the old name's DNS name, host or secrets), each with the fields that do:
    `prod Service analytics-bi (env.DB_HOST, secretEnv.DB_USER.secret)`. In-cluster
    names and secrets are the stack's own (another stack is another cluster). A pass
    over the stack, made only for a rename."""
    if not needles:
        return []
    pattern = re.compile(
        "(?<![A-Za-z0-9.-])(?:" + "|".join(re.escape(n) for n in needles) + ")(?![A-Za-z0-9-])"
    )
    found = []
    for resource in landscape.in_stack(stack).values():
        if resource is renamed:
            continue
        where = [path for path, text in _strings(resource.spec) if pattern.search(text)]
        if where:
            found.append(f"{resource.stack} {resource.kind} {resource.name} ({', '.join(where)})")
    return sorted(found)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
