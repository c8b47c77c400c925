"""The catalog's pages, each a function of the facts that returns the page's bytes.

Every value from the landscape goes through `html.escape` (via `tag`, `table` and
`facts_list`); the only markup is what `html.py` builds.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_cli.catalog.facts import Facts, spec_summary
from platform_cli.catalog.html import (
    Markup,
    change,
    escape,
    facts_list,
    file_name,
    join,
    link,
    money,
    page,
    table,
    tag,
)
from platform_cli.checks.policy_engine import Policy
from platform_cli.checks.waivers import Waived, Waiver
from platform_cli.findings import Finding
from platform_cli.load.model import Resource, System, Team
from platform_cli.render.pods import QUOTA_KEYS, column
from platform_cli.render.usage import parse_quota

# Rendered objects are trees the renderer made afresh: no cycle to look for
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
SOON_DAYS = 30  # a waiver expiring within this many days is marked


@dataclass(frozen=True)
class Context:
    """What every page may link to or mention besides the facts."""

    today: datetime.date
    repo_url: str  # e.g. https://github.com/org/repo; "" when unknown
    revision: str  # the commit the site was built from; "" outside git
    rendered: Mapping[str, list[dict[str, Any]]] | None  # source path -> objects
    not_rendered: str  # why `rendered` is None


def team_href(name: str, root: str) -> str:
    return f"{root}teams/{file_name(name)}"


def system_href(name: str, root: str) -> str:
    return f"{root}systems/{file_name(name)}"


def resource_href(r: Resource, root: str) -> str:
    return f"{root}resources/{file_name(r.stack)[:-5]}/{r.kind.lower()}/{file_name(r.name)}"


def _badges(system: System) -> Markup:
    marks = []
    if system.master_data:
        marks.append(tag("span", "master data", class_="badge md"))
    if "personal" in system.data_classes:
        marks.append(tag("span", "personal data", class_="badge pd"))
    return join(marks)


def _file_url(path: str, facts: Facts, ctx: Context) -> str:
    """The file in the repository's web view, at the commit that last changed it (the
    same bytes as at the built commit, and a page that does not change with every
    commit), or at the built commit when it is not committed; "" without an address."""
    last = facts.changes.get(path)
    revision = last.sha if last is not None else ctx.revision
    if ctx.repo_url and revision:
        return f"{ctx.repo_url}/blob/{revision}/{path}"
    return ""


def _file_link(path: str, facts: Facts, ctx: Context) -> Markup:
    url = _file_url(path, facts, ctx)
    return link(url, path) if url else tag("code", path)


# A row of a resources table: stack, kind, name, page (from the site's top), system,
# host, monthly cost
ResourceRow = tuple[str, str, str, str, str, str, str]
RESOURCE_HEADERS = Markup(
    "".join(
        f'<th scope="col">{h}</th>'
        for h in ("stack", "kind", "name", "system", "host", "monthly cost")
    )
)


def resource_rows(resources: Sequence[Resource], facts: Facts) -> tuple[ResourceRow, ...]:
    rows = []
    for r in sorted(resources, key=lambda r: (r.stack, r.kind, r.name)):
        c = facts.cost.get(id(r))
        host = facts.hosts.get(id(r))
        rows.append(
            (
                r.stack,
                r.kind,
                r.name,
                resource_href(r, ""),
                r.system,
                str(host) if host else "",
                money(c.total if c else None),
            )
        )
    return tuple(rows)


def _resources_table(rows: Sequence[ResourceRow], root: str) -> Markup:
    """The same markup as `table` makes, written out: team and system pages list every
    resource of the landscape between them."""
    e = _e
    body = "".join(
        [
            f"<tr><td>{e(stack)}</td><td>{e(kind)}</td>"
            f'<td><a href="{e(root + href)}">{e(name)}</a></td>'
            f'<td><a href="{e(system_href(system, root))}">{e(system)}</a></td>'
            f"<td>{e(host)}</td><td>{e(cost)}</td></tr>\n"
            for stack, kind, name, href, system, host, cost in rows
        ]
    )
    return Markup(
        f"<table><thead><tr>{RESOURCE_HEADERS}</tr>\n</thead><tbody>{body}</tbody></table>\n"
    )


@dataclass(frozen=True)
class ListingView:
    """A team's or a system's page: its facts (small, already markup) and the table of
    its resources (as plain rows). The page is a function of this alone."""

    title: str
    head: Markup
    heading: str
    resources: tuple[ResourceRow, ...]


def listing_page(view: ListingView) -> bytes:
    root = "../"
    body = join([view.head, tag("h2", view.heading), _resources_table(view.resources, root)])
    return page(view.title, root, body)


def index(facts: Facts, svg: Markup, collapsed: bool, ctx: Context) -> bytes:
    landscape = facts.landscape
    personal = sorted(n for n, s in landscape.systems.items() if "personal" in s.data_classes)
    legend = tag(
        "ul",
        join(
            tag("li", t)
            for t in [
                "Boxes are systems, grouped by the team that owns them; each links to its page.",
                "Solid arrows: declared integrations (integratesWith). Dashed: dependsOn "
                "between the systems' resources.",
                "PD: the system holds personal data. Shaded: master data. "
                "Red border: critical tier; the tier is under each name.",
            ]
        ),
        class_="legend",
    )
    if collapsed:
        legend = tag(
            "p",
            "The landscape has too many systems for one drawing: the map shows "
            "teams, each linking to its page with its systems.",
        )
    summary = (
        f"{len(landscape.teams)} teams, {len(landscape.systems)} systems, "
        f"{landscape.resource_count} resources in {len(landscape.stacks)} stacks; "
        f"{len(personal)} systems hold personal data."
    )
    built = f"Built from commit {ctx.revision[:12]}." if ctx.revision else "Built outside git."
    body = join(
        [
            tag("p", f"{summary} {built}"),
            tag("h2", "Landscape map"),
            legend,
            tag("div", svg, class_="map"),
        ]
    )
    return page("Landscape catalog", "", body)


def teams_index(facts: Facts) -> bytes:
    root = "../"
    rows = [
        [
            link(file_name(t.name), t.name),
            t.spec.get("title", ""),
            ", ".join(t.owners),
            len(facts.by_team.get(t.name, [])),
            money(facts.cost_of(facts.by_team.get(t.name, []))),
        ]
        for t in sorted(facts.landscape.teams.values(), key=lambda t: t.name)
    ]
    return page(
        "Teams", root, table(["team", "title", "owners", "resources", "monthly cost"], rows)
    )


def systems_index(facts: Facts) -> bytes:
    root = "../"
    rows = [
        [
            link(file_name(s.name), s.name),
            join([s.spec.get("title", ""), _badges(s)]),
            link(team_href(s.owner, root), s.owner),
            s.tier,
            money(facts.cost_of(facts.by_system.get(s.name, []))),
        ]
        for s in sorted(facts.landscape.systems.values(), key=lambda s: s.name)
    ]
    return page("Systems", root, table(["system", "title", "team", "tier", "monthly cost"], rows))


def _quota_rows(team: Team, facts: Facts) -> list[list[object]]:
    rows: list[list[object]] = []
    for stack in sorted(facts.landscape.stacks):
        quota = team.quota(stack)
        used = facts.usage.get((stack, team.name))
        if quota is None and used is None:
            continue
        for key in QUOTA_KEYS:
            amount = used.get(key) if used else 0
            limit = parse_quota(key, quota[key]) if quota and key in quota else None
            if limit is None:
                rows.append([stack, key, column(key, [amount, amount], up=True)[0], "no quota", ""])
                continue
            shown_used, shown_limit = column(key, [amount, limit], up=True)
            share = f"{amount / limit:.0%}" if limit else "-"
            bar = tag(
                "meter",
                share,
                value=str(amount),
                min="0",
                max=str(max(limit, 1)),
                high=str(int(limit * 0.9)),
                optimum="0",
                aria_label=f"{key} in {stack}: {shown_used} of {shown_limit}",
            )
            rows.append([stack, key, shown_used, shown_limit, join([bar, " ", share])])
    return rows


def team_view(team: Team, facts: Facts, ctx: Context) -> ListingView:
    root = "../"
    contacts: Mapping[str, Any] = team.spec.get("contacts", {})
    systems = sorted(
        (s for s in facts.landscape.systems.values() if s.owner == team.name), key=lambda s: s.name
    )
    resources = facts.by_team.get(team.name, [])
    costs = []
    for stack in sorted(facts.landscape.stacks):
        here = [r for r in resources if r.stack == stack]
        now = facts.cost_of(here)
        costs.append(
            [stack, money(now), change(now, facts.month_cost(stack=stack, team=team.name))]
        )
    total = facts.cost_of(resources)
    costs.append(["all stacks", money(total), change(total, facts.month_cost(team=team.name))])
    body = join(
        [
            tag("p", team.metadata.get("description", "")),
            facts_list(
                [
                    ("title", team.spec.get("title", "")),
                    ("owners", ", ".join(team.owners)),
                    ("on call", contacts.get("onCall", "not declared")),
                    ("email", contacts.get("email", "")),
                    ("chat", contacts.get("chat", "")),
                    ("cost centre", team.spec.get("costCenter", "")),
                    ("file", _file_link(team.path, facts, ctx)),
                ]
            ),
            tag("h2", "Systems"),
            tag(
                "ul",
                join(
                    tag(
                        "li",
                        join(
                            [
                                link(system_href(s.name, root), s.name),
                                " ",
                                s.spec.get("title", ""),
                                _badges(s),
                            ]
                        ),
                    )
                    for s in systems
                ),
            ),
            tag("h2", "Quotas and usage at peak"),
            table(["stack", "key", "used at peak", "quota", "share"], _quota_rows(team, facts)),
            tag("h2", "Monthly cost"),
            _month_note(facts),
            table(["stack", "monthly cost", "change this month"], costs),
        ]
    )
    return ListingView(f"Team {team.name}", body, "Resources", resource_rows(resources, facts))


def _month_note(facts: Facts) -> Markup:
    month = facts.month
    if month is None:
        return tag("p", "The month's change is not shown: the catalog was built outside git.")
    if not month.commit:
        return tag(
            "p", f"The month's change is not shown: the history has no commit before {month.start}."
        )
    return tag(
        "p",
        f"The change is against commit {month.commit[:12]}, the last one before "
        f"{month.start}, the first day of this commit's month.",
    )


def system_view(system: System, facts: Facts, ctx: Context) -> ListingView:
    root = "../"
    systems = facts.landscape.systems
    incoming = sorted(s.name for s in systems.values() if system.name in s.integrates_with)
    used_by = sorted(s for s, targets in facts.depends.items() if system.name in targets)

    def listed(names: Sequence[str]) -> Markup:
        if not names:
            return Markup("none")
        return join((link(system_href(n, root), n) if n in systems else n for n in names), ", ")

    resources = facts.by_system.get(system.name, [])
    body = join(
        [
            tag("p", system.spec.get("description", "")),
            facts_list(
                [
                    ("title", join([system.spec.get("title", ""), _badges(system)])),
                    ("team", link(team_href(system.owner, root), system.owner)),
                    ("tier", system.tier),
                    ("master data", "yes" if system.master_data else "no"),
                    ("data classes", ", ".join(system.data_classes) or "none declared"),
                    ("lifecycle", system.spec.get("lifecycle", "active")),
                    ("integrates with", listed(system.integrates_with)),
                    ("integrated by", listed(incoming)),
                    ("depends on (dependsOn)", listed(sorted(facts.depends.get(system.name, ())))),
                    ("depended on by", listed(used_by)),
                    ("monthly cost", money(facts.cost_of(resources))),
                    ("file", _file_link(system.path, facts, ctx)),
                ]
            ),
        ]
    )
    return ListingView(
        f"System {system.name}", body, "Resources per stack", resource_rows(resources, facts)
    )


@dataclass(frozen=True)
class ResourceView:
    """Everything a resource's page shows, as plain values: the page is a function of
    this alone, so a page whose view has the digest of the last build is unchanged."""

    kind: str
    name: str
    stack: str
    team: str
    system: str
    description: str
    cost: str
    file: tuple[str, str]  # (path, address in the repository's web view or "")
    last_change: tuple[str, str, str, str] | str  # (commit, author, when, subject) or why not
    spec: tuple[tuple[str, str], ...]
    status: tuple[tuple[str, str], ...] | str  # the shard's facts, or a sentence
    objects: tuple[tuple[str, str], ...] | str  # (heading, JSON) per object, or why not


def resource_view(
    resource: Resource, facts: Facts, ctx: Context, objects: Sequence[tuple[str, str]] | None
) -> ResourceView:
    """The view of a resource's page; `objects` are its rendered objects, each as a
    heading and its JSON (serialised once, see `rendered_objects`)."""
    c = facts.cost.get(id(resource))
    last = facts.changes.get(resource.path)
    return ResourceView(
        resource.kind,
        resource.name,
        resource.stack,
        resource.team,
        resource.system,
        str(resource.metadata.get("description", "")),
        money(c.total if c else None),
        (resource.path, _file_url(resource.path, facts, ctx)),
        (last.sha[:12], last.author, last.when, last.subject)
        if last is not None
        else "not committed"
        if ctx.revision
        else "not in git",
        tuple(spec_summary(resource, facts)),
        _status(resource, facts),
        tuple(objects) if objects is not None else f"Not rendered: {ctx.not_rendered}",
    )


def rendered_objects(objects: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """Each rendered object of a resource as its page heading and its JSON."""
    return tuple(
        (
            f"{o['kind']} {o['metadata'].get('namespace', '')}/{o['metadata']['name']}",
            _JSON.encode(o),
        )
        for o in objects
    )


def _status(resource: Resource, facts: Facts) -> tuple[tuple[str, str], ...] | str:
    if facts.status is None:
        return ""
    shard = facts.shard_status(resource)
    if shard is None:
        return f"Apply status: `platform status` has no entry for {resource.stack}.{resource.team}."
    return (
        ("state", shard.state),
        ("applied commit", shard.commit[:12] or "-"),
        ("applied at", shard.applied_at or "-"),
        ("drift", shard.drift or "not checked"),
        ("run", shard.run or "-"),
    )


NO_STATUS = (
    '<p class="muted">Apply status: not available. The catalog was built without '
    "`platform status` data (pass --status FILE, the output of "
    "`platform status --format json`).</p>\n"
)


def _dl(rows: Sequence[tuple[str, str]]) -> str:
    items = "".join([f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>\n" for k, v in rows])
    return f"<dl>{items}</dl>\n"


def _e(value: str) -> str:
    """`html.escape` for the templates below, where every value is a str; most values
    (names, kinds, amounts) hold nothing to escape, and are returned as they are."""
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return html.escape(value)
    return value


def _text(value: str) -> str:
    """Escaped for an element's text, where only `&`, `<` and `>` are markup (quotes
    end only attribute values): the rendered objects' JSON keeps its quotes, a third
    of the resource pages' bytes."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def resource_page(view: ResourceView) -> bytes:
    """The page of one resource. There are as many as resources (10,000 in the
    benchmark), so it is one template over escaped values rather than nested tags; it
    makes the same markup as `tag` and `facts_list` would."""
    root = "../../../"
    path, url = view.file
    file = f'<a href="{_e(url)}">{_e(path)}</a>' if url else f"<code>{_e(path)}</code>"
    if isinstance(view.last_change, tuple):
        sha, author, when, subject = view.last_change
        last = f"<code>{_e(sha)}</code>{_e(f' by {author}, {when}: ')}{_e(subject)}"
    else:
        last = view.last_change
    if isinstance(view.status, tuple):
        status = _dl(view.status)
    else:
        status = f"<p>{_e(view.status)}</p>\n" if view.status else NO_STATUS
    if isinstance(view.objects, tuple):
        objects = "".join(
            [
                f'<h3>{_e(heading)}</h3>\n<pre class="wrap"><code>{_text(data)}</code></pre>\n'
                for heading, data in view.objects
            ]
        )
    else:
        objects = f"<p>{_e(view.objects)}</p>\n"
    team = f'<a href="{_e(team_href(view.team, root))}">{_e(view.team)}</a>'
    system = f'<a href="{_e(system_href(view.system, root))}">{_e(view.system)}</a>'
    facts = (
        f"<dl><dt>kind</dt><dd>{_e(view.kind)}</dd>\n<dt>stack</dt><dd>{_e(view.stack)}</dd>\n"
        f"<dt>team</dt><dd>{team}</dd>\n<dt>system</dt><dd>{system}</dd>\n"
        f"<dt>monthly cost</dt><dd>{_e(view.cost)}</dd>\n<dt>file</dt><dd>{file}</dd>\n"
        f"<dt>last change</dt><dd>{last}</dd>\n</dl>\n"
    )
    body = Markup(
        f"<p>{_e(view.description)}</p>\n{facts}<h2>Spec</h2>\n{_dl(view.spec)}"
        f"<h2>Apply status</h2>\n{status}"
        f"<h2>Rendered Kubernetes objects (as applied, in JSON)</h2>\n{objects}"
    )
    return page(f"{view.kind} {view.name} ({view.stack})", root, body)


def cost_page(facts: Facts) -> bytes:
    landscape = facts.landscape
    if landscape.prices is None:
        return page("Cost", "", tag("p", "No price sheet (policies/prices.yaml): no costs."))
    by_stack: dict[str, list[Resource]] = {}
    by_team_stack: dict[tuple[str, str], list[Resource]] = {}
    for r in landscape.all_resources():
        by_stack.setdefault(r.stack, []).append(r)
        by_team_stack.setdefault((r.team, r.stack), []).append(r)
    stacks = [
        [s, money(facts.cost_of(rs)), change(facts.cost_of(rs), facts.month_cost(stack=s))]
        for s, rs in sorted(by_stack.items())
    ]
    teams = [
        [
            link(team_href(t, ""), t),
            s,
            money(facts.cost_of(rs)),
            change(facts.cost_of(rs), facts.month_cost(stack=s, team=t)),
        ]
        for (t, s), rs in sorted(by_team_stack.items())
    ]
    systems = [
        [
            link(system_href(n, ""), n),
            money(facts.cost_of(rs)),
            change(facts.cost_of(rs), facts.month_cost(system=n)),
        ]
        for n, rs in sorted(facts.by_system.items())
    ]
    total = facts.cost_of(list(landscape.all_resources()))
    body = join(
        [
            tag(
                "p",
                f"Monthly cost of what every resource reserves at rest, at the price "
                f"sheet's rates (policies/prices.yaml): {money(total)} in all.",
            ),
            _month_note(facts),
            tag("h2", "Per stack"),
            table(["stack", "monthly cost", "change this month"], stacks),
            tag("h2", "Per team and stack"),
            table(["team", "stack", "monthly cost", "change this month"], teams),
            tag("h2", "Per system"),
            table(["system", "monthly cost", "change this month"], systems),
        ]
    )
    return page("Cost", "", body)


def _expiry(waiver: Waiver, today: datetime.date) -> Markup:
    try:
        days = (datetime.date.fromisoformat(waiver.expires) - today).days
    except ValueError:
        return escape(waiver.expires)
    if days < 0:
        return tag("span", f"{waiver.expires} (expired {-days} days ago)", class_="soon")
    if days <= SOON_DAYS:
        return tag("span", f"{waiver.expires} (in {days} days)", class_="soon")
    return escape(f"{waiver.expires} (in {days} days)")


def governance_page(
    policies: Sequence[Policy],
    waivers: Sequence[Waiver],
    findings: Sequence[Finding],
    waived: Sequence[Waived],
    ctx: Context,
) -> bytes:
    ordered = sorted(waivers, key=lambda w: (w.expires, w.index))
    waiver_rows = [
        [_expiry(w, ctx.today), w.policy, w.target, w.reason, w.ticket, w.approved_by]
        for w in ordered
    ]
    finding_rows = [
        [f.level.value, f.rule, f"{f.path}:{f.line}:{f.column}", f.message] for f in findings
    ]
    waived_rows = [
        [w.finding.rule, f"{w.finding.path}:{w.finding.line}", w.waiver.ticket] for w in waived
    ]
    policy_parts = [
        join(
            [
                tag("h3", f"{p.id} {p.title}", id=p.id.lower()),
                tag("p", f"level {p.level.value}, scope {p.scope.value}"),
                tag("pre", p.doc),
            ]
        )
        for p in policies
    ]
    body = join(
        [
            tag("h2", "Waivers, soonest to expire first"),
            table(["expires", "policy", "target", "reason", "ticket", "approved by"], waiver_rows)
            if waiver_rows
            else tag("p", "No waivers."),
            tag("h2", f"Findings at this commit ({len(findings)})"),
            table(["level", "rule", "where", "message"], finding_rows)
            if finding_rows
            else tag("p", "No findings: the landscape passes every check."),
            tag("h3", f"Waived ({len(waived)})"),
            table(["rule", "where", "waiver ticket"], waived_rows) if waived_rows else "",
            tag("h2", "Policies"),
            join(policy_parts),
        ]
    )
    return page("Governance", "", body)
