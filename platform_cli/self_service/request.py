"""Self-service requests: `platform new server|database|service`.

A request is a typed value (`NewRequest`). `build_draft` turns it into the document a
team would otherwise write by hand: the fields the requester gave, and defaults that
the stack and the policies imply (`Requirements`): deletion protection, backups,
replicas and instances, an encrypted storage class for personal data, small sizes in
development. `request_resource` then validates the file together with the whole
landscape (schemas, references, policies) and only writes it, or commits it on a new
branch, when it adds no error.

Building a draft is pure; reading the landscape, writing the file and committing are
the edges, all in `request_resource`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_cli.findings import format_finding
from platform_cli.load import schema
from platform_cli.words import did_you_mean

if TYPE_CHECKING:
    from platform_cli.sources.git import Revision
from platform_cli.checks.policy import Parameters
from platform_cli.checks.policy_engine import parameters
from platform_cli.errors import UsageError
from platform_cli.evaluate.pipeline import evaluate_files
from platform_cli.findings import Finding, Level
from platform_cli.load.landscape import Loaded, load
from platform_cli.load.model import Landscape, Stack, System
from platform_cli.load.quantities import format_bytes, parse_bytes
from platform_cli.self_service.yaml_writer import Path as KeyPath
from platform_cli.self_service.yaml_writer import dump
from platform_cli.sources.tree import SourceFile, read_tree

# What `platform new` calls each kind, and how the header comment describes it
KINDS = {"server": "Server", "database": "Database", "service": "Service"}
NOUNS = {"Server": "Virtual machine", "Database": "PostgreSQL database", "Service": "Service"}

_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
NAME_HINT = "a name is a DNS label: lower-case letters, digits and '-', starting with a letter"

DEFAULT_DB_VERSION = 16
DEFAULT_BACKUP_SCHEDULE = "0 2 * * *"
# Backups in stacks that require none but where the requester asked for one
DEFAULT_RETENTION_DAYS = 7
DEFAULT_PORT = "http:8080"

# (small stacks, other stacks): small is an environment that the dev-limits policy covers
SERVER_SIZES = {True: (2, "4Gi", "20Gi"), False: (4, "8Gi", "50Gi")}
DATABASE_STORAGE = {True: "10Gi", False: "50Gi"}
SERVICE_RESOURCES = {
    True: {"requests": ("100m", "128Mi"), "limits": ("500m", "256Mi")},
    False: {"requests": ("250m", "256Mi"), "limits": ("1", "512Mi")},
}


@dataclass(frozen=True)
class Port:
    name: str
    port: int
    protocol: str = "TCP"

    @classmethod
    def parse(cls, text: str) -> Port:
        """`name:port` or `name:port/UDP`."""
        match = re.fullmatch(r"([a-z][-a-z0-9]*):([0-9]{1,5})(?:/(TCP|UDP|tcp|udp))?", text)
        if match is None:
            raise UsageError(
                f"bad port {text!r}",
                hint="write a port as name:port or name:port/UDP, e.g. sip:5060/UDP",
            )
        name, port, protocol = match.groups()
        return cls(name, int(port), (protocol or "TCP").upper())

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "port": self.port}
        if self.protocol != "TCP":
            data["protocol"] = self.protocol
        return data


@dataclass(frozen=True)
class Dependency:
    key: str  # service, database or server
    name: str

    @classmethod
    def parse(cls, text: str) -> Dependency:
        key, _, name = text.partition(":")
        if key not in ("service", "database", "server") or not name:
            raise UsageError(
                f"bad dependency {text!r}",
                hint="write a dependency as service:NAME, database:NAME or server:NAME",
            )
        return cls(key, name)


@dataclass(frozen=True)
class ServerOptions:
    image: str
    cpu: int | None = None
    memory: str | None = None
    disk: str | None = None
    disk_class: str | None = None
    ssh_secret: str | None = None
    ports: tuple[Port, ...] = ()
    depends_on: tuple[Dependency, ...] = ()


@dataclass(frozen=True)
class DatabaseOptions:
    version: int | None = None
    storage: str | None = None
    storage_class: str | None = None
    instances: int | None = None
    backup_schedule: str | None = None
    retention_days: int | None = None


@dataclass(frozen=True)
class ServiceOptions:
    image: str
    ports: tuple[Port, ...] = ()
    replicas: int | None = None
    cpu_request: str | None = None
    cpu_limit: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None
    health_path: str | None = None
    ingress_host: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    depends_on: tuple[Dependency, ...] = ()


Options = ServerOptions | DatabaseOptions | ServiceOptions
_KIND_OF: dict[type, str] = {
    ServerOptions: "Server",
    DatabaseOptions: "Database",
    ServiceOptions: "Service",
}


@dataclass(frozen=True)
class NewRequest:
    """`platform new KIND` as a value."""

    root: Path
    stack: str
    team: str
    name: str
    options: Options
    system: str | None = None
    description: str | None = None
    branch: str | None = None
    dry_run: bool = False
    today: datetime.date | None = None

    @property
    def kind(self) -> str:
        return _KIND_OF[type(self.options)]

    @property
    def path(self) -> str:
        return f"stacks/{self.stack}/{self.team}/{self.name}.yaml"


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


@dataclass
class NewResult:
    path: str
    text: str
    # Errors the file would add to the landscape: the request is refused
    errors: list[Finding]
    # Warnings it would add: shown, never blocking
    warnings: list[Finding]
    written: bool = False
    commit: Revision | None = None
    branch: str | None = None

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


# --- What the stack and the policies require -------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """What the policies and the stack imply for a resource of `system` in `stack`,
    with the reason for each, to put next to the field as a comment."""

    stack: Stack
    small: bool  # a development stack (LND012's environments): small sizes
    protected: bool  # LND011: deletionProtection required
    personal: bool  # LND004 applies: backups, replicas, encrypted storage
    critical: bool  # LND006 applies: more replicas and instances, backups
    min_instances: int
    instances_why: str
    min_replicas: int
    replicas_why: str
    min_retention: int  # 0: no backup required
    retention_why: str
    encrypted_class: str | None  # the class to use when personal data needs encryption
    max_replicas: int  # 0: unbounded by policy
    max_storage: int  # bytes; 0: unbounded by policy

    @property
    def backup_required(self) -> bool:
        return self.min_retention > 0 or self.critical

    def storage_class(self, current: str | None) -> str | None:
        """The class to write: `current` when it is declared in the stack and encrypted
        where personal data requires it, else the stack's fitting class (None: the
        stack default fits and nothing needs saying)."""
        classes = self.stack.storage_classes
        declared = classes.get(current) if current is not None else None
        if declared is not None and (not self.personal or declared.get("encrypted", False)):
            return current
        return self.encrypted_class if self.personal else None


def requirements(landscape: Landscape, stack: Stack, system: System | None) -> Requirements:
    params = parameters(landscape)
    env = stack.environment
    personal = (
        system is not None
        and "personal" in system.data_classes
        and env in params.environments("personalData")
    )
    critical = (
        system is not None
        and system.tier == "critical"
        and env in params.environments("criticalTier")
    )
    small = env in params.environments("devLimits")
    # (value, why): the largest wins; on a tie the policy's reason, listed first
    instances: list[tuple[int, str]] = []
    replicas: list[tuple[int, str]] = []
    retention = [(0, "")]
    if personal:
        count = int(params.get("personalData", "minDatabaseInstances"))
        instances.append((count, f"personal data: at least {count} (LND004)"))
        days = int(params.get("personalData", "minBackupRetentionDays"))
        retention.append((days, f"personal data: at least {days} days (LND004)"))
    if critical:
        count = int(params.get("criticalTier", "minDatabaseInstances"))
        instances.append((count, f"critical tier: at least {count} (LND006)"))
        count = int(params.get("criticalTier", "minServiceReplicas"))
        replicas.append((count, f"critical tier: at least {count} (LND006)"))
    instances.append(
        (stack.default("databaseInstances", 1), f"the default of stack '{stack.name}'")
    )
    replicas.append((stack.default("serviceReplicas", 1), f"the default of stack '{stack.name}'"))
    if small:
        # A development stack is small whatever its defaults say
        instances = [(1, f"development stack '{stack.name}'")]
        replicas = [(1, f"development stack '{stack.name}'")]
    min_instances, instances_why = max(instances, key=lambda t: t[0])
    min_replicas, replicas_why = max(replicas, key=lambda t: t[0])
    min_retention, retention_why = max(retention, key=lambda t: t[0])
    return Requirements(
        stack=stack,
        small=small,
        protected=env in params.environments("deletionProtection"),
        personal=personal,
        critical=critical,
        min_instances=min_instances,
        instances_why=instances_why,
        min_replicas=min_replicas,
        replicas_why=replicas_why,
        min_retention=min_retention,
        retention_why=retention_why,
        encrypted_class=_encrypted_class(stack),
        max_replicas=int(params.get("devLimits", "maxReplicas")) if small else 0,
        max_storage=params.bytes("devLimits", "maxDatabaseStorage") if small else 0,
    )


def _encrypted_class(stack: Stack) -> str | None:
    """The stack's default class if it is encrypted, else its first encrypted class."""
    classes = stack.storage_classes
    if classes.get(stack.default_storage_class, {}).get("encrypted", False):
        return stack.default_storage_class
    return next((name for name, cls in classes.items() if cls.get("encrypted", False)), None)


# --- Building the document -----------------------------------------------------------


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


def build_draft(landscape: Landscape, request: NewRequest) -> Draft:
    """The document for a request whose team, stack and system exist. Pure."""
    stack = landscape.stacks[request.stack]
    system = landscape.systems[_system_of(landscape, request)]
    needs = requirements(landscape, stack, system)
    metadata: dict[str, Any] = {"name": request.name, "team": request.team, "system": system.name}
    if request.description:
        metadata["description"] = request.description
    comments: dict[KeyPath, str] = {}
    options = request.options
    if isinstance(options, ServerOptions):
        spec = _server_spec(options, needs, parameters(landscape), request.team, comments)
    elif isinstance(options, DatabaseOptions):
        spec = _database_spec(options, needs, comments)
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
    comments[("spec", "cpu")] = "vCPUs; with memory and disk, counted in the quota (LND007)"
    if options.disk_class is not None:
        spec["disk"]["class"] = options.disk_class
    elif (disk_class := needs.storage_class(None)) is not None:
        spec["disk"]["class"] = disk_class
        comments[("spec", "disk", "class")] = "encrypted: the system holds personal data"
    if image:
        comments[("spec", "image")] = f"{image.get('title', options.image)}, from the catalog"
    comments[("spec", "sshKeys", "secret")] = "a Secret with the public keys, made outside Git"
    if options.ports:
        spec["ports"] = [p.as_data() for p in options.ports]
    if options.depends_on:
        spec["dependsOn"] = [{d.key: d.name} for d in options.depends_on]
    if needs.protected:
        spec["deletionProtection"] = True
        comments[("spec", "deletionProtection")] = _protection_why(needs)
    return spec


def _database_spec(
    options: DatabaseOptions, needs: Requirements, comments: dict[KeyPath, str]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "engine": "postgresql",
        "version": options.version if options.version is not None else DEFAULT_DB_VERSION,
    }
    if options.instances is not None:
        spec["instances"] = options.instances
    else:
        spec["instances"] = needs.min_instances
        comments[("spec", "instances")] = needs.instances_why
    storage: dict[str, Any] = {"size": options.storage or DATABASE_STORAGE[needs.small]}
    comments[("spec", "storage", "size")] = "per instance; size x instances count (LND007)"
    if options.storage_class is not None:
        storage["class"] = options.storage_class
    else:
        storage_class = needs.storage_class(None)
        if storage_class is not None:
            storage["class"] = storage_class
            comments[("spec", "storage", "class")] = "encrypted: personal data (LND004)"
    spec["storage"] = storage
    if options.backup_schedule or options.retention_days or needs.backup_required:
        days = options.retention_days or max(needs.min_retention, DEFAULT_RETENTION_DAYS)
        spec["backup"] = {
            "schedule": options.backup_schedule or DEFAULT_BACKUP_SCHEDULE,
            "retentionDays": days,
        }
        comments[("spec", "backup", "schedule")] = "cron, in UTC"
        if options.retention_days is None and needs.retention_why:
            comments[("spec", "backup", "retentionDays")] = needs.retention_why
    if needs.protected:
        spec["deletionProtection"] = True
        comments[("spec", "deletionProtection")] = _protection_why(needs)
    return spec


def _service_spec(
    options: ServiceOptions, needs: Requirements, comments: dict[KeyPath, str]
) -> dict[str, Any]:
    ports = options.ports or (Port.parse(DEFAULT_PORT),)
    spec: dict[str, Any] = {"image": options.image}
    if options.replicas is not None:
        spec["replicas"] = options.replicas
    else:
        spec["replicas"] = needs.min_replicas
        comments[("spec", "replicas")] = needs.replicas_why
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
        spec["env"] = dict(options.env)
    if options.depends_on:
        spec["dependsOn"] = [{d.key: d.name} for d in options.depends_on]
    return spec


def _protection_why(needs: Requirements) -> str:
    return f"required in {needs.stack.environment} (LND011)"


# --- Checking the request against the landscape --------------------------------------


def close_matches(name: str, known: Sequence[str], what: str) -> str:
    return did_you_mean(name, known, n=3) or f"{what}: {', '.join(sorted(known)) or '(none)'}"


def require_stack(loaded: Loaded, stack: str) -> Stack:
    land = loaded.landscape
    if stack not in land.stacks:
        raise UsageError(
            f"unknown stack {stack!r}", hint=close_matches(stack, sorted(land.stacks), "stacks")
        )
    return land.stacks[stack]


def _system_of(landscape: Landscape, request: NewRequest) -> str:
    owned = sorted(s.name for s in landscape.systems.values() if s.owner == request.team)
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


def check_target(loaded: Loaded, request: NewRequest, exists: bool) -> None:
    """Refuse an unknown team or stack, a bad name, or a name that is already taken."""
    land = loaded.landscape
    if not _NAME.match(request.name) or len(request.name) > 40:
        raise UsageError(f"bad name {request.name!r}", hint=NAME_HINT + ", at most 40 characters")
    require_stack(loaded, request.stack)
    if request.team not in land.teams:
        raise UsageError(
            f"unknown team {request.team!r}",
            hint=close_matches(request.team, sorted(land.teams), "teams"),
        )
    _system_of(land, request)
    if exists:
        raise UsageError(
            f"{request.path} already exists",
            hint="choose another name; to change the resource, edit the file",
        )
    if (request.stack, request.kind, request.name) in loaded.declared:
        found = land.find(request.stack, request.kind, request.name)
        where = f" in {found.path}" if found is not None else ""
        raise UsageError(
            f"{request.kind.lower()} {request.name!r} is already declared in stack "
            f"{request.stack!r}{where}",
            hint="names are unique per kind and stack; choose another name",
        )


def new_findings(
    files: list[SourceFile], path: str, data: bytes, today: datetime.date
) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) that writing `data` at `path` adds to the landscape.

    Findings that stand without the file do not count, so an unrelated problem
    elsewhere never blocks a request; a finding that the file causes elsewhere (a
    team's quota, LND007) does, as its message changes with the new totals.
    """
    others = [f for f in files if f.path != path]
    after = evaluate_files([*others, SourceFile(path, data)], today).findings
    if len(others) == len(files) and all(f.path == path for f in after):
        # A new file and nothing found elsewhere: nothing to compare with
        added = sorted(after)
    else:
        before = set(evaluate_files(others, today).findings)
        added = sorted(f for f in after if f not in before)
    return (
        [f for f in added if f.level is Level.ERROR],
        [f for f in added if f.level is Level.WARNING],
    )


def request_resource(request: NewRequest) -> NewResult:
    """`platform new`: build, validate and write (or commit on a branch) one resource."""
    from platform_cli.sources.git import GitRepository  # only --branch needs git

    repo = GitRepository(request.root) if request.branch else None
    try:
        if repo is not None:
            files, _ = repo.files_at(repo.branch_head())
        else:
            files, _ = read_tree(request.root)
        loaded = load(files)
        exists = (request.root / request.path).exists() or any(
            f.path == request.path for f in files
        )
        check_target(loaded, request, exists)
        draft = build_draft(loaded.landscape, request)
        text = draft.text
        today = request.today or datetime.date.today()
        errors, warnings = new_findings(files, draft.path, text.encode("utf-8"), today)
        result = NewResult(draft.path, text, errors, warnings, branch=request.branch)
        if result.refused or request.dry_run:
            return result
        if repo is not None and request.branch:
            message = (
                f"Request {request.kind} {request.name} for team {request.team} "
                f"in stack {request.stack}"
            )
            result.commit = repo.commit_file_on_new_branch(
                draft.path, text.encode("utf-8"), request.branch, message
            )
        else:
            write_new(request.root / draft.path, text)
        result.written = True
        return result
    finally:
        if repo is not None:
            repo.close()


def write_new(target: Path, text: str) -> None:
    """Create the file; never replace one (a race with another writer included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        raise UsageError(f"{target} already exists", hint="choose another name") from None


def render_findings(findings: Sequence[Finding]) -> str:
    """Findings as `platform check` prints them: location first, then the hint."""
    lines = []
    for f in findings:
        lines.append(format_finding(f))
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    return "".join(line + "\n" for line in lines)


def parse_env(text: str) -> tuple[str, str]:
    """`NAME=VALUE` -> (NAME, VALUE); the value may be empty or hold '='."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"bad variable {text!r}", hint="write a variable as NAME=VALUE")
    return name, value


def render_report(result: NewResult, request: NewRequest) -> str:
    """What `platform new` tells the requester, apart from the file itself."""
    out = render_findings(result.errors + result.warnings)
    what = f"{request.kind} {request.name} for team {request.team} in stack {request.stack}"
    if result.refused:
        count = len(result.errors)
        out += (
            f"refused: {result.path} would add {count} error{'' if count == 1 else 's'} "
            "to the landscape; nothing was written\n"
        )
        return out
    if request.dry_run:
        return out + f"dry run: {result.path} ({what}) was not written\n"
    if result.commit is not None:
        branch = result.commit.ref
        return out + (
            f"created branch {branch} with commit {result.commit.sha[:12]}: {result.path}\n"
            "your other changes are untouched; HEAD is now on the new branch\n"
            "next steps:\n"
            f"  git push -u origin {branch}\n"
            f"  open a pull request from {branch}: CI checks it and the owners review it\n"
        )
    return out + (
        f"wrote {result.path} ({what})\n"
        "next steps: commit it on a branch, push and open a pull request, e.g.\n"
        f"  git switch -c {request.team}/{request.name}\n"
        f"  git add {result.path}\n"
        f'  git commit -m "Request {what}"\n'
        f"  git push -u origin {request.team}/{request.name}\n"
        "(or run the command with --branch NAME to create the branch and commit)\n"
    )


def spec_order(kind: str) -> list[str]:
    """The spec's fields in the order the schema lists them (the bundled files' order)."""
    properties: Mapping[str, Any] = schema.load_schemas()[schema.schema_file(kind)]["properties"][
        "spec"
    ]["properties"]
    return list(properties)
