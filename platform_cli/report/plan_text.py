"""The plan for a terminal (`platform plan --format text`): the whole plan, never cut."""

from __future__ import annotations

from platform_cli.findings import format_finding
from platform_cli.plan.build import Plan
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
    retirement_lines,
    retirement_title,
    snapshot,
    stack_title,
    summary,
    unaffected_text,
)
from platform_cli.words import plural


class TextReporter:
    """The whole plan for a terminal, never cut."""

    def render(self, plan: Plan) -> str:
        lines = [
            f"plan: {headline(plan)}: {summary(plan)}",
            f"base {snapshot(plan.base.label, plan.base.sha)} -> head "
            f"{snapshot(plan.head.label, plan.head.sha)}, "
            f"{plural(len(plan.changed_paths), 'changed path')}",
            "",
            "Risks:",
        ]
        lines += [f"  [{r.code}] {r.subject}: {r.message}" for r in plan.risks] or ["  none"]
        paths = access_paths(plan)
        moved = sum(k.moved for k in plan.kubernetes)
        if paths or moved:
            lines += ["", "Network access (from the rendered NetworkPolicies):"]
            if moved:
                lines.append(f"  {moved_text(moved)}")
            lines += [
                f"  {'opens' if o.opens else 'closes'}: {o.describe()}"
                + (f" (namespace of {o.team})" if o.team else "")
                for o in paths
            ]
        if plan.renames:
            lines += ["", "Renames:"]
            for r in plan.renames:
                lines.append(f"  {r.stack} {r.kind} {r.old} -> {r.new}:")
                lines += [f"    {m}" for m in r.moves]
                lines.append(
                    "    still naming the old one: " + (", ".join(r.references) or "none found")
                )
        if plan.retirements:
            lines += ["", "Retirements:"]
            for step in plan.retirements:
                lines.append(f"  {retirement_title(step)}")
                lines += [f"    {line}" for line in retirement_lines(step)]
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
                lines.append(f"  {stack_title(change.stack)}:")
            details = describe_change(change, host=change_host(plan, change))
            details += adoption_lines(plan, change)
            sign = ACTION_SIGNS[change.action]
            lines.append(f"    {sign} {change.kind} {change.name}: {', '.join(details)}")
        lines += ["", "Kubernetes objects:"]
        if not plan.kubernetes:
            lines.append("  none")
        for stack in plan.kubernetes:
            if stack.unavailable:
                lines.append(f"  {stack.stack}: unavailable, {stack.unavailable}")
                continue
            lines.append(f"  {stack.stack}: {kube_counts(stack)}")
            for c in stack.changes:
                lines.append(f"    {ACTION_SIGNS[c.action]} {c.action} {c.ref}")
                lines += [f"        {t}" for t in describe_object(c)]
        lines += [
            "",
            f"Cost per month: {format_money(plan.cost_delta, signed=True)}",
        ]
        if plan.price_sheet_changed:
            lines.append("  the price sheet changes: every shard is priced again")
        if plan.unpriced:
            lines.append(f"  storage classes without a price: {', '.join(plan.unpriced)}")
        for line in [*plan.costs, *plan.stack_costs]:
            who = f"{line.stack}.{line.team}" if line.team else f"{line.stack} (whole stack)"
            lines.append(
                f"  {who}: {format_money(line.before)} -> {format_money(line.after)} ({money_delta(line.delta)})"
            )
        lines += ["", "Quotas (usage / quota after the change):"]
        groups = quota_groups(plan)
        if not groups:
            lines.append("  none")
        for stack_name, team, cells in groups:
            shown = ", ".join(f"{k} {quota_text(cells[k])}" for k in QUOTA_KEYS)
            lines.append(f"  {stack_name}.{team}: {shown}")
        if plan.hosts:
            lines += ["", "Hosts:"]
            lines += [
                f"  {ACTION_SIGNS[h.action]} {h.stack} {h.service}: {host_text(h.before, h.after)}"
                for h in plan.hosts
            ]
        lines += ["", "Required reviewers:"]
        lines += [
            f"  {r.owner}: {', '.join(r.paths) or 'a required approval (below)'}"
            for r in plan.reviewers
        ] or ["  none"]
        lines += ["", "Required approvals (one from each team's owners):"]
        for a in plan.approvals:
            lines.append(f"  {a.team} ({', '.join(a.owners) or 'no owners'}):")
            lines += [f"    {reason}" for reason in a.reasons]
        if not plan.approvals:
            lines.append("  none beyond the owners of the files")
        lines += ["", "Affected stacks:"]
        lines += [f"  {a.shard.name}: {', '.join(a.reasons)}" for a in plan.affected] or ["  none"]
        if plan.unaffected:
            lines.append(f"  {unaffected_text(plan)}")
        if plan.largest:
            lines.append(
                f"Largest Pulumi stack at head: {plan.largest[0]} "
                f"({plural(plan.largest[1], 'resource')})"
            )
        return "\n".join(lines) + "\n"
