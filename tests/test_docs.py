"""Generated docs stay in step with their sources."""

from __future__ import annotations

import pytest

from platform_cli import docgen
from tests.conftest import REPO


@pytest.mark.parametrize("rel", sorted(docgen.OUTPUTS))
def test_generated_doc_is_fresh(rel: str) -> None:
    committed = (REPO / rel).read_text(encoding="utf-8")
    assert committed == docgen.OUTPUTS[rel](), (
        f"{rel} is stale: run `.venv/bin/python -m platform_cli.docgen` and commit the result"
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
