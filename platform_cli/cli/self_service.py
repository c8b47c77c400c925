"""The requesting commands: `platform new server|database|service`, `platform promote`
and `platform retire`.

The options arrive typed (`param_types`); each command builds one request value and
hands it to the core. The core, and the request values, are imported when a command
runs: only these commands need them.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from platform_cli.cli.options import emit, landscape_root, root_option, today_option
from platform_cli.cli.param_types import (
    BYTES,
    CPU,
    Date,
    DependencyType,
    Instant,
    PortType,
    ResourceRefType,
    VariableType,
)
from platform_cli.errors import UsageError

if TYPE_CHECKING:
    from platform_cli.self_service.options import (
        Dependency,
        Options,
        Port,
        ResourceRef,
        Variable,
    )


def _request_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every `platform new KIND` shares."""
    options = [
        root_option,
        click.option("--stack", required=True, metavar="NAME", help="The stack, e.g. prod."),
        click.option("--team", required=True, metavar="NAME", help="Your team."),
        click.option("--name", required=True, metavar="NAME", help="The resource's name."),
        click.option(
            "--system",
            metavar="NAME",
            help="The system it belongs to (default: the team's only system).",
        ),
        click.option("--description", metavar="TEXT", help="One or two sentences for people."),
        click.option(
            "--branch",
            metavar="NAME",
            help="Commit the file on this new branch and switch to it; other uncommitted "
            "changes stay as they are.",
        ),
        click.option("--dry-run", is_flag=True, help="Print the file instead of writing it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def new() -> None:
    """Request a server, a database or a service: write a valid, commented file.

    The file goes to stacks/STACK/TEAM/NAME.yaml with defaults the stack's policies
    require, and is checked with the whole landscape before it is written.
    """


def _new(kind_options: Options, **common: Any) -> None:
    from platform_cli.report.self_service import format_new
    from platform_cli.self_service.options import NewRequest
    from platform_cli.self_service.request import request_resource

    asked = NewRequest(
        root=landscape_root(common["root"]),
        stack=common["stack"],
        team=common["team"],
        name=common["name"],
        options=kind_options,
        system=common["system"],
        description=common["description"],
        branch=common["branch"],
        dry_run=common["dry_run"],
    )
    result = request_resource(asked)
    emit(format_new(result, asked))
    sys.exit(result.exit_code)


port_option = click.option(
    "--port",
    "ports",
    multiple=True,
    type=PortType(),
    metavar="NAME:PORT[/UDP]",
    help="A port to open, e.g. http:8080 or sip:5060/UDP (repeatable).",
)
depends_option = click.option(
    "--depends-on",
    "depends_on",
    multiple=True,
    type=DependencyType(),
    metavar="KIND:NAME",
    help="A resource of the stack this one uses: service:NAME, database:NAME or "
    "server:NAME (repeatable).",
)


@new.command(name="server")
@_request_options
@click.option("--image", required=True, help="An OS image from the catalog, e.g. ubuntu-24.04.")
@click.option("--cpu", type=click.IntRange(1), help="vCPUs (default: 2 in development, else 4).")
@click.option("--memory", type=BYTES, metavar="QUANTITY", help="Memory, e.g. 8Gi.")
@click.option("--disk", type=BYTES, metavar="QUANTITY", help="Root disk size, e.g. 100Gi.")
@click.option("--disk-class", metavar="NAME", help="A storage class of the stack.")
@click.option("--ssh-secret", metavar="NAME", help="The Secret with SSH keys (TEAM-ssh-keys).")
@port_option
@depends_option
def new_server(
    image: str,
    cpu: int | None,
    memory: str | None,
    disk: str | None,
    disk_class: str | None,
    ssh_secret: str | None,
    ports: tuple[Port, ...],
    depends_on: tuple[Dependency, ...],
    **common: Any,
) -> None:
    """Request a virtual machine."""
    from platform_cli.self_service.options import ServerOptions

    options = ServerOptions(
        image=image,
        cpu=cpu,
        memory=memory,
        disk=disk,
        disk_class=disk_class,
        ssh_secret=ssh_secret,
        ports=ports,
        depends_on=depends_on,
    )
    _new(options, **common)


@new.command(name="database")
@_request_options
@click.option("--version", type=int, help="PostgreSQL major version (default: 16).")
@click.option("--storage", type=BYTES, metavar="QUANTITY", help="Storage per instance, e.g. 50Gi.")
@click.option("--storage-class", metavar="NAME", help="A storage class of the stack.")
@click.option("--instances", type=click.IntRange(1), help="Instances (default: by stack and tier).")
@click.option(
    "--cpu", type=CPU, metavar="QUANTITY", help="CPU per instance (default: the stack's)."
)
@click.option(
    "--memory", type=BYTES, metavar="QUANTITY", help="Memory per instance (default: the stack's)."
)
@click.option("--backup-schedule", metavar="CRON", help='Backup schedule, e.g. "0 2 * * *".')
@click.option("--retention-days", type=click.IntRange(1), help="Days to keep backups.")
@click.option(
    "--restore-from",
    metavar="NAME",
    help="Start from the backups of this database of your team and stack (its version, "
    "storage, resources and backups are copied unless given).",
)
@click.option(
    "--at",
    "restore_at",
    type=Instant(),
    metavar="TIMESTAMP",
    help="With --restore-from: the point in time, RFC 3339 (2026-11-28T21:00:00Z); the "
    "latest backed-up state when omitted.",
)
def new_database(
    version: int | None,
    storage: str | None,
    storage_class: str | None,
    instances: int | None,
    cpu: str | None,
    memory: str | None,
    backup_schedule: str | None,
    retention_days: int | None,
    restore_from: str | None,
    restore_at: datetime.datetime | None,
    **common: Any,
) -> None:
    """Request a PostgreSQL database, empty or restored from another one's backups."""
    from platform_cli.self_service.options import DatabaseOptions

    if restore_at is not None and restore_from is None:
        raise UsageError(
            "--at needs --restore-from",
            hint="name the database whose backups to restore: --restore-from NAME --at TIMESTAMP",
        )

    options = DatabaseOptions(
        version=version,
        storage=storage,
        storage_class=storage_class,
        instances=instances,
        cpu=cpu,
        memory=memory,
        backup_schedule=backup_schedule,
        retention_days=retention_days,
        restore_from=restore_from,
        restore_at=restore_at,
    )
    _new(options, **common)


@new.command(name="service")
@_request_options
@click.option(
    "--image",
    required=True,
    metavar="REF",
    help="registry/path:version, with @sha256:<digest> where the stack requires it (LND009).",
)
@port_option
@click.option("--replicas", type=click.IntRange(0), help="Pods (default: by stack and tier).")
@click.option("--cpu-request", type=CPU, metavar="QUANTITY", help="e.g. 250m")
@click.option("--cpu-limit", type=CPU, metavar="QUANTITY", help="e.g. 1")
@click.option("--memory-request", type=BYTES, metavar="QUANTITY", help="e.g. 256Mi")
@click.option("--memory-limit", type=BYTES, metavar="QUANTITY", help="e.g. 512Mi")
@click.option("--health-path", metavar="PATH", help="HTTP path for liveness and readiness.")
@click.option("--ingress-host", metavar="HOST", help="Expose it on this host name.")
@click.option(
    "--env",
    "env",
    multiple=True,
    type=VariableType(),
    metavar="NAME=VALUE",
    help="A plain variable.",
)
@depends_option
def new_service(
    image: str,
    ports: tuple[Port, ...],
    replicas: int | None,
    cpu_request: str | None,
    cpu_limit: str | None,
    memory_request: str | None,
    memory_limit: str | None,
    health_path: str | None,
    ingress_host: str | None,
    env: tuple[Variable, ...],
    depends_on: tuple[Dependency, ...],
    **common: Any,
) -> None:
    """Request a containerised service."""
    from platform_cli.self_service.options import ServiceOptions

    options = ServiceOptions(
        image=image,
        ports=ports,
        replicas=replicas,
        cpu_request=cpu_request,
        cpu_limit=cpu_limit,
        memory_request=memory_request,
        memory_limit=memory_limit,
        health_path=health_path,
        ingress_host=ingress_host,
        env=env,
        depends_on=depends_on,
    )
    _new(options, **common)


@click.command(name="promote")
@root_option
@click.argument("resource", metavar="KIND/NAME", type=ResourceRefType())
@click.option("--from", "source", required=True, metavar="STACK", help="Copy from this stack.")
@click.option("--to", "target", required=True, metavar="STACK", help="Into this stack.")
@click.option("--dry-run", is_flag=True, help="Show the diff without writing.")
def promote_command(
    root: Path | None, resource: ResourceRef, source: str, target: str, dry_run: bool
) -> None:
    """Copy a resource's spec to another stack, keeping what differs per stack.

    Sizes, replicas, autoscaling, storage, backups, deletion protection and ingress
    hosts stay as the target has them; a new target gets the target stack's
    defaults. The diff is shown before the file is written.
    """
    from platform_cli.report.self_service import format_promotion
    from platform_cli.self_service.promote import PromoteRequest, promote

    result = promote(PromoteRequest(landscape_root(root), resource, source, target, dry_run))
    emit(format_promotion(result, dry_run))
    sys.exit(result.exit_code)


@click.command(name="retire")
@root_option
@click.argument("resource", metavar="KIND/NAME", type=ResourceRefType(teams=True))
@click.option("--stack", metavar="NAME", help="The resource's stack (not for Team/NAME).")
@click.option(
    "--keep-data-until",
    type=Date(),
    metavar="YYYY-MM-DD",
    help="The first day the file may be deleted, and the data with it (default for a "
    "protected resource: today plus its backup retention, at least 30 days).",
)
@click.option("--reason", metavar="TEXT", help="Why, for the plan and the catalog.")
@click.option(
    "--branch",
    metavar="NAME",
    help="Commit the change on this new branch and switch to it; other uncommitted "
    "changes stay as they are.",
)
@click.option("--dry-run", is_flag=True, help="Show the diff without writing.")
@today_option
def retire_command(
    root: Path | None,
    resource: ResourceRef,
    stack: str | None,
    keep_data_until: Any,
    reason: str | None,
    branch: str | None,
    dry_run: bool,
    today: Any,
) -> None:
    """Retire a resource (or a team): stop it now, delete it after a date.

    Writes metadata.retirement into the file (a team's: into the team file and every
    resource file of the team). Its pull request stops the traffic, halts a server,
    takes a database's final backup and hibernates it; a later pull request, from
    keepDataUntil on, deletes the file and the data.
    """
    from platform_cli.report.self_service import format_retirement
    from platform_cli.self_service.retire import RetireRequest, retire

    if resource.kind == "Team" and stack is not None:
        raise click.UsageError("a team retires in every stack; leave --stack out")
    result = retire(
        RetireRequest(
            landscape_root(root),
            resource.kind,
            resource.name,
            stack,
            keep_data_until,
            reason,
            branch,
            dry_run,
            today,
        )
    )
    emit(format_retirement(result, dry_run))
    sys.exit(result.exit_code)
