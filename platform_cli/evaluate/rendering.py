"""Read, check and render one stack of a tree: the edge in front of the pure renderer."""

from __future__ import annotations

from pathlib import Path

from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.load.cache import DocumentCache
from platform_cli.progress import SILENT, Progress
from platform_cli.render import LandscapeHasErrors, Rendered, render_stack


def render_tree(
    root: Path,
    stack_name: str,
    progress: Progress = SILENT,
    cache: DocumentCache | None = None,
) -> Rendered:
    """Load and check the landscape at `root`, then render one stack.

    Raises `LandscapeHasErrors` when the check or the rendering finds an error."""
    result = run_check(
        CheckOptions(root=root, stacks=(stack_name,), progress=progress, cache=cache)
    )
    if result.failed:
        raise LandscapeHasErrors(result.findings)
    rendered = render_stack(result.landscape, stack_name)
    if rendered.failed:
        raise LandscapeHasErrors(rendered.findings)
    return rendered
