"""What `platform report-apply` and `platform report-drift` tell GitHub.

`report-apply` runs after each apply job (and once before, while the jobs queue): it
reads the results `platform up --results` wrote, one file per GitHub environment, and

- sets one commit status per shard, context `platform/apply/<shard>` (and one per
  environment whose job left no results: `platform/apply/<environment>`);
- writes one comment on the merged pull request, updated in place across the run
  (matched by its marker *and* the workflow bot as author): per shard the result, the
  duration, what was created, and what a requester needs (service URLs, VM addresses,
  the names of the database connection secrets), with a link to the run. A failure, a
  refusal (main has check errors) and an environment that waits for a reviewer's
  approval are each said in a sentence of their own.

`report-drift` keeps one issue per drifting shard: opened, updated while the drift
lasts, closed when it is gone.

The texts are built by pure functions (`apply_comment`, `apply_statuses`); `publish_*`
only send them through `sources.github`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_cli.report.apply import DRIFT_MARKER
from platform_cli.sources.github import GitHub
from platform_cli.words import plural

STATUS_PREFIX = "platform/apply/"
COMMENT_MARKER = "<!-- platform-apply: {sha} -->"
DRIFT_LABEL = "drift"
_ICONS = {"applied": "✅", "failed": "❌", "refused": "⛔", "waiting": "⏳", "missing": "⚠️"}
_DONE = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}


@dataclass(frozen=True)
class Environment:
    """A GitHub environment (a landscape stack) of this apply run."""

    name: str
    needs_approval: bool
    # The `up` results of its job, None while the job has not written any
    results: Mapping[str, Any] | None


@dataclass(frozen=True)
class Status:
    context: str
    state: str
    description: str


@dataclass(frozen=True)
class ApplyReport:
    commit: str
    run_url: str
    environments: Sequence[Environment]
    # Before the jobs ran: waiting is expected, not a failure
    queued: bool = False


def _changes(shard: Mapping[str, Any]) -> str:
    summary = shard.get("summary") or {}
    parts = [f"{summary[k]} {_DONE[k]}" for k in _DONE if summary.get(k)]
    return ", ".join(parts) or "no changes"


def _seconds(value: Any) -> str:
    seconds = float(value or 0)
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _missing_sentence(env: Environment, queued: bool) -> str:
    if env.needs_approval:
        return (
            f"Environment `{env.name}` is waiting for a reviewer's approval: nothing of it is "
            "applied until someone with the right approves the job in the run."
        )
    if queued:
        return f"Environment `{env.name}` is queued."
    return (
        f"Environment `{env.name}` was not applied: its job wrote no results (rejected, "
        "cancelled, timed out or failed before applying). The next apply run applies "
        "whatever is still behind `main` (`platform up --pending`)."
    )


def apply_statuses(report: ApplyReport) -> list[Status]:
    """One commit status per shard, and one per environment without results."""
    out: list[Status] = []
    for env in report.environments:
        if env.results is None:
            if env.needs_approval:
                text = f"waiting for a reviewer to approve environment {env.name}"
            elif report.queued:
                text = f"queued: environment {env.name}"
            else:
                text = f"not applied: the {env.name} job wrote no results"
            state = "pending" if env.needs_approval or report.queued else "error"
            out.append(Status(STATUS_PREFIX + env.name, state, text))
            continue
        for shard in env.results.get("shards", []):
            name, status = shard["shard"], shard["status"]
            if status == "applied":
                state = "success"
                text = f"applied in {_seconds(shard.get('seconds'))}: {_changes(shard)}"
            elif status == "refused":
                state = "failure"
                n = len(shard.get("findings", []))
                text = f"refused: {plural(n, 'check error')} on main {'reaches' if n == 1 else 'reach'} this stack"
            else:
                state = "failure"
                text = f"failed: {shard.get('error', '')}"
            out.append(Status(STATUS_PREFIX + name, state, _short(text)))
    return out


def _short(text: str) -> str:
    """GitHub refuses a status description over 140 characters."""
    return text if len(text) <= 140 else text[:139] + "…"


def _shards(report: ApplyReport) -> list[Mapping[str, Any]]:
    return [
        shard
        for env in report.environments
        if env.results is not None
        for shard in env.results.get("shards", [])
    ]


def _requester_lines(shard: Mapping[str, Any]) -> list[str]:
    outputs = shard.get("outputs") or {}
    lines = [f"- Service URL: {url}" for url in (outputs.get("serviceUrls") or {}).values()]
    addresses = outputs.get("virtualMachineAddresses") or {}
    for ref in outputs.get("virtualMachines") or []:
        address = addresses.get(ref)
        where = f" at `{address}`" if address else ""
        lines.append(f"- Virtual machine `{ref}`{where}")
    for ref, secret in (outputs.get("databaseSecrets") or {}).items():
        namespace = ref.split("/", 1)[0]
        lines.append(f"- Database `{ref}`: connection secret `{secret}` in namespace `{namespace}`")
    adopted = [str(a) for a in shard.get("adopted") or []]
    if adopted:
        shown = ", ".join(f"`{a}`" for a in adopted[:8])
        more = f" and {len(adopted) - 8} more" if len(adopted) > 8 else ""
        by = str(shard.get("adopted_by") or "--adopt")
        lines.append(f"- Taken over from objects made by hand (`{by}`): {shown}{more}")
    created = [c for c in shard.get("changes", []) if c.get("op") == "create"]
    if created:
        shown = ", ".join(f"`{c['name']}`" for c in created[:8])
        more = f" and {len(created) - 8} more" if len(created) > 8 else ""
        lines.append(f"- Created: {shown}{more}")
    return lines


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def apply_comment(report: ApplyReport) -> str:
    """The pull request comment of one apply run."""
    shards = _shards(report)
    counts: dict[str, int] = {}
    for shard in shards:
        counts[shard["status"]] = counts.get(shard["status"], 0) + 1
    missing = [env for env in report.environments if env.results is None]
    head = [f"{n} {status}" for status, n in sorted(counts.items())]
    head += [f"environment `{e.name}` waiting" for e in missing if e.needs_approval]
    head += [
        f"environment `{e.name}` {'queued' if report.queued else 'not applied'}"
        for e in missing
        if not e.needs_approval
    ]
    run = f"[the run]({report.run_url})" if report.run_url else "the apply run"
    title = "queued" if report.queued else "result"
    lines = [
        COMMENT_MARKER.format(sha=report.commit),
        f"## Apply {title} of `{report.commit[:12]}`",
        "",
        f"{_sentence('; '.join(head) or 'nothing to apply')}. Details in {run}.",
        "",
    ]
    if shards:
        lines += ["| stack | result | took | changes |", "|---|---|---|---|"]
        for shard in shards:
            status = shard["status"]
            lines.append(
                f"| `{shard['shard']}` | {_ICONS.get(status, '')} {status} | "
                f"{_seconds(shard.get('seconds'))} | "
                f"{_changes(shard) if status == 'applied' else '—'} |"
            )
        lines.append("")
    failed = [s for s in shards if s["status"] == "failed"]
    if failed:
        lines += ["### Failed", ""]
        for shard in failed:
            lines.append(f"**`{shard['shard']}` failed**: {shard.get('error', '')}")
            if shard.get("hint"):
                lines.append(f"> {shard['hint']}")
            lines.append("")
        lines += [
            "A failed stack stays behind `main` and the next apply run retries it "
            "(`platform up --pending`).",
            "",
        ]
    refused = [s for s in shards if s["status"] == "refused"]
    if refused:
        lines += [
            "### Refused: `main` has check errors",
            "",
            "These stacks were not applied because check errors on `main` reach them; "
            "every other stack was. Fix the errors with a pull request; the next apply "
            "run applies them.",
            "",
        ]
        for shard in refused:
            lines.append(f"**`{shard['shard']}`**:")
            for finding in shard.get("findings", [])[:10]:
                lines.append(f"- `{finding['location']}` {finding['rule']}: {finding['message']}")
            lines.append("")
    if missing:
        lines += ["### Not applied yet", ""]
        lines += [f"- {_missing_sentence(env, report.queued)}" for env in missing]
        lines.append("")
    applied = [s for s in shards if s["status"] == "applied" and _requester_lines(s)]
    if applied:
        lines += ["### What you asked for", ""]
        for shard in applied:
            lines.append(f"**`{shard['shard']}`**")
            lines += _requester_lines(shard)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class Published:
    pull_request: int | None
    statuses: int


def publish_apply(github: GitHub, report: ApplyReport) -> Published:
    """Set the commit statuses, then write the comment on the merged pull request
    (none when the commit was pushed without one)."""
    statuses = apply_statuses(report)
    for status in statuses:
        github.set_status(
            report.commit, status.context, status.state, status.description, report.run_url
        )
    number = github.merged_pull_request(report.commit)
    if number is not None:
        github.upsert_comment(
            number, COMMENT_MARKER.format(sha=report.commit), apply_comment(report)
        )
    return Published(number, len(statuses))


@dataclass(frozen=True)
class DriftPublished:
    action: str  # opened, updated, closed, none
    issue: int | None


def publish_drift(
    github: GitHub, stack: str, drifted: bool, body: str, today: str
) -> DriftPublished:
    """Open, update or close the one drift issue of a shard. `body` is
    `platform drift --format markdown`, which starts with the shard's marker."""
    marker = DRIFT_MARKER.format(stack=stack)
    found = github.find_issue(marker, DRIFT_LABEL)
    if drifted:
        if found is not None:
            github.update_issue(found.id, body)
            return DriftPublished("updated", found.id)
        number = github.open_issue(f"Drift in Pulumi stack {stack}", body, DRIFT_LABEL)
        return DriftPublished("opened", number)
    if found is not None:
        github.close_issue(found.id, f"No drift in `{stack}` in the nightly check of {today}.")
        return DriftPublished("closed", found.id)
    return DriftPublished("none", None)
