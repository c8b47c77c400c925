"""Services of personal-data systems are not public without a reviewed waiver.

A service of a system that declares the `personal` data class must not set
`ingress.public: true` in the environments listed in `personalData.environments`
(by default `production`): everything reachable from the internet is attacked, and
for personal data a leak is a reportable incident under 152-FZ.

Some services must be public (the residents' app API). The explicit, reviewed flag
for them is a waiver in policies/waivers.yaml for this policy and exactly that
service: it carries the reason, the ticket, the approving architect and an expiry,
and only the architects can approve changes to that file. A boolean on the service
itself would be edited by the same team that wants the exposure.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Service

ID = "LND005"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "No public ingress for personal data without a waiver"

PASSING = """\
# a service of a system with dataClasses: [personal], in stack prod
spec:
  ingress: {port: http}               # company network only
"""
FAILING = """\
spec:
  ingress: {port: http, public: true}   # LND005 unless waived in policies/waivers.yaml
"""


def check(context: Context) -> Iterator[Violation]:
    environments = context.parameters.environments("personalData")
    for resource, stack, system in context.resources():
        if not isinstance(resource, Service) or system is None:
            continue
        if stack.environment not in environments or "personal" not in system.data_classes:
            continue
        if resource.spec.get("ingress", {}).get("public", False):
            yield violation(
                resource,
                "spec",
                "ingress",
                "public",
                message=f"service '{resource.name}' of personal-data system '{system.name}' "
                f"is exposed to the internet in stack '{stack.name}'",
                hint="remove public: true, or ask the architects for a waiver of "
                f"{ID} in policies/waivers.yaml",
            )
