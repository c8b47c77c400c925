"""Shared by the render and Pulumi tests: the bundled landscape, loaded and rendered
once per session, and variants of it built in memory."""

from __future__ import annotations

import functools

from platform_cli.evaluate.pipeline import check_files
from platform_cli.load.model import Landscape
from platform_cli.render import Rendered, render_stack
from platform_cli.sources.tree import read_tree
from tests.conftest import REPO

STACKS = ("prod", "dev")


@functools.cache
def bundled() -> Landscape:
    files, findings = read_tree(REPO)
    loaded, more = check_files(files)
    assert not [f for f in findings + more if str(f.level) == "error"]
    return loaded.landscape


@functools.cache
def rendered(stack: str) -> Rendered:
    return render_stack(bundled(), stack)


def landscape_with(edits: dict[str, tuple[str, str]]) -> Landscape:
    """The bundled landscape with text replaced in some files ({path: (old, new)})."""
    files, _ = read_tree(REPO)
    changed = []
    for source in files:
        if source.path in edits:
            old, new = edits[source.path]
            text = source.data.decode()
            assert old in text, f"{old!r} not in {source.path}"
            source = type(source)(source.path, text.replace(old, new).encode())
        changed.append(source)
    loaded, _ = check_files(changed)
    return loaded.landscape
