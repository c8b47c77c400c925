"""The plan as one sticky pull-request comment in markdown, always under GitHub's limit.

The comment starts with `MARKER` (CI finds its earlier comment by it and edits it), then a
one-line verdict. Each section is a `Block`; `fit` renders the blocks into the budget
`COMMENT_LIMIT` allows, and a table that does not fit is cut after a whole row, with a
note saying how many rows were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from platform_cli.findings import Finding
from platform_cli.plan.build import Plan
from platform_cli.plan.landscape_diff import Change
from platform_cli.render.usage import QUOTA_KEYS, format_money
from platform_cli.report.plan_wording import (
    ACTION_SIGNS,
    access_paths,
    adoption_lines,
    change_host,
    describe_change,
    describe_object,
    headline,
    host_text,
    kube_counts,
    money_delta,
    moved_text,
    quota_groups,
    quota_text,
    retirement_title,
    snapshot,
    stack_title,
    summary,
    unaffected_text,
)
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
_FIELDS_SHOWN = 6
_LOCAL_HINT = "run `platform plan --format text` locally for the whole plan"


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
    keep: bool = False  # security-relevant: never cut for room (risks, access, approvals)

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
                f"Base {_code(snapshot(plan.base.label, plan.base.sha))} → head "
                f"{_code(snapshot(plan.head.label, plan.head.sha))}, "
                f"{plural(len(plan.changed_paths), 'changed path')}.",
                "",
                "",
            ]
        )
        return fit([top], self.blocks(plan), self.limit)

    def blocks(self, plan: Plan) -> list[Block]:
        return [
            self._risks(plan),
            *self._access(plan),
            *self._renames(plan),
            *self._retirements(plan),
            self._findings(plan),
            *self._landscape(plan),
            *self._kubernetes(plan),
            *self._hosts(plan),
            self._cost(plan),
            self._quotas(plan),
            self._reviewers(plan),
            self._approvals(plan),
            self._affected(plan),
        ]

    def _risks(self, plan: Plan) -> Block:
        if not plan.risks:
            return Block("### Risks", ["No risk flags."])
        rows = [_row(_code(r.code), _cell(r.subject), _cell(r.message)) for r in plan.risks]
        return Block("### ⚠️ Risks", [], ("risk", "subject", "detail"), rows)

    def _access(self, plan: Plan) -> list[Block]:
        """Every network path the change opens or closes, in words; absent when none."""
        rows = [
            _row(_cell("opens" if o.opens else "closes"), _cell(o.describe()), _cell(o.team or "-"))
            for o in access_paths(plan)
        ]
        moved = sum(k.moved for k in plan.kubernetes)
        if not rows and not moved:
            return []
        lines = ["Read from the rendered NetworkPolicies of base and head."]
        if moved:
            lines.append(f"{moved_text(moved)}.")
        return [
            Block(
                "### Network access",
                lines,
                ("", "path", "namespace owner"),
                rows,
                keep=True,
            )
        ]

    def _renames(self, plan: Plan) -> list[Block]:
        """Deletes and creates that are one resource under a new name; absent when none."""
        if not plan.renames:
            return []
        rows = [
            _row(
                _cell(f"{r.stack} {r.kind} {r.old} → {r.new}"),
                "<br>".join(_cell(m) for m in r.moves),
                _cell(", ".join(r.references) or "none found"),
            )
            for r in plan.renames
        ]
        return [
            Block(
                "### Renames",
                ["A delete and a create of nearly the same resource: what moves with the name."],
                ("rename", "what changes", "still naming the old one"),
                rows,
                keep=True,
            )
        ]

    def _retirements(self, plan: Plan) -> list[Block]:
        """Resources retired (phase 1) and retired ones deleted (phase 2); absent when
        none."""
        if not plan.retirements:
            return []
        rows = [
            _row(
                _cell(retirement_title(s)),
                "<br>".join(_cell(x) for x in s.stops) or "-",
                "<br>".join(_cell(x) for x in s.kept) or "-",
            )
            for s in plan.retirements
        ]
        return [
            Block(
                "### Retirements",
                ["Phase 1 stops a resource and keeps its data; phase 2 deletes the file."],
                ("resource", "stops (phase 1) / deleted (phase 2)", "kept"),
                rows,
                keep=True,
            )
        ]

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
                    f"{ACTION_SIGNS[change.action]} {change.action}",
                    _cell(f"{change.kind} {change.name}"),
                    "<br>".join(
                        _cell(t)
                        for t in describe_change(
                            change, limit=_FIELDS_SHOWN, host=change_host(plan, change)
                        )
                        + adoption_lines(plan, change)
                    ),
                )
                for change in changes
            ]
            blocks.append(
                Block(
                    "### Landscape changes" if i == 0 else "",
                    [f"**{stack_title(stack)}**"],
                    ("", "resource", "change"),
                    rows,
                    _folded(len(rows), f"{stack_title(stack)}: {plural(len(rows), 'change')}"),
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
                    ACTION_SIGNS[c.action] + " " + c.action,
                    _cell(c.ref),
                    "<br>".join(_cell(t) for t in describe_object(c, limit=_FIELDS_SHOWN)),
                )
                for c in stack.changes
            ]
            blocks.append(
                Block(
                    heading,
                    [f"**{stack.stack}**: {kube_counts(stack)}."],
                    ("action", "object", "changes"),
                    rows,
                    _folded(len(rows), f"{stack.stack}: {kube_counts(stack)}"),
                )
            )
        return blocks

    def _cost(self, plan: Plan) -> Block:
        delta = format_money(plan.cost_delta, signed=True)
        lines = [f"This change moves the monthly cost by **{delta}**."]
        if plan.price_sheet_changed:
            lines.append("The price sheet changes: every shard is priced again.")
        if plan.unpriced:
            lines.append(
                f"Storage classes without a price (not counted): {', '.join(plan.unpriced)}."
            )
        rows = [
            _row(
                line.stack,
                line.team,
                format_money(line.before),
                format_money(line.after),
                money_delta(line.delta),
            )
            for line in plan.costs
        ]
        rows += [
            _row(
                line.stack,
                "**whole stack**",
                format_money(line.before),
                format_money(line.after),
                money_delta(line.delta),
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
        groups = quota_groups(plan)
        if not groups:
            return Block("### Quotas", ["No team's usage or quota changes."])
        rows = [
            _row(stack, team, *(_cell(quota_text(cells[k])) for k in QUOTA_KEYS))
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
                    or "a required approval (below)"
                ),
            )
            for r in plan.reviewers
        ]
        return Block("### Required reviewers", [], ("reviewer", "for"), rows)

    def _hosts(self, plan: Plan) -> list[Block]:
        """Where services become reachable, and from where; absent when none moves."""
        if not plan.hosts:
            return []
        rows = [
            _row(
                ACTION_SIGNS[h.action],
                _cell(f"{h.stack} {h.service}"),
                _cell(host_text(h.before, h.after)),
            )
            for h in plan.hosts
        ]
        return [Block("### Hosts", [], ("", "service", "host and exposure"), rows)]

    def _approvals(self, plan: Plan) -> Block:
        """The approvals CODEOWNERS cannot require; the approvals gate enforces them."""
        if not plan.approvals:
            return Block("### Required approvals", ["None beyond the owners of the files."])
        rows = [
            _row(
                _code(a.team),
                _cell(", ".join(a.owners) or "(no owners)"),
                _cell("; ".join(a.reasons)),
            )
            for a in plan.approvals
        ]
        return Block(
            "### Required approvals",
            ["Each needs one approval from its owners before the merge."],
            ("team", "owners", "because"),
            rows,
        )

    def _affected(self, plan: Plan) -> Block:
        largest = (
            [f"Largest Pulumi stack at head: {_code(plan.largest[0])} with "
             f"{plural(plan.largest[1], 'resource')}."]
            if plan.largest else []
        )  # fmt: skip
        same = [unaffected_text(plan)] if plan.unaffected else []
        if not plan.affected:
            return Block("### Affected stacks", ["No Pulumi stack is affected.", *same, *largest])
        rows = [_row(_code(a.shard.name), _cell(", ".join(a.reasons))) for a in plan.affected]
        return Block(
            "### Affected stacks",
            [
                "The Pulumi stacks the apply step updates after the merge: those whose "
                "objects or configuration render differently.",
                *same,
                *largest,
            ],
            ("stack", "because of"),
            rows,
            _folded(len(rows), f"{plural(len(rows), 'stack')}"),
        )


def _finding_row(f: Finding) -> str:
    return _row(_code(f.location), str(f.level), _code(f.rule), _cell(f.message))


def fit(top: list[str], blocks: Sequence[Block], limit: int = COMMENT_LIMIT) -> str:
    """Render `blocks` after `top`, cutting tables at whole rows to stay under `limit`.

    Each block is offered the room left after reserving, for every block after it,
    its whole rendering when that is short (or security-relevant: network access and
    renames, up to half the comment), else its rendering without rows (with the
    note): a long early table can never crowd out the sections below it, and the short
    ones (cost, quotas, reviewers) stay whole."""
    out = "".join(top)
    wholes = [len(b.render()) for b in blocks]
    # A security-relevant block (`keep`) is reserved whole, up to half the comment:
    # the others are cut first; beyond that it is cut like any other
    keep_cap = (limit - _RESERVE) // 2
    minimum = [
        w if w <= _SMALL_BLOCK or (b.keep and w <= keep_cap) else len(b.render(0))
        for b, w in zip(blocks, wholes, strict=True)
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
