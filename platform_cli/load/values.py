"""Plain values from a composed YAML node tree, and the hazards found on the way.

One walk over the nodes that `reader.parse` composed builds dicts, lists, strings,
numbers, booleans, null and dates, and reports what YAML would otherwise accept
silently or read differently than the author meant:

- explicit tags other than the plain YAML ones (`!!python/object`, `!custom`, ...);
- duplicate keys, keys that are not strings, and merge keys (`<<`);
- YAML 1.1 surprises in plain scalars: `yes/no/on/off`, leading-zero octal, binary,
  base-60 (`22:22`) and `1_000` numbers;
- tags that do not fit their node: a collection tag on a scalar (`!!map x`), a scalar
  tag on a collection, `!!timestamp` on text that is no date;
- impossible dates and times (`2026-02-30`, year 0, hour 25): dates in YAML 1.1 that
  are none, strings in YAML 1.2;
- nesting deeper than `MAX_DEPTH`, and more than `MAX_NODES` values in one document.

Numbers that no field can hold (integers longer than `MAX_INT_DIGITS` or beyond the
range of a float, and non-finite floats: `.nan`, `.inf`, `1.0e+999`) are kept as
`OutOfRange` values, which the schema check reports at their field before it validates
anything: JSON cannot hold them, and the schema's `multipleOf` arithmetic fails on them.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

import yaml

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.lexical import YAML_SYNTAX, Lines, under_indented

MAX_DEPTH = 32
# Values one document may build: far above any real resource (about 60), far below what
# an alias bomb expands to. A second line of defence behind the anchor scan.
MAX_NODES = 100_000

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MAP, SEQ, MERGE = (_TAG + t for t in ("timestamp", "map", "seq", "merge"))
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_PLAIN_TAGS = _SCALAR_TAGS | {MAP, SEQ}
_QUOTED = frozenset({'"', "'"})
# The node each plain tag belongs on: anything else is a tag that does not fit its node
_NODE_OF_TAG: dict[str, type[yaml.Node]] = {tag: yaml.ScalarNode for tag in _SCALAR_TAGS} | {
    MAP: yaml.MappingNode,
    SEQ: yaml.SequenceNode,
}
# The indentation passed into a flow collection whose lines were checked already
_IN_FLOW = -1000
# Integers longer than this are never converted: converting costs time quadratic in
# the digits and fails beyond Python's limit (4,300 digits by default, never below
# 640), and a longer number is beyond the range of a float anyway.
MAX_INT_DIGITS = 300
# How much of a long scalar a message shows
SHOWN_CHARS = 40

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


def build(path: str, root: yaml.Node, findings: list[Finding], text: str) -> tuple[Any, bool]:
    """The plain value of a document's root node, composed from `text`, and whether it
    holds an `OutOfRange` number; hazards are added to `findings`."""
    walker = _Walker(path, findings, text)
    # The root is a block node at indentation -1: its flow lines may start anywhere
    return walker.build(root, 0, -1), walker.out_of_range


def position(node: yaml.Node | yaml.Event | None) -> tuple[int, int]:
    """1-based (line, column) where a node or event starts; (0, 0) when unknown."""
    mark = node.start_mark if node is not None else None
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def shorten(text: str) -> str:
    """`text` for a message: a long scalar is cut in the middle."""
    if len(text) <= SHOWN_CHARS:
        return text
    half = SHOWN_CHARS // 2
    return f"{text[:half]}...{text[-half:]}"


_NODE_KIND = {
    yaml.ScalarNode: "a scalar",
    yaml.SequenceNode: "a list",
    yaml.MappingNode: "a mapping",
}


def short_tag(tag: str) -> str:
    return shorten(_short_tag(tag))


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Walker:
    """Builds plain values from a node tree and reports hazards as it goes."""

    def __init__(self, path: str, findings: list[Finding], text: str) -> None:
        self.path = path
        self.findings = findings
        self.lines = Lines(text)
        self.budget = MAX_NODES
        self.out_of_range = False

    def report(self, node: yaml.Node, rule: BuiltinRule, message: str, hint: str) -> None:
        self.findings.append(rule.finding(self.path, *position(node), message, hint))

    def build(self, node: yaml.Node, depth: int, indent: int) -> Any:
        """The value of `node`; `indent` is the indentation of the block collection
        around it (a flow node's continuation lines must be indented more), or
        `_IN_FLOW` inside a flow collection whose lines were checked already."""
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
        kind = _NODE_OF_TAG.get(node.tag)
        if kind is None:
            self.report(
                node,
                YAML_TAG,
                f"the tag '{short_tag(node.tag)}' is not allowed",
                "remove the tag; only plain YAML values are accepted",
            )
            return None
        if kind is not type(node):
            self.report(
                node,
                YAML_TAG,
                f"the tag '{short_tag(node.tag)}' does not fit {_NODE_KIND[type(node)]}",
                "remove the tag; only plain YAML values are accepted",
            )
            return None
        if kind is yaml.ScalarNode:
            assert isinstance(node, yaml.ScalarNode)
            if node.style in _QUOTED and indent != _IN_FLOW:
                self.continuation(node, indent, flow=False)
            return self.scalar(node)
        assert isinstance(node, yaml.CollectionNode)
        if node.flow_style:
            if indent != _IN_FLOW:
                self.continuation(node, indent, flow=True)
            inner = _IN_FLOW
        else:
            inner = node.start_mark.column
        if kind is yaml.SequenceNode:
            return [self.build(item, depth + 1, inner) for item in node.value]
        assert isinstance(node, yaml.MappingNode)
        return self.mapping(node, depth, inner)

    def continuation(self, node: yaml.Node, indent: int, *, flow: bool) -> None:
        first, last = node.start_mark.line, node.end_mark.line
        if last == first:
            return
        found = under_indented(self.lines, first + 1, last, indent, flow=flow)
        if found is not None:
            line, column, message, hint = found
            self.findings.append(YAML_SYNTAX.finding(self.path, line, column, message, hint))

    def mapping(self, node: yaml.MappingNode, depth: int, indent: int) -> dict[str, Any]:
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
                    f"duplicate key '{shorten(key)}' (first at line {first})",
                    "YAML keeps only the last one silently; remove one of them",
                )
                continue
            seen[key] = key_node
            result[key] = self.build(value_node, depth + 1, indent)
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
                    f"the key '{shorten(node.value)}' is read as {_READING[node.tag]}, "
                    "not a string",
                    _quote_hint(node.value),
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
            if _DECIMAL.match(text) or _HEX.match(text):
                return self.held(_integer(text))
            self.report(
                node,
                YAML_AMBIGUOUS,
                f"'{shorten(text)}' is read as {_int_surprise(text)}",
                _quote_hint(text),
            )
            return text
        if tag == FLOAT:
            if text.lower() in _SPECIAL_FLOATS or _PLAIN_FLOAT.match(text):
                return self.held(_finite(text))
            self.report(
                node,
                YAML_AMBIGUOUS,
                f"'{shorten(text)}' is read as a number in YAML 1.1 (base 60 or with '_')",
                _quote_hint(text),
            )
            return text
        # TIMESTAMP: kept as a date so that the schema check can point at it.
        if not _timestamps.timestamp_regexp.match(text):
            self.report(
                node,
                YAML_TAG,
                f"the tag '!!timestamp' does not fit '{shorten(text)}', which is no date",
                "remove the tag; only plain YAML values are accepted",
            )
            return None
        try:
            value: datetime.date = _timestamps.construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            self.report(
                node,
                YAML_AMBIGUOUS,
                f"'{shorten(text)}' is a date in YAML 1.1 but no valid one ({exc}), "
                "and a string in YAML 1.2",
                "correct the date, or " + _quote_hint(text),
            )
            return text
        return value

    def held(self, value: float | OutOfRange) -> float | OutOfRange:
        self.out_of_range = self.out_of_range or isinstance(value, OutOfRange)
        return value


@dataclass(frozen=True)
class OutOfRange:
    """A plain number that no field can hold, in place of its value, and what to say
    about it."""

    text: str
    message: str
    hint: str

    def __repr__(self) -> str:  # as header checks show a value they do not know
        return self.text


def _integer(text: str) -> int | OutOfRange:
    """A decimal or hexadecimal integer; too long or too large ones are not converted."""
    digits = text.lstrip("+-")
    hexadecimal = digits.startswith("0x")
    if hexadecimal:
        digits = digits[2:]
    # A float holds up to about 1.8e308: 300 decimal or 255 hexadecimal digits
    if len(digits) <= (255 if hexadecimal else MAX_INT_DIGITS):
        value = int(text, 16) if hexadecimal else int(text)
        if abs(value) <= sys.float_info.max:
            return value
    return OutOfRange(
        shorten(text),
        f"the integer {shorten(text)} ({len(digits):,} digits) is too large",
        "no field takes a number this large; correct the value",
    )


def _finite(text: str) -> float | OutOfRange:
    value = _SPECIAL_FLOATS.get(text.lower())
    if value is None:
        value = float(text)
    if math.isfinite(value):
        return value
    return OutOfRange(
        shorten(text),
        f"{shorten(text)} is not a finite number",
        "write a finite number; JSON and the schemas hold no NaN or infinity",
    )


def _quote_hint(text: str) -> str:
    """Quote it, with the value written out when it is short enough to copy."""
    return f'quote it: "{text}"' if len(text) <= SHOWN_CHARS else "quote the value"


def _int_surprise(text: str) -> str:
    """What YAML 1.1 reads `text` as; the number itself only for a short text, since
    base-60 and long digit strings cost time quadratic in their length to convert."""
    if len(text) > SHOWN_CHARS:
        return "a number in YAML 1.1 " + (
            "(base 60)" if ":" in text else "(octal, binary or with '_')"
        )
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
