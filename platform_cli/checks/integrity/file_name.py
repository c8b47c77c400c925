"""`file-name` (a warning): a file is named after what it declares, so that people and
tools find it by name. Stack files and the files in policies/ have fixed names."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.sources.layout import POLICY_FILES

RULE = BuiltinRule(
    "file-name",
    Level.WARNING,
    RuleScope.FILE,
    "A file is not named after the resource it declares (<name>.yaml).",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    for entity in loaded.entities:
        if not loaded.in_focus(entity.path):
            continue
        if entity.kind == "Stack" or entity.kind in POLICY_FILES.values():
            continue
        stem = entity.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if stem != entity.name:
            line, column = entity.locate("metadata", "name")
            yield RULE.finding(
                entity.path,
                line,
                column,
                f"the file of {entity.ref} is named '{stem}'",
                f"rename the file to {entity.name}.yaml",
            )
