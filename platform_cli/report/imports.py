"""What `platform import` tells its user: the files it wrote (or would write), the
existing objects each one takes over at the first apply, and every finding: the fields
the model cannot express, the objects it did not import, the resources it refused."""

from __future__ import annotations

from collections import Counter

from platform_cli.findings import Level
from platform_cli.report.output import findings_text
from platform_cli.self_service.adopt import CLUSTER, INVENTORY, ImportResult
from platform_cli.words import plural

_SOURCES = {CLUSTER: "the cluster", INVENTORY: "the VM inventory"}


def format_import(result: ImportResult) -> str:
    source = _SOURCES.get(result.source, "manifests")
    verb = "Would write" if result.dry_run else "Wrote"
    lines = [f"Import from {source} {result.origin}:"]
    if not result.imported:
        lines.append("  nothing could be written")
    for item in result.imported:
        adopts = (
            f"; adopts {plural(len(item.adopts), 'existing object')}: {', '.join(item.adopts)}"
            if item.adopts
            else ""
        )
        lines.append(f"  {verb} {item.path} ({item.kind} {item.name}{adopts})")
    text = "\n".join(lines) + "\n"
    if result.findings:
        text += "\n" + findings_text(result.findings)
    levels = Counter(f.level for f in result.findings)
    text += (
        f"\n{plural(len(result.imported), 'resource')} "
        f"{'to write' if result.dry_run else 'written'}, "
        f"{plural(levels[Level.ERROR], 'error')}, {plural(levels[Level.WARNING], 'warning')}"
    )
    if result.strict and result.findings:
        text += " (--strict: the findings fail the import)"
    if result.dry_run:
        text += "\n\n" + "\n".join(f"--- {i.path}\n{i.text}" for i in result.imported)
    return text + "\n"
