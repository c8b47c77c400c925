"""Graph layout: the only module that imports grandalf (a pure-Python Sugiyama layout).

`layered(nodes, edges)` places boxes of given sizes in layers so that edges point
mostly downwards with few crossings, and returns each box's centre and each edge's
route. Disconnected parts are laid out one by one and set side by side, in the order of
their first node, so the same graph always gives the same drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

GAP = 40.0  # between disconnected parts


@dataclass(frozen=True)
class Placed:
    """Centres by node, the routes of edges by (source, target), and the drawing's size."""

    centres: dict[str, tuple[float, float]]
    routes: dict[tuple[str, str], list[tuple[float, float]]]
    width: float
    height: float


class _Vertex(Vertex):
    """A vertex hashed by its position in the input: grandalf keeps some vertices and
    edges in sets, whose order would otherwise follow memory addresses, and the same
    graph must always give the same drawing (goldens, pages rewritten only on change)."""

    def __init__(self, data: str, index: int) -> None:
        super().__init__(data)
        self.order = index

    def __hash__(self) -> int:
        return self.order


class _Edge(Edge):
    def __hash__(self) -> int:
        return hash((self.v[0].order, self.v[1].order))


class _Box:
    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


class _Route:
    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = [(float(x), float(y)) for x, y in points]


def layered(
    nodes: Sequence[tuple[str, float, float]],
    edges: Sequence[tuple[str, str]],
    *,
    compact: bool = False,
) -> Placed:
    """Place `nodes` (name, width, height) joined by `edges` (source, target).

    With `compact`, the layers and the order within each layer are the layout's (the
    ranking and the crossing reduction), but each layer is packed side by side and
    centred, without the room the long edges' bends would take; the routes are then
    left empty and the caller draws straight lines. That keeps a graph of large boxes
    with many long edges (the teams) from spreading over many screens."""
    vertices = {name: _Vertex(name, i) for i, (name, _, _) in enumerate(nodes)}
    for name, w, h in nodes:
        vertices[name].view = _Box(w, h)
    links: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    for a, b in edges:
        if a == b or (a, b) in seen or a not in vertices or b not in vertices:
            continue
        seen.add((a, b))
        edge = _Edge(vertices[a], vertices[b])
        edge.view = _Route()
        links.append(edge)
    graph = Graph(list(vertices.values()), links)
    centres: dict[str, tuple[float, float]] = {}
    routes: dict[tuple[str, str], list[tuple[float, float]]] = {}
    order = {name: i for i, (name, _, _) in enumerate(nodes)}
    parts = sorted(graph.C, key=lambda c: min(order[v.data] for v in c.sV))
    left, height = 0.0, 0.0
    for part in parts:
        if len(part.sV) > 1:
            sugiyama = SugiyamaLayout(part)
            sugiyama.xspace, sugiyama.yspace = 24, 48
            sugiyama.init_all()
            sugiyama.draw()
            if compact:
                _pack(part.sV, sugiyama)
        xs = [v.view.xy[0] - v.view.w / 2 for v in part.sV]
        xe = [v.view.xy[0] + v.view.w / 2 for v in part.sV]
        ys = [v.view.xy[1] - v.view.h / 2 for v in part.sV]
        ye = [v.view.xy[1] + v.view.h / 2 for v in part.sV]
        dx, dy = left - min(xs), -min(ys)
        for v in part.sV:
            x, y = v.view.xy
            centres[v.data] = (x + dx, y + dy)
        for e in part.sE:
            route = e.view.points if isinstance(e.view, _Route) and not compact else []
            routes[(e.v[0].data, e.v[1].data)] = [(x + dx, y + dy) for x, y in route]
        left += max(xe) - min(xs) + GAP
        height = max(height, max(ye) - min(ys))
    return Placed(centres, routes, max(left - GAP, 0.0), height)


def _pack(vertices: Sequence[Vertex], sugiyama: SugiyamaLayout) -> None:
    """Rows by rank, each packed left to right in the layout's order and centred."""
    rows: dict[int, list[Vertex]] = {}
    for v in vertices:
        rows.setdefault(sugiyama.grx[v].rank, []).append(v)
    widths = {rank: sum(v.view.w for v in row) + GAP * (len(row) - 1) for rank, row in rows.items()}
    widest = max(widths.values())
    top = 0.0
    for rank in sorted(rows):
        row = sorted(rows[rank], key=lambda v: v.view.xy[0])
        height = max(v.view.h for v in row)
        x = (widest - widths[rank]) / 2
        for v in row:
            v.view.xy = (x + v.view.w / 2, top + height / 2)
            x += v.view.w + GAP
        top += height + GAP
