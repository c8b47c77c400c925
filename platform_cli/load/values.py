"""Plain values from a composed YAML node tree, and the hazards found on the way.

One walk over the nodes that `reader.parse` composed builds dicts, lists, strings,
numbers, booleans, null and dates, and reports what YAML would otherwise accept
silently or read differently than the author meant:

- explicit tags other than the plain YAML ones (`!!python/object`, `!custom`, ...);
- duplicate keys, keys that are not strings, and merge keys (`<<`);
- YAML 1.1 surprises in plain scalars: `yes/no/on/off`, leading-zero octal, binary,
  base-60 (`22:22`) and `1_000` numbers;
- nesting deeper than `MAX_DEPTH`, and more than `MAX_NODES` values in one document.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope

MAX_DEPTH = 32
# Values one document may build: far above any real resource (about 60), far below what
# an alias bomb expands to. A second line of defence behind the anchor scan.
MAX_NODES = 100_000

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MAP, SEQ, MERGE = (_TAG + t for t in ("timestamp", "map", "seq", "merge"))
_PLAIN_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, MAP, SEQ})

YAML_ANCHOR = BuiltinRule(
    "yaml-anchor",
    Level.ERROR,
    RuleScope.FILE,
    "Anchors, aliases and merge keys are not allowed (they hide values and enable alias bombs).",
)
YAML_TAG = BuiltinRule(
    "yaml-tag",
    Level.ERROR,
    RuleScope.FILE,
    "Explicit tags such as !!python/object or !custom are not allowed.",
)
YAML_DUPLICATE_KEY = BuiltinRule(
    "yaml-duplicate-key",
    Level.ERROR,
    RuleScope.FILE,
    "A key appears twice in one mapping; YAML would silently keep the last.",
)
YAML_KEY = BuiltinRule(
    "yaml-key",
    Level.ERROR,
    RuleScope.FILE,
    "A mapping key is not a plain string (a number, boolean, null, date, list or mapping).",
)
YAML_AMBIGUOUS = BuiltinRule(
    "yaml-ambiguous",
    Level.ERROR,
    RuleScope.FILE,
    "A plain value means different things in YAML 1.1 and 1.2: yes/no/on/off, leading-zero "
    "octal, base-60 or '_' numbers.",
)
YAML_TOO_MANY_VALUES = BuiltinRule(
    "yaml-too-many-values",
    Level.ERROR,
    RuleScope.FILE,
    "A document holds more than 100,000 values (one resource needs a few dozen).",
)
YAML_DEPTH = BuiltinRule(
    "yaml-depth",
    Level.ERROR,
    RuleScope.FILE,
    "The document is nested deeper than the model ever needs.",
)

_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)$")
_HEX = re.compile(r"[-+]?0x[0-9a-fA-F]+$")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
_BOOL_TRUE = frozenset({"true", "True", "TRUE"})
_BOOL_FALSE = frozenset({"false", "False", "FALSE"})
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}

_READING = {
    INT: "a number",
    FLOAT: "a number",
    BOOL: "a boolean",
    NULL: "null",
    TIMESTAMP: "a date",
    MAP: "a mapping",
    SEQ: "a list",
}

_timestamps = yaml.SafeLoader("")  # only its construct_yaml_timestamp is used


def build(path: str, root: yaml.Node, findings: list[Finding]) -> Any:
    """The plain value of a document's root node; hazards are added to `findings`."""
    return _Walker(path, findings).build(root, 0)


def position(node: yaml.Node | yaml.Event | None) -> tuple[int, int]:
    """1-based (line, column) where a node or event starts; (0, 0) when unknown."""
    mark = node.start_mark if node is not None else None
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Walker:
    """Builds plain values from a node tree and reports hazards as it goes."""

    def __init__(self, path: str, findings: list[Finding]) -> None:
        self.path = path
        self.findings = findings
        self.budget = MAX_NODES

    def report(self, node: yaml.Node, rule: BuiltinRule, message: str, hint: str) -> None:
        self.findings.append(rule.finding(self.path, *position(node), message, hint))

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.report(
                    node,
                    YAML_TOO_MANY_VALUES,
                    f"the document holds more than {MAX_NODES:,} values",
                    "one resource needs a few dozen; split the file",
                )
            return None
        if depth > MAX_DEPTH:
            self.report(
                node,
                YAML_DEPTH,
                f"nesting deeper than {MAX_DEPTH} levels",
                "the model never needs this much nesting; flatten the value",
            )
            return None
        if node.tag not in _PLAIN_TAGS:
            self.report(
                node,
                YAML_TAG,
                f"the tag '{short_tag(node.tag)}' is not allowed",
                "remove the tag; only plain YAML values are accepted",
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        assert isinstance(node, yaml.MappingNode)
        return self.mapping(node, depth)

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.report(
                    key_node,
                    YAML_DUPLICATE_KEY,
                    f"duplicate key '{key}' (first at line {first})",
                    "YAML keeps only the last one silently; remove one of them",
                )
                continue
            seen[key] = key_node
            result[key] = self.build(value_node, depth + 1)
        return result

    def key(self, node: yaml.Node) -> str | None:
        if node.tag == MERGE:
            self.report(
                node,
                YAML_ANCHOR,
                "merge keys ('<<') are not allowed",
                "write the keys out in full",
            )
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.report(
                node,
                YAML_KEY,
                "a mapping key must be a plain string, not a "
                + ("list" if isinstance(node, yaml.SequenceNode) else "mapping"),
                "use a plain word as the key",
            )
            return None
        if node.tag != STR:
            if node.tag not in _PLAIN_TAGS:
                self.report(
                    node,
                    YAML_TAG,
                    f"the tag '{short_tag(node.tag)}' is not allowed",
                    "remove the tag",
                )
            else:
                self.report(
                    node,
                    YAML_KEY,
                    f"the key {node.value!r} is read as {_READING[node.tag]}, not a string",
                    f'quote it: "{node.value}"',
                )
            return None
        return str(node.value)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == STR:
            return text
        if tag == NULL:
            return None
        if tag == BOOL:
            if text in _BOOL_TRUE:
                return True
            if text in _BOOL_FALSE:
                return False
            self.report(
                node,
                YAML_AMBIGUOUS,
                f"'{text}' is a boolean in YAML 1.1 but a string in YAML 1.2",
                f'write true or false, or quote it: "{text}"',
            )
            return text
        if tag == INT:
            if _DECIMAL.match(text):
                return int(text)
            if _HEX.match(text):
                return int(text, 16)
            meaning = _int_surprise(text)
            self.report(
                node, YAML_AMBIGUOUS, f"'{text}' is read as {meaning}", f'quote it: "{text}"'
            )
            return text
        if tag == FLOAT:
            special = _SPECIAL_FLOATS.get(text.lower())
            if special is not None:
                return special
            if _PLAIN_FLOAT.match(text):
                return float(text)
            self.report(
                node,
                YAML_AMBIGUOUS,
                f"'{text}' is read as a number in YAML 1.1 (base 60 or with '_')",
                f'quote it: "{text}"',
            )
            return text
        # TIMESTAMP: kept as a date so that the schema check can point at it.
        value: datetime.date = _timestamps.construct_yaml_timestamp(node)
        return value


def _int_surprise(text: str) -> str:
    try:
        return _int_meaning(text.lstrip("+-").replace("_", "") if ":" not in text else text)
    except ValueError:
        return "a number in YAML 1.1"


def _int_meaning(digits: str) -> str:
    digits = digits.lstrip("+-")
    if ":" in digits:
        parts = [int(p.replace("_", "")) for p in digits.split(":")]
        total = 0
        for part in parts:
            total = total * 60 + part
        return f"the base-60 number {total} in YAML 1.1"
    if digits.startswith("0b"):
        return f"the binary number {int(digits[2:].replace('_', ''), 2)} in YAML 1.1"
    if digits.startswith("0x"):
        return f"the number {int(digits[2:], 16)} in YAML 1.1"
    if not digits.startswith("0"):
        return f"the number {int(digits)} in YAML 1.1 (with '_' dropped)"
    return f"the octal number {int(digits, 8)} in YAML 1.1"
