"""Progress shows on terminals only, and never in CI or machine-readable output."""

from __future__ import annotations

import io

import pytest

from platform_cli.progress import SILENT, Terminal, for_stream


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_redraws_one_line_and_clears_it() -> None:
    stream = FakeTTY()
    progress = Terminal(stream, delay=0, interval=0)
    progress.start("checking", 3)
    progress.advance()
    progress.advance(2)
    progress.finish()
    assert stream.getvalue() == ("\rchecking: 1/3 files\x1b[K\rchecking: 3/3 files\x1b[K\r\x1b[K")


def test_fast_work_shows_nothing() -> None:
    stream = FakeTTY()
    progress = Terminal(stream, delay=60)
    progress.start("checking", 10)
    progress.advance(10)
    progress.finish()
    assert stream.getvalue() == ""


def test_progress_only_for_people_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert isinstance(for_stream(FakeTTY(), for_people=True), Terminal)
    assert for_stream(FakeTTY(), for_people=False) is SILENT
    assert for_stream(io.StringIO(), for_people=True) is SILENT
    monkeypatch.setenv("CI", "true")
    assert for_stream(FakeTTY(), for_people=True) is SILENT
