"""Services use other systems only through declared integrations, never their databases.

A resource may depend on a service of another system only if its own system lists
that system in `integratesWith`: the integration map in `landscape/systems/` is the
architects' picture of the landscape, and a dependency outside it is an integration
nobody reviewed.

A resource may never depend on another system's database, declared integration or
not. A database is the private state of its system; other systems go through that
system's services, so that the owner can change its schema without breaking others.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level

ID = "LND002"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Only declared integrations; no other system's database"

PASSING = """\
# landscape/systems/crm.yaml
spec: {integratesWith: [residents-registry]}
# stacks/prod/call-center/crm-api.yaml
metadata: {system: crm}
spec:
  dependsOn:
    - database: crm-db          # its own database
    - service: residents-api    # system residents-registry, declared above
"""
FAILING = """\
metadata: {system: crm}
spec:
  dependsOn:
    - service: billing-api      # LND002: crm does not integrate with billing
    - database: residents-db    # LND002: another system's database
"""


def check(context: Context) -> Iterator[Violation]:
    land = context.landscape
    for resource, stack, system in context.resources():
        if system is None:
            continue  # an undeclared system is reported by ref-system
        declared = set(system.integrates_with)
        in_stack = land.in_stack(stack.name)
        for index, (kind, name) in enumerate(resource.depends_on):
            target = in_stack.get((kind, name))
            if target is None or target.system == resource.system:
                continue
            keys = ("spec", "dependsOn", index, kind.lower())
            if kind == "Database":
                yield violation(
                    resource,
                    *keys,
                    message=f"{resource.ref} uses database '{name}' of system "
                    f"'{target.system}' directly",
                    hint=f"call a service of system '{target.system}' instead; "
                    "a database belongs to its own system only",
                )
            elif target.system not in declared:
                yield violation(
                    resource,
                    *keys,
                    message=f"{resource.ref} depends on {kind.lower()} '{name}' of system "
                    f"'{target.system}', but system '{system.name}' does not integrate "
                    "with it",
                    hint=f"add '{target.system}' to integratesWith in "
                    f"{system.path} (reviewed by the architects)",
                )
