"""Reporters turn a check result into text for people, CI or tools.

One small class per format, listed by name in `REPORTERS`. `default_format` picks
`github` when running inside GitHub Actions.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

from platform_cli import __version__
from platform_cli.checks.catalogue import BY_ID
from platform_cli.checks.policy_engine import DOCS_URI, policies_by_id
from platform_cli.checks.waivers import Waived
from platform_cli.evaluate.pipeline import CheckResult
from platform_cli.findings import BuiltinRule, Finding, Level
from platform_cli.report.output import findings_text
from platform_cli.words import plural

TOOL_URI = "https://platform.dom-komfort.example/docs"


class Reporter(Protocol):
    def render(self, result: CheckResult) -> str: ...


def _summary(result: CheckResult) -> Mapping[str, int]:
    levels = Counter(f.level for f in result.findings)
    return {
        "files": result.files,
        "resources": result.landscape.resource_count,
        "stacks": len(result.landscape.stacks),
        "errors": levels[Level.ERROR],
        "warnings": levels[Level.WARNING],
        "waived": len(result.waived),
    }


class TextReporter:
    """`path:line:column: level [rule] message`, then an indented hint."""

    def render(self, result: CheckResult) -> str:
        s = _summary(result)
        verdict = "failed" if result.failed else "passed"
        # Only mentioned when there are some, so that repositories without waivers
        # keep the familiar line
        waived = f", {s['waived']} waived" if s["waived"] else ""
        return findings_text(result.findings) + (
            f"check {verdict}: {plural(s['errors'], 'error')}, "
            f"{plural(s['warnings'], 'warning')}{waived} in {plural(s['files'], 'file')} "
            f"({plural(s['resources'], 'resource')} in {plural(s['stacks'], 'stack')})\n"
        )


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "rule": f.rule,
        "level": f.level.value,
        "message": f.message,
        "hint": f.hint,
    }


def waived_dict(w: Waived) -> dict[str, Any]:
    waiver = w.waiver
    return finding_dict(w.finding) | {
        "waiver": {
            "policy": waiver.policy,
            "target": {"stack": waiver.stack, "kind": waiver.kind, "name": waiver.name},
            "reason": waiver.reason,
            "ticket": waiver.ticket,
            "approvedBy": waiver.approved_by,
            "expires": waiver.expires,
        }
    }


class JsonReporter:
    """Findings that fail or inform in `findings`; silenced ones in `waived`."""

    def render(self, result: CheckResult) -> str:
        document = {
            "version": 1,
            "passed": not result.failed,
            "summary": dict(_summary(result)),
            "findings": [finding_dict(f) for f in result.findings],
            "waived": [waived_dict(w) for w in result.waived],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """GitHub Actions workflow commands: one annotation per finding, on the file's line."""

    def render(self, result: CheckResult) -> str:
        lines = []
        for f in result.findings:
            props = [f"file={_escape_property(f.path)}"]
            if f.line > 0:
                props += [f"line={f.line}", f"col={f.column}"]
            props.append(f"title={_escape_property(f'[{f.rule}] {f.path}')}")
            body = f.message + (f"\n{f.hint}" if f.hint else "")
            lines.append(f"::{f.level} {','.join(props)}::{_escape_data(body)}")
        lines.append(TextReporter().render(result).splitlines()[-1])
        return "\n".join(lines) + "\n"


class SarifReporter:
    """SARIF 2.1.0, for GitHub code scanning and other tools. Waived findings are
    results with an accepted external suppression that carries the waiver's reason."""

    def render(self, result: CheckResult) -> str:
        policies = policies_by_id()
        waived = [w.finding for w in result.waived]
        used = sorted({f.rule for f in [*result.findings, *waived]} | set(BY_ID) | set(policies))
        rules = [
            {
                "id": rule,
                "shortDescription": {"text": policies[rule].title}
                if rule in policies
                else {"text": self.short_description(BY_ID[rule]) if rule in BY_ID else rule},
                "helpUri": f"{DOCS_URI}#{rule.lower()}"
                if rule in policies
                else f"{TOOL_URI}/checks#{rule}",
            }
            for rule in used
        ]
        suppressions = {
            id(w.finding): {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.waiver.ticket}, approved by {w.waiver.approved_by} "
                f"until {w.waiver.expires}: {w.waiver.reason}",
            }
            for w in result.waived
        }
        results = []
        for f in [*result.findings, *waived]:
            location: dict[str, Any] = {"artifactLocation": {"uri": f.path}}
            if f.line > 0:
                location["region"] = {"startLine": f.line, "startColumn": max(f.column, 1)}
            text = f.message + (f" (hint: {f.hint})" if f.hint else "")
            entry: dict[str, Any] = {
                "ruleId": f.rule,
                "ruleIndex": used.index(f.rule),
                "level": "error" if f.level is Level.ERROR else "warning",
                "message": {"text": text},
                "locations": [{"physicalLocation": location}],
            }
            if id(f) in suppressions:
                entry["suppressions"] = [suppressions[id(f)]]
            results.append(entry)
        document = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "platform",
                            "version": __version__,
                            "informationUri": TOOL_URI,
                            "rules": rules,
                        }
                    },
                    "results": results,
                }
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def short_description(rule: BuiltinRule) -> str:
        """The rule's documentation; a warning says so, since `shortDescription` is
        all that code scanning shows of a rule."""
        return f"({rule.level}) {rule.doc}" if rule.level is Level.WARNING else rule.doc


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "sarif": SarifReporter,
}


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
