"""Production databases and servers are protected against deletion.

Deleting a file in Git must never silently delete a production database or a
server's disk: the apply would do exactly that. In the environments listed in
`deletionProtection.environments` (by default `production`), every Database and
Server sets `deletionProtection: true`; to remove one, a reviewed change first sets
it to false, and a second change deletes the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Parameters, Scope, Violation, violation
from platform_cli.checks.requirement import Requirement
from platform_cli.findings import Level
from platform_cli.load.model import Database, Server, Stack, System

ID = "LND011"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Deletion protection for production databases and servers"

PASSING = """\
kind: Database
spec: {deletionProtection: true}
"""
FAILING = """\
kind: Database
spec: {deletionProtection: false}   # LND011 in a production stack
"""


def environments(params: Parameters) -> frozenset[str]:
    """The policy's parameter: `deletionProtection.environments` in policies/config.yaml."""
    return params.environments("deletionProtection")


def requirement(params: Parameters, stack: Stack, system: System | None) -> Requirement | None:
    """What a new database or server in `stack` must have to pass."""
    if stack.environment not in environments(params):
        return None
    return Requirement(ID, deletion_protection=True)


def check(context: Context) -> Iterator[Violation]:
    protected = environments(context.parameters)
    for resource, stack, _system in context.resources():
        if not isinstance(resource, Database | Server) or resource.deletion_protection:
            continue
        if stack.environment not in protected:
            continue
        keys = (
            ("spec", "deletionProtection") if "deletionProtection" in resource.spec else ("spec",)
        )
        yield violation(
            resource,
            *keys,
            message=f"{resource.kind.lower()} '{resource.name}' in stack '{stack.name}' "
            "is not protected against deletion",
            hint="set deletionProtection: true",
        )
