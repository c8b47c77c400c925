"""Render a stack of the landscape to Kubernetes objects.

`render_stack(landscape, stack)` is a pure function: the same landscape gives the same
objects, as plain dicts, in the same order (namespaces by team, then each team's
databases, services and servers by name. The package is pure: reading and checking a
tree before rendering it is `platform_cli.evaluate.rendering.render_tree`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from platform_cli.errors import PlatformError, UsageError
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope, format_finding, has_errors
from platform_cli.gcpause import paused
from platform_cli.load.model import Database, Landscape, Resource, Server, Service
from platform_cli.render.context import Context, consumers_of
from platform_cli.render.database import render_database
from platform_cli.render.meta import SOURCE_ANNOTATION, TEAM_LABEL, Manifest
from platform_cli.render.namespace import render_team
from platform_cli.render.server import render_server
from platform_cli.render.workload import render_service
from platform_cli.words import plural

__all__ = [
    "LandscapeHasErrors",
    "Manifest",
    "ObjectId",
    "Rendered",
    "clashes",
    "object_id",
    "placed",
    "render_stack",
    "select_team",
]

# Databases first: their secrets exist before the services that read them start
_KIND_ORDER = {"Database": 0, "Service": 1, "Server": 2}
_SHOWN_ERRORS = 5

RENDER_NAME_CLASH = BuiltinRule(
    "render-name-clash",
    Level.ERROR,
    RuleScope.STACK,
    "Two resources would render the same Kubernetes object (found when rendering).",
)


class LandscapeHasErrors(PlatformError):
    """The landscape (or its rendering) has errors; nothing is rendered or deployed."""

    def __init__(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.level is Level.ERROR]
        lines = [format_finding(f, level=False) for f in errors[:_SHOWN_ERRORS]]
        if len(errors) > _SHOWN_ERRORS:
            lines.append(f"... and {len(errors) - _SHOWN_ERRORS} more")
        super().__init__(
            f"the landscape has {plural(len(errors), 'error')}; "
            "refusing to render it:\n  " + "\n  ".join(lines),
            hint="run `platform check` and fix the errors first",
        )
        self.findings = findings


@dataclass
class Rendered:
    """The objects of one stack, and what the renderer found on the way."""

    stack: str
    objects: list[Manifest]
    findings: list[Finding] = field(default_factory=list)
    # The kubeconfig context of the stack's cluster, for whoever applies the objects
    kube_context: str = ""

    @property
    def failed(self) -> bool:
        return has_errors(self.findings)


ObjectId = tuple[str, str, str, str]


def object_id(obj: Manifest) -> ObjectId:
    """(apiVersion, kind, namespace, name): what the API server keeps unique."""
    meta = obj["metadata"]
    return (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"])


def placed(objects: Iterable[Manifest]) -> Iterator[tuple[ObjectId, str]]:
    """Each object's id and the file it is rendered from."""
    for obj in objects:
        yield object_id(obj), obj["metadata"]["annotations"][SOURCE_ANNOTATION]


@paused
def render_stack(
    landscape: Landscape, stack_name: str, teams: Collection[str] | None = None
) -> Rendered:
    """Every object of a stack, or of the given teams' shards of it. The landscape must
    be free of check errors."""
    stack = landscape.stacks.get(stack_name)
    if stack is None:
        raise UsageError(
            f"unknown stack {stack_name!r}",
            hint=f"stacks: {', '.join(sorted(landscape.stacks)) or '(none)'}",
        )
    ctx = Context(landscape, stack, consumers_of(landscape, stack))
    by_team: dict[str, list[Resource]] = {}
    for resource in landscape.in_stack(stack_name).values():
        by_team.setdefault(resource.team, []).append(resource)
    selected = sorted(
        name
        for name, team in landscape.teams.items()
        if (name in by_team or team.quota(stack_name) is not None)
        and (teams is None or name in teams)
    )
    objects: list[Manifest] = []
    for name in selected:
        resources = sorted(by_team.get(name, []), key=lambda r: (_KIND_ORDER[r.kind], r.name))
        objects += render_team(landscape.teams[name], ctx, resources)
        for resource in resources:
            objects += _render_resource(resource, ctx)
    ctx.findings += clashes(placed(objects))
    if stack.namespace("team") == stack.vm_namespace("team"):
        ctx.findings.append(
            RENDER_NAME_CLASH.finding(
                stack.path,
                0,
                0,
                "namespacePattern and vmNamespacePattern give a team one namespace for its "
                "services and its servers, which must be apart (Pod Security and roles)",
                "give vmNamespacePattern another form, such as '{stack}-{team}-vms'",
            )
        )
    kube_context = str(stack.spec["cluster"]["kubeContext"])
    return Rendered(stack_name, objects, sorted(ctx.findings), kube_context)


def _render_resource(resource: Resource, ctx: Context) -> list[Manifest]:
    if isinstance(resource, Service):
        return render_service(resource, ctx)
    if isinstance(resource, Database):
        return render_database(resource, ctx)
    if isinstance(resource, Server):
        return render_server(resource, ctx)
    raise TypeError(f"no renderer for {resource.kind}")  # pragma: no cover


def clashes(objects: Iterable[tuple[ObjectId, str]]) -> list[Finding]:
    """Two resources whose objects would overwrite each other (a Service and a Server
    of one name in one namespace, for example), from each object's id and source."""
    seen: dict[ObjectId, str] = {}
    findings = []
    for key, source in objects:
        if key in seen and seen[key] != source:
            findings.append(
                RENDER_NAME_CLASH.finding(
                    source,
                    0,
                    0,
                    f"{key[1]} {key[2]}/{key[3]} is also rendered from {seen[key]}",
                    "give one of the resources another name",
                )
            )
        seen.setdefault(key, source)
    return findings


def select_team(objects: Iterable[Manifest], team: str | None) -> list[Manifest]:
    """The objects of one team (its namespace and everything in it), or all of them.

    This is the seam for Pulumi stacks sharded as `<stack>.<team>`."""
    if team is None:
        return list(objects)
    return [o for o in objects if o["metadata"]["labels"].get(TEAM_LABEL) == team]
