"""`database-name`: a service that depends on a database does not name the database
with a literal.

Every CloudNativePG Cluster the renderer makes bootstraps one database, `app`, and the
operator writes its name to the `dbname` key of the `<database>-app` secret (with
`host`, `port`, `username`, `password` and `uri`). A literal such as `DB_NAME: tickets`
names a database that does not exist, and the service fails at its first connection.
The variables this check reads are the usual names for a database name: `PGDATABASE`,
and any ending in `DB_NAME` or `DATABASE_NAME`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service

RULE = BuiltinRule(
    "database-name",
    Level.ERROR,
    RuleScope.ENTITY,
    "A service that depends on a database sets its database name to a literal other than "
    "'app', the only database CloudNativePG bootstraps.",
)

BOOTSTRAP_DATABASE = "app"
_NAME_VARIABLE = re.compile(r"^PGDATABASE$|DB_NAME$|DATABASE_NAME$")


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        databases = [name for kind, name in resource.depends_on if kind == "Database"]
        if not databases:
            continue
        for variable, value in sorted(resource.spec.get("env", {}).items()):
            if not _NAME_VARIABLE.search(str(variable)) or str(value) == BOOTSTRAP_DATABASE:
                continue
            yield at(
                resource,
                RULE,
                f"{variable} is '{value}', but the database's cluster has only the database "
                f"'{BOOTSTRAP_DATABASE}'",
                f"take it from the operator's secret: secretEnv: {{{variable}: {{secret: "
                f"{databases[0]}-app, key: dbname}}}}",
                "spec",
                "env",
                str(variable),
            )
