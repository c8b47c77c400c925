"""A `Plan` as markdown (a pull-request comment), text (a terminal) or JSON (tools).

One small class per format, listed by name in `PLAN_REPORTERS`. All three carry the
same content in the same order; the output is sorted and has no timestamps, so the
same plan always reads the same.

The markdown is one sticky PR comment: it starts with `MARKER` (CI finds its earlier
comment by it and edits it), then a one-line verdict. It always stays under GitHub's
comment limit: sections are rendered into a budget, and a table that does not fit is
cut after a whole row, with a note saying how many rows were left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from platform_cli.findings import Finding, format_finding
from platform_cli.load.model import Database, Server, Service
from platform_cli.plan.build import Plan
from platform_cli.plan.landscape_diff import MISSING, Change, FieldChange, render_value
from platform_cli.plan.money import QuotaLine
from platform_cli.plan.objects import KubernetesStack, ObjectAction, ObjectChange
from platform_cli.render.usage import QUOTA_KEYS, format_amount, format_money
from platform_cli.report.check import finding_dict
from platform_cli.words import plural

# Hidden in the rendered comment; CI updates the comment that carries it
MARKER = "<!-- platform-plan -->"
# GitHub refuses a comment body longer than this many characters
COMMENT_LIMIT = 65_536
# Kept free below the limit, for the cut notes and a margin
_RESERVE = 512
# A block this short is always kept whole when a cut is needed above it
_SMALL_BLOCK = 2_000
# Tables longer than this are folded in <details>
_FOLD_ROWS = 10
# A cell never grows beyond this many characters, so one row never eats the budget
_CELL_LIMIT = 400
_VALUE_LIMIT = 80
_FIELDS_SHOWN = 6
_LOCAL_HINT = "run `platform plan --format text` locally for the whole plan"

_ACTION_SIGNS = {
    "add": "+",
    "remove": "-",
    "change": "~",
    "create": "+",
    "delete": "-",
    "update": "~",
    "replace": "!",
}
_UNITS = {"cpu": "millicores", "memory": "bytes", "storage": "bytes", "servers": "count"}


class PlanReporter(Protocol):
    def render(self, plan: Plan) -> str: ...


# --- Shared wording ----------------------------------------------------------------


def _money(value: Decimal, *, signed: bool = False) -> str:
    return format_money(value, signed=signed)


def headline(plan: Plan) -> str:
    if plan.failed:
        return f"Plan failed: the head has {plural(len(plan.errors), 'error')}"
    if plan.risks:
        return f"{plural(len(plan.risks), 'risk')} to review"
    return "No risks found"


def summary(plan: Plan) -> str:
    """The facts behind the verdict, in one line."""
    stacks = sorted({c.stack for c in plan.changes if c.stack})
    where = f" in {', '.join(stacks)}" if stacks else ""
    parts = [f"{plural(len(plan.changes), 'landscape change')}{where}"]
    objects = sum(len(k.changes) for k in plan.kubernetes)
    replaced = sum(k.count(ObjectAction.REPLACE) for k in plan.kubernetes)
    kube = f"{plural(objects, 'Kubernetes object change')}"
    if replaced:
        kube += f" ({replaced} replaced)"
    if any(k.unavailable for k in plan.kubernetes):
        kube = "Kubernetes changes unavailable"
    parts.append(kube)
    parts.append(f"cost {_money(plan.cost_delta, signed=True)}/month")
    over = sorted({f"{q.team} in {q.stack}" for q in plan.quotas if q.over})
    if over:
        parts.append(f"over quota: {', '.join(over)}")
    return ", ".join(parts)


def _field_path(path: str) -> str:
    return path.removeprefix("spec.")


def _short(value: Any, limit: int = _VALUE_LIMIT) -> str:
    text = render_value(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_fields(fields: Sequence[FieldChange], *, limit: int | None = None) -> list[str]:
    shown = fields if limit is None else fields[:limit]
    out = [_describe_field(f) for f in shown]
    if limit is not None and len(fields) > limit:
        out.append(f"(+{len(fields) - limit} more fields)")
    return out


def _describe_field(f: FieldChange) -> str:
    path = _field_path(f.path)
    if f.old is MISSING:
        return f"{path} added" if isinstance(f.new, dict) else f"{path} added: {_short(f.new)}"
    if f.new is MISSING:
        return f"{path} removed"
    return f"{path} {_short(f.old)} -> {_short(f.new)}"


def describe_entity(change: Change) -> str:
    """What an added or removed resource is, in a few words."""
    entity = change.entity
    spec = entity.spec
    if isinstance(entity, Server):
        return (
            f"{spec['cpu']} vCPU, {spec['memory']} memory, disk {spec['disk']['size']}, "
            f"image {spec['image']}"
        )
    if isinstance(entity, Database):
        text = f"{spec['engine']} {spec['version']}, storage {spec['storage']['size']}"
        if "instances" in spec:
            text += f" x {spec['instances']}"
        return text
    if isinstance(entity, Service):
        return f"image {spec['image']}"
    return entity.path


def describe_change(change: Change, *, limit: int | None = None) -> list[str]:
    if change.action == "change":
        return describe_fields(change.fields, limit=limit)
    verb = "new" if change.action == "add" else "deleted"
    return [f"{verb}: {describe_entity(change)}"]


def describe_object(obj: ObjectChange, *, limit: int | None = None) -> list[str]:
    lines = []
    if obj.action == "replace":
        lines.append(f"replaced: {', '.join(obj.immutable)} cannot change in place")
    if obj.fields:
        lines += describe_fields(obj.fields, limit=limit)
    return lines


def _stack_title(stack: str) -> str:
    return stack or "global"


def _quota_cell(lines: Sequence[QuotaLine]) -> dict[str, QuotaLine]:
    return {q.key: q for q in lines}


def _quota_text(q: QuotaLine) -> str:
    before, after = format_amount(q.key, q.before), format_amount(q.key, q.after)
    amount = after if q.before == q.after else f"{before} -> {after}"
    if q.quota is None:
        return f"{amount} (no quota)"
    text = f"{amount} / {format_amount(q.key, q.quota)}"
    if q.quota_before is not None and q.quota_before != q.quota:
        text += f" (quota was {format_amount(q.key, q.quota_before)})"
    if q.over:
        text += " OVER"
    return text


def _quota_groups(plan: Plan) -> list[tuple[str, str, dict[str, QuotaLine]]]:
    groups: dict[tuple[str, str], list[QuotaLine]] = {}
    for q in plan.quotas:
        groups.setdefault((q.stack, q.team), []).append(q)
    return [(stack, team, _quota_cell(lines)) for (stack, team), lines in sorted(groups.items())]


def _snapshot(label: str, sha: str) -> str:
    return f"{label} ({sha[:12]})" if sha else label


# --- Markdown ----------------------------------------------------------------------


def _cell(text: str) -> str:
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) > _CELL_LIMIT:
        text = text[: _CELL_LIMIT - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


@dataclass
class Block:
    """One section of the comment: a heading, some lines, an optional table.

    `render(n)` shows the first `n` rows of the table; when rows are left out it
    says how many, after the table, so a cut never leaves half a table."""

    heading: str = ""
    lines: list[str] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    rows: list[str] = field(default_factory=list)
    fold: str = ""  # a <details> summary when the block folds

    def render(self, shown: int | None = None) -> str:
        n = len(self.rows) if shown is None else shown
        out: list[str] = []
        if self.heading:
            out += [self.heading, ""]
        if self.fold:
            out += [f"<details><summary>{self.fold}</summary>", ""]
        if self.lines:
            out += [*self.lines, ""]
        if self.columns and n:
            out.append(_row(*self.columns))
            out.append("|" + "|".join("---" for _ in self.columns) + "|")
            out += self.rows[:n]
            out.append("")
        left = len(self.rows) - n
        if left:
            out += [f"… {plural(left, 'more row')} not shown; {_LOCAL_HINT}.", ""]
        if self.fold:
            out += ["</details>", ""]
        return "\n".join(out) + "\n"


def _folded(count: int, text: str) -> str:
    return text if count > _FOLD_ROWS else ""


class MarkdownReporter:
    """A pull-request comment, always under `COMMENT_LIMIT` characters."""

    def __init__(self, limit: int = COMMENT_LIMIT) -> None:
        self.limit = limit

    def render(self, plan: Plan) -> str:
        icon = "❌" if plan.failed else ("⚠️" if plan.risks else "✅")
        top = "\n".join(
            [
                MARKER,
                f"{icon} **{headline(plan)}**: {summary(plan)}",
                "",
                f"Base {_code(_snapshot(plan.base.label, plan.base.sha))} → head "
                f"{_code(_snapshot(plan.head.label, plan.head.sha))}, "
                f"{plural(len(plan.changed_paths), 'changed path')}.",
                "",
                "",
            ]
        )
        return fit([top], self.blocks(plan), self.limit)

    def blocks(self, plan: Plan) -> list[Block]:
        return [
            self._risks(plan),
            self._findings(plan),
            *self._landscape(plan),
            *self._kubernetes(plan),
            self._cost(plan),
            self._quotas(plan),
            self._reviewers(plan),
            self._affected(plan),
        ]

    def _risks(self, plan: Plan) -> Block:
        if not plan.risks:
            return Block("### Risks", ["No risk flags."])
        rows = [_row(_code(r.code), _cell(r.subject), _cell(r.message)) for r in plan.risks]
        return Block("### ⚠️ Risks", [], ("risk", "subject", "detail"), rows)

    def _findings(self, plan: Plan) -> Block:
        counts = (
            f"{plural(len(plan.errors), 'error')}, {plural(len(plan.warnings), 'warning')}, "
            f"{plan.waived} waived"
        )
        lines = [f"`platform check` at head: {counts}."]
        if plan.base_errors:
            lines.append(f"The base has {plural(plan.base_errors, 'error')} as well.")
        shown = [*plan.errors, *plan.warnings]
        rows = [_finding_row(f) for f in shown]
        return Block(
            "### Findings at head",
            lines,
            ("location", "level", "rule", "message"),
            rows,
            _folded(len(rows), f"{plural(len(rows), 'finding')}"),
        )

    def _landscape(self, plan: Plan) -> list[Block]:
        if not plan.changes:
            return [Block("### Landscape changes", ["No landscape changes."])]
        by_stack: dict[str, list[Change]] = {}
        for change in plan.changes:
            by_stack.setdefault(change.stack, []).append(change)
        blocks = []
        for i, (stack, changes) in enumerate(sorted(by_stack.items())):
            rows = [
                _row(
                    f"{_ACTION_SIGNS[change.action]} {change.action}",
                    _cell(f"{change.kind} {change.name}"),
                    "<br>".join(_cell(t) for t in describe_change(change, limit=_FIELDS_SHOWN)),
                )
                for change in changes
            ]
            blocks.append(
                Block(
                    "### Landscape changes" if i == 0 else "",
                    [f"**{_stack_title(stack)}**"],
                    ("", "resource", "change"),
                    rows,
                    _folded(len(rows), f"{_stack_title(stack)}: {plural(len(rows), 'change')}"),
                )
            )
        return blocks

    def _kubernetes(self, plan: Plan) -> list[Block]:
        if not plan.kubernetes:
            return [Block("### Kubernetes objects", ["No stack is touched."])]
        blocks = []
        for i, stack in enumerate(plan.kubernetes):
            heading = "### Kubernetes objects" if i == 0 else ""
            if stack.unavailable:
                text = f"**{stack.stack}**: unavailable, {stack.unavailable}."
                blocks.append(Block(heading, [text]))
                continue
            rows = [
                _row(
                    _ACTION_SIGNS[c.action] + " " + c.action,
                    _cell(c.ref),
                    "<br>".join(_cell(t) for t in describe_object(c, limit=_FIELDS_SHOWN)),
                )
                for c in stack.changes
            ]
            blocks.append(
                Block(
                    heading,
                    [f"**{stack.stack}**: {_kube_counts(stack)}."],
                    ("action", "object", "changes"),
                    rows,
                    _folded(len(rows), f"{stack.stack}: {_kube_counts(stack)}"),
                )
            )
        return blocks

    def _cost(self, plan: Plan) -> Block:
        lines = [
            f"This change moves the monthly cost by **{_money(plan.cost_delta, signed=True)}**."
        ]
        if plan.price_sheet_changed:
            lines.append("The price sheet changes: every shard is priced again.")
        if plan.unpriced:
            lines.append(
                f"Storage classes without a price (not counted): {', '.join(plan.unpriced)}."
            )
        rows = [
            _row(line.stack, line.team, _money(line.before), _money(line.after), _delta(line.delta))
            for line in plan.costs
        ]
        rows += [
            _row(
                line.stack,
                "**whole stack**",
                _money(line.before),
                _money(line.after),
                _delta(line.delta),
            )
            for line in plan.stack_costs
        ]
        return Block(
            "### Cost per month",
            lines,
            ("stack", "team", "before", "after", "delta"),
            rows,
            _folded(len(rows), f"{plural(len(rows), 'line')}"),
        )

    def _quotas(self, plan: Plan) -> Block:
        groups = _quota_groups(plan)
        if not groups:
            return Block("### Quotas", ["No team's usage or quota changes."])
        rows = [
            _row(stack, team, *(_cell(_quota_text(cells[k])) for k in QUOTA_KEYS))
            for stack, team, cells in groups
        ]
        return Block(
            "### Quotas",
            ["Usage (peak, as the quota counts it) against the quota after the change."],
            ("stack", "team", *QUOTA_KEYS),
            rows,
            _folded(len(rows), f"{plural(len(rows), 'team')}"),
        )

    def _reviewers(self, plan: Plan) -> Block:
        if not plan.reviewers:
            return Block("### Required reviewers", ["No owners found for the changed paths."])
        rows = [
            _row(
                _cell(r.owner),
                _cell(
                    ", ".join(r.paths[:5])
                    + (f" (+{len(r.paths) - 5} more)" if len(r.paths) > 5 else "")
                ),
            )
            for r in plan.reviewers
        ]
        return Block("### Required reviewers", [], ("reviewer", "for"), rows)

    def _affected(self, plan: Plan) -> Block:
        largest = (
            [f"Largest Pulumi stack at head: {_code(plan.largest[0])} with "
             f"{plural(plan.largest[1], 'resource')}."]
            if plan.largest else []
        )  # fmt: skip
        if not plan.affected:
            return Block("### Affected stacks", ["No Pulumi stack is affected.", *largest])
        rows = [_row(_code(a.shard.name), _cell(", ".join(a.reasons))) for a in plan.affected]
        return Block(
            "### Affected stacks",
            ["The Pulumi stacks the apply step updates after the merge.", *largest],
            ("stack", "because of"),
            rows,
            _folded(len(rows), f"{plural(len(rows), 'stack')}"),
        )


def _finding_row(f: Finding) -> str:
    return _row(_code(f.location), str(f.level), _code(f.rule), _cell(f.message))


def _delta(value: Decimal) -> str:
    return _money(value, signed=True) if value else "0"


def _kube_counts(stack: KubernetesStack) -> str:
    parts = [f"{stack.count(action)} to {action}" for action in ObjectAction if stack.count(action)]
    return ", ".join(parts) or "no changes"


def fit(top: list[str], blocks: Sequence[Block], limit: int = COMMENT_LIMIT) -> str:
    """Render `blocks` after `top`, cutting tables at whole rows to stay under `limit`.

    Each block is offered the room left after reserving, for every block after it,
    its whole rendering when that is short, else its rendering without rows (with the
    note): a long early table can never crowd out the sections below it, and the short
    ones (cost, quotas, reviewers) stay whole."""
    out = "".join(top)
    wholes = [len(b.render()) for b in blocks]
    minimum = [
        w if w <= _SMALL_BLOCK else len(b.render(0)) for b, w in zip(blocks, wholes, strict=True)
    ]
    for i, block in enumerate(blocks):
        room = limit - _RESERVE - len(out) - sum(minimum[i + 1 :])
        if wholes[i] <= room:
            out += block.render()
            continue
        # Share what is left with the long blocks below, which may need cutting too;
        # what a block does not use flows on to the next
        longer = sum(1 for j in range(i + 1, len(blocks)) if wholes[j] > minimum[j])
        share = room // (1 + longer) if longer else room
        low, high = 0, len(block.rows)
        while low < high:  # the most rows that fit
            middle = (low + high + 1) // 2
            if len(block.render(middle)) <= share:
                low = middle
            else:
                high = middle - 1
        out += block.render(low)
    return out


# --- Text --------------------------------------------------------------------------


class TextReporter:
    """The whole plan for a terminal, never cut."""

    def render(self, plan: Plan) -> str:
        lines = [
            f"plan: {headline(plan)}: {summary(plan)}",
            f"base {_snapshot(plan.base.label, plan.base.sha)} -> head "
            f"{_snapshot(plan.head.label, plan.head.sha)}, "
            f"{plural(len(plan.changed_paths), 'changed path')}",
            "",
            "Risks:",
        ]
        lines += [f"  [{r.code}] {r.subject}: {r.message}" for r in plan.risks] or ["  none"]
        lines += [
            "",
            f"Findings at head: {plural(len(plan.errors), 'error')}, "
            f"{plural(len(plan.warnings), 'warning')}, {plan.waived} waived",
        ]
        if plan.base_errors:
            lines.append(f"  (the base has {plural(plan.base_errors, 'error')})")
        lines += ["  " + format_finding(f) for f in [*plan.errors, *plan.warnings]]
        lines += ["", "Landscape changes:"]
        if not plan.changes:
            lines.append("  none")
        current = None
        for change in plan.changes:
            if change.stack != current:
                current = change.stack
                lines.append(f"  {_stack_title(change.stack)}:")
            details = describe_change(change)
            sign = _ACTION_SIGNS[change.action]
            lines.append(f"    {sign} {change.kind} {change.name}: {', '.join(details)}")
        lines += ["", "Kubernetes objects:"]
        if not plan.kubernetes:
            lines.append("  none")
        for stack in plan.kubernetes:
            if stack.unavailable:
                lines.append(f"  {stack.stack}: unavailable, {stack.unavailable}")
                continue
            lines.append(f"  {stack.stack}: {_kube_counts(stack)}")
            for c in stack.changes:
                lines.append(f"    {_ACTION_SIGNS[c.action]} {c.action} {c.ref}")
                lines += [f"        {t}" for t in describe_object(c)]
        lines += [
            "",
            f"Cost per month: {_money(plan.cost_delta, signed=True)}",
        ]
        if plan.price_sheet_changed:
            lines.append("  the price sheet changes: every shard is priced again")
        if plan.unpriced:
            lines.append(f"  storage classes without a price: {', '.join(plan.unpriced)}")
        for line in [*plan.costs, *plan.stack_costs]:
            who = f"{line.stack}.{line.team}" if line.team else f"{line.stack} (whole stack)"
            lines.append(
                f"  {who}: {_money(line.before)} -> {_money(line.after)} ({_delta(line.delta)})"
            )
        lines += ["", "Quotas (usage / quota after the change):"]
        groups = _quota_groups(plan)
        if not groups:
            lines.append("  none")
        for stack_name, team, cells in groups:
            shown = ", ".join(f"{k} {_quota_text(cells[k])}" for k in QUOTA_KEYS)
            lines.append(f"  {stack_name}.{team}: {shown}")
        lines += ["", "Required reviewers:"]
        lines += [f"  {r.owner}: {', '.join(r.paths)}" for r in plan.reviewers] or ["  none"]
        lines += ["", "Affected stacks:"]
        lines += [f"  {a.shard.name}: {', '.join(a.reasons)}" for a in plan.affected] or ["  none"]
        if plan.largest:
            lines.append(
                f"Largest Pulumi stack at head: {plan.largest[0]} "
                f"({plural(plan.largest[1], 'resource')})"
            )
        return "\n".join(lines) + "\n"


# --- JSON --------------------------------------------------------------------------


def _fields(fields: Iterable[FieldChange]) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        entry: dict[str, Any] = {"path": f.path}
        if f.old is not MISSING:
            entry["old"] = f.old
        if f.new is not MISSING:
            entry["new"] = f.new
        out.append(entry)
    return out


def _change_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "stack": change.stack,
        "kind": change.kind,
        "name": change.name,
        "path": change.entity.path,
        "summary": describe_change(change),
        "fields": _fields(change.fields),
    }


def _object_dict(obj: ObjectChange) -> dict[str, Any]:
    return {
        "action": obj.action,
        "apiVersion": obj.api_version,
        "kind": obj.kind,
        "namespace": obj.namespace,
        "name": obj.name,
        "source": obj.source,
        "immutableFields": list(obj.immutable),
        "fields": _fields(obj.fields),
    }


class JsonReporter:
    """The same content for tools: stable keys, money as decimal strings."""

    def render(self, plan: Plan) -> str:
        document = {
            "version": 1,
            "passed": not plan.failed,
            "verdict": f"{headline(plan)}: {summary(plan)}",
            "base": {"ref": plan.base.label, "sha": plan.base.sha},
            "head": {"ref": plan.head.label, "sha": plan.head.sha},
            "changedPaths": list(plan.changed_paths),
            "risks": [
                {"code": r.code, "subject": r.subject, "message": r.message} for r in plan.risks
            ],
            "findings": {
                "errors": len(plan.errors),
                "warnings": len(plan.warnings),
                "waived": plan.waived,
                "baseErrors": plan.base_errors,
                "items": [finding_dict(f) for f in plan.findings],
            },
            "landscapeChanges": [_change_dict(c) for c in plan.changes],
            "kubernetes": [
                {
                    "stack": k.stack,
                    "available": not k.unavailable,
                    "unavailable": k.unavailable,
                    "changes": [_object_dict(c) for c in k.changes],
                }
                for k in plan.kubernetes
            ],
            "cost": {
                "currency": "RUB",
                "period": "month",
                "delta": str(plan.cost_delta),
                "priceSheetChanged": plan.price_sheet_changed,
                "unpricedStorageClasses": list(plan.unpriced),
                "shards": [
                    {
                        "stack": c.stack,
                        "team": c.team,
                        "before": str(c.before),
                        "after": str(c.after),
                        "delta": str(c.delta),
                    }
                    for c in plan.costs
                ],
                "stacks": [
                    {
                        "stack": c.stack,
                        "before": str(c.before),
                        "after": str(c.after),
                        "delta": str(c.delta),
                    }
                    for c in plan.stack_costs
                ],
            },
            "quotas": [
                {
                    "stack": q.stack,
                    "team": q.team,
                    "key": q.key,
                    "unit": _UNITS[q.key],
                    "before": q.before,
                    "after": q.after,
                    "quota": q.quota,
                    "quotaBefore": q.quota_before,
                    "over": q.over,
                }
                for q in plan.quotas
            ],
            "reviewers": [{"owner": r.owner, "paths": list(r.paths)} for r in plan.reviewers],
            "affectedStacks": [
                {
                    "name": a.shard.name,
                    "stack": a.shard.stack,
                    "team": a.shard.team,
                    "reasons": list(a.reasons),
                }
                for a in plan.affected
            ],
            "largestStack": (
                {"name": plan.largest[0], "resources": plan.largest[1]} if plan.largest else None
            ),
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


PLAN_REPORTERS: dict[str, type[PlanReporter]] = {
    "markdown": MarkdownReporter,
    "text": TextReporter,
    "json": JsonReporter,
}
