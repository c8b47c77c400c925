"""The landscape map as SVG, laid out at build time: systems in boxes grouped by team,
integrations (solid) and `dependsOn` between systems (dashed) as arrows, master data
and personal data marked, the tier shown. Every node links to its page.

The layout is compound: each team's systems are laid out in layers (`layout.layered`),
which gives the team's box its size; then the teams are laid out the same way with the
edges between them. Above `COLLAPSE_ABOVE` systems the map shows teams only, each with
its number of systems, so that the drawing stays readable and small at 10,000 resources.
"""

from __future__ import annotations

from collections.abc import Mapping

from platform_cli.catalog.html import Markup, escape, file_name, join, tag
from platform_cli.catalog.layout import layered
from platform_cli.load.model import Landscape, System

COLLAPSE_ABOVE = 150
NODE_W, NODE_H = 170.0, 44.0
PAD, LABEL = 14.0, 22.0
TEAM_W, TEAM_H = 190.0, 50.0


def _short(text: str, size: int = 24) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _edges(landscape: Landscape, depends: Mapping[str, set[str]]) -> list[tuple[str, str, str]]:
    """(source, target, 'integration' | 'depends') between known systems, sorted."""
    found: set[tuple[str, str, str]] = set()
    for system in landscape.systems.values():
        for other in system.integrates_with:
            if other in landscape.systems and other != system.name:
                found.add((system.name, other, "integration"))
    for source, targets in depends.items():
        for target in targets:
            known = source in landscape.systems and target in landscape.systems
            if known and (source, target, "integration") not in found:
                found.add((source, target, "depends"))
    return sorted(found)


def _path(points: list[tuple[float, float]], kind: str) -> Markup:
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return tag("path", "", d=d, class_=f"edge {kind}" if kind == "depends" else "edge")


def _clip(
    a: tuple[float, float], b: tuple[float, float], w: float, h: float
) -> tuple[float, float]:
    """Where the segment from a box's centre `a` towards `b` leaves the box."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return a
    scale = min(
        (w / 2) / abs(dx) if dx else float("inf"), (h / 2) / abs(dy) if dy else float("inf")
    )
    scale = min(scale, 1.0)
    return (a[0] + dx * scale, a[1] + dy * scale)


def _node(system: System, x: float, y: float, root: str) -> Markup:
    classes = ["node", system.tier]
    if system.master_data:
        classes.append("master")
    marks = [system.tier]
    if system.master_data:
        marks.append("master data")
    personal = "personal" in system.data_classes
    title = str(system.spec.get("title") or system.name)
    label = f"{system.name}: {title}, tier {system.tier}"
    label += ", master data" if system.master_data else ""
    label += ", personal data" if personal else ""
    inner = join(
        [
            tag("title", label),
            tag(
                "rect",
                "",
                x=f"{x - NODE_W / 2:.1f}",
                y=f"{y - NODE_H / 2:.1f}",
                width=f"{NODE_W:.0f}",
                height=f"{NODE_H:.0f}",
                rx="5",
            ),
            tag("text", _short(system.name), x=f"{x - NODE_W / 2 + 8:.1f}", y=f"{y - 4:.1f}"),
            tag(
                "text",
                " · ".join(marks),
                x=f"{x - NODE_W / 2 + 8:.1f}",
                y=f"{y + 13:.1f}",
                class_="meta",
            ),
            tag("text", "PD", x=f"{x + NODE_W / 2 - 24:.1f}", y=f"{y - 4:.1f}", class_="pd")
            if personal
            else "",
        ]
    )
    href = f"{root}systems/{file_name(system.name)}"
    return tag("a", tag("g", inner, class_=" ".join(classes)), href=href, aria_label=label)


def draw(landscape: Landscape, depends: Mapping[str, set[str]], root: str = "") -> Markup:
    """The map as an inline SVG element."""
    if len(landscape.systems) > COLLAPSE_ABOVE:
        return _teams_only(landscape, depends, root)
    edges = _edges(landscape, depends)
    team_of = {s.name: s.owner for s in landscape.systems.values()}
    members: dict[str, list[str]] = {}
    for name in sorted(landscape.systems):
        members.setdefault(team_of[name], []).append(name)
    inner: dict[str, tuple[float, float, dict[str, tuple[float, float]], list[Markup]]] = {}
    for team, names in sorted(members.items()):
        local = [(a, b) for a, b, _ in edges if team_of[a] == team == team_of[b]]
        placed = layered([(n, NODE_W, NODE_H) for n in names], local)
        drawn = [
            _path(placed.routes[(a, b)], kind)
            for a, b, kind in edges
            if team_of[a] == team == team_of[b] and (a, b) in placed.routes
        ]
        size = (placed.width + 2 * PAD, placed.height + 2 * PAD + LABEL)
        inner[team] = (*size, placed.centres, drawn)
    outer_edges = sorted(
        {(team_of[a], team_of[b]) for a, b, _ in edges if team_of[a] != team_of[b]}
    )
    teams = layered([(t, w, h) for t, (w, h, _, _) in inner.items()], outer_edges, compact=True)
    parts: list[Markup] = []
    centres: dict[str, tuple[float, float]] = {}
    for team, (w, h, local_centres, drawn) in inner.items():
        cx, cy = teams.centres[team]
        left, top = cx - w / 2 + PAD, cy - h / 2 + PAD + LABEL
        for name, (x, y) in local_centres.items():
            centres[name] = (x + left, y + top)
        group = [
            tag(
                "rect",
                "",
                x=f"{cx - w / 2:.1f}",
                y=f"{cy - h / 2:.1f}",
                width=f"{w:.0f}",
                height=f"{h:.0f}",
                rx="8",
                class_="team",
            ),
            tag(
                "a",
                tag(
                    "text",
                    f"team {team}",
                    x=f"{cx - w / 2 + 8:.1f}",
                    y=f"{cy - h / 2 + 16:.1f}",
                    class_="team-label",
                ),
                href=f"{root}teams/{file_name(team)}",
            ),
            tag("g", join(drawn), transform=f"translate({left:.1f},{top:.1f})"),
        ]
        parts.append(tag("g", join(group), class_="team-group"))
    between = []
    for a, b, kind in edges:
        if team_of[a] != team_of[b]:
            pa, pb = centres[a], centres[b]
            between.append(
                _path([_clip(pa, pb, NODE_W, NODE_H), _clip(pb, pa, NODE_W, NODE_H)], kind)
            )
    nodes = [_node(landscape.systems[n], *centres[n], root) for n in sorted(centres)]
    return _svg(teams.width, teams.height, [*parts, *between, *nodes], "systems by team")


def _teams_only(landscape: Landscape, depends: Mapping[str, set[str]], root: str) -> Markup:
    team_of = {s.name: s.owner for s in landscape.systems.values()}
    counts: dict[str, int] = {}
    for system in landscape.systems.values():
        counts[system.owner] = counts.get(system.owner, 0) + 1
    edges = sorted(
        {
            (team_of[a], team_of[b])
            for a, b, _ in _edges(landscape, depends)
            if team_of[a] != team_of[b]
        }
    )
    placed = layered([(t, TEAM_W, TEAM_H) for t in sorted(counts)], edges, compact=True)
    parts: list[Markup] = []
    for a, b in edges:
        pa, pb = placed.centres[a], placed.centres[b]
        parts.append(_path([_clip(pa, pb, TEAM_W, TEAM_H), _clip(pb, pa, TEAM_W, TEAM_H)], ""))
    for team in sorted(counts):
        x, y = placed.centres[team]
        label = f"team {team}: {counts[team]} systems"
        body = join(
            [
                tag("title", label),
                tag(
                    "rect",
                    "",
                    x=f"{x - TEAM_W / 2:.1f}",
                    y=f"{y - TEAM_H / 2:.1f}",
                    width=f"{TEAM_W:.0f}",
                    height=f"{TEAM_H:.0f}",
                    rx="6",
                ),
                tag("text", _short(team), x=f"{x - TEAM_W / 2 + 8:.1f}", y=f"{y - 4:.1f}"),
                tag(
                    "text",
                    f"{counts[team]} systems",
                    x=f"{x - TEAM_W / 2 + 8:.1f}",
                    y=f"{y + 14:.1f}",
                    class_="meta",
                ),
            ]
        )
        parts.append(
            tag(
                "a",
                tag("g", body, class_="node"),
                href=f"{root}teams/{file_name(team)}",
                aria_label=label,
            )
        )
    return _svg(placed.width, placed.height, parts, "teams (collapsed)")


def _svg(width: float, height: float, parts: list[Markup], what: str) -> Markup:
    w, h = width + 20, height + 20
    defs = Markup(
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#57606a"/></marker></defs>'
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="group" aria-labelledby="map-title" '
        f'width="{w:.0f}" height="{h:.0f}" viewBox="-10 -10 {w:.0f} {h:.0f}">'
        f'<title id="map-title">Landscape map: {escape(what)}</title>{defs}'
        f"{join(parts)}</svg>"
    )
