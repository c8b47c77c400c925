"""`duplicate-name`: names are unique per kind, and per stack for resources.

The first definition wins (the model keeps it); every later one is reported at its
name, with the place of the first. Names are lower-case by schema, so two names that
differ only in letter case cannot both reach this check.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Entity, Resource

RULE = BuiltinRule(
    "duplicate-name",
    Level.ERROR,
    RuleScope.ENTITY,
    "Two definitions of one kind (in one stack, for resources) share a name, ignoring case.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str], Entity] = {}
    for entity in loaded.entities:
        scope = entity.stack if isinstance(entity, Resource) else ""
        first = seen.setdefault((scope, entity.kind, entity.name), entity)
        if first is entity or not loaded.in_focus(entity.path):
            continue
        line, _ = first.locate("metadata", "name")
        where = f" in stack '{scope}'" if scope else ""
        yield at(
            entity,
            RULE,
            f"{entity.kind} '{entity.name}'{where} is already declared in {first.path}:{line}",
            "names must be unique; rename one of them",
            "metadata",
            "name",
        )
