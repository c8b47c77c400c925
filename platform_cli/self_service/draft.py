"""The document `platform new` writes: the requester's values, and defaults that the
stack and its policies imply (`Requirements`), each default with a comment saying why.

Pure: `build_draft` reads a loaded landscape and returns a `Draft`; nothing here
touches the file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from platform_cli.checks.policy import Parameters
from platform_cli.checks.policy_engine import parameters
from platform_cli.checks.requirement import Requirement
from platform_cli.errors import UsageError
from platform_cli.load import schema
from platform_cli.load.model import Database, Landscape, Stack, System, format_instant
from platform_cli.load.quantities import format_bytes, parse_bytes
from platform_cli.render.pods import database_resources
from platform_cli.self_service.options import (
    DatabaseOptions,
    NewRequest,
    Port,
    ServerOptions,
    ServiceOptions,
)
from platform_cli.self_service.requirements import Requirements, requirements
from platform_cli.self_service.yaml_writer import Path as KeyPath
from platform_cli.self_service.yaml_writer import dump
from policies import lnd007_quotas

# How the header comment describes each kind
NOUNS = {"Server": "Virtual machine", "Database": "PostgreSQL database", "Service": "Service"}

DEFAULT_DB_VERSION = 16
DEFAULT_BACKUP_SCHEDULE = "0 2 * * *"
# Backups in stacks that require none but where the requester asked for one
DEFAULT_RETENTION_DAYS = 7
DEFAULT_PORT = Port("http", 8080)

# (small stacks, other stacks): small is a stack whose policies cap sizes (development)
SERVER_SIZES = {True: (2, "4Gi", "20Gi"), False: (4, "8Gi", "50Gi")}
DATABASE_STORAGE = {True: "10Gi", False: "50Gi"}
SERVICE_RESOURCES = {
    True: {"requests": ("100m", "128Mi"), "limits": ("500m", "256Mi")},
    False: {"requests": ("250m", "256Mi"), "limits": ("1", "512Mi")},
}


@dataclass
class Draft:
    """A document to write, with its header and trailing comments."""

    path: str
    data: dict[str, Any]
    header: list[str]
    comments: dict[KeyPath, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def name(self) -> str:
        return str(self.data["metadata"]["name"])

    @property
    def text(self) -> str:
        return dump(self.data, header=self.header, comments=self.comments)


def header(kind: str, stack: Stack, team: str, system: System | None, origin: str) -> list[str]:
    """The modeline and the comment lines that open a resource file."""
    system_name = system.name if system is not None else "?"
    title = f" ({system.spec['title']})" if system is not None and "title" in system.spec else ""
    return [
        f"# yaml-language-server: $schema=../../../schemas/{schema.schema_file(kind)}",
        f"# {NOUNS[kind]} of system '{system_name}'{title}, owned by team '{team}'; "
        f"{stack.environment}.",
        f"# {origin}",
    ]


def system_of(landscape: Landscape, request: NewRequest) -> str:
    """The system the new resource belongs to: the one named, a restored database's
    source's, or the team's only one."""
    owned = sorted(s.name for s in landscape.systems.values() if s.owner == request.team)
    options = request.options
    if request.system is None and isinstance(options, DatabaseOptions):
        source = restore_source(landscape, request.stack, options)
        if source is not None and source.system in owned:
            # A restored database belongs where its source does
            return source.system
    if request.system is None:
        if len(owned) == 1:
            return owned[0]
        if not owned:
            raise UsageError(
                f"team {request.team!r} owns no system",
                hint="the architects add systems in landscape/systems/",
            )
        raise UsageError(
            f"team {request.team!r} owns {len(owned)} systems; say which one with --system",
            hint=f"systems of {request.team}: {', '.join(owned)}",
        )
    if request.system not in owned:
        system = landscape.systems.get(request.system)
        if system is None:
            message = f"unknown system {request.system!r}"
        else:
            message = (
                f"system {request.system!r} is owned by team {system.owner!r}, not {request.team!r}"
            )
        raise UsageError(message, hint=f"systems of {request.team}: {', '.join(owned) or '(none)'}")
    return request.system


def build_draft(landscape: Landscape, request: NewRequest) -> Draft:
    """The document for a request whose team, stack and system exist. Pure."""
    stack = landscape.stacks[request.stack]
    system = landscape.systems[system_of(landscape, request)]
    needs = requirements(landscape, stack, system)
    metadata: dict[str, Any] = {"name": request.name, "team": request.team, "system": system.name}
    if request.description:
        metadata["description"] = request.description
    comments: dict[KeyPath, str] = {}
    options = request.options
    if isinstance(options, ServerOptions):
        spec = _server_spec(options, needs, parameters(landscape), request.team, comments)
    elif isinstance(options, DatabaseOptions):
        source = restore_source(landscape, request.stack, options)
        spec = _database_spec(copied(options, source), needs, stack, comments)
        if options.restore_from is not None:
            _restore_spec(spec, options, source, comments)
    else:
        spec = _service_spec(options, needs, comments)
    data = {"apiVersion": schema.API_VERSION, "kind": request.kind, "metadata": metadata}
    data["spec"] = spec
    kind_word = request.kind.lower()
    origin = f"Requested with `platform new {kind_word}`; check the values before merging."
    return Draft(
        request.path, data, header(request.kind, stack, request.team, system, origin), comments
    )


def _server_spec(
    options: ServerOptions,
    needs: Requirements,
    params: Parameters,
    team: str,
    comments: dict[KeyPath, str],
) -> dict[str, Any]:
    cpu, memory, disk = SERVER_SIZES[needs.small]
    image = params.vm_images.get(options.image, {})
    if options.disk is None and "minDisk" in image:
        disk = format_bytes(max(parse_bytes(disk), parse_bytes(str(image["minDisk"]))))
    spec: dict[str, Any] = {
        "cpu": options.cpu if options.cpu is not None else cpu,
        "memory": options.memory or memory,
        "disk": {"size": options.disk or disk},
        "image": options.image,
        "sshKeys": {"secret": options.ssh_secret or f"{team}-ssh-keys"},
    }
    comments[("spec", "cpu")] = (
        f"vCPUs; with memory and disk, counted in the quota ({lnd007_quotas.ID})"
    )
    if options.disk_class is not None:
        spec["disk"]["class"] = options.disk_class
    elif needs.encryption is not None and (disk_class := needs.storage_class(None)) is not None:
        spec["disk"]["class"] = disk_class
        comments[("spec", "disk", "class")] = (
            f"encrypted: the system holds {needs.encryption.reason}"
        )
    if image:
        comments[("spec", "image")] = f"{image.get('title', options.image)}, from the catalog"
    comments[("spec", "sshKeys", "secret")] = (
        "a Secret with the public keys, made outside Git in the server's namespace "
        f"{needs.stack.namespace_for('Server', team)}"
    )
    if options.ports:
        spec["ports"] = [p.as_data() for p in options.ports]
    if options.depends_on:
        spec["dependsOn"] = [d.as_data() for d in options.depends_on]
    if needs.protection is not None:
        spec["deletionProtection"] = True
        comments[("spec", "deletionProtection")] = protection_why(needs.stack, needs.protection)
    return spec


def _database_spec(
    options: DatabaseOptions, needs: Requirements, stack: Stack, comments: dict[KeyPath, str]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "engine": "postgresql",
        "version": options.version if options.version is not None else DEFAULT_DB_VERSION,
    }
    if options.instances is not None:
        spec["instances"] = options.instances
    else:
        spec["instances"] = needs.instances.value
        comments[("spec", "instances")] = needs.instances.why
    storage: dict[str, Any] = {"size": options.storage or DATABASE_STORAGE[needs.small]}
    comments[("spec", "storage", "size")] = (
        f"per instance; size x instances count ({lnd007_quotas.ID})"
    )
    if options.storage_class is not None:
        storage["class"] = options.storage_class
    elif needs.encryption is not None and (storage_class := needs.storage_class(None)) is not None:
        storage["class"] = storage_class
        encryption = needs.encryption
        comments[("spec", "storage", "class")] = (
            f"encrypted: {encryption.reason} ({encryption.policy})"
        )
    spec["storage"] = storage
    # Explicit, never left to the LimitRange: the stack's default unless asked otherwise
    cpu, memory = database_resources(None, stack)
    spec["resources"] = {"cpu": options.cpu or cpu, "memory": options.memory or memory}
    comments[("spec", "resources")] = (
        f"per instance; with the storage, x instances count ({lnd007_quotas.ID})"
    )
    if options.backup_schedule or options.retention_days or needs.backup_required:
        days = options.retention_days or max(needs.retention.value, DEFAULT_RETENTION_DAYS)
        spec["backup"] = {
            "schedule": options.backup_schedule or DEFAULT_BACKUP_SCHEDULE,
            "retentionDays": days,
        }
        comments[("spec", "backup", "schedule")] = "cron, in UTC"
        if options.retention_days is None and needs.retention.why:
            comments[("spec", "backup", "retentionDays")] = needs.retention.why
    if needs.protection is not None:
        spec["deletionProtection"] = True
        comments[("spec", "deletionProtection")] = protection_why(needs.stack, needs.protection)
    return spec


def restore_source(landscape: Landscape, stack: str, options: DatabaseOptions) -> Database | None:
    """The database `--restore-from` names, when the stack declares it."""
    if options.restore_from is None:
        return None
    found = landscape.find(stack, "Database", options.restore_from)
    return found if isinstance(found, Database) else None


def copied(options: DatabaseOptions, source: Database | None) -> DatabaseOptions:
    """The options with what a restore takes from its source where the requester gave
    nothing: the major version (a physical backup starts only on its own), the storage
    (the data must fit), the resources, and the backups (the restored data is as
    precious as the source's). Instances follow the stack and tier, as for any new
    database. An unknown source copies nothing: the check then names it."""
    if source is None:
        return options
    spec = source.spec
    backup = spec.get("backup") or {}
    resources = spec.get("resources") or {}
    return replace(
        options,
        version=options.version if options.version is not None else int(spec["version"]),
        storage=options.storage or str(spec["storage"]["size"]),
        storage_class=options.storage_class or spec["storage"].get("class"),
        cpu=options.cpu or resources.get("cpu"),
        memory=options.memory or resources.get("memory"),
        backup_schedule=options.backup_schedule or backup.get("schedule"),
        retention_days=options.retention_days or backup.get("retentionDays"),
    )


def _restore_spec(
    spec: dict[str, Any],
    options: DatabaseOptions,
    source: Database | None,
    comments: dict[KeyPath, str],
) -> None:
    """`spec.restore`, in the schema's place (after backup), with why it is there."""
    assert options.restore_from is not None
    restore: dict[str, Any] = {"from": options.restore_from}
    if options.restore_at is not None:
        restore["at"] = format_instant(options.restore_at)
    merged = {**spec, "restore": restore}
    ordered = {key: merged[key] for key in spec_order("Database") if key in merged}
    spec.clear()
    spec.update(ordered)
    comments[("spec", "restore", "from")] = "its backups are read once, at creation"
    if source is not None and options.version is None:
        comments[("spec", "version")] = "the source's: a backup starts only on its own version"
    if "at" in restore:
        comments[("spec", "restore", "at")] = "UTC; within the source's backup retention"


def _service_spec(
    options: ServiceOptions, needs: Requirements, comments: dict[KeyPath, str]
) -> dict[str, Any]:
    ports = options.ports or (DEFAULT_PORT,)
    spec: dict[str, Any] = {"image": options.image}
    if needs.digest is not None:
        comments[("spec", "image")] = (
            f"pinned by digest: {needs.digest.reason} ({needs.digest.policy})"
        )
    if options.replicas is not None:
        spec["replicas"] = options.replicas
    else:
        spec["replicas"] = needs.replicas.value
        comments[("spec", "replicas")] = needs.replicas.why
    defaults = SERVICE_RESOURCES[needs.small]
    spec["resources"] = {
        "requests": {
            "cpu": options.cpu_request or defaults["requests"][0],
            "memory": options.memory_request or defaults["requests"][1],
        },
        "limits": {
            "cpu": options.cpu_limit or defaults["limits"][0],
            "memory": options.memory_limit or defaults["limits"][1],
        },
    }
    comments[("spec", "resources", "limits")] = "limits x replicas count against the quota"
    spec["ports"] = [p.as_data() for p in ports]
    if options.health_path:
        spec["health"] = {
            "port": ports[0].name,
            "liveness": options.health_path,
            "readiness": options.health_path,
        }
    if options.ingress_host:
        spec["ingress"] = {"host": options.ingress_host, "port": ports[0].name}
        comments[("spec", "ingress")] = "the company network only; public needs a review"
    if options.env:
        spec["env"] = {v.name: v.value for v in options.env}
    if options.depends_on:
        spec["dependsOn"] = [d.as_data() for d in options.depends_on]
    return spec


def protection_why(stack: Stack, protection: Requirement) -> str:
    return f"required in {stack.environment} ({protection.policy})"


def spec_order(kind: str) -> list[str]:
    """The spec's fields in the order the schema lists them (the bundled files' order)."""
    properties: Mapping[str, Any] = schema.load_schemas()[schema.schema_file(kind)]["properties"][
        "spec"
    ]["properties"]
    return list(properties)
