"""The hardened YAML reader: bytes in, a plain document or findings out.

Every file of the landscape passes through `parse`. It never raises on bad input and
never silently accepts it: each hazard below becomes a `Finding` with a location.

- files over `MAX_FILE_BYTES`, bytes that are not UTF-8, BOMs other than UTF-8,
  NUL and other control characters; invisible and bidirectional-control characters
  anywhere in the text (`lexical.invisible`);
- YAML syntax errors (tabs used for indentation get their own hint), and what libyaml
  accepts but the spec does not (`lexical.py`): comments glued to a token, and, found
  by the walk, under-indented or tabbed continuation lines;
- empty files, `null` documents, several documents in one file, a top level that is
  not a mapping;
- anchors, aliases and merge keys (`<<`): rejected outright, before anything walks the
  data, so an alias bomb costs no more than reading its bytes;
- and, while `values.build` turns the nodes into plain values: tags, duplicate and
  non-string keys, YAML 1.1 surprises in plain scalars, too deep or too big documents.
  Floats and dates where a string is expected are caught by the schema check with a
  hint to quote the value.

Parsing uses libyaml (`CSafeLoader`) for the composer, where it is available, and one
walk of our own over the node tree that builds plain Python values and looks for the
hazards at the same time. Locations of fields are found only when a finding needs
one, by composing the file again (`Document.locate`), through one index of keys per
mapping. Every location lies inside the file, lines counted as libyaml counts them,
and one file gives at most `MAX_FINDINGS` findings, then one that counts the rest.

Every hazard is decided here in the order above, on one pass over the bytes and then
the nodes. The walk over the values is `values.py`; the spec rules libyaml does not
enforce and the invisible characters are `lexical.py`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load import lexical, values
from platform_cli.load.lexical import YAML_SYNTAX, Lines
from platform_cli.load.values import (
    MAP,
    MAX_DEPTH,
    NULL,
    SEQ,
    STR,
    YAML_ANCHOR,
    YAML_DEPTH,
    position,
    shorten,
)

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

FILE_TOO_LARGE = BuiltinRule(
    "file-too-large", Level.ERROR, RuleScope.FILE, "The file is larger than the 1 MiB limit."
)
ENCODING = BuiltinRule(
    "encoding",
    Level.ERROR,
    RuleScope.FILE,
    "The file is not UTF-8, has a UTF-16/32 byte-order mark, or holds NUL, control, "
    "invisible or bidirectional-control characters.",
)
YAML_EMPTY = BuiltinRule(
    "yaml-empty",
    Level.ERROR,
    RuleScope.FILE,
    "The file is empty, holds only comments, or its document is null.",
)
YAML_MULTIPLE_DOCUMENTS = BuiltinRule(
    "yaml-multiple-documents",
    Level.ERROR,
    RuleScope.FILE,
    "The file holds more than one YAML document; the layout expects one resource per file.",
)
YAML_NOT_A_MAPPING = BuiltinRule(
    "yaml-not-a-mapping",
    Level.ERROR,
    RuleScope.FILE,
    "The document is a list or a single value instead of a mapping.",
)

# Where an anchor or alias can start: '&' or '*' after a line start, a space or a flow
# indicator, followed by a character of an anchor name (libyaml and PyYAML accept only
# letters, digits, '-' and '_' there); or a merge key. Text that never matches (cron
# fields like '* * *', 'R&D', quoted globs) skips the event scan.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,])[&*][0-9A-Za-z_-]|<<", re.MULTILINE)

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\ufffe\uffff]")
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(eq=False)
class Document:
    """One parsed YAML document and the text it came from.

    `data` holds only JSON-like values (dict, list, str, int, float, bool, None) plus
    `datetime.date`/`datetime.datetime` for unquoted timestamps, which the schemas
    then reject with a hint to quote them, and `values.OutOfRange` in place of numbers
    that no field can hold (`out_of_range` says whether there is one).
    """

    path: str
    data: dict[str, Any]
    text: str
    _root: yaml.Node | None = field(default=None, repr=False)
    # The keys of each mapping node met while locating, by the node's id: built once per
    # mapping, so that locating every field of a mapping costs its size, not its square
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, repr=False
    )
    # Where the file's text ends (line, column), found on first use
    _end_at: tuple[int, int] | None = field(default=None, repr=False)
    # Holds a number no field can hold (`values.OutOfRange`), which the schema check reports
    out_of_range: bool = False

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
                found = self._mapping_keys(current).get(key)
                if found is None:
                    break
                key_node, current = found
            elif isinstance(current, yaml.SequenceNode) and isinstance(key, int):
                if not 0 <= key < len(current.value):
                    break
                key_node, current = None, current.value[key]
            else:
                break
        return current, key_node

    def _mapping_keys(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        index = self._keys.get(id(node))
        if index is None:
            index = self._keys[id(node)] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    index.setdefault(k.value, (k, v))
        return index

    def locate(self, keys: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at `keys`, or of its key with `at_key`."""
        value, key = self.node(keys)
        if self._end_at is None:
            self._end_at = _end(self.text)
        # An empty value at the end of the file starts past its last line
        return min(position(key if (at_key and key is not None) else value), self._end_at)

    def source_of(self, keys: Sequence[str | int]) -> str:
        """The text of the value at `keys` exactly as written in the file."""
        value, _ = self.node(keys)
        return self.text[value.start_mark.index : value.end_mark.index]

    def release(self) -> None:
        """Drop the cached node tree (it is rebuilt on demand)."""
        self._root = None
        self._keys = {}


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
        self._keys = {}
        self._end_at = None
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
    for line, column, name in lexical.invisible(text):
        findings.append(
            ENCODING.finding(
                path,
                line,
                column,
                f"invisible character {name} in the file",
                "remove it; invisible and bidirectional-control characters make the text "
                "read differently than it is",
            )
        )
    if _MAYBE_ANCHOR.search(text) and not _no_anchors(path, text, findings):
        return ParseResult(None, _within(text, findings))
    root = _compose_single(path, text, findings)
    if root is None:
        return ParseResult(None, _within(text, findings))
    for line, column, what in lexical.glued_comments(text, _Loader):
        findings.append(
            YAML_SYNTAX.finding(
                path,
                line,
                column,
                f"a comment right after {what}; YAML requires a space before '#'",
                "put a space before the '#'",
            )
        )
    value, out_of_range = values.build(path, root, findings, text)
    if not isinstance(value, dict):
        # The walk refused the root itself (a tag on it, say) and said why
        return ParseResult(None, _within(text, findings))
    # With findings the document is returned too, so that its name still counts as
    # declared, but it is never built into the model.
    return ParseResult(
        Document(path, value, text, out_of_range=out_of_range), _within(text, findings)
    )


def _within(text: str, findings: list[Finding]) -> list[Finding]:
    """The findings capped, each located inside the file: libyaml puts an empty node
    or the end of the stream on the line after the last line break."""
    if not findings:
        return findings
    end = _end(text)
    return cap(
        [
            f if (f.line, f.column) <= end else dataclasses.replace(f, line=end[0], column=end[1])
            for f in findings
        ]
    )


def _end(text: str) -> tuple[int, int]:
    return Lines(text).last()


MAX_FINDINGS = 50


def cap(findings: list[Finding], more: int = 0) -> list[Finding]:
    """The first `MAX_FINDINGS` findings of one file in the order of the file, then one
    that counts the rest (and `more` not built at all): a hostile file cannot flood the
    report, and the author fixes the first ones and checks again."""
    if len(findings) + more <= MAX_FINDINGS:
        return findings
    findings = sorted(findings)
    kept, hidden = findings[:MAX_FINDINGS], findings[MAX_FINDINGS:]
    first = hidden[0] if hidden else kept[-1]
    by_rule = Counter(f.rule for f in hidden)
    rule = by_rule.most_common(1)[0][0] if by_rule else first.rule
    rules = ", ".join(f"{r}: {n:,}" for r, n in sorted(by_rule.items()))
    count = len(hidden) + more
    return [
        *kept,
        Finding(
            first.path,
            first.line,
            first.column,
            rule,
            Level.ERROR,
            f"and {count:,} more findings in this file, not shown"
            + (f" ({rules}{', ...' if more else ''})" if rules else ""),
            f"the report shows the first {MAX_FINDINGS} findings of a file; fix those and "
            "check again",
        ),
    ]


def cached_document(path: str, data: bytes, value: dict[str, Any]) -> Document:
    """The document of bytes that parsed cleanly before, with the value built then."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return Document(path, value, data.decode("utf-8"))


def _decode(path: str, data: bytes, findings: list[Finding]) -> str | None:
    if len(data) > MAX_FILE_BYTES:
        findings.append(
            FILE_TOO_LARGE.finding(
                path,
                0,
                0,
                f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "split it into one file per resource",
            )
        )
        return None
    for bom, name in _BOMS:
        if data.startswith(bom):
            findings.append(
                ENCODING.finding(path, 1, 1, f"the file is encoded as {name}", "save it as UTF-8")
            )
            return None
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode("utf-8", "replace"))
        findings.append(
            ENCODING.finding(
                path,
                line,
                column,
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
            ENCODING.finding(
                path,
                line,
                column,
                f"control character {char} in the file",
                "remove it; YAML allows only printable characters, tab and line breaks",
            )
        )
        return None
    return text


def _position(prefix: str) -> tuple[int, int]:
    """1-based line and column just after `prefix`, lines counted as libyaml counts them."""
    return Lines(prefix).position(len(prefix))


def _no_anchors(path: str, text: str, findings: list[Finding]) -> bool:
    """Scan the event stream for anchors and aliases; reject the file at the first one.

    Only files that contain '&', '*' or '<<' at all get here, so the common case pays
    nothing. The event stream is read without composing, so an alias bomb is refused
    before any node of it is built.
    """
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                what = f"alias '*{shorten(str(event.anchor))}'"
            elif anchor := getattr(event, "anchor", None):
                what = f"anchor '&{shorten(anchor)}'"
            else:
                continue
            findings.append(
                YAML_ANCHOR.finding(
                    path,
                    *position(event),
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
                YAML_MULTIPLE_DOCUMENTS.finding(
                    path,
                    *position(loader.get_node()),
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
            YAML_NOT_A_MAPPING.finding(
                path,
                *position(root),
                f"the document is {what}, not a mapping",
                "a resource is a mapping with apiVersion, kind, metadata and spec",
            )
        )
        return None
    return root


def _empty(path: str, node: yaml.Node | None = None) -> Finding:
    return YAML_EMPTY.finding(
        path,
        *position(node),
        "the file holds no document",
        "delete the file, or declare a resource in it",
    )


def _syntax_finding(path: str, text: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    lines = Lines(text)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    hint = "check the indentation and the quoting around this place"
    if mark is not None and lines.line(mark.line)[mark.column : mark.column + 1] == "\t":
        message = "a tab character where YAML expects spaces"
        hint = "indent with spaces; YAML does not allow tabs for indentation"
    if "maximum nesting depth" in message:
        return YAML_DEPTH.finding(
            path,
            line,
            column,
            "the document is nested too deeply",
            f"the model never needs more than {MAX_DEPTH} levels",
        )
    return YAML_SYNTAX.finding(path, line, column, message, hint)
