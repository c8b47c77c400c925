"""`platform plan`: what a change between two revisions will do, as data.

`build_plan(base, head, changed_paths, today)` is a function of the files of both
revisions (given as trees of blob ids, read on demand): it checks the head, diffs both
landscapes by identity (`landscape_diff.py`), renders the stacks that the change
touches (and only those) to diff their Kubernetes objects (`objects.py`), prices both
sides and compares each touched team's usage with its quota (`money.py`), and works
out the risks (`risks.py`), the required reviewers (`reviewers.py`) and the affected
shards (`shards.py`). `run.py` is the edge that lists the revisions in git (or reads
the working tree) and calls it; `report/plan.py` renders a `Plan` as markdown, text or
JSON.

The cost of a plan grows with the change rather than with the landscape: with the
cache on, the base is read from the state an earlier evaluation left, and a head
that changes only resource files is evaluated incrementally from it
(`evaluate/incremental.py`); only the affected shards are rendered, objects are
matched by identity in dicts, cost and quota figures are computed for the shards the
change can move, and stack totals move by what left and joined them. Without the
cache both sides are evaluated in full, with the same result.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain

from platform_cli.checks.retirement import check_change
from platform_cli.checks.waivers import Waived
from platform_cli.evaluate.incremental import Mode, evaluate_tree
from platform_cli.findings import Finding, Level
from platform_cli.gcpause import paused
from platform_cli.load.cache import DocumentCache
from platform_cli.load.model import Landscape
from platform_cli.plan import money
from platform_cli.plan.access import follow_renames
from platform_cli.plan.hosts import HostChange, host_changes
from platform_cli.plan.landscape_diff import Change, diff_landscapes
from platform_cli.plan.money import CostLine, QuotaLine
from platform_cli.plan.objects import KubernetesStack, kubernetes_stack
from platform_cli.plan.renames import Rename, renames
from platform_cli.plan.restores import end_of, restore_findings
from platform_cli.plan.retirements import RetirementStep, retirement_steps
from platform_cli.plan.reviewers import Approval, Reviewer, approvals, reviewers
from platform_cli.plan.risks import Risk, risks
from platform_cli.plan.shards import Affected, Shard, affected_shards, settle
from platform_cli.progress import SILENT, Progress
from platform_cli.sources.layout import RESOURCE_KINDS
from platform_cli.sources.tree import Tree


@dataclass(frozen=True)
class Snapshot:
    """One side of a plan: a label for people, the revision's files and what reading
    them found (symbolic links, for example)."""

    label: str
    tree: Tree
    findings: list[Finding] = field(default_factory=list)
    sha: str = ""


@dataclass
class Plan:
    base: Snapshot
    head: Snapshot
    changed_paths: tuple[str, ...]
    changes: tuple[Change, ...]
    kubernetes: tuple[KubernetesStack, ...]
    risks: tuple[Risk, ...]
    costs: tuple[CostLine, ...]  # per shard
    stack_costs: tuple[CostLine, ...]  # whole stacks the change touches
    unpriced: tuple[str, ...]  # storage classes without a price
    price_sheet_changed: bool
    quotas: tuple[QuotaLine, ...]
    reviewers: tuple[Reviewer, ...]
    affected: tuple[Affected, ...]
    findings: tuple[Finding, ...]  # at head
    waived: int
    base_errors: int
    # The Pulumi stack with the most resources at head, and how many: previews and
    # updates grow with a stack's size, so reviewers see when a shard grows large
    largest: tuple[str, int] | None = None
    # How each side was evaluated (evaluate/incremental.py)
    evaluated: tuple[Mode, Mode] = (Mode.FULL, Mode.FULL)
    # The teams (and the architects) that must approve beyond the files' owners
    approvals: tuple[Approval, ...] = ()
    # Services whose host, path or exposure the change creates, moves or removes
    hosts: tuple[HostChange, ...] = ()
    # Shards the changed paths could touch but that render the same on both sides
    unaffected: tuple[Affected, ...] = ()
    # Resources removed and added again under another name (renames.py)
    renames: tuple[Rename, ...] = ()
    # Resources retired at head, and retired ones deleted (retirements.py)
    retirements: tuple[RetirementStep, ...] = ()
    # What `platform check` of the head reports, kept for `platform ci pr`
    base_landscape: Landscape = field(default_factory=Landscape, repr=False, compare=False)
    head_landscape: Landscape = field(default_factory=Landscape, repr=False, compare=False)
    head_files: int = 0
    waived_findings: tuple[Waived, ...] = field(default=(), repr=False, compare=False)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.WARNING]

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    @property
    def cost_delta(self) -> Decimal:
        return sum((line.delta for line in self.costs), Decimal("0.00"))

    @property
    def resource_changes(self) -> list[Change]:
        return [c for c in self.changes if c.kind in RESOURCE_KINDS]


@paused
def build_plan(
    base: Snapshot,
    head: Snapshot,
    changed_paths: Iterable[str],
    today: datetime.date,
    cache: DocumentCache | None = None,
    progress: Progress = SILENT,
    now: datetime.datetime | None = None,
) -> Plan:
    """The plan of the change from `base` to `head`. The same with or without a
    cache, which only saves work done before on the same bytes: parsing a file, or
    evaluating a revision, from which the head is then evaluated incrementally.
    `now` (aware; the end of `today` when not given) judges the new restores'
    points in time (restores.py)."""
    paths = tuple(sorted(set(changed_paths)))
    # The base only needs to be sound enough to render and compare: without a cache
    # its policy findings are not computed, since they are not part of the plan.
    base_run = evaluate_tree(base.tree, today, progress, cache, policies=False)
    head_run = evaluate_tree(head.tree, today, progress, cache, base=base_run)
    base_eval, head_eval = base_run.evaluation, head_run.evaluation
    old, new = base_eval.loaded.landscape, head_eval.loaded.landscape
    sound = [*base_eval.loaded.findings, *chain.from_iterable(base_eval.parts.references.values())]
    base_errors = [f for f in [*base.findings, *sound] if f.level is Level.ERROR]
    changes = diff_landscapes(old, new)
    # The change's own judgments as of a day, never stored with an evaluation: a new
    # restore's point in time against its source's retention, and phase 2 of a
    # retirement before its day or a retirement that keeps protected data too briefly
    touched = [(c.stack, c.kind, c.name) for c in changes if c.stack and c.kind in RESOURCE_KINDS]
    head_findings = sorted(
        [
            *head.findings,
            *head_eval.findings,
            *restore_findings(new, changes, now or end_of(today)),
            *check_change(old, new, today, touched),
        ]
    )
    head_errors = [f for f in head_findings if f.level is Level.ERROR]
    candidates = affected_shards(old, new, paths)
    touched_stacks = sorted(
        {a.shard.stack for a in candidates}
        | {c.stack for c in changes if c.stack}
        | {c.name for c in changes if c.kind == "Stack"}
    )
    # Only the affected shards can render differently (see shards.py), so only their
    # objects are rendered: the cost follows the change, not the size of the stack.
    kubernetes = tuple(
        kubernetes_stack(
            stack,
            old,
            new,
            len(base_errors),
            len(head_errors),
            {a.shard.team for a in candidates if a.shard.stack == stack},
        )
        for stack in touched_stacks
    )
    # Affected means rendered-different: a candidate whose objects and kube context
    # are the same on both sides is left alone (shards.py)
    affected, unaffected = settle(candidates, {k.stack: k.differing for k in kubernetes})
    price_sheet_changed = money.price_data(old) != money.price_data(new)
    cost_scope, quota_scope = money.scopes(old, new, changes, price_sheet_changed)
    costs, unpriced = money.costs(old, new, cost_scope)
    stack_costs = money.stack_costs(
        old, new, sorted({s.stack for s in cost_scope}), base_run, cache
    )
    renamed = renames(old, new, changes)
    kubernetes = tuple(_follow(k, renamed, old, new) for k in kubernetes)
    found_risks = risks(old, new, changes, paths, kubernetes, renamed, price_sheet_changed)
    required = approvals(old, new, paths, found_risks, kubernetes)
    return Plan(
        base=base,
        head=head,
        changed_paths=paths,
        changes=tuple(changes),
        kubernetes=kubernetes,
        risks=tuple(found_risks),
        costs=costs,
        stack_costs=stack_costs,
        unpriced=unpriced,
        price_sheet_changed=price_sheet_changed,
        quotas=tuple(money.quotas(old, new, quota_scope)),
        reviewers=tuple(reviewers(old, new, paths, changes, required)),
        affected=tuple(affected),
        largest=_largest_shard(new),
        findings=tuple(head_findings),
        waived=len(head_eval.waived),
        base_errors=len(base_errors),
        evaluated=(base_run.how, head_run.how),
        approvals=tuple(required),
        hosts=tuple(host_changes(old, new, changes)),
        unaffected=tuple(unaffected),
        renames=tuple(renamed),
        retirements=tuple(retirement_steps(old, new, changes)),
        base_landscape=old,
        head_landscape=new,
        head_files=head_eval.loaded.files,
        waived_findings=tuple(head_eval.waived),
    )


def _follow(
    stack: KubernetesStack, renamed: list[Rename], old: Landscape, new: Landscape
) -> KubernetesStack:
    """The stack's network paths without those that only follow a rename."""
    pairs = {}
    for r in renamed:
        if r.stack != stack.stack:
            continue
        was, now = old.find(r.stack, r.kind, r.old), new.find(r.stack, r.kind, r.new)
        before, after = old.stacks.get(r.stack), new.stacks.get(r.stack)
        if was is None or now is None or before is None or after is None:
            continue
        pairs[f"{before.namespace_of(was)}/{r.old}"] = f"{after.namespace_of(now)}/{r.new}"
    opened, closed, moved = follow_renames(stack.openings, stack.closings, pairs)
    return dataclasses.replace(
        stack, openings=tuple(opened), closings=tuple(closed), moved=stack.moved + moved
    )


def _largest_shard(landscape: Landscape) -> tuple[str, int] | None:
    sizes = Counter((r.stack, r.team) for r in landscape.all_resources())
    if not sizes:
        return None
    (stack, team), count = min(sizes.items(), key=lambda item: (-item[1], item[0]))
    return Shard(stack, team).name, count
