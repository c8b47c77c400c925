"""A self-service request as typed values: `platform new KIND` and its options.

The command line turns its strings into these values (`platform_cli.cli.param_types`),
so the core never parses `NAME:PORT/UDP` or `KIND:NAME` itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.sources.layout import resource_path

# What `platform new` and `platform promote` call each kind
KINDS = {"server": "Server", "database": "Database", "service": "Service"}


@dataclass(frozen=True)
class Port:
    """A port to open: `http:8080` or `sip:5060/UDP`."""

    name: str
    port: int
    protocol: str = "TCP"

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "port": self.port}
        if self.protocol != "TCP":
            data["protocol"] = self.protocol
        return data


@dataclass(frozen=True)
class Dependency:
    """A resource of the same stack this one uses: `service:ivr-api`."""

    key: str  # a key of DEPENDENCY_KINDS: service, database or server
    name: str

    def as_data(self) -> dict[str, str]:
        return {self.key: self.name}


@dataclass(frozen=True)
class Variable:
    """A plain environment variable: `NAME=VALUE`; the value may be empty."""

    name: str
    value: str


@dataclass(frozen=True)
class ResourceRef:
    """`KIND/NAME` as `platform promote` takes it: ('Server', 'pbx-1')."""

    kind: str
    name: str


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
    cpu: str | None = None
    memory: str | None = None
    backup_schedule: str | None = None
    retention_days: int | None = None
    # `--restore-from NAME [--at TIMESTAMP]`: the database starts from NAME's backups,
    # at that moment (aware, UTC) or at the latest state they hold
    restore_from: str | None = None
    restore_at: datetime.datetime | None = None


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
    env: tuple[Variable, ...] = ()
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
        return resource_path(self.stack, self.team, self.name)
