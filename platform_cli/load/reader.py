"""The hardened YAML reader: bytes in, a plain document or findings out.

Every file of the landscape passes through `parse`. It never raises on bad input and
never silently accepts it: each hazard below becomes a `Finding` with a location.

- files over `MAX_FILE_BYTES`, bytes that are not UTF-8, BOMs other than UTF-8,
  NUL and other control characters;
- YAML syntax errors (tabs used for indentation get their own hint);
- empty files, `null` documents, several documents in one file, a top level that is
  not a mapping;
- anchors, aliases and merge keys (`<<`): rejected outright, before anything walks the
  data, so an alias bomb costs no more than reading its bytes;
- explicit tags other than the plain YAML ones (`!!python/object`, `!custom`, ...);
- duplicate keys, and keys that are not strings;
- YAML 1.1 surprises in plain scalars: `yes/no/on/off`, leading-zero octal, binary,
  base-60 (`22:22`) and `1_000` numbers; floats and dates where a string is expected
  are caught by the schema check with a hint to quote the value;
- nesting deeper than `MAX_DEPTH`.

Parsing uses libyaml (`CSafeLoader`) for the composer, where it is available, and one
walk of our own over the node tree that builds plain Python values and looks for the
hazards at the same time. Locations of fields are found only when a finding needs
one, by composing the file again (`Document.locate`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from platform_cli.findings import Finding, error

try:
    _Base: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


class _Loader(_Base):
    """The safe loader with a leaner tag resolver: the same implicit resolvers of
    YAML 1.1 (so that every surprise is still seen), minus path resolvers, which safe
    loading never registers. Resolution runs once per scalar, the hottest Python code
    of a load."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return STR
        return SEQ if kind is yaml.SequenceNode else MAP


_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(resolvers)
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    if first is not None
}
assert None not in yaml.SafeLoader.yaml_implicit_resolvers, "no wildcard resolvers"

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
# Values one document may build: far above any real resource (about 60), far below what
# an alias bomb expands to. A second line of defence behind the anchor scan.
MAX_NODES = 100_000

# Where an anchor or alias can start: '&' or '*' after a line start, a space or a flow
# indicator, followed by a character of an anchor name (libyaml and PyYAML accept only
# letters, digits, '-' and '_' there); or a merge key. Text that never matches (cron
# fields like '* * *', 'R&D', quoted globs) skips the event scan.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,])[&*][0-9A-Za-z_-]|<<", re.MULTILINE)

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MAP, SEQ, MERGE = (_TAG + t for t in ("timestamp", "map", "seq", "merge"))
_PLAIN_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, MAP, SEQ})

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\ufffe\uffff]")
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)
_UTF8_BOM = b"\xef\xbb\xbf"

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

QUOTE_HINT = "quote the value if you mean a string"


@dataclass(eq=False)
class Document:
    """One parsed YAML document and the text it came from.

    `data` holds only JSON-like values (dict, list, str, int, float, bool, None) plus
    `datetime.date`/`datetime.datetime` for unquoted timestamps, which the schemas
    then reject with a hint to quote them.
    """

    path: str
    data: dict[str, Any]
    text: str
    _root: yaml.Node | None = field(default=None, repr=False)

    def node(self, keys: Sequence[str | int]) -> tuple[yaml.Node, yaml.Node | None]:
        """The deepest node along `keys` that exists, and the key node that led to it.

        Composes the text again on first use: locations are only needed for findings,
        so the fast path never builds or keeps node trees.
        """
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=_Loader)
        assert self._root is not None, "a parsed document always composes again"
        current: yaml.Node = self._root
        key_node: yaml.Node | None = None
        for key in keys:
            if isinstance(current, yaml.MappingNode) and isinstance(key, str):
                for k, v in current.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        key_node, current = k, v
                        break
                else:
                    break
            elif isinstance(current, yaml.SequenceNode) and isinstance(key, int):
                if not 0 <= key < len(current.value):
                    break
                key_node, current = None, current.value[key]
            else:
                break
        return current, key_node

    def locate(self, keys: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at `keys`, or of its key with `at_key`."""
        value, key = self.node(keys)
        return position(key if (at_key and key is not None) else value)

    def source_of(self, keys: Sequence[str | int]) -> str:
        """The text of the value at `keys` exactly as written in the file."""
        value, _ = self.node(keys)
        return self.text[value.start_mark.index : value.end_mark.index]

    def release(self) -> None:
        """Drop the cached node tree (it is rebuilt on demand)."""
        self._root = None


class Stored(Protocol):
    """Where a stored document's value and text come from."""

    def value(self, path: str) -> dict[str, Any]: ...

    def text(self, path: str) -> bytes: ...


class StoredDocument(Document):
    """A document evaluated in an earlier run, whose value and text are read only when
    something asks for them: a plan over 10,000 files touches a few dozen of them.
    The value is the one stored then; the text is the file's bytes, from git or the
    working tree. Each is read at most once."""

    def __init__(self, path: str, source: Stored) -> None:
        self.path = path
        self._root = None
        self._source = source

    @property  # read-only here: the value comes from the state
    def data(self) -> dict[str, Any]:  # type: ignore[override]
        data = self.__dict__.get("_data")
        if data is None:
            data = self.__dict__["_data"] = self._source.value(self.path)
        return data

    @property  # read-only here: read from the file on first use
    def text(self) -> str:  # type: ignore[override]
        text = self.__dict__.get("_decoded")
        if text is None:
            raw = self._source.text(self.path)
            if raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
            text = self.__dict__["_decoded"] = raw.decode("utf-8")
        return text


@dataclass
class ParseResult:
    document: Document | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.findings


def parse(path: str, data: bytes) -> ParseResult:
    """Parse one file that must hold exactly one mapping document."""
    findings: list[Finding] = []
    text = _decode(path, data, findings)
    if text is None:
        return ParseResult(None, findings)
    if _MAYBE_ANCHOR.search(text) and not _no_anchors(path, text, findings):
        return ParseResult(None, findings)
    root = _compose_single(path, text, findings)
    if root is None:
        return ParseResult(None, findings)
    walker = _Walker(path, findings)
    value = walker.build(root, 0)
    # With findings the document is returned too, so that its name still counts as
    # declared, but it is never built into the model.
    return ParseResult(Document(path, value, text), findings)


def cached_document(path: str, data: bytes, value: dict[str, Any]) -> Document:
    """The document of bytes that parsed cleanly before, with the value built then."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return Document(path, value, data.decode("utf-8"))


def _decode(path: str, data: bytes, findings: list[Finding]) -> str | None:
    if len(data) > MAX_FILE_BYTES:
        findings.append(
            error(
                path,
                0,
                0,
                "file-too-large",
                f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "split it into one file per resource",
            )
        )
        return None
    for bom, name in _BOMS:
        if data.startswith(bom):
            findings.append(
                error(path, 1, 1, "encoding", f"the file is encoded as {name}", "save it as UTF-8")
            )
            return None
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode("utf-8", "replace"))
        findings.append(
            error(
                path,
                line,
                column,
                "encoding",
                f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8",
            )
        )
        return None
    bad = _CONTROL.search(text)
    if bad:
        line, column = _position(text[: bad.start()])
        char = "NUL" if bad.group() == "\x00" else f"U+{ord(bad.group()):04X}"
        findings.append(
            error(
                path,
                line,
                column,
                "encoding",
                f"control character {char} in the file",
                "remove it; YAML allows only printable characters, tab and line breaks",
            )
        )
        return None
    return text


def position(node: yaml.Node | yaml.Event | None) -> tuple[int, int]:
    """1-based (line, column) where a node or event starts; (0, 0) when unknown."""
    mark = node.start_mark if node is not None else None
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _position(prefix: str) -> tuple[int, int]:
    """1-based line and column just after `prefix`."""
    line = prefix.count("\n") + 1
    return line, len(prefix) - (prefix.rfind("\n") + 1) + 1


def _no_anchors(path: str, text: str, findings: list[Finding]) -> bool:
    """Scan the event stream for anchors and aliases; reject the file at the first one.

    Only files that contain '&', '*' or '<<' at all get here, so the common case pays
    nothing. The event stream is read without composing, so an alias bomb is refused
    before any node of it is built.
    """
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                what = f"alias '*{event.anchor}'"
            elif anchor := getattr(event, "anchor", None):
                what = f"anchor '&{anchor}'"
            else:
                continue
            findings.append(
                error(
                    path,
                    *position(event),
                    "yaml-anchor",
                    f"{what}: anchors and aliases are not allowed",
                    "write the values out in full; each resource stands on its own",
                )
            )
            return False
    except yaml.YAMLError as exc:
        findings.append(_syntax_finding(path, text, exc))
        return False
    return True


def _compose_single(path: str, text: str, findings: list[Finding]) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        if not loader.check_node():
            findings.append(_empty(path))
            return None
        root = loader.get_node()
        if loader.check_node():
            findings.append(
                error(
                    path,
                    *position(loader.get_node()),
                    "yaml-multiple-documents",
                    "the file holds more than one YAML document",
                    "put each resource in a file of its own and remove the '---' line",
                )
            )
            return None
    except yaml.YAMLError as exc:
        findings.append(_syntax_finding(path, text, exc))
        return None
    finally:
        loader.dispose()
    if isinstance(root, yaml.ScalarNode) and root.tag == NULL:
        findings.append(_empty(path, root))
        return None
    if not isinstance(root, yaml.MappingNode):
        what = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        findings.append(
            error(
                path,
                *position(root),
                "yaml-not-a-mapping",
                f"the document is {what}, not a mapping",
                "a resource is a mapping with apiVersion, kind, metadata and spec",
            )
        )
        return None
    return root


def _empty(path: str, node: yaml.Node | None = None) -> Finding:
    return error(
        path,
        *position(node),
        "yaml-empty",
        "the file holds no document",
        "delete the file, or declare a resource in it",
    )


def _syntax_finding(path: str, text: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    hint = "check the indentation and the quoting around this place"
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        message = "a tab character where YAML expects spaces"
        hint = "indent with spaces; YAML does not allow tabs for indentation"
    if "maximum nesting depth" in message:
        return error(
            path,
            line,
            column,
            "yaml-depth",
            "the document is nested too deeply",
            f"the model never needs more than {MAX_DEPTH} levels",
        )
    return error(path, line, column, "yaml-syntax", message, hint)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Walker:
    """Builds plain values from a node tree and reports hazards as it goes."""

    def __init__(self, path: str, findings: list[Finding]) -> None:
        self.path = path
        self.findings = findings
        self.budget = MAX_NODES

    def report(self, node: yaml.Node, rule: str, message: str, hint: str) -> None:
        self.findings.append(error(self.path, *position(node), rule, message, hint))

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.report(
                    node,
                    "yaml-too-many-values",
                    f"the document holds more than {MAX_NODES:,} values",
                    "one resource needs a few dozen; split the file",
                )
            return None
        if depth > MAX_DEPTH:
            self.report(
                node,
                "yaml-depth",
                f"nesting deeper than {MAX_DEPTH} levels",
                "the model never needs this much nesting; flatten the value",
            )
            return None
        if node.tag not in _PLAIN_TAGS:
            self.report(
                node,
                "yaml-tag",
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
                    "yaml-duplicate-key",
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
                "yaml-anchor",
                "merge keys ('<<') are not allowed",
                "write the keys out in full",
            )
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.report(
                node,
                "yaml-key",
                "a mapping key must be a plain string, not a "
                + ("list" if isinstance(node, yaml.SequenceNode) else "mapping"),
                "use a plain word as the key",
            )
            return None
        if node.tag != STR:
            if node.tag not in _PLAIN_TAGS:
                self.report(
                    node,
                    "yaml-tag",
                    f"the tag '{short_tag(node.tag)}' is not allowed",
                    "remove the tag",
                )
            else:
                self.report(
                    node,
                    "yaml-key",
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
                "yaml-ambiguous",
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
                node, "yaml-ambiguous", f"'{text}' is read as {meaning}", f'quote it: "{text}"'
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
                "yaml-ambiguous",
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
