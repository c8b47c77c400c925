"""What libyaml accepts but the YAML spec does not, and the characters a reviewer cannot see.

libyaml is more lenient than the YAML 1.2 spec in a few places; kubectl, the
yaml-language-server or an operator's own parser may read such a file differently, so
the reader refuses it (`yaml-syntax`):

- a comment glued to what comes before it: `[a, b]#x`, `[a,#x`, `"text"#x`, `|#x`
  (a comment must follow white space or start its line);
- a continuation line of a flow collection or a quoted scalar that is not indented more
  than the block collection around it (`key: [a,` / `b]` at the key's column), or that
  is indented with a tab.

The first is decided on libyaml's token stream, only for files whose text has a `#`
right after a character that can end a token (most files have none). The second is
decided by the walk over the nodes (`values.py`), only for nodes that span lines, with
the lines of the file split once (`Lines`).

Invisible and bidirectional-control characters (`encoding`) are refused anywhere in
the file: a zero-width space in a key, a right-to-left override in a value or a
comment makes the text read differently than it is (Trojan Source).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import yaml

from platform_cli.findings import BuiltinRule, Level, RuleScope

YAML_SYNTAX = BuiltinRule(
    "yaml-syntax",
    Level.ERROR,
    RuleScope.FILE,
    "The file is not valid YAML (tabs used for indentation, comments glued to a value and "
    "under-indented continuation lines included).",
)

# Zero-width and joiner characters, bidirectional marks, embeddings, overrides and
# isolates, invisible operators, the BOM past the file's start, line and paragraph
# separators (line breaks in YAML 1.1, not in 1.2), and other characters that render as
# nothing: soft hyphen, combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# Mongolian vowel separator, interlinear annotation marks, tag characters.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)

# What can end a token right before a '#': a flow indicator, a closing quote, a block
# scalar header. Only files with such a '#' are scanned for tokens.
_BEFORE_GLUED = frozenset("][{},\"'|>+-0123456789")
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][0-9+-]*#")
# Line breaks as libyaml counts them, so that every location agrees with its marks:
# CRLF, CR, LF, and NEL, LS, PS (breaks in YAML 1.1; the reader refuses all three)
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def character_name(char: str) -> str:
    """`U+200B (ZERO WIDTH SPACE)` for a message."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def invisible(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, name) of every invisible or bidirectional-control character."""
    if text.isascii():  # known to the string itself, without reading it
        return
    lines = Lines(text)
    for match in INVISIBLE.finditer(text):
        line, column = lines.position(match.start())
        yield line, column, character_name(match.group())


def glued_comments(text: str, loader: type[yaml.BaseLoader]) -> Iterator[tuple[int, int, str]]:
    """(line, column, what precedes it) of every comment that does not follow white
    space or start its line. Run only on text that composed without error."""
    if not _maybe_glued(text):
        return
    lines = Lines(text)
    end = 0
    for token in yaml.scan(text, Loader=loader):
        start = token.start_mark.index
        if start > end:
            yield from _gap_comments(text, end, start, lines)
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            header = _BLOCK_HEADER_COMMENT.match(text, start)
            if header:
                yield (*lines.position(header.end() - 1), "a block scalar indicator")
        end = max(end, token.end_mark.index)
    if end < len(text):
        yield from _gap_comments(text, end, len(text), lines)


def _maybe_glued(text: str) -> bool:
    """Whether some '#' follows a character in `_BEFORE_GLUED`. A loop over the few
    '#' of a file is ten times faster than a regular expression over all its text."""
    at = text.find("#", 1)
    while at != -1:
        if text[at - 1] in _BEFORE_GLUED:
            return True
        at = text.find("#", at + 1)
    return False


def _gap_comments(text: str, start: int, stop: int, lines: Lines) -> Iterator[tuple[int, int, str]]:
    """Comments between two tokens: only white space, line breaks and comments lie there."""
    at = text.find("#", start, stop)
    while at != -1:
        before = text[at - 1] if at > 0 else "\n"
        if before not in " \t\r\n":
            yield (*lines.position(at), _what(before))
        newline = _BREAK.search(text, at, stop)
        if newline is None:
            return
        at = text.find("#", newline.end(), stop)


def _what(char: str) -> str:
    if char in "\"'":
        return "a quoted value"
    if char in "[]{},":
        return f"the flow indicator '{char}'"
    return f"'{char}'"


class Lines:
    """The lines of a text, split once, counted as libyaml counts them (`_BREAK`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._lines: list[str] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _BREAK.finditer(self.text))]
        return self._starts

    def line(self, index: int) -> str:
        """The 0-based line `index`, without its line break ("" past the end)."""
        if self._lines is None:
            self._lines = _BREAK.split(self.text)
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of the character at `offset`."""
        starts = self.starts
        low, high = 0, len(starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - starts[low] + 1

    def last(self) -> tuple[int, int]:
        """1-based (line, column) just after the last character that is not a line break."""
        stripped = self.text.rstrip("\r\n\x85\u2028\u2029")
        if not stripped:
            return 1, 1
        line, column = self.position(len(stripped) - 1)
        return line, column + 1


def under_indented(
    lines: Lines, first: int, last: int, indent: int, *, flow: bool
) -> tuple[int, int, str, str] | None:
    """The first continuation line among the 0-based lines `first`..`last` that is not
    indented by more than `indent` spaces: (line, column, message, hint), 1-based.

    `flow` says the lines belong to a flow collection, where a line may also be a
    comment; in a quoted scalar every line is text. Lines of white space only are
    folded away and may be indented less.
    """
    for number in range(first, last + 1):
        line = lines.line(number)
        spaces = len(line) - len(line.lstrip(" "))
        rest = line[spaces:]
        if not rest.strip(" \t") or (flow and rest.lstrip(" \t").startswith("#")):
            continue
        if spaces > indent:
            continue
        what = "a list or mapping in brackets" if flow else "a quoted value"
        if rest.startswith("\t"):
            return (
                number + 1,
                spaces + 1,
                f"a tab where YAML expects spaces, in a continuation line of {what}",
                f"indent the line with at least {indent + 1} spaces and no tab",
            )
        return (
            number + 1,
            spaces + 1,
            f"a continuation line of {what} indented {spaces} spaces; YAML requires more "
            f"than {indent}",
            f"indent the line with at least {indent + 1} spaces, or write the value on one line",
        )
    return None
