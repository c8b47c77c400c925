"""`platform ci pr`: everything a pull request's check job needs, from one evaluation.

The workflow used to run `check --format github`, `check --format sarif`, `plan` and
`stacks --affected` twice, each evaluating the landscape again, and one offline
preview per affected shard, each checking and rendering again. `run_pull_request`
evaluates the base and the head once (`plan/run.py`: the base from its stored state
when the state store is kept between runs, the head incrementally from the base), and
from that one `Plan` derives:

- the head's `CheckResult` (the findings `platform check` reports, for the GitHub
  annotations and the SARIF file);
- the affected shards (rendered-different, `plan/shards.py`) as a `StackList`, the
  matrix `platform stacks --affected --format json` prints;
- the offline preview of each affected shard, run on the head's objects the plan
  already rendered (`program.run_offline`), not on a new check and render.

A state store is always used: without the user's cache, a temporary one for the run,
so that the head is evaluated from the base instead of in full. Nothing here prints.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.apply.offline import Preview
from platform_cli.apply.operations import StackList
from platform_cli.apply.program import logical_name, run_offline
from platform_cli.evaluate.pipeline import CheckResult
from platform_cli.load.cache import DocumentCache
from platform_cli.plan.build import Plan
from platform_cli.plan.run import PlanOptions, run_plan
from platform_cli.plan.shards import shards
from platform_cli.progress import SILENT, Progress
from platform_cli.render import Rendered, select_team
from platform_cli.sources.git import Revision


@dataclass(frozen=True)
class PullRequestOptions:
    root: Path
    base: str
    head: str | None = "HEAD"  # None: the working tree
    today: datetime.date | None = None
    cache: DocumentCache | None = None
    previews: bool = True
    progress: Progress = SILENT


@dataclass
class PullRequestRun:
    plan: Plan
    check: CheckResult
    stacks: StackList
    previews: list[Preview] = field(default_factory=list)
    # Affected shards without an offline preview, and why (the head has errors)
    not_previewed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when the head has errors, as `platform check` and `platform plan` exit."""
        return self.check.exit_code


def run_pull_request(options: PullRequestOptions) -> PullRequestRun:
    """Plan the pull request once and derive the check, the matrix and the previews."""
    if options.cache is not None:
        return _run(options, options.cache)
    with tempfile.TemporaryDirectory(prefix="platform-pr-") as folder:
        return _run(options, DocumentCache(Path(folder)))


def _run(options: PullRequestOptions, cache: DocumentCache) -> PullRequestRun:
    plan = run_plan(
        PlanOptions(
            options.root, options.base, options.head, options.today, cache, options.progress
        )
    )
    check = head_check(plan)
    every = {s.name for s in shards(plan.base_landscape)} | {
        s.name for s in shards(check.landscape)
    }
    stack_list = StackList(
        list(plan.affected),
        Revision(plan.base.label, plan.base.sha),
        Revision(plan.head.label, plan.head.sha),
        len(every),
    )
    run = PullRequestRun(plan, check, stack_list)
    if options.previews:
        _preview(run)
    return run


def head_check(plan: Plan) -> CheckResult:
    """What `platform check` of the head reports, from the plan's evaluation."""
    return CheckResult(
        sorted(plan.findings),
        plan.head_landscape,
        plan.head_files,
        waived=sorted(plan.waived_findings, key=lambda w: w.finding),
    )


def _preview(run: PullRequestRun) -> None:
    """An offline preview of every affected shard, on the objects the plan rendered."""
    by_stack = {k.stack: k for k in run.plan.kubernetes}
    for affected in run.plan.affected:
        shard = affected.shard
        stack = by_stack.get(shard.stack)
        if stack is None or stack.unavailable:
            why = stack.unavailable if stack is not None else "the stack was not rendered"
            run.not_previewed.append((shard.name, why))
            continue
        rendered = Rendered(shard.stack, list(stack.head_objects), [], stack.kube_context)
        objects = select_team(rendered.objects, shard.team)
        if not objects:
            run.not_previewed.append((shard.name, "the shard has no objects at head"))
            continue
        offline = run_offline(rendered, shard.team)
        order = {logical_name(o): i for i, o in enumerate(objects)}
        registrations = sorted(
            offline.registrations, key=lambda r: (order.get(r.name, -1), r.type, r.name)
        )
        run.previews.append(Preview(shard.name, stack.kube_context, registrations, offline.outputs))
