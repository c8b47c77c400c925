"""What `platform approvals` prints: each requirement, met or waiting, and a one-line
summary that also serves as the commit status description (at most 140 characters)."""

from __future__ import annotations

import json

from platform_cli.plan.approvals import Approvals
from platform_cli.words import plural

STATUS_LIMIT = 140


def summary(result: Approvals) -> str:
    """One line: the verdict and whom the pull request waits for."""
    total = len(result.judged)
    if result.passed:
        return f"approved: {plural(total, 'requirement')} met"
    waiting = ", ".join(" or ".join(r.owners) for r in result.waiting)
    line = f"waiting for {waiting}"
    if len(line) > STATUS_LIMIT:
        line = line[: STATUS_LIMIT - 1] + "…"
    return line


class TextReporter:
    def render(self, result: Approvals) -> str:
        pull = result.pull
        lines = [f"pull request #{pull.number} at {pull.head_sha[:12]}: {summary(result)}"]
        for judged in result.judged:
            owners = " or ".join(judged.requirement.owners)
            paths = ", ".join(judged.requirement.paths)
            if judged.approved_by:
                lines.append(f"  ok       {owners}: approved by {', '.join(judged.approved_by)}")
            else:
                lines.append(f"  waiting  {owners}")
            if paths:
                lines.append(f"           for {paths}")
            for reason in judged.requirement.reasons:
                lines.append(f"           why: {reason}")
        if result.stale:
            lines.append(
                f"  not counted: approvals of an earlier commit by {', '.join(result.stale)}"
            )
        if result.blocking:
            lines.append(f"  changes requested by {', '.join(result.blocking)}")
        return "\n".join(lines) + "\n"


class JsonReporter:
    def render(self, result: Approvals) -> str:
        document = {
            "version": 1,
            "pullRequest": result.pull.number,
            "head": result.pull.head_sha,
            "passed": result.passed,
            "summary": summary(result),
            "requirements": [
                {
                    "anyOf": list(j.requirement.owners),
                    "paths": list(j.requirement.paths),
                    "reasons": list(j.requirement.reasons),
                    "approvedBy": list(j.approved_by),
                }
                for j in result.judged
            ],
            "approvers": list(result.approvers),
            "staleApprovals": list(result.stale),
            "changesRequested": list(result.blocking),
        }
        return json.dumps(document, indent=2) + "\n"


APPROVALS_REPORTERS: dict[str, type[TextReporter] | type[JsonReporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
}
