"""`platform preview --offline`: run the real Pulumi program under Pulumi's mocks.

No engine, cluster or credentials: what a pull request from a fork can show. The
report lists every resource the program registers (type, logical name, whether it is
protected or retained on delete) and the totals per type. The real `pulumi preview`
through the Automation API is a separate command.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.apply.program import Registration, Target, logical_name, run_offline
from platform_cli.evaluate.rendering import render_tree
from platform_cli.words import plural


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


def format_preview(preview: Preview) -> str:
    regs = preview.registrations
    type_width = max([len("TYPE"), *(len(r.type) for r in regs)])
    name_width = max([len("NAME"), *(len(r.name) for r in regs)])
    lines = [
        f"Offline preview of stack {preview.stack!r} under Pulumi mocks "
        "(no engine, cluster or credentials)",
        "",
        f"{'TYPE':<{type_width}}  {'NAME':<{name_width}}  PROTECT  RETAIN",
    ]
    for r in regs:
        lines.append(
            f"{r.type:<{type_width}}  {r.name:<{name_width}}  "
            f"{'yes' if r.protect else 'no':<7}  {'yes' if r.retain_on_delete else 'no'}"
        )
    lines += ["", "Totals per type:"]
    totals = Counter(r.type for r in regs)
    count_width = len(str(max(totals.values(), default=0)))
    for type_, count in sorted(totals.items()):
        lines.append(f"  {count:>{count_width}}  {type_}")
    protected = sum(r.protect for r in regs)
    retained = sum(r.retain_on_delete for r in regs)
    outputs = preview.outputs
    lines += [
        "",
        f"{plural(len(regs), 'resource')}: {protected} protected, {retained} retained on "
        f"delete; provider 'kubernetes' on kube context {preview.kube_context!r}",
        f"Outputs: {plural(len(outputs.get('namespaces', [])), 'namespace')}, "
        f"{plural(len(outputs.get('serviceUrls', {})), 'service URL')}, "
        f"{plural(len(outputs.get('databaseSecrets', {})), 'database secret')}, "
        f"{plural(len(outputs.get('virtualMachines', [])), 'virtual machine')}",
    ]
    return "\n".join(lines) + "\n"
