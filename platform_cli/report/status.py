"""What `platform status` prints: per shard, its last successful apply (commit, time,
run), whether it is behind HEAD, and the last drift check. One class per format,
listed in `STATUS_REPORTERS`, the command's `--format` choices."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

from platform_cli.words import plural

if TYPE_CHECKING:
    from platform_cli.apply.operations import ShardStatus, Status


class StatusReporter(Protocol):
    def render(self, status: Status) -> str: ...


def _state(entry: ShardStatus) -> str:
    if entry.behind is None:
        return f"refused ({plural(entry.errors, 'check error')})"
    if entry.record is None:
        return "never applied"
    return "behind" if entry.behind else "current"


def _drift(entry: ShardStatus) -> str:
    record = entry.record
    if record is None or not record.drift:
        return "not checked"
    verdict = "no drift" if record.drift == "none" else f"drift: {record.drift}"
    return f"{verdict} ({record.drift_at})"


def _counts(status: Status) -> str:
    states = [_state(e).split(" ")[0] for e in status.shards]
    behind = sum(s in ("behind", "never", "refused") for s in states)
    return (
        f"{plural(len(status.shards), 'Pulumi stack')}, {behind} behind "
        f"{status.commit[:12]}; backend {status.backend}"
    )


class StatusTextReporter:
    """One shard a line, aligned."""

    def render(self, status: Status) -> str:
        rows = [("STACK", "STATE", "COMMIT", "APPLIED", "DRIFT", "RUN")]
        for e in status.shards:
            r = e.record
            rows.append(
                (
                    e.shard,
                    _state(e),
                    r.commit[:12] if r and r.commit else "-",
                    r.applied_at if r and r.applied_at else "-",
                    _drift(e),
                    r.run if r and r.run else "-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        lines = [
            "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row[:-1])) + f"  {row[-1]}"
            for row in rows
        ]
        return "\n".join([*lines, _counts(status)]) + "\n"


class StatusMarkdownReporter:
    """A table for a job summary or an issue."""

    def render(self, status: Status) -> str:
        lines = [
            f"## Apply status at `{status.commit[:12]}`",
            "",
            "| stack | state | commit | applied | drift | run |",
            "|---|---|---|---|---|---|",
        ]
        for e in status.shards:
            r = e.record
            run = f"[run]({r.run})" if r and r.run else ""
            commit = f"`{r.commit[:12]}`" if r and r.commit else ""
            applied = r.applied_at if r else ""
            lines.append(
                f"| `{e.shard}` | {_state(e)} | {commit} | {applied} | {_drift(e)} | {run} |"
            )
        lines += ["", _counts(status)]
        return "\n".join(lines) + "\n"


class StatusJsonReporter:
    def render(self, status: Status) -> str:
        data = {
            "commit": status.commit,
            "backend": status.backend,
            "stacks": [
                {
                    "stack": e.shard,
                    "state": _state(e).split(" ")[0].replace("never", "never-applied"),
                    "behind": e.behind,
                    "checkErrors": e.errors,
                    "commit": e.record.commit if e.record else None,
                    "appliedAt": e.record.applied_at if e.record else None,
                    "run": (e.record.run or None) if e.record else None,
                    "drift": (e.record.drift or None) if e.record else None,
                    "driftCheckedAt": (e.record.drift_at or None) if e.record else None,
                }
                for e in status.shards
            ],
        }
        return json.dumps(data, indent=2) + "\n"


STATUS_REPORTERS: dict[str, type[StatusReporter]] = {
    "text": StatusTextReporter,
    "json": StatusJsonReporter,
    "markdown": StatusMarkdownReporter,
}
