"""The bundled example landscape is the default for `make demo` and the base of many
tests: it must stay clean and as large as the issue asks."""

from __future__ import annotations

import datetime
from collections import Counter

from platform_cli.evaluate.pipeline import CheckOptions, run_check
from tests.conftest import REPO

# A fixed day, so that the bundled waivers' expiry never turns this test red by itself
TODAY = datetime.date(2026, 11, 27)


def test_bundled_landscape_is_clean() -> None:
    result = run_check(CheckOptions(root=REPO, strict=True, today=TODAY))
    assert [f"{f.location} {f.rule} {f.message}" for f in result.findings] == []


def test_bundled_landscape_is_the_promised_size() -> None:
    land = run_check(CheckOptions(root=REPO, today=TODAY)).landscape
    assert len(land.teams) >= 8
    assert len(land.systems) >= 15
    assert set(land.stacks) == {"prod", "dev"}
    for stack in ("prod", "dev"):
        kinds = Counter(kind for kind, _ in land.in_stack(stack))
        assert sum(kinds.values()) >= 60, (stack, kinds)
        assert kinds["Service"] and kinds["Database"] and kinds["Server"], (stack, kinds)


def test_every_bundled_file_names_its_schema_for_editors() -> None:
    for path in sorted((REPO / "landscape").rglob("*.yaml")) + sorted(
        (REPO / "stacks").rglob("*.yaml")
    ):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        depth = len(path.relative_to(REPO).parts) - 1
        assert first.startswith("# yaml-language-server: $schema=" + "../" * depth + "schemas/"), (
            path
        )
        schema_file = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema_file.is_file(), path
