"""Only master-data systems hold building and resident registry data.

Buildings and residents have one source of truth each: the master-data systems
(`masterData: true`). Every other system reads them through those systems'
services and must not keep a second copy in its own database, because copies drift
and a resident's correction would not reach them.

This is made checkable with data classes: a system that declares one of the master
data classes (`masterDataClasses` in policies/config.yaml, by default
`building-registry` and `resident-registry`) must be a master-data system. A
system that only references buildings or residents by ID declares `operational`.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level

ID = "LND003"
LEVEL = Level.ERROR
SCOPE = Scope.TEAMS_AND_SYSTEMS
TITLE = "Only master-data systems declare registry data classes"

PASSING = """\
kind: System
metadata: {name: residents-registry}
spec:
  masterData: true
  dataClasses: [personal, resident-registry]
"""
FAILING = """\
kind: System
metadata: {name: crm}
spec:
  dataClasses: [personal, resident-registry]   # LND003: crm is not master data
"""


def check(context: Context) -> Iterator[Violation]:
    master_classes = set(context.parameters.get("masterDataClasses"))
    for system in context.landscape.systems.values():
        if system.master_data:
            continue
        for index, data_class in enumerate(system.data_classes):
            if data_class in master_classes:
                yield violation(
                    system,
                    "spec",
                    "dataClasses",
                    index,
                    message=f"system '{system.name}' declares master data class "
                    f"'{data_class}' but is not a master-data system",
                    hint="read the data through the master-data system's services and "
                    "keep only references (declare 'operational')",
                )
