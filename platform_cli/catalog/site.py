"""`platform catalog`: build the static site of a landscape into a folder.

`build_catalog(options)` reads the working tree, checks it (the findings the governance
page shows), gathers the facts, reads git for each file's last change and for the cost at
the start of the month, renders every stack when the landscape has no errors, and writes
the pages. A page whose bytes did not change is not written again, and pages of things
that are gone are removed, so a rebuild touches only what changed.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from platform_cli.catalog import pages
from platform_cli.catalog.assets import CSS, search_js
from platform_cli.catalog.facts import ApplyStatus, Facts, Month, costs_by_scope, gather
from platform_cli.catalog.html import file_name
from platform_cli.catalog.landscape_map import COLLAPSE_ABOVE, draw
from platform_cli.checks import policy_engine
from platform_cli.checks.waivers import Waiver
from platform_cli.errors import PlatformError, UsageError
from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.findings import has_errors
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.progress import SILENT, Progress
from platform_cli.render import render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION
from platform_cli.sources.git import GitRepository
from platform_cli.sources.layout import OPTIONAL_FILES, OPTIONAL_TEXT_FILES, STACK_FILES
from platform_cli.sources.tree import SourceFile, Tree, blob_id, read_tree

MARKER = ".platform-catalog"  # a folder the catalog owns, so a rebuild may prune it
OWNED = ("teams", "systems", "resources", "assets")
INDEX_PART = 2000  # entries per part of the search index (about 400 KiB)


@dataclass(frozen=True)
class CatalogOptions:
    root: Path
    out: Path
    today: datetime.date
    status: ApplyStatus | None = None
    repo_url: str = ""
    progress: Progress = SILENT


@dataclass
class CatalogResult:
    out: Path
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    pages: int = 0
    largest: tuple[str, int] = ("", 0)
    notes: list[str] = field(default_factory=list)


def build_catalog(options: CatalogOptions) -> CatalogResult:
    out = options.out
    _claim(out)
    files, read_findings = read_tree(options.root)
    evaluation = evaluate_files(files, options.today, options.progress)
    findings = sorted(read_findings + evaluation.findings)
    landscape = evaluation.loaded.landscape
    facts = gather(landscape)
    facts.status = options.status
    result = CatalogResult(out)
    revision = _git_facts(options.root, facts, result, files)
    rendered, why = _rendered(landscape, has_errors(findings))
    if rendered is None:
        result.notes.append(f"rendered objects left out: {why}")
    ctx = pages.Context(options.today, options.repo_url.rstrip("/"), revision, rendered, why)
    site: dict[str, bytes] = {}
    collapsed = len(landscape.systems) > COLLAPSE_ABOVE
    site["index.html"] = pages.index(facts, draw(landscape, facts.depends), collapsed, ctx)
    site["teams/index.html"] = pages.teams_index(facts)
    site["systems/index.html"] = pages.systems_index(facts)
    for team in landscape.teams.values():
        site[f"teams/{file_name(team.name)}"] = pages.team_page(team, facts, ctx)
    for system in landscape.systems.values():
        site[f"systems/{file_name(system.name)}"] = pages.system_page(system, facts, ctx)
    for resource in landscape.all_resources():
        site[pages.resource_href(resource, "")] = pages.resource_page(resource, facts, ctx)
    site["cost.html"] = pages.cost_page(facts)
    waivers = (
        [
            Waiver.from_entry(i, e, landscape.waivers.path)
            for i, e in enumerate(landscape.waivers.entries)
        ]
        if landscape.waivers
        else []
    )
    site["governance.html"] = pages.governance_page(
        policy_engine.registry(), waivers, findings, evaluation.waived, ctx
    )
    site["assets/catalog.css"] = CSS.encode()
    parts = search_index(facts)
    site["assets/search.js"] = search_js(len(parts)).encode()
    for i, part in enumerate(parts):
        site[f"assets/index-{i}.js"] = part
    _write(out, site, result)
    return result


def _claim(out: Path) -> None:
    """Refuse to write into a folder that holds anything but an earlier catalog."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is not a folder", hint="pass --out a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"{out} is not empty and holds no catalog",
            hint=f"pass an empty or new folder; the catalog prunes only folders with {MARKER}",
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by `platform catalog`; pruned on every rebuild\n")


def _write(out: Path, site: dict[str, bytes], result: CatalogResult) -> None:
    fresh = not (out / "index.html").exists()  # a first build: nothing to compare with
    made: set[Path] = set()
    for rel, data in sorted(site.items()):
        path = out / rel
        result.pages += rel.endswith(".html")
        if len(data) > result.largest[1]:
            result.largest = (rel, len(data))
        if fresh:
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
        else:
            try:
                if path.read_bytes() == data:
                    result.unchanged += 1
                    continue
            except OSError:
                path.parent.mkdir(parents=True, exist_ok=True)
        # plain writes: the site is output, and a page cut short by a crash differs from
        # what the next build makes, so that build writes it again
        path.write_bytes(data)
        result.written += 1
    wanted = {out / rel for rel in site}
    for top in ("index.html", "cost.html", "governance.html", *OWNED):
        base = out / top
        stale = [p for p in (base.rglob("*") if base.is_dir() else [base]) if p.is_file()]
        for path in stale:
            if path not in wanted:
                path.unlink()
                result.removed += 1


def month_costs(
    facts: Facts, files: list[SourceFile], old: Tree
) -> dict[tuple[str, str, str], Decimal]:
    """The cost of each (stack, team, system) in the `old` tree. When no stack file and
    no price sheet changed, a resource file with the same bytes costs the same, so only
    the files that changed are loaded from the old tree: the costs now, minus the
    changed files' costs now, plus their costs then."""
    now = {f.path: blob_id(f.data) for f in files}
    changed = {p for p, blob in old.blobs.items() if now.get(p) != blob}
    changed |= {p for p in now if p not in old.blobs}
    shared = {p for p in old.blobs if _prices_a_resource(p)}
    if any(_prices_a_resource(p) for p in changed):
        documents = [f for f in old.files() if f.path not in OPTIONAL_TEXT_FILES]
        return costs_by_scope(load(documents).landscape)
    wanted = sorted(changed | shared)
    data = old.read(wanted)
    then = costs_by_scope(load([SourceFile(p, data[p]) for p in wanted if p in data]).landscape)
    result = costs_by_scope(facts.landscape)
    for resource in facts.landscape.all_resources():
        if resource.path in changed and id(resource) in facts.cost:
            key = (resource.stack, resource.team, resource.system)
            result[key] -= facts.cost[id(resource)].total
    for key, value in then.items():
        result[key] = result.get(key, Decimal(0)) + value
    return result


def _prices_a_resource(path: str) -> bool:
    """A stack file (defaults, storage classes) or a policy file (the price sheet)."""
    parts = path.split("/")
    stack_file = len(parts) == 3 and parts[0] == "stacks" and parts[2] in STACK_FILES
    return stack_file or path in OPTIONAL_FILES


def _git_facts(root: Path, facts: Facts, result: CatalogResult, files: list[SourceFile]) -> str:
    """Each file's last change and the costs at the start of HEAD's month; the commit."""
    try:
        repo = GitRepository(root)
        head = repo.head()
    except PlatformError as exc:
        result.notes.append(f"no git history ({exc.message}): no last changes, no month's change")
        return ""
    try:
        facts.changes = repo.last_changes(head)
        when = datetime.datetime.fromisoformat(repo.commit_time(head))
        first = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        start = first.date().isoformat()
        # strictly before the month starts (git's --before includes the instant itself)
        last_second = (first - datetime.timedelta(seconds=1)).isoformat()
        before = repo.last_commit_before(head, last_second)
        costs: dict[tuple[str, str, str], Decimal] = {}
        if before is not None:
            old, _ = repo.tree_at(before)
            costs = month_costs(facts, files, old)
        facts.month = Month(start, before.sha if before else "", costs)
        return head.sha
    finally:
        repo.close()


def _rendered(
    landscape: Landscape, failed: bool
) -> tuple[dict[str, list[dict[str, Any]]] | None, str]:
    """The rendered objects of every stack by their source file, when they can be."""
    if failed:
        return None, "the landscape has check errors (see Governance)"
    by_source: dict[str, list[dict[str, Any]]] = {}
    for stack in sorted(landscape.stacks):
        rendered = render_stack(landscape, stack)
        if rendered.failed:
            return None, f"stack {stack} does not render (run `platform render --stack {stack}`)"
        for obj in rendered.objects:
            source = obj["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION)
            if source:
                by_source.setdefault(str(source), []).append(obj)
    return by_source, ""


def search_index(facts: Facts) -> list[bytes]:
    """The search index in parts of INDEX_PART entries, each a script that adds its
    entries to `window.CATALOG_INDEX`: [href, kind, name, detail, hosts, haystack].
    Scripts, so the site works from disk too; `<` is escaped so that no value could
    close a script element even if a part were ever inlined."""
    landscape = facts.landscape
    entries: list[list[str]] = []

    def add(href: str, kind: str, name: str, detail: str, hosts: str, *more: str) -> None:
        text = " ".join([kind, name, detail, hosts, *more]).lower()
        entries.append([href, kind, name, detail[:160], hosts, text])

    for t in sorted(landscape.teams.values(), key=lambda t: t.name):
        add(
            pages.team_href(t.name, ""),
            "Team",
            t.name,
            ", ".join(t.owners),
            "",
            str(t.metadata.get("description", "")),
            str(t.spec.get("title", "")),
        )
    for s in sorted(landscape.systems.values(), key=lambda s: s.name):
        owners = landscape.teams[s.owner].owners if s.owner in landscape.teams else []
        add(
            pages.system_href(s.name, ""),
            "System",
            s.name,
            f"{s.spec.get('title', '')} · team {s.owner}",
            "",
            str(s.spec.get("description", "")),
            " ".join(owners),
        )
    for r in landscape.all_resources():
        host = facts.hosts.get(id(r))
        add(
            pages.resource_href(r, ""),
            r.kind,
            r.name,
            f"{r.stack} · team {r.team} · system {r.system}",
            host.host if host else "",
            str(r.metadata.get("description", "")),
        )
    parts: list[bytes] = []
    for start in range(0, max(len(entries), 1), INDEX_PART):
        part = entries[start : start + INDEX_PART]
        data = json.dumps(part, ensure_ascii=False, separators=(",", ":"))
        data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028")
        data = data.replace("\u2029", "\\u2029")
        parts.append(f"window.CATALOG_INDEX.push.apply(window.CATALOG_INDEX, {data});\n".encode())
    return parts
