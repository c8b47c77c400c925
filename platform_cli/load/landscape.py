"""Building a `Landscape` from source files: layout, headers, schemas, then the model.

`load` is a pure function of the files it is given, which is what lets `check` read
the working tree and `plan` read two git revisions through the same code.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load import schema
from platform_cli.load.cache import DocumentCache
from platform_cli.load.model import (
    ENTITY_CLASSES,
    Entity,
    Landscape,
    PolicyConfig,
    PriceSheet,
    Resource,
    Stack,
    System,
    Team,
    Waivers,
)
from platform_cli.load.reader import Document, cached_document, parse
from platform_cli.load.values import shorten
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.layout import PLACES_HINT, RESOURCE_KINDS, Place, place_of
from platform_cli.sources.tree import LAYOUT, SourceFile, blob_id
from platform_cli.words import did_you_mean

API_VERSION = BuiltinRule(
    "api-version", Level.ERROR, RuleScope.FILE, "apiVersion is missing or is not platform/v1."
)
KIND = BuiltinRule(
    "kind", Level.ERROR, RuleScope.FILE, "kind is missing or is not one of the model's kinds."
)


@dataclass(frozen=True)
class Focus:
    """The part of a landscape that an incremental evaluation checks again (see
    `incremental.py`): the resources at `paths`, the quotas of `teams` and the
    dependency graphs of `stacks`. Checks still look up anything in the whole
    landscape; only what they report on is narrowed."""

    paths: frozenset[str]
    teams: frozenset[str]
    stacks: frozenset[str]


@dataclass
class Loaded:
    landscape: Landscape
    findings: list[Finding]
    files: int
    # Every schema-valid entity in file order, duplicates included
    entities: list[Entity]
    # (stack or "", kind, name) of every document that names itself, valid or not, so
    # that a reference to an invalid document is not reported a second time as dangling
    declared: set[tuple[str, str, str]]
    # Stack folders seen, with the paths of their stack files (for the one-stack.yaml check)
    stack_files: dict[str, list[str]]
    # What each file declares, by path (for incremental evaluation)
    declared_at: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # None: every check reports on everything
    focus: Focus | None = None

    def in_focus(self, path: str) -> bool:
        return self.focus is None or path in self.focus.paths

    def resources(self) -> list[Resource]:
        """The resources the checks report on: all of them, or those in focus."""
        return self._resources

    @functools.cached_property
    def _resources(self) -> list[Resource]:
        everything = self.landscape.all_resources()
        if self.focus is None:
            return list(everything)
        return [r for r in everything if r.path in self.focus.paths]


def load(
    files: Iterable[SourceFile],
    progress: Progress = SILENT,
    cache: DocumentCache | None = None,
) -> Loaded:
    """Parse, validate and index every file. Never raises on bad input.

    With a cache, a file whose bytes were parsed and found schema-valid before is
    not parsed again (see `cache.py` for why that is safe)."""
    landscape = Landscape()
    findings: list[Finding] = []
    stack_files: dict[str, list[str]] = {}
    entities: list[Entity] = []
    declared: set[tuple[str, str, str]] = set()
    declared_at: dict[str, tuple[str, str, str]] = {}
    count = 0
    for source in files:
        count += 1
        progress.advance()
        place = place_of(source.path)
        if place is None:
            findings.append(
                LAYOUT.finding(
                    source.path,
                    0,
                    0,
                    "the file is not in a place the layout knows",
                    PLACES_HINT,
                )
            )
            continue
        if place.stack:
            stack_files.setdefault(place.stack, [])
            if place.kinds == ("Stack",):
                stack_files[place.stack].append(source.path)
        blob = blob_id(source.data) if cache is not None else ""
        cached = cache.get(blob) if cache is not None else None
        if cached is not None:
            # Parsed and schema-valid before, byte for byte: only the checks that
            # depend on the path run again.
            document = cached_document(source.path, source.data, cached)
            _declare(declared, declared_at, document, place)
            entity = _entity(document, place, findings, validated=True)
        else:
            result = parse(source.path, source.data)
            findings.extend(result.findings)
            if result.document is None:
                continue
            _declare(declared, declared_at, result.document, place)
            if not result.ok:
                continue
            entity = _entity(result.document, place, findings)
            if entity is not None and cache is not None:
                cache.put(blob, result.document.data)
        if entity is not None:
            entities.append(entity)
            index_entity(landscape, entity, place)
    if cache is not None:
        cache.flush()
    return Loaded(landscape, findings, count, entities, declared, stack_files, declared_at)


def identity(kind: str, name: str, folder: str) -> tuple[str, str, str]:
    """What a document declares, as references name it: (stack, kind, name) for a
    resource in the stack folder `folder`, ("", kind, name) for anything else, and a
    stack is named by its folder."""
    if kind == "Stack":
        return ("", kind, folder)
    return (folder if kind in RESOURCE_KINDS else "", kind, name)


def _declare(
    declared: set[tuple[str, str, str]],
    declared_at: dict[str, tuple[str, str, str]],
    doc: Document,
    place: Place,
) -> None:
    kind, metadata = doc.data.get("kind"), doc.data.get("metadata")
    key = None
    if kind == "Stack":
        key = identity("Stack", "", place.stack)
    elif isinstance(kind, str) and isinstance(metadata, dict):
        name = metadata.get("name")
        if isinstance(name, str):
            key = identity(kind, name, place.stack)
    if key is not None:
        declared.add(key)
        declared_at[doc.path] = key


def _entity(
    doc: Document, place: Place, findings: list[Finding], *, validated: bool = False
) -> Entity | None:
    data = doc.data
    api = data.get("apiVersion")
    if api != schema.API_VERSION:
        if api is None:
            line, column = 1, 1
            message = "missing apiVersion"
        else:
            line, column = doc.locate(["apiVersion"])
            message = f"unknown apiVersion {shorten(repr(api))}"
        findings.append(
            API_VERSION.finding(
                doc.path,
                line,
                column,
                message,
                f"use apiVersion: {schema.API_VERSION}",
            )
        )
        return None
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in ENTITY_CLASSES:
        if kind is None:
            findings.append(
                KIND.finding(
                    doc.path,
                    1,
                    1,
                    "missing kind",
                    f"kind is one of: {', '.join(place.kinds)}",
                )
            )
        elif isinstance(kind, dict | list):
            # Never looked up as a key: a mapping or list cannot be one
            findings.append(
                KIND.finding(
                    doc.path,
                    *doc.locate(["kind"]),
                    f"kind is {'a list' if isinstance(kind, list) else 'a mapping'}, not a string",
                    f"kind is one of: {', '.join(place.kinds)}",
                )
            )
        else:
            line, column = doc.locate(["kind"])
            hint = did_you_mean(str(kind)[:64], ENTITY_CLASSES) or (
                f"kind is one of: {', '.join(ENTITY_CLASSES)}"
            )
            findings.append(
                KIND.finding(doc.path, line, column, f"unknown kind {shorten(repr(kind))}", hint)
            )
        return None
    assert isinstance(kind, str)
    if kind not in place.kinds:
        line, column = doc.locate(["kind"])
        findings.append(
            LAYOUT.finding(
                doc.path,
                line,
                column,
                f"a {kind} does not belong in {doc.path.rsplit('/', 1)[0]}/",
                PLACES_HINT,
            )
        )
        return None
    problems = [] if validated else schema.validate(kind, doc)
    if problems:
        findings.extend(problems)
        doc.release()
        return None
    cls = ENTITY_CLASSES[kind]
    if issubclass(cls, Resource):
        return cls(doc, stack=place.stack)
    return cls(doc)


def index_entity(landscape: Landscape, entity: Entity, place: Place) -> None:
    """Store the entity; the first of two with one name wins, and the
    duplicate-name check reports the second."""
    if isinstance(entity, Resource):
        bucket = landscape.resources.setdefault(place.stack, {})
        bucket.setdefault((entity.kind, entity.name), entity)
        return
    if isinstance(entity, Team):
        landscape.teams.setdefault(entity.name, entity)
    elif isinstance(entity, System):
        landscape.systems.setdefault(entity.name, entity)
    elif isinstance(entity, PolicyConfig):
        landscape.config = entity
    elif isinstance(entity, Waivers):
        landscape.waivers = entity
    elif isinstance(entity, PriceSheet):
        landscape.prices = entity
    elif isinstance(entity, Stack):
        # Indexed by folder: resources find their stack by the folder they live in.
        landscape.stacks.setdefault(place.stack, entity)
