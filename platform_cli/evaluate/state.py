"""The `State` of a revision: everything one full evaluation of it found, and its bytes.

A state holds the blob id of every file, an index of every entity (path, kind, stack,
name, team, system, dependencies), the entities' values, and the findings of each stage
(loading, each built-in check, each policy with its waiver target, CODEOWNERS). Its key
is the key of the tree it describes (every path and blob id, in order), so a state is
never stale: other files, another key.

Encoded, a state is one line of JSON (the header) followed by the entities' values,
which are decoded only when an entity is read (`evaluate/incremental.py`). JSON, never
pickle: reading a state cannot run code. `evaluate/store.py` keeps states on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from platform_cli.checks.policy_engine import PolicyFinding
from platform_cli.evaluate.pipeline import Evaluation
from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import identity
from platform_cli.load.model import Resource
from platform_cli.sources.layout import stack_of
from platform_cli.sources.tree import Tree

FORMAT = 1

# (path, kind, stack, name, team, system, dependencies, offset, length): one entity,
# with the position of its value in the state's payload
Record = tuple[str, str, str, str, str, str, tuple[tuple[str, str], ...], int, int]


@dataclass(eq=False)
class State:
    """Everything one full evaluation of a revision found. See the module docstring."""

    key: str
    blobs: dict[str, str]
    records: list[Record]
    declared_at: dict[str, tuple[str, str, str]]
    stack_files: dict[str, list[str]]
    files: int
    load: list[Finding]
    references: dict[str, list[Finding]]
    policies: list[PolicyFinding]
    owners: Finding | None
    payload: bytes
    # What other commands derive from a revision and keep with it (the plan keeps
    # the cost of each stack); JSON values
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: Tree, evaluation: Evaluation) -> State | None:
        """The state of a full evaluation with policies; None when a value cannot be
        stored as JSON (it is then evaluated in full every time)."""
        parts, loaded = evaluation.parts, evaluation.loaded
        if parts.policies is None:
            return None
        records: list[Record] = []
        chunks: list[bytes] = []
        offset = 0
        for entity in loaded.entities:
            try:
                value = json.dumps(entity.doc.data, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError):
                return None
            raw = value.encode()
            chunks.append(raw)
            if isinstance(entity, Resource):
                identity = (entity.stack, entity.name, entity.team, entity.system)
                deps = entity.depends_on
            else:
                identity, deps = ("", entity.name, "", ""), ()
            stack, name, team, system = identity
            records.append(
                (entity.path, entity.kind, stack, name, team, system, deps, offset, len(raw))
            )
            offset += len(raw)
        return cls(
            key=tree.key,
            blobs=dict(tree.blobs),
            records=records,
            declared_at=dict(loaded.declared_at),
            stack_files={k: list(v) for k, v in loaded.stack_files.items()},
            files=loaded.files,
            load=list(loaded.findings),
            references={rule: list(found) for rule, found in parts.references.items()},
            policies=list(parts.policies),
            owners=parts.owners,
            payload=b"".join(chunks),
        )

    def value(self, offset: int, length: int) -> dict[str, Any]:
        data = json.loads(self.payload[offset : offset + length])
        assert isinstance(data, dict)
        return data

    # --- serialisation -------------------------------------------------------------

    def encode(self) -> bytes:
        _declared = _declared_by(self.records)
        header = {
            "format": FORMAT,
            "key": self.key,
            "blobs": list(self.blobs.items()),
            "records": self.records,
            # Only what the records do not say: files that declare a name but did
            # not load (a schema error, say)
            "declared": [[p, *k] for p, k in self.declared_at.items() if _declared.get(p) != k],
            "stackFiles": self.stack_files,
            "files": self.files,
            "load": [finding_out(f) for f in self.load],
            "references": {r: [finding_out(f) for f in fs] for r, fs in self.references.items()},
            "policies": [[*finding_out(p.finding), *p.target] for p in self.policies],
            "owners": finding_out(self.owners) if self.owners else None,
            "extras": self.extras,
        }
        body = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        return body + b"\n" + self.payload

    @classmethod
    def decode(cls, raw: bytes) -> State | None:
        """The state in `raw`, or None when it is not one this version wrote."""
        body, _, payload = raw.partition(b"\n")
        try:
            header = json.loads(body)
            if header.get("format") != FORMAT:
                return None
            return cls(
                key=header["key"],
                blobs=dict(header["blobs"]),
                records=(
                    records := [
                        (p, k, s, n, t, y, tuple((a, b) for a, b in d), o, ln)
                        for p, k, s, n, t, y, d, o, ln in header["records"]
                    ]
                ),
                declared_at=_declared_by(records)
                | {p: (s, k, n) for p, s, k, n in header["declared"]},
                stack_files=header["stackFiles"],
                files=header["files"],
                load=[finding_in(f) for f in header["load"]],
                references={
                    r: [finding_in(f) for f in fs] for r, fs in header["references"].items()
                },
                policies=[
                    PolicyFinding(finding_in(p[:7]), (p[7], p[8], p[9])) for p in header["policies"]
                ],
                owners=finding_in(header["owners"]) if header["owners"] else None,
                payload=payload,
                extras=header["extras"],
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def _declared_by(records: list[Record]) -> dict[str, tuple[str, str, str]]:
    """What each loaded entity declares."""
    return {path: identity(kind, name, stack_of(path)) for path, kind, _, name, *_ in records}


def finding_out(f: Finding) -> list[Any]:
    """A finding as a JSON list, as states and listings store it."""
    return [f.path, f.line, f.column, f.rule, f.level.value, f.message, f.hint]


def finding_in(raw: list[Any]) -> Finding:
    """The finding `finding_out` stored."""
    path, line, column, rule, level, message, hint = raw
    return Finding(path, line, column, rule, Level(level), message, hint)
