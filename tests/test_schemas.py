"""The schemas are the published contract: valid 2020-12 schemas, with examples that
pass, and per kind a folder of positive and negative files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from platform_cli.load import schema
from platform_cli.load.reader import parse
from tests.conftest import DATA, REPO

SCHEMAS = sorted((REPO / "schemas").glob("*.schema.json"))
EXAMPLES = DATA / "schemas"


def _files(sign: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"*/{sign}/*.yaml"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)
    assert document["$id"].endswith("/" + path.name)
    assert document.get("title") and document.get("description")


@pytest.mark.parametrize("kind", schema.KINDS)
def test_schema_examples_are_valid(kind: str) -> None:
    document = schema.load_schemas()[schema.schema_file(kind)]
    assert document["examples"], f"{kind} has no examples"
    for example in document["examples"]:
        errors = list(schema._validator(kind).iter_errors(example))
        assert errors == []


def test_every_kind_has_positive_and_negative_files() -> None:
    for kind in schema.KINDS:
        folder = EXAMPLES / kind.lower()
        assert list((folder / "positive").glob("*.yaml")), kind
        assert list((folder / "negative").glob("*.yaml")), kind


@pytest.mark.parametrize("path", _files("positive"), ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_positive_example(path: Path) -> None:
    result = parse(path.name, path.read_bytes())
    assert result.ok and result.document is not None
    assert schema.validate(result.document.data["kind"], result.document) == []


@pytest.mark.parametrize("path", _files("negative"), ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_negative_example(path: Path) -> None:
    """The first line of each negative file says which finding it must produce."""
    text = path.read_text()
    expected = text.splitlines()[0].removeprefix("# expect: ")
    result = parse(path.name, path.read_bytes())
    assert result.ok and result.document is not None
    findings = schema.validate(result.document.data["kind"], result.document)
    assert findings, "a negative example must fail"
    assert all(f.rule == "schema" for f in findings)
    assert any(expected in f.message for f in findings), [f.message for f in findings]


def _all_documents() -> list[Path]:
    files = sorted(EXAMPLES.glob("*/*/*.yaml"))
    files += sorted((DATA / "check").glob("**/*.yaml"))
    files += sorted(REPO.glob("landscape/**/*.yaml")) + sorted(REPO.glob("stacks/**/*.yaml"))
    return files


def test_fast_and_detailed_validators_agree_on_every_document() -> None:
    """jsonschema-rs decides validity on the fast path; jsonschema explains failures.
    They must give the same verdict on every document the project holds."""
    checked = 0
    for path in _all_documents():
        result = parse(path.name, path.read_bytes())
        if result.document is None or result.findings:
            continue
        kind = result.document.data.get("kind")
        if kind not in schema.KINDS:
            continue
        data = result.document.data
        detailed = not list(schema._validator(kind).iter_errors(data))
        try:
            fast = schema._fast_validator(kind).is_valid(data)
        except ValueError:
            fast = False
        assert fast == detailed, path
        checked += 1
    assert checked > 200


def test_a_document_only_the_fast_validator_refuses_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should jsonschema ever accept what jsonschema-rs refuses, the document is not
    accepted: the value JSON cannot hold is reported at its line, with a hint."""
    result = parse("t.yaml", b"a: 2026-01-01\n")
    assert result.document is not None

    class AcceptsAll:
        def iter_errors(self, data: object) -> list[object]:
            return []

    monkeypatch.setattr(schema, "_validator", lambda kind: AcceptsAll())
    [finding] = schema.validate("Team", result.document)
    assert (finding.line, finding.column, finding.rule) == (1, 4, "schema")
    assert finding.hint == 'quote the value: "2026-01-01"'
