"""`reserved-name`: a resource is not named like an object that the renderer or an
operator derives in its namespace (`default-deny`, `<db>-rw`, `<db>-app`, `<db>-1`,
`<vm>-root`, `<service>-tls`, ...; the model is `render/names.py`).

Such a name passes every other check and breaks only when the stack is rendered or
applied, where it stops the whole shard. Each name is looked up, not matched against
every resource: the check is linear in the number of resources.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Resource, Stack
from platform_cli.render.names import NAMESPACE_OBJECTS, derivations, fixed, what_derives

RULE = BuiltinRule(
    "reserved-name",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource is named like an object the renderer or an operator derives in its "
    "namespace (default-deny, <db>-rw, <db>-app, <vm>-root, ...).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack in sorted(land.resources):
        bucket = land.resources[stack]
        definition = land.stacks.get(stack)

        def place(resource: Resource, definition: Stack | None = definition) -> str:
            # The namespace the resource lives in (`Stack.namespace_of`: a server in its
            # team's VM namespace); without a stack file (reported by ref-stack), its team
            if definition is None:
                return resource.team
            return definition.namespace_of(resource)

        # (namespace, kind, name): the resources of each namespace
        index = {(place(r), kind, name) for (kind, name), r in bucket.items()}
        for resource in bucket.values():
            if not loaded.in_focus(resource.path):
                continue
            finding = _reserved(resource, place(resource), index)
            if finding is not None:
                yield finding


def _reserved(
    resource: Resource, namespace: str, index: set[tuple[str, str, str]]
) -> Finding | None:
    name = resource.name
    if fixed(name):
        return at(
            resource,
            RULE,
            f"'{name}' is the name of an object the platform renders in every team "
            f"namespace ({', '.join(NAMESPACE_OBJECTS)})",
            "choose another name",
            "metadata",
            "name",
        )
    for kind, base in derivations(name):
        if base != name and (namespace, kind, base) in index:
            return at(
                resource,
                RULE,
                f"{resource.kind} '{name}' takes a name that is reserved in its namespace: "
                f"{what_derives(kind, base)}",
                f"choose another name; '{name}' would overwrite or be overwritten by the "
                f"object {kind.lower()} '{base}' derives",
                "metadata",
                "name",
            )
    return None
