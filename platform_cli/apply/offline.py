"""`platform preview --offline`: run the real Pulumi program under Pulumi's mocks.

No engine, cluster or credentials: what a pull request from a fork can show. The
preview lists every resource the program registers (type, logical name, whether it is
protected or retained on delete); `platform_cli.report.apply` prints it with the totals
per type. The real `pulumi preview` through the Automation API is a separate command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.apply.program import Registration, Target, logical_name, run_offline
from platform_cli.evaluate.rendering import render_tree


@dataclass(frozen=True)
class PreviewOptions:
    root: Path
    # A Pulumi stack name: `prod`, or `prod.<team>`
    stack: str


@dataclass
class Preview:
    stack: str
    kube_context: str
    registrations: list[Registration]
    outputs: dict[str, Any]


def run_preview(options: PreviewOptions) -> Preview:
    target = Target.parse(options.stack)
    rendered = render_tree(options.root, target.stack)
    run = run_offline(rendered, target.team)
    # The program registers concurrently; report in the order of the render
    order = {logical_name(o): i for i, o in enumerate(rendered.objects)}
    registrations = sorted(run.registrations, key=lambda r: (order.get(r.name, -1), r.type, r.name))
    return Preview(options.stack, rendered.kube_context, registrations, run.outputs)
