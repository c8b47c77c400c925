"""Generated docs stay in step with their sources."""

from __future__ import annotations

import re

import pytest
import yaml

from platform_cli.load import schema
from platform_cli.load.reader import parse
from platform_cli.report import docgen
from tests.conftest import REPO


@pytest.mark.parametrize("rel", sorted(docgen.OUTPUTS))
def test_generated_doc_is_fresh(rel: str) -> None:
    committed = (REPO / rel).read_text(encoding="utf-8")
    assert committed == docgen.OUTPUTS[rel](), (
        f"{rel} is stale: run `.venv/bin/python -m platform_cli.report.docgen` and commit the result"
    )


def test_reference_lists_every_field_of_every_kind() -> None:
    text = docgen.reference()
    for needle in (
        "`spec.dependsOn`",
        "`spec.backup.retentionDays`",
        "`spec.sshKeys.secret`",
        "`spec.quotas.<key>.servers`",
        "`spec.ports[].protocol`",
    ):
        assert needle in text


def test_yaml_examples_in_the_model_doc_are_valid() -> None:
    """Every example in docs/model.md that names its schema passes that schema."""
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    found = re.findall(r"```yaml\n(# yaml-language-server.*?)```", text, flags=re.S)
    blocks = [b for b in found if "\nkind: " in b]
    assert len(blocks) >= 3
    for block in blocks:
        result = parse("docs/model.md", block.encode())
        assert result.ok and result.document is not None, result.findings
        kind = result.document.data["kind"]
        assert schema.validate(kind, result.document) == [], block


def test_pre_commit_hook_runs_the_check() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    [hook] = hooks
    assert hook["id"] == "platform-check"
    assert hook["entry"] == "platform check"
    assert hook["pass_filenames"] is False
