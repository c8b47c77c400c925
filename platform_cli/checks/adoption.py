"""The built-in rules of `platform import` (platform_cli/self_service/adopt*.py).

They name what an import reports, not what `platform check` finds: a field of an
existing object the model cannot express, an object of a kind it does not model, a
resource it refuses to write, a row of a VM inventory it cannot read. Declared here,
in the catalogue's layer, so that SARIF, docs/checks.md and `platform policies
explain` describe them like every other rule.
"""

from __future__ import annotations

from platform_cli.findings import BuiltinRule, Level, RuleScope

IMPORT_UNEXPRESSIBLE = BuiltinRule(
    "import-unexpressible",
    Level.WARNING,
    RuleScope.FILE,
    "`platform import`: a field of an existing object that the landscape model cannot "
    "express; the first apply replaces it with what the resource renders.",
)

IMPORT_UNKNOWN_KIND = BuiltinRule(
    "import-unknown-kind",
    Level.WARNING,
    RuleScope.FILE,
    "`platform import`: an existing object of a kind the landscape does not model; it is "
    "not imported and the apply leaves it alone.",
)

IMPORT_REPLACES = BuiltinRule(
    "import-replaces",
    Level.ERROR,
    RuleScope.FILE,
    "`platform import`: an existing object differs from its rendering in a field Kubernetes "
    "keeps immutable, so the first apply would delete and recreate it.",
)

IMPORT_REFUSED = BuiltinRule(
    "import-refused",
    Level.ERROR,
    RuleScope.FILE,
    "`platform import`: a resource is not written (another team's namespace or objects, a "
    "name the stack declares already, an existing file, or errors the file would add).",
)

INVENTORY_ROW = BuiltinRule(
    "inventory-row",
    Level.ERROR,
    RuleScope.FILE,
    "`platform import --inventory`: a cell of the VM inventory cannot be read; nothing is "
    "written for its row.",
)
