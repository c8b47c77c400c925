"""A small, deterministic YAML writer for the landscape's own documents.

PyYAML's emitter cannot put a comment next to a field, reorders nothing but also
quotes by YAML 1.1 rules that our reader (`loader.py`) is stricter than. This writer
covers exactly what our documents hold (mappings, lists, strings, integers, booleans)
in the layout of the bundled files:

- block style, two spaces per level, list items indented under their key; a list of
  scalars that fits on its key's line is written in flow style (`[start, "--debug"]`);
- keys in the order given;
- a string is written plain only when every YAML reader reads it back as the same
  string; otherwise it is double-quoted. Strings that start with a digit ("8Gi",
  "250m", "22:30", "0755") and YAML 1.1 words ('yes', 'on', 'null') are always quoted,
  and so is every value of an `env` mapping ("8080" is a string there, not a number);
- long strings without line breaks are folded (`>-`) at word boundaries;
- a trailing comment may be attached to any field, by its path of keys.

The output parses back with `loader.parse` to the same data with no findings (the
tests check this for every kind and every bundled resource).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

Path = tuple[str | int, ...]

INDENT = 2
# A string longer than this on its key's line is folded into lines of at most
# FOLD_WIDTH characters, as in the bundled files
WIDTH = 90
FOLD_WIDTH = 88
# Trailing comments start at this column when the line is shorter
COMMENT_COLUMN = 36
# Every value of a mapping under one of these keys is quoted
QUOTED_VALUES_UNDER = frozenset({"env"})

# Characters a plain scalar of ours may hold; ': ' and ' #' are excluded separately
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9 _./:@+,'()=~-]*$")
# Words that YAML 1.1 (or 1.2) reads as something other than a string
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def dump(
    data: Mapping[str, Any],
    *,
    header: Sequence[str] = (),
    comments: Mapping[Path, str] | None = None,
) -> str:
    """The document as YAML text, after `header` (comment lines, '#' included)."""
    writer = _Writer(comments or {})
    writer.lines.extend(header)
    writer.mapping(data, 0, ())
    return "\n".join(writer.lines) + "\n"


def scalar(value: Any, *, quote: bool = False) -> str:
    """One scalar as it appears after 'key: '."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    if not isinstance(value, str):
        raise TypeError(f"cannot write a {type(value).__name__} value")
    if quote or not is_plain(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def is_plain(text: str) -> bool:
    """Whether `text` reads back as the same string when written without quotes."""
    return (
        bool(_PLAIN.match(text))
        and text == text.strip()
        and text.lower() not in _RESERVED
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
    )


def _foldable(text: str, line: str, indent: int) -> bool:
    """Prose too long for `line` that survives folding exactly: single spaces, no
    line breaks."""
    return (
        len(line) > WIDTH
        and text == text.strip()
        and "  " not in text
        and not any(c in text for c in "\n\r\t")
        and max(len(word) for word in text.split(" ")) + indent <= FOLD_WIDTH
    )


def _flow(items: list[Any]) -> str | None:
    """A list of scalars in flow style (`[a, "b"]`), or None for other lists."""
    if not all(isinstance(item, str | int) for item in items):
        return None
    texts = [
        json.dumps(item, ensure_ascii=False)
        if isinstance(item, str) and "," in item
        else scalar(item)
        for item in items
    ]
    return f"[{', '.join(texts)}]"


def _fold(text: str, indent: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and indent + len(candidate) > FOLD_WIDTH:
            lines.append(" " * indent + current)
            current = word
        else:
            current = candidate
    lines.append(" " * indent + current)
    return lines


class _Writer:
    def __init__(self, comments: Mapping[Path, str]) -> None:
        self.comments = comments
        self.lines: list[str] = []

    def emit(self, line: str, path: Path) -> None:
        comment = self.comments.get(path)
        if comment:
            pad = max(COMMENT_COLUMN - len(line), 2)
            line = f"{line}{' ' * pad}# {comment}"
        self.lines.append(line)

    def mapping(self, data: Mapping[str, Any], indent: int, path: Path, first: str = "") -> None:
        """Write the pairs; `first` prefixes the first line (a list item's '- ')."""
        quote_values = bool(path) and path[-1] in QUOTED_VALUES_UNDER
        for i, (key, value) in enumerate(data.items()):
            lead = first if i == 0 and first else " " * indent
            self.entry(f"{lead}{scalar(key)}:", value, indent, (*path, key), quote_values)

    def entry(self, prefix: str, value: Any, indent: int, path: Path, quote: bool) -> None:
        """`prefix` is 'key:' with its indentation; the value follows on this line or below."""
        if isinstance(value, Mapping):
            if not value:
                self.emit(f"{prefix} {{}}", path)
                return
            self.emit(prefix, path)
            self.mapping(value, indent + INDENT, path)
        elif isinstance(value, list):
            if not value:
                self.emit(f"{prefix} []", path)
                return
            flow = _flow(value)
            if flow is not None and len(prefix) + 1 + len(flow) <= WIDTH:
                self.emit(f"{prefix} {flow}", path)
                return
            self.emit(prefix, path)
            self.sequence(value, indent + INDENT, path)
        else:
            line = f"{prefix} {scalar(value, quote=quote)}"
            if isinstance(value, str) and not quote and _foldable(value, line, indent + INDENT):
                self.emit(f"{prefix} >-", path)
                self.lines.extend(_fold(value, indent + INDENT))
            else:
                self.emit(line, path)

    def sequence(self, items: list[Any], indent: int, path: Path) -> None:
        dash = " " * indent + "- "
        for index, item in enumerate(items):
            item_path = (*path, index)
            if isinstance(item, Mapping) and item:
                self.mapping(item, indent + INDENT, item_path, first=dash)
            elif isinstance(item, Mapping | list):
                # Lists of lists are not used by the model; JSON is valid YAML flow style
                self.emit(dash + json.dumps(item, ensure_ascii=False), item_path)
            else:
                self.emit(dash + scalar(item), item_path)
