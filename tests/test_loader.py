"""Loader behaviour that a data folder cannot hold (a file over the size cap) or that
is easier to state directly (the values built, the locations found)."""

from __future__ import annotations

import datetime

import pytest

from platform_cli.load import reader, values
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
