"""`platform promote KIND/NAME --from dev --to prod`: copy a resource across stacks.

What a promotion carries is the release: the image, the engine version, ports, health
checks, dependencies, new variables. What it must not carry is what differs per stack
by design (`PER_STACK`): sizes, replicas and autoscaling, storage and its class,
backups, deletion protection, running state, ingress hosts, and the values of
variables the target already sets. When the target exists these come from the target;
when it does not, the source's are adapted to the target stack with the same rules
`platform new` uses (`requirements.Requirements`). References to the source stack inside
values (namespaces such as `dev-billing`, the ingress domain) are rewritten to the
target stack's.

`promote_document` is pure; `promote` reads the landscape, validates the result like
`platform new` does, and writes the target file unless it is a dry run. What the
requester is told is `platform_cli.report.self_service`.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.errors import UsageError
from platform_cli.findings import Finding
from platform_cli.load.landscape import load
from platform_cli.load.model import Database, Landscape, Resource, Server, Service, Stack
from platform_cli.load.quantities import format_bytes, parse_bytes
from platform_cli.self_service.admission import known_names, new_findings, require_stack
from platform_cli.self_service.draft import header, protection_why, spec_order
from platform_cli.self_service.options import ResourceRef
from platform_cli.self_service.requirements import Requirements, requirements
from platform_cli.self_service.yaml_writer import dump
from platform_cli.sources.tree import read_tree

# Top-level spec fields that belong to the stack, not to the release
PER_STACK: Mapping[str, tuple[str, ...]] = {
    "Service": ("replicas", "autoscaling", "resources"),
    "Database": ("instances", "storage", "resources", "backup", "deletionProtection"),
    "Server": ("cpu", "memory", "disk", "running", "deletionProtection"),
}


Note = Callable[[str], None]


@dataclass(frozen=True)
class PromoteRequest:
    root: Path
    resource: ResourceRef
    source: str
    target: str
    dry_run: bool = False
    today: datetime.date | None = None


@dataclass
class Promoted:
    """The promoted document and what was done to the fields that differ per stack."""

    data: dict[str, Any]
    # Fields taken from the existing target
    kept: list[str] = field(default_factory=list)
    # Fields of the source changed to fit the target stack, with the reason
    adapted: list[str] = field(default_factory=list)


@dataclass
class Promotion:
    path: str
    before: str | None  # the target file, None when it is new
    after: str
    kept: list[str]
    adapted: list[str]
    errors: list[Finding]
    warnings: list[Finding]
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        return "".join(
            difflib.unified_diff(
                before,
                self.after.splitlines(keepends=True),
                "/dev/null" if self.before is None else f"a/{self.path}",
                f"b/{self.path}",
            )
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def promote_document(
    landscape: Landscape, source: Resource, target: Resource | None, to_stack: Stack
) -> Promoted:
    """The target document: the source's spec with the per-stack fields of the target,
    or adapted to the target stack when there is no target yet. Pure."""
    from_stack = landscape.stacks[source.stack]
    spec: dict[str, Any] = copy.deepcopy(dict(source.spec))
    result = Promoted({})
    teams = sorted(landscape.teams)
    if target is not None:
        _keep(spec, target, result)
        metadata = copy.deepcopy(dict(target.metadata))
    else:
        _adapt(landscape, spec, source, to_stack, result)
        metadata = copy.deepcopy(dict(source.metadata))
    env = spec.get("env")
    if isinstance(env, dict):
        kept_env = target.spec.get("env", {}) if target is not None else {}
        for key, value in env.items():
            env[key] = rewrite(str(value), from_stack, to_stack, teams)
            if key in kept_env:
                if kept_env[key] != env[key]:
                    result.kept.append(f"spec.env.{key}")
                env[key] = kept_env[key]
    order = {key: i for i, key in enumerate(spec_order(source.kind))}
    ordered = dict(sorted(spec.items(), key=lambda item: order.get(item[0], len(order))))
    result.data = {
        "apiVersion": source.doc.data["apiVersion"],
        "kind": source.kind,
        "metadata": metadata,
        "spec": ordered,
    }
    return result


def _keep(spec: dict[str, Any], target: Resource, result: Promoted) -> None:
    for key in PER_STACK[target.kind]:
        if key in target.spec:
            if spec.get(key) != target.spec[key]:
                result.kept.append(f"spec.{key}")
            spec[key] = copy.deepcopy(target.spec[key])
        elif key in spec:
            result.kept.append(f"spec.{key} (not set in the target)")
            del spec[key]
    ingress = spec.get("ingress")
    if isinstance(ingress, dict):
        host = target.spec.get("ingress", {}).get("host")
        if ingress.get("host") != host:
            result.kept.append("spec.ingress.host")
        if host is None:
            ingress.pop("host", None)
        else:
            ingress["host"] = host


def _adapt(
    landscape: Landscape,
    spec: dict[str, Any],
    source: Resource,
    stack: Stack,
    result: Promoted,
) -> None:
    """Fit a new target to its stack: what `platform new` would require there."""
    needs = requirements(landscape, stack, landscape.systems.get(source.system))
    note = result.adapted.append
    if isinstance(source, Database | Server):
        if needs.protection is not None and not spec.get("deletionProtection", False):
            spec["deletionProtection"] = True
            note(f"spec.deletionProtection: true, {protection_why(stack, needs.protection)}")
        elif needs.protection is None and "deletionProtection" in spec:
            del spec["deletionProtection"]
            note(f"spec.deletionProtection: removed, not required in {stack.environment}")
        storage = spec["storage" if isinstance(source, Database) else "disk"]
        current = storage.get("class")
        wanted = needs.storage_class(current)
        if wanted != current:
            if wanted is None:
                del storage["class"]
                note(f"storage class '{current}': not in stack '{stack.name}', its default is used")
            else:
                storage["class"] = wanted
                encryption = needs.encryption
                why = (
                    f"{encryption.reason} must be encrypted ({encryption.policy})"
                    if encryption is not None
                    else ""
                )
                note(f"storage class: {wanted}" + (f", {why}" if why else ""))
    if isinstance(source, Database):
        _adapt_database(spec, needs, note)
    if isinstance(source, Service):
        _adapt_service(spec, needs, note)
        ingress = spec.get("ingress")
        if isinstance(ingress, dict) and "host" in ingress:
            from_stack = landscape.stacks[source.stack]
            host = rewrite(str(ingress["host"]), from_stack, stack, ())
            if host == ingress["host"]:
                del ingress["host"]
                note(f"spec.ingress.host: removed, the default in stack '{stack.name}' is used")
            else:
                ingress["host"] = host
                note(f"spec.ingress.host: {host}")


def _adapt_database(spec: dict[str, Any], needs: Requirements, note: Note) -> None:
    least = needs.instances
    instances = int(spec.get("instances", needs.stack.default("databaseInstances", 1)))
    wanted = least.value if needs.small else max(instances, least.value)
    if wanted != spec.get("instances"):
        spec["instances"] = wanted
        note(f"spec.instances: {wanted}, {least.why}")
    size = spec["storage"]["size"]
    if needs.max_storage and parse_bytes(size) > needs.max_storage:
        spec["storage"]["size"] = format_bytes(needs.max_storage)
        note(
            f"spec.storage.size: {spec['storage']['size']}, the most stack "
            f"'{needs.stack.name}' expects ({_limits_policy(needs)})"
        )
    if needs.backup_required:
        backup = spec.setdefault("backup", {"schedule": "0 2 * * *", "retentionDays": 0})
        if backup["retentionDays"] < needs.retention.value:
            backup["retentionDays"] = needs.retention.value
            note(f"spec.backup.retentionDays: {needs.retention.value}, {needs.retention.why}")


def _adapt_service(spec: dict[str, Any], needs: Requirements, note: Note) -> None:
    scaling = spec.get("autoscaling")
    if needs.small:
        top = needs.max_replicas
        policy = _limits_policy(needs)
        if "replicas" in spec and spec["replicas"] > top:
            spec["replicas"] = top
            note(f"spec.replicas: {top}, the most stack '{needs.stack.name}' expects ({policy})")
        if scaling and scaling["maxReplicas"] > top:
            scaling["maxReplicas"] = top
            scaling["minReplicas"] = min(scaling["minReplicas"], top)
            note(
                f"spec.autoscaling: at most {top} replicas in stack '{needs.stack.name}' ({policy})"
            )
        return
    least = needs.replicas
    if scaling:
        if scaling["minReplicas"] < least.value:
            scaling["minReplicas"] = least.value
            scaling["maxReplicas"] = max(scaling["maxReplicas"], least.value)
            note(f"spec.autoscaling.minReplicas: {least.value}, {least.why}")
    elif spec.get("replicas", 0) < least.value:
        spec["replicas"] = least.value
        note(f"spec.replicas: {least.value}, {least.why}")


def _limits_policy(needs: Requirements) -> str:
    return needs.limits.policy if needs.limits is not None else ""


def rewrite(value: str, source: Stack, target: Stack, teams: Iterable[str]) -> str:
    """`value` with the source stack's namespaces and ingress domain replaced by the
    target's: `http://api.dev-billing.svc...` -> `http://api.prod-billing.svc...`."""
    for team in teams:
        for old, new in zip(source.namespaces(team), target.namespaces(team), strict=True):
            value = re.sub(rf"(?<=\.){re.escape(old)}(?=\.)", new, value)
    old_domain = source.spec["cluster"].get("ingressDomain")
    new_domain = target.spec["cluster"].get("ingressDomain")
    if old_domain and new_domain:
        value = re.sub(rf"(?<=[./]){re.escape(old_domain)}(?=$|[/:])", new_domain, value)
        value = re.sub(rf"^{re.escape(old_domain)}(?=$|[/:])", new_domain, value)
    return value


def _header_of(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def promote(request: PromoteRequest) -> Promotion:
    """Build, validate and (unless a dry run) write the promoted target file."""
    kind, name = request.resource.kind, request.resource.name
    if request.source == request.target:
        raise UsageError("--from and --to name the same stack", hint="e.g. --from dev --to prod")
    files, _ = read_tree(request.root)
    loaded = load(files)
    land = loaded.landscape
    require_stack(loaded, request.source)
    to_stack = require_stack(loaded, request.target)
    source = land.find(request.source, kind, name)
    if source is None:
        known = [n for (k, n) in land.in_stack(request.source) if k == kind]
        raise UsageError(
            f"{kind.lower()} {name!r} is not declared in stack {request.source!r}",
            hint=known_names(name, known, f"{kind.lower()}s there"),
        )
    target = land.find(request.target, kind, name)
    if target is not None and target.team != source.team:
        raise UsageError(
            f"{kind.lower()} {name!r} belongs to team {target.team!r} in stack "
            f"{request.target!r}, not {source.team!r}",
            hint="a promotion keeps the team; rename one of them",
        )
    by_path = {f.path: f.data for f in files}
    if target is not None:
        path = target.path
        before: str | None = by_path[path].decode("utf-8")
        assert before is not None
        lines = _header_of(before)
    else:
        path = f"stacks/{request.target}/{source.team}/{source.path.rsplit('/', 1)[-1]}"
        if path in by_path or (request.root / path).exists():
            raise UsageError(
                f"{path} exists but does not declare {kind.lower()} {name!r}",
                hint="fix or move that file first",
            )
        before = None
        lines = header(
            kind,
            to_stack,
            source.team,
            land.systems.get(source.system),
            f"Promoted from stack '{request.source}' by `platform promote`; check the values "
            "before merging.",
        )
    promoted = promote_document(land, source, target, to_stack)
    after = dump(promoted.data, header=lines)
    errors, warnings = new_findings(
        files, path, after.encode("utf-8"), request.today or datetime.date.today()
    )
    result = Promotion(path, before, after, promoted.kept, promoted.adapted, errors, warnings)
    if not errors and not request.dry_run and result.changed:
        target_file = request.root / path
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text(after, encoding="utf-8", newline="\n")
        result.written = True
    return result
