"""What `platform stacks`, `preview`, `up` and `drift` print.

One small class per format of `stacks` and `drift`, listed by name in
`STACKS_REPORTERS` and `DRIFT_REPORTERS`: the registries that are also the commands'
`--format` choices. The results are only named for type checking here, so that these
registries load without Pulumi (which takes a second to import).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from platform_cli.findings import format_finding
from platform_cli.report.output import Output
from platform_cli.words import plural

if TYPE_CHECKING:
    from platform_cli.apply.automation import DriftResult, ResourceChange
    from platform_cli.apply.offline import Preview
    from platform_cli.apply.operations import Applied, StackList


# platform stacks


class StacksReporter(Protocol):
    def render(self, result: StackList) -> str: ...


class StacksTextReporter:
    """One Pulumi stack a line; with --affected, its reasons and a count."""

    def render(self, result: StackList) -> str:
        if result.base is None:
            return "".join(f"{a.shard.name}\n" for a in result.entries)
        width = max([len(a.shard.name) for a in result.entries] or [0])
        lines = []
        for a in result.entries:
            shown = ", ".join(a.reasons[:3])
            more = f" (+{len(a.reasons) - 3} more)" if len(a.reasons) > 3 else ""
            lines.append(f"{a.shard.name:<{width}}  {shown}{more}")
        head = result.head.sha[:12] if result.head else ""
        lines.append(
            f"{len(result.entries)} of {result.total} Pulumi stacks affected between "
            f"{result.base.ref} ({result.base.sha[:12]}) and "
            f"{result.head.ref if result.head else ''} ({head})"
        )
        return "\n".join(lines) + "\n"


def stacks_matrix(result: StackList) -> dict[str, list[dict[str, object]]]:
    """A GitHub Actions matrix: one entry per Pulumi stack. `environment` is the
    landscape stack, which names the GitHub environment holding its credentials."""
    return {
        "include": [
            {
                "stack": a.shard.name,
                "environment": a.shard.stack,
                "team": a.shard.team,
                "reasons": list(a.reasons),
            }
            for a in result.entries
        ]
    }


class StacksJsonReporter:
    """A GitHub Actions matrix on one line, so that CI can write it to $GITHUB_OUTPUT."""

    def render(self, result: StackList) -> str:
        return json.dumps(stacks_matrix(result), separators=(",", ":")) + "\n"


STACKS_REPORTERS: dict[str, type[StacksReporter]] = {
    "text": StacksTextReporter,
    "json": StacksJsonReporter,
}


# platform preview and platform up

_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "+-"}
_VERBS = {
    "create": "to create",
    "update": "to update",
    "delete": "to delete",
    "replace": "to replace",
    "same": "unchanged",
}
_DONE = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "replace": "replaced",
    "same": "unchanged",
}


def _counts(summary: Mapping[str, int], words: Mapping[str, str]) -> str:
    order = ["create", "update", "replace", "delete", "same"]
    keys = sorted(summary, key=lambda k: (order.index(k) if k in order else len(order), k))
    parts = [f"{summary[k]} {words.get(k, k)}" for k in keys if summary[k]]
    return ", ".join(parts) or "no resources"


def _resource_lines(resources: tuple[ResourceChange, ...]) -> list[str]:
    if not resources:
        return []
    type_width = max(len(r.type) for r in resources)
    return [
        f"  {_SYMBOLS.get(r.op, '*'):<2} {r.op:<8} {r.type:<{type_width}}  {r.name}"
        for r in resources
    ]


def format_applied(applied: Applied) -> str:
    """Each Pulumi stack previewed or applied, with its resources and counts."""
    lines: list[str] = []
    for result in applied.results:
        if result.operation == "preview":
            lines.append(f"Preview of Pulumi stack {result.stack} (backend {applied.backend}):")
            lines += _resource_lines(result.resources)
            lines.append(f"  {_counts(result.summary, _VERBS)}")
        else:
            lines.append(f"Applied commit {applied.commit[:12]} to Pulumi stack {result.stack}:")
            lines += _resource_lines(result.resources)
            lines.append(f"  {_counts(result.summary, _DONE)}")
    if not applied.results and not applied.outcomes:
        lines.append("no Pulumi stacks selected: nothing to do")
    return "".join(line + "\n" for line in lines)


def format_up(applied: Applied) -> Output:
    """What was applied, then Pulumi's warnings and each shard's failure or refusal on
    stderr, as errors are written; with more than one shard, a closing count."""
    warnings = "".join(
        f"platform: warning: {warning}\n"
        for result in applied.results
        for warning in result.warnings
    )
    warnings += "".join(
        f"platform: warning: Pulumi stack {o.shard} took over "
        f"{plural(len(o.adopted), 'object')} made by hand ({o.adopted_by}): "
        f"{', '.join(o.adopted)}\n"
        for o in applied.outcomes
        if o.adopted
    )
    out = Output.stdout(format_applied(applied)) + Output.stderr(warnings)
    failures = []
    for outcome in applied.outcomes:
        if outcome.status == "applied":
            continue
        failures.append(f"platform: error: {outcome.error}\n")
        failures += [f"  {format_finding(f, level=False)}\n" for f in outcome.findings[:10]]
        if len(outcome.findings) > 10:
            failures.append(f"  ... and {len(outcome.findings) - 10} more\n")
        if outcome.hint:
            failures.append(f"    hint: {outcome.hint}\n")
    if failures:
        out = out + Output.stderr("".join(failures))
    if len(applied.outcomes) > 1:
        out = out + Output.stdout(up_count(applied) + "\n")
    return out


def up_count(applied: Applied) -> str:
    counts = Counter(o.status for o in applied.outcomes)
    parts = [f"{counts[s]} {s}" for s in ("applied", "failed", "refused") if counts[s]]
    return f"{plural(len(applied.outcomes), 'Pulumi stack')}: {', '.join(parts)}"


def up_results(applied: Applied) -> dict[str, Any]:
    """`platform up --results FILE`: each shard's outcome, for `platform report-apply`."""
    shards = []
    for o in applied.outcomes:
        result = o.result
        stack, _, team = o.shard.partition(".")
        shards.append(
            {
                "shard": o.shard,
                "stack": stack,
                "team": team,
                "status": o.status,
                "seconds": round(o.seconds, 1),
                "summary": dict(result.summary) if result else {},
                "changes": [
                    {"op": r.op, "type": r.type, "name": r.name}
                    for r in (result.resources if result else ())
                ],
                "outputs": dict(result.outputs) if result else {},
                "error": o.error,
                "hint": o.hint,
                "adopted": list(o.adopted),
                "adopted_by": o.adopted_by if o.adopted else "",
                "findings": [
                    {"location": f.location, "rule": f.rule, "message": f.message, "hint": f.hint}
                    for f in o.findings
                ],
            }
        )
    return {
        "version": 1,
        "commit": applied.commit,
        "run": applied.run_url,
        "shards": shards,
    }


def format_offline_preview(preview: Preview) -> str:
    """`platform preview --offline`: every registered resource, and totals per type."""
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


# platform drift


class DriftReporter(Protocol):
    def render(self, result: DriftResult) -> str: ...


class DriftTextReporter:
    def render(self, result: DriftResult) -> str:
        if not result.has_drift:
            return (
                f"no drift in Pulumi stack {result.stack}: {result.unchanged} resources as "
                "recorded\n"
            )
        lines = [f"drift in Pulumi stack {result.stack}: {len(result.drifted)} resources differ"]
        for r in result.drifted:
            fields = f" ({', '.join(r.diffs)})" if r.diffs else ""
            lines.append(f"  {_SYMBOLS.get(r.op, '*'):<2} {r.op:<8} {r.type}  {r.name}{fields}")
        return "\n".join(lines) + "\n"


# Starts the issue body; the drift workflow finds the stack's open issue by it
DRIFT_MARKER = "<!-- platform-drift: {stack} -->"


class DriftMarkdownReporter:
    """An issue body: what differs and what to do about it."""

    def render(self, result: DriftResult) -> str:
        marker = DRIFT_MARKER.format(stack=result.stack)
        if not result.has_drift:
            return (
                f"{marker}\n## No drift in `{result.stack}`\n\n"
                f"{result.unchanged} resources are as the last apply recorded them.\n"
            )
        rows = "\n".join(
            f"| {r.op} | `{r.type}` | `{r.name}` | {', '.join(f'`{d}`' for d in r.diffs) or ''} |"
            for r in result.drifted
        )
        return f"""{marker}
## Drift in Pulumi stack `{result.stack}`

The nightly `platform drift` found {len(result.drifted)} resource(s) in the cluster that differ
from what the last apply recorded ({result.unchanged} unchanged).

| change | type | resource | fields |
|---|---|---|---|
{rows}

### What to do

1. Find out who changed it and why (`kubectl describe`, the cluster's audit log).
2. If the change should stay, declare it in the landscape with a pull request.
3. Otherwise re-run the latest apply of `{result.stack}`: `platform up` puts the declared
   state back.
4. Only to accept the live state as the record, a person runs
   `pulumi refresh --stack {result.stack}` (see docs/operations.md, "Drift").

This issue is updated by the drift workflow while the drift lasts.
"""


class DriftJsonReporter:
    def render(self, result: DriftResult) -> str:
        data = {
            "stack": result.stack,
            "drift": result.has_drift,
            "unchanged": result.unchanged,
            "drifted": [
                {"op": r.op, "type": r.type, "name": r.name, "urn": r.urn, "fields": list(r.diffs)}
                for r in result.drifted
            ],
        }
        return json.dumps(data, indent=2) + "\n"


DRIFT_REPORTERS: dict[str, type[DriftReporter]] = {
    "text": DriftTextReporter,
    "markdown": DriftMarkdownReporter,
    "json": DriftJsonReporter,
}
