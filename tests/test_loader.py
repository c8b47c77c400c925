"""Loader behaviour that a data folder cannot hold (a file over the size cap) or that
is easier to state directly (the values built, the locations found)."""

from __future__ import annotations

import datetime
import time

import pytest

from platform_cli.load import reader, schema, values
from platform_cli.load.reader import MAX_FILE_BYTES, parse
from platform_cli.load.values import OutOfRange


def test_file_over_the_size_cap_is_refused_unread() -> None:
    data = b"apiVersion: platform/v1\n" + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    result = parse("big.yaml", data)
    assert result.document is None
    [finding] = result.findings
    assert (finding.rule, finding.line) == ("file-too-large", 0)
    assert f"{len(data):,} bytes" in finding.message


def test_file_at_the_size_cap_is_read() -> None:
    head = b"apiVersion: platform/v1\n"
    data = head + b"#" * (MAX_FILE_BYTES - len(head) - 1) + b"\n"
    assert len(data) == MAX_FILE_BYTES
    assert parse("ok.yaml", data).ok


def test_alias_bomb_is_refused_before_any_node_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(levels) + "\n"
    assert len(text) < 1000  # 9**10 nodes once expanded

    composed = []
    original = reader._compose_single

    def spy(*args: object) -> object:
        composed.append(True)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "_compose_single", spy)
    result = parse("bomb.yaml", text.encode())
    assert composed == []
    assert [f.rule for f in result.findings] == ["yaml-anchor"]


def test_text_that_only_mentions_ampersands_and_stars_is_accepted() -> None:
    text = 'description: "R&D * lifts"\nglob: "stacks/*/x"\n'
    result = parse("x.yaml", text.encode())
    assert result.ok and result.document is not None
    assert result.document.data == {"description": "R&D * lifts", "glob": "stacks/*/x"}


def test_plain_values_are_built_as_yaml_1_2_would_agree() -> None:
    text = (
        "a: true\nb: False\nc: 42\nd: -7\ne: 0x1F\nf: 1.5\ng: ~\nh: '0755'\n"
        "i: 2026-03-01\nj: [1, two]\nk: {x: 1.5e+3}\n"
    )
    result = parse("x.yaml", text.encode())
    assert result.ok and result.document is not None
    assert result.document.data == {
        "a": True, "b": False, "c": 42, "d": -7, "e": 31, "f": 1.5, "g": None,
        "h": "0755", "i": datetime.date(2026, 3, 1), "j": [1, "two"], "k": {"x": 1500.0},
    }  # fmt: skip
    assert not result.document.out_of_range


def test_numbers_no_field_can_hold_are_kept_out_of_range_for_the_schema_check() -> None:
    text = f"a: .nan\nb: -.inf\nc: 1.0e+999\nd: {'9' * 301}\ne: 0x{'f' * 256}\nf: {'9' * 300}\n"
    result = parse("x.yaml", text.encode())
    assert result.ok and result.document is not None
    assert result.document.out_of_range
    data = result.document.data
    assert all(isinstance(data[k], OutOfRange) for k in "abcde")
    assert data["f"] == int("9" * 300)
    assert "(301 digits)" in data["d"].message and len(data["d"].text) < 50


def test_every_yaml_1_1_surprise_is_reported_once_each() -> None:
    text = "a: on\nb: 0777\nc: 1_000\nd: 0b101\ne: 1:30:00\nf: 1_0.5\ng: No\n"
    result = parse("x.yaml", text.encode())
    assert [(f.rule, f.line) for f in result.findings] == [
        ("yaml-ambiguous", n) for n in range(1, 8)
    ]
    messages = [f.message for f in result.findings]
    assert "octal number 511" in messages[1]
    assert "base-60 number 5400" in messages[4]


def test_locate_finds_keys_values_and_list_items() -> None:
    text = "spec:\n  ports:\n    - name: http\n      port: 8080\n"
    result = parse("x.yaml", text.encode())
    assert result.document is not None
    doc = result.document
    assert doc.locate(["spec", "ports", 0, "port"]) == (4, 13)
    assert doc.locate(["spec", "ports", 0, "port"], at_key=True) == (4, 7)
    assert doc.locate(["spec", "missing", "deeper"]) == (2, 3)  # nearest existing node
    assert doc.source_of(["spec", "ports", 0, "port"]) == "8080"


def test_utf8_bom_is_accepted_and_lines_stay_right() -> None:
    result = parse("x.yaml", b"\xef\xbb\xbfa: 1\nb: yes\n")
    assert [(f.line, f.column) for f in result.findings] == [(2, 4)]


def test_deep_flow_nesting_is_a_finding_not_a_crash() -> None:
    text = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    result = parse("x.yaml", text.encode())
    assert [f.rule for f in result.findings] == ["yaml-depth"]


@pytest.mark.parametrize(
    "text",
    ["a: &x 1\nb: *x\n", "- &x [1]\n- *x\n", "a: [&x 1, *x]\n", "&x a: 1\n", "a: {b: *x}\n",
     "a:\n  <<: {b: 1}\n", "a: !!str &x b\n", "--- &x\na: 1\n"],
)  # fmt: skip
def test_every_anchor_position_is_caught_by_the_prefilter(text: str) -> None:
    assert reader._MAYBE_ANCHOR.search(text)
    assert [f.rule for f in parse("x.yaml", text.encode()).findings][:1] in (
        ["yaml-anchor"],
        ["yaml-syntax"],
    )


def test_cron_and_ampersands_skip_the_event_scan() -> None:
    text = 'schedule: "0 2 * * 1"\ndescription: R&D lab, lifts & intercoms\nglob: "*.example"\n'
    assert reader._MAYBE_ANCHOR.search(text) is None


def test_node_budget_stops_a_huge_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "MAX_NODES", 50)
    text = "a: [" + ", ".join(["1"] * 100) + "]\n"
    result = parse("x.yaml", text.encode())
    assert [f.rule for f in result.findings] == ["yaml-too-many-values"]


# What libyaml accepts and the YAML spec does not; and what the spec allows, which the
# reader must keep accepting (a check that refused valid YAML would be worse).
@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: [b, c]#x\n", (1, 10)),
        ("a: [b,#x\n  c]\n", (1, 7)),
        ("a: {b: c}#x\n", (1, 10)),
        ('a: "b"#x\n', (1, 7)),
        ("a: 'b'#x\n", (1, 7)),
        ("a: |#x\n  t\n", (1, 5)),
        ("a: >-#x\n  t\n", (1, 6)),
        ("a: [b,\nc]\n", (2, 1)),
        ("a:\n  b: [c,\n  d]\n", (3, 3)),
        ("a:\n  - [b,\n  c]\n", (3, 3)),
        ("a:\n  - k: [b,\n    c]\n", (3, 5)),
        ('a: "b\nc"\n', (2, 1)),
        ("a: 'b\nc'\n", (2, 1)),
        ('a: "b\n"\n', (2, 1)),
        ('a: "b\n\tc"\n', (2, 1)),
        ("a: [b,\n\tc]\n", (2, 1)),
    ],
)
def test_what_libyaml_lets_through_is_refused_at_its_place(
    text: str, where: tuple[int, int]
) -> None:
    result = parse("x.yaml", text.encode())
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("yaml-syntax", *where)]
    assert result.findings[0].hint


@pytest.mark.parametrize(
    "text",
    [
        "a: [b, c] #x\nb: 'c'\t# y\n",
        'a: "#fff"\nb: x#y\nc: [a#b]\nd: "x" # "y"#z\n',
        "a: |  # c\n  t\nb: >- #c\n  t\n",
        "a: [b,\n #x\n  c]\n",
        "a: [b,\n#x\n  c]\n",
        'a:\n  - [b,\n     c]\n  - k: "x\n      y"\n',
        'a: "b\n \tc"\n',
        'a: "b\n\n  c"\n',
        "{a: 1,\nb: [2,\n3]}\n",
        "a: 'b\r c'\r",
        "a:\n- [b,\n  c]\n",
    ],
)
def test_what_the_spec_allows_is_accepted(text: str) -> None:
    result = parse("x.yaml", text.encode())
    assert result.ok, result.findings


@pytest.mark.parametrize(
    "char",
    [
        *("\u200b", "\u200d", "\u200e", "\u202a", "\u202e", "\u2060", "\u2066", "\u2069"),
        *("\ufeff", "\u2028", "\u00ad", "\U000e0041"),
    ],
)
def test_invisible_characters_are_refused_in_keys_values_and_comments(char: str) -> None:
    text = f"k{char}ey: value\nother: va{char}lue\n# a comment{char}\n"
    result = parse("x.yaml", text.encode())
    found = [(f.rule, f.line, f.column) for f in result.findings if f.rule == "encoding"]
    breaks = 1 if char == "\u2028" else 0  # libyaml counts it as a line break, and so do we
    assert found == [
        ("encoding", 1, 2),
        ("encoding", 2 + breaks, 10),
        ("encoding", 3 + 2 * breaks, 12),
    ]
    assert f"U+{ord(char):04X}" in result.findings[0].message


def test_a_leading_bom_is_no_invisible_character() -> None:
    assert parse("x.yaml", b"\xef\xbb\xbfa: b\n").ok


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_encoding_and_syntax_findings_count_lines_alike(newline: str) -> None:
    head = newline.join(["a: b", "c: d", ""])
    control = parse("x.yaml", (head + "e: f\x07g" + newline).encode()).findings
    syntax = parse("x.yaml", (head + "e: [f" + newline).encode()).findings
    assert [(f.rule, f.line, f.column) for f in control] == [("encoding", 3, 5)]
    assert [(f.rule, f.line) for f in syntax] == [("yaml-syntax", 3)]


@pytest.mark.parametrize("end", ["", "\n", "\n\n"])
def test_a_syntax_error_at_the_end_is_on_the_last_line(end: str) -> None:
    [finding] = parse("x.yaml", ("a: b\nc: [d" + end).encode()).findings
    assert (finding.rule, finding.line, finding.column) == ("yaml-syntax", 2, 6)


def test_an_empty_value_at_the_end_is_located_on_the_last_line() -> None:
    [finding] = parse("x.yaml", b"--- ").findings
    assert (finding.rule, finding.line) == ("yaml-empty", 1)


def test_findings_of_one_file_are_capped_with_one_that_counts_the_rest() -> None:
    text = "a: 1\n" + "a: 2\n" * 80 + "b: yes\n" * 2
    findings = parse("x.yaml", text.encode()).findings
    assert len(findings) == reader.MAX_FINDINGS + 1
    assert [f.line for f in findings[:3]] == [2, 3, 4]
    last = findings[-1]
    assert (last.rule, last.line) == ("yaml-duplicate-key", 52)
    assert last.message == (
        "and 32 more findings in this file, not shown (yaml-ambiguous: 1, yaml-duplicate-key: 31)"
    )


def test_a_megabyte_base_60_scalar_is_decided_without_arithmetic() -> None:
    scalar = ":".join(["59"] * 340_000)
    started = time.perf_counter()
    [finding] = parse("x.yaml", f"a: {scalar}\n".encode()).findings
    assert time.perf_counter() - started < 5  # the conversion alone took 18 s
    assert finding.rule == "yaml-ambiguous"
    assert len(finding.message) + len(finding.hint) < 200
    assert "59:59...59:59" in finding.message.replace(":59:59:59:59:59", "")


def test_long_scalars_are_shortened_in_every_message() -> None:
    long = "x" * 10_000
    text = f"{long}: 1\n{long}: 2\n!{long} a: b\nc: &{long} d\n"
    for data in (text, text.split("c:")[0], f"a: 0{'7' * 5000}\n", f"a: 1_{'0' * 5000}\n"):
        for finding in parse("x.yaml", data.encode()).findings:
            assert len(finding.message) + len(finding.hint) < 300, finding


def test_a_mapping_of_many_unknown_fields_is_located_in_linear_time() -> None:
    head = "apiVersion: platform/v1\nkind: Team\nmetadata:\n  name: t\nspec:\n"
    text = head + "".join(f"  f{i}: 1\n" for i in range(30_000))
    result = parse("x.yaml", text.encode())
    assert result.ok and result.document is not None
    started = time.perf_counter()
    findings = schema.validate("Team", result.document)
    assert time.perf_counter() - started < 15  # a search per finding took 100 s
    assert len(findings) == reader.MAX_FINDINGS + 1
    assert "more findings in this file" in findings[-1].message
