"""`platform import`: existing systems as landscape files, with their adoption recorded.

Three sources: a namespace of the stack's cluster (read-only through kubectl, on the
stack's kube context: sources/kubectl.py), a folder of manifests, or a hypervisor's VM
inventory (adopt_inventory.py). The objects are read into resources
(adopt_objects.py); each one gets its team and system (the platform's labels on the
objects, else `--team`/`--system`, else the owner of the namespace's pattern) and is
refused, with a finding, when:

- its namespace follows another team's namespace pattern, or its labels name another
  team than `--team` (taking over another team's objects);
- the stack already declares a resource of its kind and name, or its file exists
  (a file is never overwritten);
- the landscape with the file in it has an error the file adds (the admission check of
  `platform new`, run once for all the files together).

Every written file records `metadata.adoption` (source, from, date): the first
`platform up` takes over exactly the objects the resource renders that exist already,
without `--adopt` (apply/operations.py). A resource imported from a namespace other than
its team's gets no adoption: its objects are created anew in the team's namespace.
What the model cannot express is found by rendering the written resources and comparing
(adopt_diff.py), and reported as findings with the object and field path.

Servers from an inventory are written `running: false`: the machine still runs on the
hypervisor, and two copies of it (one IP, one disk's worth of diverging state) must
never run at once; whoever moves it sets `running: true` in the pull request that
switches it over.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from platform_cli.checks.adoption import IMPORT_REFUSED
from platform_cli.errors import UsageError
from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.findings import Finding, Level
from platform_cli.load import schema
from platform_cli.load.landscape import Loaded, load
from platform_cli.load.model import Landscape, Stack
from platform_cli.render import render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION
from platform_cli.self_service.admission import added_findings, require_stack
from platform_cli.self_service.adopt_diff import unexpressible
from platform_cli.self_service.adopt_inventory import read_inventory
from platform_cli.self_service.adopt_objects import (
    IMPORT_UNEXPRESSIBLE,
    Candidate,
    describe,
    read_objects,
    settle,
)
from platform_cli.self_service.draft import Draft, build_draft, header
from platform_cli.self_service.options import NewRequest
from platform_cli.sources import kubectl
from platform_cli.sources.layout import resource_path
from platform_cli.sources.tree import SourceFile, read_tree

CLUSTER, MANIFESTS, INVENTORY = "cluster", "manifests", "inventory"
# A manifest file larger than this is refused unread
MAX_MANIFEST_BYTES = 5 * 1024 * 1024
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# libyaml's safe loader when PyYAML has it (ten times faster on a stack's manifests)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ImportRequest:
    root: Path
    stack: str
    source: str  # CLUSTER, MANIFESTS or INVENTORY
    # The namespace, the manifests folder or the inventory file
    origin: str
    today: datetime.date
    team: str | None = None
    system: str | None = None
    dry_run: bool = False
    strict: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass
class Imported:
    """One resource written (or, with --dry-run, that would be)."""

    path: str
    kind: str
    name: str
    text: str
    # The existing objects the first apply takes over ("Kind ns/name"); empty when none
    adopts: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    source: str
    origin: str
    imported: list[Imported]
    findings: list[Finding]
    dry_run: bool = False
    strict: bool = False

    @property
    def exit_code(self) -> int:
        """1 when nothing could be written, or with --strict when anything is reported."""
        if not self.imported or (self.strict and self.findings):
            return 1
        return 0


def run_import(request: ImportRequest) -> ImportResult:
    files, _ = read_tree(request.root)
    loaded = load(files)
    stack = require_stack(loaded, request.stack)
    if request.team is not None and request.team not in loaded.landscape.teams:
        raise UsageError(
            f"unknown team {request.team!r}",
            hint=f"teams: {', '.join(sorted(loaded.landscape.teams))}",
        )
    if request.source == INVENTORY:
        drafts, findings = _from_inventory(request, loaded)
        candidates: dict[str, Candidate] = {}
    else:
        objects, where, origin = _objects(request, stack)
        read = read_objects(objects, where)
        findings = list(read.findings)
        drafts, candidates = [], {}
        for candidate in read.candidates:
            draft = _draft(candidate, request, loaded, stack, origin, findings)
            if draft is not None and draft.path in candidates:
                findings.append(
                    IMPORT_REFUSED.finding(
                        candidate.where,
                        0,
                        0,
                        f"{describe(candidate.objects[0])}: {draft.path} is also the file of "
                        f"{candidates[draft.path].ref}: one name per team and stack",
                        "import one of them, then rename the other by hand",
                    )
                )
            elif draft is not None:
                drafts.append(draft)
                candidates[draft.path] = candidate
    accepted = _admit(files, drafts, request.today, findings)
    rendered = _render(files, accepted, request.stack) if candidates else {}
    imported = []
    for draft in accepted:
        found = candidates.get(draft.path)
        adopts: list[str] = []
        if found is not None:
            mine = rendered.get(draft.path, [])
            findings += unexpressible(found.objects, mine, found.where or draft.path)
            if "adoption" in draft.data["metadata"]:
                names = {(o["kind"], o["metadata"]["name"]) for o in found.objects}
                adopts = [describe(o) for o in mine if (o["kind"], o["metadata"]["name"]) in names]
        imported.append(Imported(draft.path, draft.kind, draft.name, draft.text, adopts))
    if not request.dry_run:
        for item in imported:
            _write_new(request.root / item.path, item.text)
    return ImportResult(
        request.source,
        request.origin,
        imported,
        sorted(findings),
        request.dry_run,
        request.strict,
    )


# Reading the sources


def _objects(
    request: ImportRequest, stack: Stack
) -> tuple[list[Mapping[str, Any]], dict[int, str], str]:
    """The input objects, where each came from, and the adoption's `from`."""
    if request.source == CLUSTER:
        context = str(stack.spec["cluster"]["kubeContext"])
        namespace, objects = kubectl.namespace_objects(request.origin, context, request.env)
        if namespace is None:
            raise UsageError(
                f"namespace {request.origin!r} does not exist in the cluster of kube context "
                f"{context!r}",
                hint=f"`kubectl --context {context} get namespaces` lists them",
            )
        shown = f"{context}/{request.origin}"
        for obj in objects:  # objects read from a namespace carry it; make sure
            obj.setdefault("metadata", {}).setdefault("namespace", request.origin)
        return list(objects), {id(o): shown for o in objects}, shown
    folder = Path(request.origin)
    if not folder.is_dir():
        raise UsageError(
            f"{folder} is not a folder", hint="--from-manifests DIR reads *.yaml in it"
        )
    out: list[Mapping[str, Any]] = []
    where: dict[int, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.suffix in _MANIFEST_SUFFIXES):
        shown = path.relative_to(folder).as_posix()
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise UsageError(f"{path} is larger than {MAX_MANIFEST_BYTES} bytes", hint="split it")
        try:
            documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
            raise UsageError(
                f"{path}{line}: cannot read the manifest: {str(exc).splitlines()[0]}",
                hint="fix the file or move it out of the folder",
            ) from None
        for document in documents:
            items = document.get("items", []) if _is_list(document) else [document]
            for obj in items:
                # kustomization.yaml (as `platform render` writes) is a build file, no object
                if (
                    isinstance(obj, dict)
                    and obj.get("kind")
                    and not str(obj.get("apiVersion", "")).startswith("kustomize.config.k8s.io/")
                ):
                    out.append(obj)
                    where[id(obj)] = f"{folder.as_posix().rstrip('/')}/{shown}"
    return out, where, folder.as_posix().rstrip("/")


def _is_list(document: Any) -> bool:
    return isinstance(document, dict) and str(document.get("kind", "")).endswith("List")


# One candidate: team, system, refusals, the document


def _draft(
    candidate: Candidate,
    request: ImportRequest,
    loaded: Loaded,
    stack: Stack,
    origin: str,
    findings: list[Finding],
) -> Draft | None:
    land = loaded.landscape
    first = describe(candidate.objects[0])
    where = candidate.where

    def refuse(message: str, hint: str) -> None:
        findings.append(IMPORT_REFUSED.finding(where, 0, 0, f"{first}: {message}", hint))

    owner = _namespace_owner(land, stack, candidate.namespace)
    team = candidate.team or request.team or owner
    if not team:
        refuse("no team: the objects carry no team label", "say whose they are with --team")
        return None
    if request.team and candidate.team and candidate.team != request.team:
        refuse(
            f"its labels say team {candidate.team!r}, not {request.team!r}",
            "a team imports only its own objects",
        )
        return None
    if team not in land.teams:
        refuse(f"unknown team {team!r}", f"teams: {', '.join(sorted(land.teams))}")
        return None
    if owner and owner != team:
        refuse(
            f"namespace {candidate.namespace!r} belongs to team {owner!r} "
            f"(the stack's namespace pattern), not {team!r}",
            "a team imports only the objects of its own namespaces",
        )
        return None
    system = _system(land, team, candidate.system or request.system)
    if isinstance(system, str) and system.startswith("!"):
        refuse(system[1:], "say which with --system")
        return None
    path = resource_path(request.stack, team, candidate.name)
    if (request.stack, candidate.kind, candidate.name) in loaded.declared:
        found = land.find(request.stack, candidate.kind, candidate.name)
        refuse(
            f"{candidate.kind.lower()} {candidate.name!r} is already in the landscape"
            + (f" ({found.path})" if found is not None else ""),
            "it is declared already; nothing to import",
        )
        return None
    if (request.root / path).exists():
        refuse(f"{path} exists already", "a file is never overwritten; move it away first")
        return None
    findings += settle(candidate, stack, land.config.vm_images if land.config else {})
    home = stack.namespace_for(candidate.kind, team)
    metadata: dict[str, Any] = {"name": candidate.name, "team": team, "system": system}
    if candidate.labels:
        metadata["labels"] = candidate.labels
    if candidate.namespace in ("", home):
        metadata["adoption"] = {"source": request.source, "from": origin, "at": _date(request)}
    else:
        findings.append(
            IMPORT_UNEXPRESSIBLE.finding(
                where,
                0,
                0,
                f"{first}: namespace {candidate.namespace!r} is not the team's {home!r}: the "
                "resource is written without adoption, and the apply creates its objects "
                f"anew in {home!r}",
                f"move the traffic, then delete the old objects in {candidate.namespace!r}",
            )
        )
    data = {
        "apiVersion": schema.API_VERSION,
        "kind": candidate.kind,
        "metadata": metadata,
        "spec": candidate.spec,
    }
    source = {CLUSTER: "the cluster", MANIFESTS: "manifests"}.get(request.source, request.source)
    note = f"Imported from {source} ({origin}) with `platform import`; check before merging."
    return Draft(path, data, header(candidate.kind, stack, team, land.systems[system], note))


def _date(request: ImportRequest) -> str:
    return request.today.isoformat()


def _namespace_owner(land: Landscape, stack: Stack, namespace: str) -> str:
    """The team whose namespace (or VM namespace) in the stack this is, or ''."""
    if not namespace:
        return ""
    for team in sorted(land.teams):
        if namespace in stack.namespaces(team):
            return team
    return ""


def _system(land: Landscape, team: str, system: str | None) -> str:
    """The system, or `!message` when it cannot be decided."""
    owned = sorted(s.name for s in land.systems.values() if s.owner == team)
    if system:
        found = land.systems.get(system)
        if found is None:
            return f"!unknown system {system!r}"
        if found.owner != team:
            return f"!system {system!r} is owned by team {found.owner!r}, not {team!r}"
        return system
    if len(owned) == 1:
        return owned[0]
    return f"!team {team!r} owns {len(owned)} systems ({', '.join(owned) or 'none'})"


# The inventory


def _from_inventory(request: ImportRequest, loaded: Loaded) -> tuple[list[Draft], list[Finding]]:
    path = Path(request.origin)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", hint="a UTF-8 CSV file") from None
    shown = path.as_posix()
    inventory = read_inventory(shown, text, loaded.landscape)
    findings = list(inventory.findings)
    drafts = []
    stack = loaded.landscape.stacks[request.stack]
    for row in inventory.rows:
        asked = NewRequest(
            root=request.root,
            stack=request.stack,
            team=row.team,
            name=row.name,
            options=row.options,
            system=row.system,
        )
        target = resource_path(request.stack, row.team, row.name)
        problem = ""
        if (request.stack, "Server", row.name) in loaded.declared:
            problem = f"server {row.name!r} is already in the landscape"
        elif (request.root / target).exists():
            problem = f"{target} exists already (a file is never overwritten)"
        system = _system(loaded.landscape, row.team, row.system)
        if not problem and system.startswith("!"):
            problem = system[1:]
        if problem:
            findings.append(
                IMPORT_REFUSED.finding(
                    shown,
                    row.line,
                    1,
                    f"row {row.line} ({row.name}): {problem}",
                    "nothing is written for this row",
                )
            )
            continue
        draft = build_draft(loaded.landscape, asked)
        draft.data["spec"]["running"] = False
        draft.comments[("spec", "running")] = (
            "halted: the machine still runs on the hypervisor; start it here when it moves"
        )
        draft.data["metadata"]["adoption"] = {
            "source": INVENTORY,
            "from": shown,
            "at": _date(request),
        }
        draft.header[-1] = (
            f"# Imported from the VM inventory {shown} (row {row.line}) with "
            "`platform import`; check before merging."
        )
        draft.header[1:2] = [
            f"# Virtual machine of system '{system}', owned by team '{row.team}'; "
            f"{stack.environment}."
        ]
        drafts.append(draft)
    return drafts, findings


# The admission check, once for all the files


def _admit(
    files: list[SourceFile], drafts: list[Draft], today: datetime.date, findings: list[Finding]
) -> list[Draft]:
    """The drafts whose files add no error to the landscape, all of them together.
    A draft with an error in its own file is refused and the rest checked again; an
    error the files cause elsewhere (a team's quota) refuses them all."""
    if not drafts:
        return []
    before = set(evaluate_files(files, today).findings)
    pending = list(drafts)
    while pending:
        paths = {d.path for d in pending}
        added = added_findings(
            files, {d.path: d.text.encode("utf-8") for d in pending}, today, before
        )
        errors = [f for f in added if f.level is Level.ERROR]
        bad = {f.path for f in errors if f.path in paths}
        if not errors:
            findings += [f for f in added if f.path in paths]
            return pending
        if not bad:
            findings += errors
            for draft in pending:
                findings.append(
                    IMPORT_REFUSED.finding(
                        draft.path,
                        0,
                        0,
                        f"{draft.kind} {draft.name}: not written: the imported files together "
                        "add errors elsewhere in the landscape (above)",
                        "import fewer resources at once, or ask for a larger quota first",
                    )
                )
            return []
        findings += [f for f in errors if f.path in bad]
        for draft in pending:
            if draft.path in bad:
                findings.append(
                    IMPORT_REFUSED.finding(
                        draft.path,
                        0,
                        0,
                        f"{draft.kind} {draft.name}: not written: the file would add "
                        "the errors located in it",
                        "fix the source objects (or write the file by hand) and import again",
                    )
                )
        pending = [d for d in pending if d.path not in bad]
    return []


def _render(
    files: list[SourceFile], drafts: Sequence[Draft], stack: str
) -> dict[str, list[dict[str, Any]]]:
    """The rendered objects of each written file, by its path."""
    if not drafts:
        return {}
    new = [SourceFile(d.path, d.text.encode("utf-8")) for d in drafts]
    landscape = load([*files, *new]).landscape
    teams = {str(d.data["metadata"]["team"]) for d in drafts}
    rendered = render_stack(landscape, stack, teams)
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in rendered.objects:
        source = obj["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION, "")
        out.setdefault(source, []).append(obj)
    return out


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist: never overwrite (`x` fails if it does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
