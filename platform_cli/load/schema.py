"""Validation of documents against the published JSON Schemas (`schemas/*.schema.json`).

Validators are built once per kind and reused for every document. A violation becomes
a `Finding` at the offending field, with a message in the user's terms and a hint:
the closest known field for a typo, the value to quote for a YAML 1.1 surprise, the
field's own description for a pattern it does not match.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.reader import MAX_FINDINGS, Document, cap
from platform_cli.load.values import OutOfRange, shorten
from platform_cli.words import did_you_mean

if TYPE_CHECKING:
    # jsonschema only explains invalid documents; it is imported when one turns up,
    # so a clean check does not pay for importing it.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

KINDS = (
    "Team",
    "System",
    "Stack",
    "Service",
    "Database",
    "Server",
    "PolicyConfig",
    "Waivers",
    "PriceSheet",
)
SCHEMA_FILES = {kind: f"{kind.lower()}.schema.json" for kind in KINDS} | {
    "PolicyConfig": "policy-config.schema.json",
    "PriceSheet": "price-sheet.schema.json",
}
API_VERSION = "platform/v1"

SCHEMA = BuiltinRule(
    "schema",
    Level.ERROR,
    RuleScope.FILE,
    "The document does not match the JSON Schema of its kind.",
)


def schema_dir() -> Path:
    """The folder of the schemas: bundled in the wheel, or `schemas/` of the source tree."""
    bundled = Path(str(resources.files("platform_cli"))) / "_bundled" / "schemas"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "schemas"


def schema_file(kind: str) -> str:
    return SCHEMA_FILES[kind]


@functools.cache
def load_schemas() -> dict[str, dict[str, Any]]:
    """Every schema, keyed by file name."""
    folder = schema_dir()
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.schema.json"))
    }


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = load_schemas()
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return Draft202012Validator(schemas[schema_file(kind)], registry=registry)


@functools.cache
def _fast_validator(kind: str) -> jsonschema_rs.Validator:
    schemas = load_schemas()
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    return jsonschema_rs.validator_for(schemas[schema_file(kind)], registry=registry)


def validate(kind: str, doc: Document) -> list[Finding]:
    """Findings for `doc` against the schema of `kind` (empty when valid).

    Valid documents, the common case, are recognised by jsonschema-rs (compiled, about
    90 times faster here). Only an invalid document goes through `jsonschema`, whose
    errors carry what the findings need: the failing keyword, its sub-schema and path.
    """
    if doc.out_of_range:
        # Refused before any validator sees them: JSON cannot hold them, and the
        # `multipleOf` arithmetic fails on them
        return cap(
            [
                SCHEMA.finding(doc.path, *doc.locate(keys), f"{_dotted(keys)}: {v.message}", v.hint)
                for keys, v in _out_of_range(doc.data)
            ]
        )
    if _fast_verdict(kind, doc.data):
        return []
    errors = list(_validator(kind).iter_errors(doc.data))
    if not errors:
        return _unexplained(kind, doc)
    findings: list[Finding] = []
    for err in errors:
        findings.extend(_findings(doc, err))
    return cap(findings)


def _fast_verdict(kind: str, data: Any) -> bool:
    """jsonschema-rs's verdict; False when the data holds a value JSON cannot (an
    unquoted date), which jsonschema then explains."""
    try:
        return bool(_fast_validator(kind).is_valid(data))
    except ValueError:
        return False


def _unexplained(kind: str, doc: Document) -> list[Finding]:
    """The document failed the fast check but jsonschema finds nothing to say: report
    what the compiled validator saw, or the value JSON cannot hold, rather than accept
    the document (the test suite holds both validators to the same verdicts)."""
    keys = _non_json(doc.data)
    if keys is not None:
        line, column = doc.locate(keys)
        return [
            SCHEMA.finding(doc.path, line, column,
                  f"{_dotted(keys)}: {_source(doc, keys)} is not a JSON value",
                  _quote_hint(doc, keys))
        ]  # fmt: skip
    return cap(
        [
            SCHEMA.finding(doc.path, *doc.locate(list(e.instance_path)), _brief(e.message))
            for e in _fast_validator(kind).iter_errors(doc.data)
        ]
    )


def _source(doc: Document, keys: list[str | int]) -> str:
    """The value at `keys` as written, shortened for a message."""
    return shorten(doc.source_of(keys))


def _brief(message: str) -> str:
    """A validator's message, which quotes the value: cut when the value is long."""
    return message if len(message) <= 200 else f"{message[:100]}...{message[-100:]}"


def _quote_hint(doc: Document, keys: list[str | int], why: str = "") -> str:
    written = doc.source_of(keys)
    if len(written) > len(shorten(written)):
        return f"quote the value{why}"
    return f'quote the value: "{written}"{why}'


def _non_json(value: Any, keys: tuple[str | int, ...] = ()) -> list[str | int] | None:
    """The path of the first value that JSON cannot hold, if any."""
    if isinstance(value, dict):
        items: Iterable[tuple[str | int, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return list(keys) if isinstance(value, datetime.date) else None
    for key, item in items:
        found = _non_json(item, (*keys, key))
        if found is not None:
            return found
    return None


def _out_of_range(
    value: Any, keys: tuple[str | int, ...] = ()
) -> Iterator[tuple[list[str | int], OutOfRange]]:
    """The path and value of every number that no field can hold."""
    if isinstance(value, OutOfRange):
        yield list(keys), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _out_of_range(item, (*keys, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _out_of_range(item, (*keys, index))


def _findings(doc: Document, err: ValidationError) -> Iterator[Finding]:
    keys = list(err.absolute_path)
    where = _dotted(keys)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        known = list(_schema(err).get("properties", {}))
        for number, extra in enumerate(sorted(set(err.instance) - set(known))):
            line, column = doc.locate([*keys, extra], at_key=True)
            # Beyond what the report shows (`cap`), the finding only needs to be counted
            hint = (
                (
                    did_you_mean(extra, known)
                    or (f"allowed here: {', '.join(known)}" if known else "remove it")
                )
                if number <= MAX_FINDINGS
                else ""
            )
            yield SCHEMA.finding(
                doc.path,
                line,
                column,
                f"{_dotted([*keys, shorten(extra)])}: unknown field '{shorten(extra)}'",
                hint,
            )
        return
    if err.validator == "required":
        line, column = doc.locate(keys, at_key=True)
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        target = f"{where}: " if where else ""
        yield SCHEMA.finding(
            doc.path,
            line,
            column,
            f"{target}missing required field '{missing}'",
            _describe(_schema(err).get("properties", {}).get(missing, {})),
        )
        return
    line, column = doc.locate(keys)
    yield SCHEMA.finding(
        doc.path,
        line,
        column,
        f"{where or '(document)'}: {_message(doc, keys, err)}",
        _hint(doc, keys, err),
    )


def _message(doc: Document, keys: list[str | int], err: ValidationError) -> str:
    value = err.instance
    shown = _source(doc, keys) if _is_scalar(value) else None
    if err.validator == "type":
        expected = err.validator_value
        written = shown if shown is not None else _kind_of(value)
        return f"{written} is {_article(_kind_of(value))}, expected {_expected(expected)}"
    if err.validator == "enum":
        options = ", ".join(json.dumps(v) for v in _values(err))
        written = repr(shown) if shown is not None else shorten(repr(value))
        return f"{written} is not one of {options}"
    if err.validator == "const":
        return f"{shown} must be {json.dumps(err.validator_value)}"
    if err.validator == "pattern":
        return f"{shown} is not a valid {_schema(err).get('title', 'value').lower()}"
    if err.validator == "not" and isinstance(err.validator_value, Mapping):
        # A refused value (a reserved prefix, a system group): the subschema says what
        # (under propertyNames the value is a key, which has no source of its own)
        written = shorten(json.dumps(value)) if isinstance(value, str) else str(shown)
        return f"{written} is refused ({err.validator_value.get('title', 'reserved')})"
    return _brief(err.message)


def _hint(doc: Document, keys: list[str | int], err: ValidationError) -> str:
    value = err.instance
    if err.validator == "type" and _expects_string(err.validator_value) and _is_scalar(value):
        return _quote_hint(doc, keys, f" (unquoted, YAML reads it as {_article(_kind_of(value))})")
    if err.validator == "enum" and isinstance(value, str):
        suggestion = did_you_mean(value, [str(v) for v in _values(err)])
        if suggestion:
            return suggestion
    if err.validator == "not" and isinstance(err.validator_value, Mapping):
        return _describe(err.validator_value)
    return _describe(_schema(err))


def _schema(err: ValidationError) -> Mapping[str, Any]:
    return err.schema if isinstance(err.schema, Mapping) else {}


def _values(err: ValidationError) -> list[Any]:
    value = err.validator_value
    return list(value) if isinstance(value, list) else [value]


def _describe(schema: Mapping[str, Any]) -> str:
    text = schema.get("description", "")
    examples = schema.get("examples")
    if examples and _is_scalar(examples[0]):
        text = f"{text} For example: {', '.join(json.dumps(e) for e in examples[:2])}".strip()
    return str(text)


def _dotted(keys: list[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool | datetime.date)


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, datetime.date):
        return "date"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "mapping"


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _expected(expected: object) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    if isinstance(expected, list):
        return " or ".join(names.get(str(e), str(e)) for e in expected)
    return names.get(str(expected), str(expected))


def _expects_string(expected: object) -> bool:
    return expected == "string" or (isinstance(expected, list) and "string" in expected)
