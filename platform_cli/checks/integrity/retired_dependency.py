"""`retired-dependency`: a resource still depends on a retired one.

A retirement (`metadata.retirement`, `platform retire`) stops the resource: a service
gets no replicas and no Ingress, a server is halted, a database is hibernated after a
final backup. Whatever still names it in `dependsOn`, or reads a retired database's
`<name>-app` secret through `secretEnv`, would lose it without a word; each such
reference is an error at its entry until the dependent drops it. The dependent may
belong to another team: that team changes its own file, in its own pull request."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Resource

RULE = BuiltinRule(
    "retired-dependency",
    Level.ERROR,
    RuleScope.ENTITY,
    "A resource depends on a retired resource (dependsOn, or a retired database's secret).",
)

SECRET_SUFFIX = "-app"


def _retired(retired: Resource) -> str:
    retirement = retired.retirement
    assert retirement is not None
    keep = retirement.keep_data_until
    kept = f", data kept until {keep}" if keep is not None else ""
    return (
        f"{retired.kind.lower()} '{retired.name}', retired on {retirement.requested}{kept} "
        f"({retired.path})"
    )


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for resource in loaded.resources():
        if resource.retirement is not None:
            continue  # a retired resource may keep naming what retires with it
        for index, (kind, name) in enumerate(resource.depends_on):
            target = land.find(resource.stack, kind, name)
            if target is None or target.retirement is None or target is resource:
                continue
            yield at(
                resource,
                RULE,
                f"depends on {_retired(target)}",
                f"drop '{kind.lower()}: {name}' from spec.dependsOn (or retire this "
                f"{resource.kind.lower()} with it)",
                "spec",
                "dependsOn",
                index,
                kind.lower(),
            )
        for variable, ref in sorted(resource.spec.get("secretEnv", {}).items()):
            secret = str(ref["secret"])
            if not secret.endswith(SECRET_SUFFIX):
                continue
            target = land.find(resource.stack, "Database", secret[: -len(SECRET_SUFFIX)])
            if (
                target is None
                or target.retirement is None
                or target.team != resource.team
                or target is resource
            ):
                continue
            yield at(
                resource,
                RULE,
                f"reads the secret '{secret}' of {_retired(target)}",
                f"drop {variable} from spec.secretEnv",
                "spec",
                "secretEnv",
                variable,
                "secret",
            )
