"""The plan's reporters by name: `PLAN_REPORTERS`, which is also `platform plan --format`.

A `Plan` is reported as markdown (a pull-request comment, `plan_markdown.py`), text (a
terminal, `plan_text.py`) or JSON (tools, `plan_json.py`). All three carry the same
content in the same order, in the words of `plan_wording.py`; the output is sorted and
has no timestamps, so the same plan always reads the same.
"""

from __future__ import annotations

from typing import Protocol

from platform_cli.plan.build import Plan
from platform_cli.report.plan_json import JsonReporter
from platform_cli.report.plan_markdown import MarkdownReporter
from platform_cli.report.plan_text import TextReporter


class PlanReporter(Protocol):
    def render(self, plan: Plan) -> str: ...


PLAN_REPORTERS: dict[str, type[PlanReporter]] = {
    "markdown": MarkdownReporter,
    "text": TextReporter,
    "json": JsonReporter,
}
