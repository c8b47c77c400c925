"""The layers of platform_cli, read from the imports of every module with `ast`.

Imports point down the layers only: a module may import from its own layer and from the
layers below it, never from a layer above. docs/architecture.md draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "platform_cli"

# Lowest first. The top-level modules of platform_cli (errors, findings, progress, ...)
# are the vocabulary every layer shares; `policies` (the architecture policies) sits with
# the checks that run them.
LAYERS = (
    "kernel",
    "sources",
    "load",
    "render",
    "checks",
    "evaluate",
    "plan",
    "apply",
    "self_service",
    "report",
    "catalog",
    "cli",
)
# Outside tools and the one module each that may import them.
DOORS = {
    "git": {"platform_cli.sources.git"},
    "pulumi": {"platform_cli.apply.automation", "platform_cli.apply.program"},
    "pulumi_kubernetes": {"platform_cli.apply.program"},
    "click": {
        "platform_cli.cli.commands",
        "platform_cli.cli.param_types",
        "platform_cli.cli.options",
        "platform_cli.cli.review",
        "platform_cli.cli.ci",
        "platform_cli.cli.apply",
        "platform_cli.cli.self_service",
        "platform_cli.cli.approvals",
        "platform_cli.cli.catalog",
        "platform_cli.cli.imports",
    },
    "urllib": {"platform_cli.sources.github"},
    # Programs the toolkit runs: git, and kubectl for a failed apply's events
    "subprocess": {"platform_cli.sources.git", "platform_cli.sources.kubectl"},
    "grandalf": {"platform_cli.catalog.layout"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "policies":
        return "checks"
    assert parts[0] == "platform_cli", module
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "kernel"


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, this: str = "") -> list[tuple[int, str]]:
    """Every module the file imports, anywhere in it (functions and TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = this or module_name(path)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = this.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from platform_cli import checks` names a subpackage
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).is_dir() or (
                    PACKAGE.parent / (candidate.replace(".", "/") + ".py")
                ).is_file():
                    found.append((node.lineno, candidate))
    return found


def sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(REPO / "policies").rglob("*.py")])


def test_every_subpackage_is_a_known_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), packages - set(LAYERS)
    assert set(LAYERS) - {"kernel"} <= packages


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_imports_point_down_the_layers(path: Path) -> None:
    this = module_name(path)
    rank = LAYERS.index(layer_of(this))
    upward = [
        f"{path.relative_to(REPO)}:{line}: {this} ({layer_of(this)}) imports {target} "
        f"({layer_of(target)})"
        for line, target in imports_of(path)
        if target.split(".")[0] in ("platform_cli", "policies")
        and LAYERS.index(layer_of(target)) > rank
    ]
    assert upward == []


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_each_outside_tool_has_one_door(path: Path) -> None:
    this = module_name(path)
    trespass = [
        f"{path.relative_to(REPO)}:{line}: imports {target}; only {sorted(DOORS[top])} may"
        for line, target in imports_of(path)
        if (top := target.split(".")[0]) in DOORS and this not in DOORS[top]
    ]
    assert trespass == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself can fail: a module of `load` importing `plan`, relatively or not."""
    probe = tmp_path / "reader.py"
    probe.write_text("from ..plan import build\nimport platform_cli.cli.commands\n")
    targets = [t for _, t in imports_of(probe, "platform_cli.load.reader")]
    assert targets == ["platform_cli.plan", "platform_cli.plan.build", "platform_cli.cli.commands"]
    ranks = [LAYERS.index(layer_of(t)) for t in targets]
    assert min(ranks) > LAYERS.index(layer_of("platform_cli.load.reader"))
