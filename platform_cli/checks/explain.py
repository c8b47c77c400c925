"""`platform policies explain ID`: the documentation of one rule, an architecture policy
(`LND005`) or a built-in rule of the catalogue (`yaml-anchor`)."""

from __future__ import annotations

from platform_cli.checks import catalogue, policy_engine
from platform_cli.checks.policy_engine import Policy
from platform_cli.errors import UsageError
from platform_cli.findings import BuiltinRule
from platform_cli.words import did_you_mean


def find(rule_id: str) -> Policy | BuiltinRule:
    """The policy or built-in rule of an ID, in any letter case."""
    builtin = catalogue.BY_ID.get(rule_id.lower())
    if builtin is not None:
        return builtin
    policies = policy_engine.policies_by_id()
    policy = policies.get(rule_id.upper())
    if policy is not None:
        return policy
    hint = (
        did_you_mean(rule_id.upper(), policies)
        or did_you_mean(rule_id.lower(), catalogue.BY_ID)
        or "run `platform policies` for the policies; docs/checks.md lists the built-in rules"
    )
    raise UsageError(f"unknown policy or rule {rule_id!r}", hint=hint)


def explanation(rule_id: str) -> str:
    rule = find(rule_id)
    if isinstance(rule, BuiltinRule):
        return (
            f"{rule.id} ({rule.level}): a built-in rule\n\n{rule.doc}\n\n"
            f"Scope {rule.scope.value}: its findings depend on {rule.scope.meaning}.\n"
        )
    return (
        f"{rule.id} ({rule.level}): {rule.title}\n\n{rule.doc}\n\n"
        f"Passing example:\n\n{_indent(rule.passing)}\n"
        f"Failing example:\n\n{_indent(rule.failing)}"
    )


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())
