"""`duplicate-env`: no variable of a service is both plain and secret."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Service

RULE = BuiltinRule(
    "duplicate-env",
    Level.ERROR,
    RuleScope.ENTITY,
    "A variable is set both in env and in secretEnv.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for resource in loaded.resources():
        if not isinstance(resource, Service):
            continue
        spec = resource.spec
        for name in sorted(set(spec.get("env", {})) & set(spec.get("secretEnv", {}))):
            yield at(
                resource,
                RULE,
                f"variable '{name}' is set both in env and in secretEnv",
                "keep it in one place; secrets belong in secretEnv",
                "spec",
                "secretEnv",
                name,
                at_key=True,
            )
