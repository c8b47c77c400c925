"""`platform catalog`: build the static site of a landscape into a folder.

`build_catalog(options)` reads and loads the working tree and reads git for each file's
last change, then shares the rest out between one process per core (`shares.py`,
`processes.py`): the first gathers the facts of the whole landscape (costs, with those
at the start of the month, usage, hosts), checks it (the findings the governance page
shows) and makes the summary pages; every process renders its shards and makes their
resources' pages, from the facts of its own resources. Generation is
incremental: a manifest in the folder records the digest of every page's inputs (its
view, and the code digest), a rebuild makes only the pages whose digest changed, and
pages of things that are gone are removed (`_Site`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import os
import pickle
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import platform_cli
import policies
from platform_cli.catalog import pages, processes, shares
from platform_cli.catalog.assets import CSS, search_js
from platform_cli.catalog.facts import (
    ApplyStatus,
    Facts,
    Month,
    costs_by_scope,
    gather,
    resource_facts,
)
from platform_cli.catalog.html import file_name
from platform_cli.catalog.landscape_map import COLLAPSE_ABOVE, draw
from platform_cli.catalog.writer import FileWriter
from platform_cli.checks import policy_engine
from platform_cli.checks.waivers import Waived, Waiver
from platform_cli.errors import PlatformError, UsageError
from platform_cli.evaluate.pipeline import evaluate_loaded, load_files
from platform_cli.findings import Finding, has_errors
from platform_cli.fingerprint import code_digest
from platform_cli.gcpause import paused
from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape, Resource
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.git import Change, GitRepository, Revision
from platform_cli.sources.layout import OPTIONAL_FILES, OPTIONAL_TEXT_FILES, STACK_FILES
from platform_cli.sources.tree import SourceFile, Tree, blob_id, read_tree

MARKER = ".platform-catalog"  # a folder the catalog owns, so a rebuild may prune it
MANIFEST = ".platform-catalog.json"  # the digest of every file the last build wrote
OWNED = ("teams", "systems", "resources", "assets")
RESOURCES = "resources/"
TOP_FILES = ("index.html", "cost.html", "governance.html")
INDEX_PART = 2000  # entries per part of the search index (about 400 KiB)
# Resource pages per process at least: below that, forking costs more than it saves
SHARE_AT_LEAST = 1000


@dataclass(frozen=True)
class CatalogOptions:
    root: Path
    out: Path
    today: datetime.date
    status: ApplyStatus | None = None
    repo_url: str = ""
    progress: Progress = SILENT
    # Processes that make the pages; 0: one per core, when each has SHARE_AT_LEAST
    # resource pages to make
    jobs: int = 0


@dataclass
class CatalogResult:
    out: Path
    written: int = 0  # files made and written
    unchanged: int = 0  # files the last build made from the same inputs, or with the same bytes
    removed: int = 0
    pages: int = 0
    largest: tuple[str, int] = ("", 0)
    notes: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # the files written, in order


@paused
def build_catalog(options: CatalogOptions) -> CatalogResult:
    """The site, made by one process per core (`shares.py`): the first gathers the facts
    of the whole landscape, checks it and makes the summary pages, while the others,
    forked once the landscape is loaded, render their shards and make their resources'
    pages; the first then does the same for its own shards. That assumes the landscape renders, as it does on a main branch
    that passed its checks. When it does not (a check error, or a stack that does not
    render), every resource page is made again without rendered objects, once every
    process has ended: the files are the same as from one process."""
    out = options.out
    _claim(out)
    files, read_findings = read_tree(options.root)
    first = load_files(files, options.progress)
    landscape = first.loaded.landscape
    result = CatalogResult(out)
    history = _history(options.root, result)
    revision = history.head if history else ""
    ctx = pages.Context(options.today, options.repo_url.rstrip("/"), revision, None, "")
    site = _Site(out)
    count = options.jobs or min(processes.cores(), landscape.resource_count // SHARE_AT_LEAST)
    work = shares.split(landscape, max(count, 1))
    checked: list[Finding] = []  # the first process's findings
    everything: list[Facts] = []  # the first process's facts, of the whole landscape

    def facts_of(i: int) -> Facts:
        """The facts of the whole landscape for the first process (its summary pages
        show them all), of its own resources for the others."""
        facts = gather(landscape) if i == 0 else resource_facts(landscape, work[i].resources)
        facts.status = options.status
        if history is not None:
            facts.changes = history.changes
            if i == 0:
                facts.month = _month(options.root, history, facts, files)
        return facts

    def share(i: int) -> _Share:
        made = _Pages(site)
        facts = facts_of(i)
        if i == 0:
            everything.append(facts)
            evaluation = evaluate_loaded(first, options.today)
            checked.extend(sorted(read_findings + evaluation.findings))
            _summary_pages(made, landscape, facts, ctx, checked, evaluation.waived)
            if has_errors(checked):
                return _Share(made.made, None)
        rendered = shares.render_share(landscape, work[i])
        if not rendered.failed:
            shown = dataclasses.replace(ctx, rendered=rendered.by_source)
            _resource_pages(made, work[i].resources, facts, shown)
        rendered.by_source = {}  # no need to send the objects back
        return _Share(made.made, rendered)

    done = processes.in_processes(share, len(work))
    why = _not_rendered(checked, [d.rendered for d in done])
    if why:
        result.notes.append(f"rendered objects left out: {why}")
        ahead = {rel for d in done for rel in d.made.written if rel.startswith(RESOURCES)}
        made = _Pages(site, again=ahead)
        shown = dataclasses.replace(ctx, not_rendered=why)
        _resource_pages(made, list(landscape.all_resources()), everything[0], shown)
        done = [_Share(d.made.without(RESOURCES), None) for d in done]
        done.append(_Share(made.made, None))
    for d in done:
        site.add(d.made, result)
    site.finish(result)
    return result


@dataclass
class _Share:
    """What one process made, and what it found rendering its shards (None when it
    did not render them)."""

    made: _Made
    rendered: shares.Rendered | None


def _not_rendered(findings: list[Finding], rendered: list[shares.Rendered | None]) -> str:
    """Why the resource pages cannot show rendered objects, or ""."""
    if has_errors(findings):
        return "the landscape has check errors (see Governance)"
    failed = shares.stacks_failed(r for r in rendered if r is not None)
    if failed:
        stack = min(failed)
        return f"stack {stack} does not render (run `platform render --stack {stack}`)"
    return ""


def _summary_pages(
    made: _Pages,
    landscape: Landscape,
    facts: Facts,
    ctx: pages.Context,
    findings: list[Finding],
    waived: list[Waived],
) -> None:
    """Every page but the resources': the summary pages (each depends on the whole
    landscape, and costs little) are made on every build and written when their bytes
    changed; a team's or a system's page is made only when its view changed."""
    collapsed = len(landscape.systems) > COLLAPSE_ABOVE
    made.put("index.html", pages.index(facts, draw(landscape, facts.depends), collapsed, ctx))
    made.put("teams/index.html", pages.teams_index(facts))
    made.put("systems/index.html", pages.systems_index(facts))
    for team in landscape.teams.values():
        listing = pages.team_view(team, facts, ctx)
        made.page(f"teams/{file_name(team.name)}", listing, pages.listing_page)
    for system in landscape.systems.values():
        listing = pages.system_view(system, facts, ctx)
        made.page(f"systems/{file_name(system.name)}", listing, pages.listing_page)
    made.put("cost.html", pages.cost_page(facts))
    waivers = (
        [
            Waiver.from_entry(i, e, landscape.waivers.path)
            for i, e in enumerate(landscape.waivers.entries)
        ]
        if landscape.waivers
        else []
    )
    made.put(
        "governance.html",
        pages.governance_page(policy_engine.registry(), waivers, findings, waived, ctx),
    )
    made.put("assets/catalog.css", CSS.encode())
    parts = search_index(facts)
    made.put("assets/search.js", search_js(len(parts)).encode())
    for i, part in enumerate(parts):
        made.put(f"assets/index-{i}.js", part)


def _resource_pages(
    made: _Pages, resources: Sequence[Resource], facts: Facts, ctx: pages.Context
) -> None:
    """A resource's page, made only when its view changed (`_Pages.page`)."""
    rendered = ctx.rendered
    for resource in resources:
        objects = None
        if rendered is not None:
            objects = pages.rendered_objects(rendered.get(resource.path, ()))
        view = pages.resource_view(resource, facts, ctx, objects)
        made.page(pages.resource_href(resource, ""), view, pages.resource_page)


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


View = TypeVar("View")


@dataclass
class _Made:
    """What one process made: the manifest entry (digest, size) of every file it
    owns this build, in the order made, and which of them it wrote."""

    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)

    def without(self, prefix: str) -> _Made:
        """What was made, but for the files under `prefix`."""
        return _Made(
            {rel: v for rel, v in self.files.items() if not rel.startswith(prefix)},
            [rel for rel in self.written if not rel.startswith(prefix)],
        )


class _Site:
    """The output folder during a build, and its manifest: the digest and size of every
    file the last build wrote. A page's digest covers its view (the facts it shows) and
    the code digest, so a page whose digest is in the manifest and whose file exists is
    the page this build would make. The manifest is read and removed when the build
    starts and written when it ends (`finish`): a build cut short leaves none, and the
    next build makes every page again. Files the build does not make are removed."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.code = code_digest(platform_cli, policies)
        self.old = self._read_manifest()
        self.existing = self._existing()
        self.made: dict[str, tuple[str, int]] = {}

    def unchanged(self, rel: str, key: str) -> int | None:
        """The size of the file the last build made from the same inputs, if it is there."""
        old = self.old.get(rel)
        if old is not None and old[0] == key and rel in self.existing:
            return old[1]
        return None

    def add(self, made: _Made, result: CatalogResult) -> None:
        """What a process made, counted into the result."""
        for rel, (key, size) in made.files.items():
            self.made[rel] = (key, size)
            result.pages += rel.endswith(".html")
            if size > result.largest[1]:
                result.largest = (rel, size)
        result.written += len(made.written)
        result.unchanged += len(made.files) - len(made.written)
        result.changed += made.written

    def finish(self, result: CatalogResult) -> None:
        for rel in sorted(self.existing - self.made.keys()):
            (self.out / rel).unlink()
            result.removed += 1
        data = {"code": self.code.hexdigest(), "files": self.made}
        text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        (self.out / MANIFEST).write_text(text + "\n", encoding="utf-8")

    def _read_manifest(self) -> dict[str, tuple[str, int]]:
        path = self.out / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            path.unlink()
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("code") != self.code.hexdigest():
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return {
            str(rel): (str(v[0]), int(v[1]))
            for rel, v in files.items()
            if isinstance(v, list) and len(v) == 2
        }

    def _existing(self) -> set[str]:
        """The files the catalog owns in the folder now, relative to it."""
        found: set[str] = set()
        for top in TOP_FILES:
            if (self.out / top).is_file():
                found.add(top)
        for top in OWNED:
            for folder, _, names in os.walk(self.out / top):
                rel = Path(folder).relative_to(self.out).as_posix()
                found.update(f"{rel}/{name}" for name in names)
        return found


class _Pages:
    """One process's pages during a build: each made unless the last build made it
    from the same inputs, and written by the process's own FileWriter."""

    def __init__(self, site: _Site, again: Collection[str] = ()) -> None:
        self.site = site
        self.again = again  # files another process of this build wrote: made again
        self.made = _Made()
        self.writer = FileWriter(site.out)

    def page(self, rel: str, view: View, make: Callable[[View], bytes]) -> None:
        """A page made from its view by `make`, unless the last build made it from the
        same view with the same code."""
        key = _digest(self.site.code, view)
        size = self.site.unchanged(rel, key)
        if size is None or rel in self.again:
            self._write(rel, key, make(view))
        else:
            self.made.files[rel] = (key, size)

    def put(self, rel: str, data: bytes) -> None:
        """A file made on every build, written when its bytes changed."""
        key = hashlib.sha256(data).hexdigest()
        if self.site.unchanged(rel, key) is None:
            self._write(rel, key, data)
        else:
            self.made.files[rel] = (key, len(data))

    def _write(self, rel: str, key: str, data: bytes) -> None:
        # plain writes: the manifest is written only after every file is
        self.writer.write(rel, data)
        self.made.files[rel] = (key, len(data))
        self.made.written.append(rel)


def _digest(code: hashlib._Hash, view: object) -> str:
    """The digest of a view (plain values: strings, numbers, tuples, dataclasses of them)
    under the code digest. Pickled without the memo ("fast" mode, for values without
    cycles), so equal values give equal bytes whether or not they share objects."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(view)
    digest = code.copy()
    digest.update(buffer.getbuffer())
    return digest.hexdigest()


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


@dataclass(frozen=True)
class _History:
    """What git says of the built commit: every file's last change, and the last
    commit before HEAD's month began (None when the history starts later)."""

    head: str
    changes: dict[str, Change]
    month_start: str  # ISO date of the first day of HEAD's month
    before: Revision | None


def _history(root: Path, result: CatalogResult) -> _History | None:
    """The commit's history, or None (with a note) outside git."""
    try:
        repo = GitRepository(root)
        head = repo.head()
    except PlatformError as exc:
        result.notes.append(f"no git history ({exc.message}): no last changes, no month's change")
        return None
    try:
        when = datetime.datetime.fromisoformat(repo.commit_time(head))
        first = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        # strictly before the month starts (git's --before includes the instant itself)
        last_second = (first - datetime.timedelta(seconds=1)).isoformat()
        before = repo.last_commit_before(head, last_second)
        return _History(head.sha, repo.last_changes(head), first.date().isoformat(), before)
    finally:
        repo.close()


def _month(root: Path, history: _History, facts: Facts, files: list[SourceFile]) -> Month:
    """The costs at the start of HEAD's month, from the last commit before it."""
    if history.before is None:
        return Month(history.month_start, "", {})
    repo = GitRepository(root)
    try:
        old, _ = repo.tree_at(history.before)
        costs = month_costs(facts, files, old)
    finally:
        repo.close()
    return Month(history.month_start, history.before.sha, costs)


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
