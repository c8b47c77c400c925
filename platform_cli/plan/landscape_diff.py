"""What changed between two landscapes, at the level people reason about.

Resources are identified by (stack, kind, name), never by file, so moving or renaming
a file without changing what it declares is no change at all. A change lists each
field that differs, as a dotted path with the old and the new value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_cli.load.model import Entity, Landscape

MISSING: Any = object()


class ChangeAction(enum.StrEnum):
    """What happens to an entity of the landscape. The values are what the plan's
    JSON and reports print."""

    ADD = "add"
    REMOVE = "remove"
    CHANGE = "change"


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.path}: {render_value(self.old)} -> {render_value(self.new)}"


@dataclass(frozen=True)
class Change:
    """One entity added, removed or changed. `stack` is '' for global definitions."""

    action: ChangeAction
    kind: str
    name: str
    stack: str
    fields: tuple[FieldChange, ...] = ()
    old: Entity | None = field(default=None, compare=False, repr=False)
    new: Entity | None = field(default=None, compare=False, repr=False)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def entity(self) -> Entity:
        entity = self.new if self.new is not None else self.old
        assert entity is not None
        return entity


def diff_landscapes(base: Landscape, head: Landscape) -> list[Change]:
    """Every change from `base` to `head`, ordered by stack, kind and name."""
    changes: list[Change] = []
    for kind, old_map, new_map in (
        ("Team", base.teams, head.teams),
        ("System", base.systems, head.systems),
        ("Stack", base.stacks, head.stacks),
    ):
        changes.extend(_compare(kind, "", dict(old_map), dict(new_map)))
    old_config = {"policy-config": base.config} if base.config else {}
    new_config = {"policy-config": head.config} if head.config else {}
    changes.extend(_compare("PolicyConfig", "", old_config, new_config))
    for stack in sorted(set(base.resources) | set(head.resources)):
        old_res = base.resources.get(stack, {})
        new_res = head.resources.get(stack, {})
        for key in sorted(set(old_res) | set(new_res)):
            old, new = old_res.get(key), new_res.get(key)
            change = _change(key[0], key[1], stack, old, new)
            if change is not None:
                changes.append(change)
    return changes


def _compare(
    kind: str, stack: str, old_map: Mapping[str, Entity], new_map: Mapping[str, Entity]
) -> Iterator[Change]:
    for name in sorted(set(old_map) | set(new_map)):
        change = _change(kind, name, stack, old_map.get(name), new_map.get(name))
        if change is not None:
            yield change


def _change(
    kind: str, name: str, stack: str, old: Entity | None, new: Entity | None
) -> Change | None:
    if old is None and new is not None:
        return Change(ChangeAction.ADD, kind, name, stack, old=None, new=new)
    if new is None and old is not None:
        return Change(ChangeAction.REMOVE, kind, name, stack, old=old, new=None)
    assert old is not None and new is not None
    if old is new:  # shared by both sides: an incremental evaluation did not touch it
        return None
    if old.doc.data == new.doc.data:
        return None
    fields = tuple(field_changes(_comparable(old), _comparable(new)))
    if not fields:
        return None
    return Change(ChangeAction.CHANGE, kind, name, stack, fields, old=old, new=new)


def _comparable(entity: Entity) -> dict[str, Any]:
    """The parts of a document that carry meaning (the name is the identity)."""
    data = dict(entity.doc.data)
    metadata = {k: v for k, v in data.get("metadata", {}).items() if k != "name"}
    out: dict[str, Any] = {"spec": data.get("spec", {})}
    if metadata:
        out["metadata"] = metadata
    return out


def field_changes(old: Any, new: Any, prefix: str = "") -> Iterator[FieldChange]:
    """Leaf-level differences between two JSON-like values, as dotted paths.

    Lists of mappings with a `name` (ports) are matched by name; other lists compare
    as whole values, because their order is part of their meaning (args) or they are
    small sets (dependsOn, owners) that read best side by side.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _ordered_keys(old, new):
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from field_changes(old.get(key, MISSING), new.get(key, MISSING), path)
        return
    if _named_list(old) and _named_list(new):
        old_items = {item["name"]: item for item in old}
        new_items = {item["name"]: item for item in new}
        for key in _ordered_keys(old_items, new_items):
            yield from field_changes(
                old_items.get(key, MISSING), new_items.get(key, MISSING), f"{prefix}[{key}]"
            )
        return
    if old is MISSING and new is MISSING:
        return
    if old != new or type(old) is not type(new):
        yield FieldChange(prefix, old, new)


def _ordered_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    keys = list(old)
    keys += [k for k in new if k not in old]
    return keys


def _named_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in value)
    )


def render_value(value: Any) -> str:
    """A compact, stable rendering of a value for people."""
    if value is MISSING:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    return str(value)
