"""Fuzzing: random and mutated documents through the reader and the whole `platform check`.

Only findings may come out: no exception, exit 0 or 1, every finding located within
the file, at most `MAX_FINDINGS` (and one that counts the rest) for one file. The
inputs are the landscape files of the repository and of the data cases, mutated with
the constructs that broke YAML readers before (glued comments, tabs, tags, anchors,
huge numbers, impossible dates, invisible characters, CR line ends, ...), plain random
text over YAML's indicators, and random bytes.

`make test` runs a short, derandomized pass (the same inputs every time). `make fuzz`
sets PLATFORM_FUZZ_SECONDS and runs `test_fuzz_campaign`, random rounds of both
targets until the time is up, and prints how many inputs it tried and the findings by
rule.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_cli.checks.catalogue import BY_ID
from platform_cli.cli.commands import cli
from platform_cli.load.lexical import Lines
from platform_cli.load.reader import MAX_FINDINGS, parse
from tests.conftest import DATA, REPO

MAX_SEED_BYTES = 8_000


def _seeds() -> list[tuple[str, str]]:
    """(path in its landscape, text) of the small landscape files the repository holds."""
    roots = [REPO, DATA / "check" / "_base"]
    roots += sorted(p / "files" for p in (DATA / "check").iterdir() if (p / "files").is_dir())
    seeds: dict[tuple[str, str], None] = {}
    for root in roots:
        for top in ("landscape", "stacks"):
            for path in sorted((root / top).rglob("*.yaml")):
                data = path.read_bytes()
                if len(data) <= MAX_SEED_BYTES:
                    text = data.decode("utf-8", "replace")
                    seeds[(path.relative_to(root).as_posix(), text)] = None
    return list(seeds)


SEEDS = _seeds()

# What has broken YAML readers, or may: indicators, glued comments, tabs, tags,
# anchors, directives, YAML 1.1 scalars, numbers out of range, invalid dates,
# invisible characters, control characters and line ends of every kind.
PIECES = [
    ": ", "- ", "? ", "#", " #x", "]#x", ",#x", "}#x", '"#x', "'#x", "|#x", ">-#x",
    "[", "]", "{", "}", ",", '"', "'", "|", ">", "|-", ">+", "|2", "\\", "\\x", "\\u12",
    "\t", "\n", "\r", "\r\n", "\n\t", "\n ", "\n  ", "\n    ", "  ", "\n- ", "\n-\t",
    "&a ", "*a", "<<: ", "<<: *a", "!!map ", "!!seq ", "!!str ", "!!int ", "!!float ",
    "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!t ", "!<tag:x> ", "!!python/object ",
    "--- ", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2026:\n",
    "yes", "no", "on", "off", "~", "null", "true", "0o17", "0755", "0b101", "0x1F", "1_000",
    "22:22", "1:2:3:4:5:6", ".nan", ".inf", "-.inf", "1e999", "-1e999", "1.0e+400",
    "2026-02-30", "0000-01-01", "2026-01-01 25:00:00", "2026-13-01T00:00:00Z",
    "9" * 400, "0x" + "f" * 300, ":".join(["59"] * 300), "a" * 300,
    "\u200b", "\u200d", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2028", "\u2029",
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\ufffe", "\U0001f600", "é",
    "kind: ", "kind: {}", "kind: []", "apiVersion: platform/v1", "metadata: ", "name: x",
    "spec: ", "replicas: ", "price: ", "image: ",
]  # fmt: skip
ALPHABET = st.sampled_from(
    [
        *" \t\n\r-?:,[]{}#&*!|>'\"%@`.~0123456789abcxyzAZ_/\\=+",
        *("\u200b", "\u202e", "\ufeff", "\x00", "\x85", "é"),
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A landscape file with a few edits: pieces inserted, ranges deleted or repeated,
    lines swapped or re-indented, bytes corrupted."""
    path, text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "insert", "delete", "repeat", "indent", "swap"]))
        if edit == "insert":
            piece = draw(st.sampled_from(PIECES) | st.text(ALPHABET, min_size=1, max_size=8))
            text = text[:at] + piece + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif edit == "repeat":
            size = draw(st.integers(1, 80))
            text = text[:at] + text[at : at + size] * draw(st.integers(2, 50)) + text[at:]
        elif edit == "indent":
            start = text.rfind("\n", 0, at) + 1
            text = (
                text[:start]
                + draw(st.sampled_from(["", " ", "  ", "\t", " \t"]))
                + (text[start:].lstrip(" ") if draw(st.booleans()) else text[start:])
            )
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"\n", draw(st.sampled_from([b"\r", b"\r\n"])))
    return path, data


DOCUMENTS = st.one_of(
    mutated(),
    mutated(),
    mutated(),
    st.tuples(
        st.sampled_from([p for p, _ in SEEDS]),
        st.text(ALPHABET, max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
    st.tuples(
        st.sampled_from([p for p, _ in SEEDS]),
        st.lists(st.sampled_from(PIECES), max_size=30).map(
            lambda pieces: "".join(pieces).encode("utf-8", "surrogatepass")
        ),
    ),
    st.tuples(st.sampled_from([p for p, _ in SEEDS]), st.binary(max_size=200)),
)

# What the campaign counts: inputs per target, findings by rule
TRIED: Counter[str] = Counter()
FOUND: Counter[str] = Counter()


def read_one(path: str, data: bytes) -> None:
    """The reader returns findings, located inside the file, at most the cap."""
    result = parse(path, data)
    TRIED["reader"] += 1
    assert len(result.findings) <= MAX_FINDINGS + 1
    text = data.decode("utf-8", "replace")
    lines = len(Lines(text).starts)
    for finding in result.findings:
        FOUND[finding.rule] += 1
        assert finding.rule in BY_ID, finding
        assert finding.path == path
        assert 0 <= finding.line <= lines, (finding, lines)
        assert finding.column >= 0
        assert finding.message and len(finding.message) < 1_000, finding
        assert len(finding.hint) < 1_000, finding
    if result.document is not None:
        assert isinstance(result.document.data, dict)


def check_one(path: str, data: bytes) -> None:
    """The whole `platform check` over the small base landscape with the file in it:
    exit 0 or 1, findings in JSON, no traceback."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        shutil.copytree(DATA / "check" / "_base", root)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        result = CliRunner().invoke(
            cli,
            ["check", "--root", str(root), "--format", "json"],
            catch_exceptions=False,
            prog_name="platform",
            env={"PLATFORM_CACHE": "off"},
        )
    TRIED["check"] += 1
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    for finding in report["findings"]:
        FOUND[f"check:{finding['rule']}"] += 1
    assert report["passed"] == (result.exit_code == 0)


QUICK = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


@settings(QUICK, max_examples=400)
@given(DOCUMENTS)
def test_reader_gives_only_findings(document: tuple[str, bytes]) -> None:
    read_one(*document)


@settings(QUICK, max_examples=40)
@given(DOCUMENTS)
def test_check_gives_only_findings(document: tuple[str, bytes]) -> None:
    check_one(*document)


def test_the_mutations_reach_the_new_refusals() -> None:
    """The pieces the fuzzer inserts are the ones the reader refuses: each of these
    hand-made inputs ends in its finding (a fuzzer that never reaches a rule tests it
    not at all)."""
    base = "apiVersion: platform/v1\nkind: Team\nmetadata:\n  name: t\n"
    expected = {
        base + "spec: [a,#x\n  b]\n": "yaml-syntax",
        base + 'spec: "a"#x\n': "yaml-syntax",
        base + "spec: [a,\nb]\n": "yaml-syntax",
        base + 'spec: "a\n\tb"\n': "yaml-syntax",
        base + "spec: a\u202eb\n": "encoding",
    }
    for text, rule in expected.items():
        result = parse("f.yaml", text.encode())
        assert [f.rule for f in result.findings] == [rule], text


FUZZ_SECONDS = float(os.environ.get("PLATFORM_FUZZ_SECONDS", "600"))


@pytest.mark.fuzz
def test_fuzz_campaign() -> None:
    """Random rounds of both targets until PLATFORM_FUZZ_SECONDS are up; then the counts."""
    campaign = settings(
        derandomize=False,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    reader = settings(campaign, max_examples=2_000)(given(DOCUMENTS)(read_one_pair))
    check = settings(campaign, max_examples=100)(given(DOCUMENTS)(check_one_pair))
    TRIED.clear()
    FOUND.clear()
    started = time.monotonic()
    rounds = 0
    while time.monotonic() - started < FUZZ_SECONDS:
        reader()
        check()
        rounds += 1
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {rounds} rounds in {elapsed:.0f} s")
    print(f"inputs tried: {TRIED['reader']:,} through the reader, {TRIED['check']:,} through check")
    print("findings by rule (reader):")
    for rule, count in sorted(FOUND.items()):
        if not rule.startswith("check:"):
            print(f"  {rule:28} {count:>10,}")
    print("findings by rule (platform check):")
    for rule, count in sorted(FOUND.items()):
        if rule.startswith("check:"):
            print(f"  {rule[6:]:28} {count:>10,}")
    assert TRIED["reader"] > 0 and TRIED["check"] > 0


def read_one_pair(document: tuple[str, bytes]) -> None:
    read_one(*document)


def check_one_pair(document: tuple[str, bytes]) -> None:
    check_one(*document)
