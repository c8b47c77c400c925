"""`layout`, where a file's content must agree with its place: a stack is named like
its folder, and a resource names the team whose folder it is in.

The rule is declared in `sources/tree.py`, where reading the tree first applies it;
loading applies the rest of it (the place of each file and the kind it may hold).
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import Finding
from platform_cli.load.landscape import Loaded
from platform_cli.sources.layout import team_folder
from platform_cli.sources.tree import LAYOUT as RULE

__all__ = ["RULE", "check"]


def check(loaded: Loaded) -> Iterator[Finding]:
    for folder, stack in loaded.landscape.stacks.items():
        if stack.name != folder and loaded.in_focus(stack.path):
            yield at(
                stack,
                RULE,
                f"the stack in folder '{folder}' is named '{stack.name}'",
                f"set metadata.name: {folder}",
                "metadata",
                "name",
            )
    for resource in loaded.resources():
        folder_team = team_folder(resource.path)
        if resource.team != folder_team:
            yield at(
                resource,
                RULE,
                f"metadata.team is '{resource.team}' but the file is in the folder of "
                f"team '{folder_team}'",
                f"move the file to stacks/{resource.stack}/{resource.team}/ or set "
                f"team: {folder_team}",
                "metadata",
                "team",
            )
