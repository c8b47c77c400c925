"""Landscape integrity: references between documents, and facts no single schema sees.

One module per rule, in the manner of yamllint's rules: each declares its `RULE` (ID,
level, scope, documentation) and a `check(loaded)` that yields the rule's findings at
the field that holds the bad value. `CHECKS` lists the modules by hand; nothing
registers itself on import. Every check is linear in the number of documents
(dictionary look-ups; the cycle search visits each dependency edge once).

A check reads no more than its rule's scope says (`RuleScope`), which is what lets an
incremental evaluation (`evaluate/incremental.py`) run it again for part of a
landscape only: with a focus, a FILE or ENTITY check reports only on the files in
focus, a STACK check only on the stacks in focus, and GLOBAL checks are not run again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from platform_cli.checks.integrity import (
    autoscaling_range,
    backup_schedule,
    backup_store,
    database_image,
    database_name,
    database_restore,
    dependency_cycle,
    duplicate_env,
    duplicate_name,
    file_name,
    ingress_host,
    layout,
    limit_range,
    name_clash,
    namespace_clash,
    ref_depends_on,
    ref_port,
    ref_price,
    ref_stack,
    ref_storage_class,
    ref_system,
    ref_system_owner,
    ref_team,
    ref_vm_image,
    reserved_name,
    resources_range,
    retired_dependency,
    retired_team,
    server_external,
    stack_file,
    stack_limit,
)
from platform_cli.findings import BuiltinRule, Finding, RuleScope
from platform_cli.load.landscape import Loaded


class Check(Protocol):
    """What a check module provides."""

    @property
    def RULE(self) -> BuiltinRule: ...

    def check(self, loaded: Loaded) -> Iterable[Finding]: ...


CHECKS: tuple[Check, ...] = (
    duplicate_name,
    stack_file,
    layout,
    ref_team,
    ref_system,
    ref_system_owner,
    ref_stack,
    ref_storage_class,
    ref_depends_on,
    ref_vm_image,
    ref_port,
    resources_range,
    limit_range,
    autoscaling_range,
    duplicate_env,
    stack_limit,
    backup_store,
    backup_schedule,
    database_image,
    database_name,
    database_restore,
    server_external,
    name_clash,
    namespace_clash,
    reserved_name,
    ingress_host,
    ref_price,
    dependency_cycle,
    file_name,
    retired_dependency,
    retired_team,
)


def check_by_rule(
    loaded: Loaded, scopes: Iterable[RuleScope] = tuple(RuleScope)
) -> dict[str, list[Finding]]:
    """The findings of every check whose rule has one of the given scopes, by rule ID."""
    wanted = set(scopes)
    return {c.RULE.id: list(c.check(loaded)) for c in CHECKS if c.RULE.scope in wanted}
