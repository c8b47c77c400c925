"""`platform import`: existing systems (a namespace of the cluster, a folder of
manifests, a hypervisor's VM inventory) as landscape files, their adoption recorded."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from platform_cli.cli.options import emit, landscape_root, root_option, today_option
from platform_cli.errors import UsageError


@click.command("import")
@root_option
@click.option("--stack", required=True, metavar="NAME", help="The stack, e.g. prod.")
@click.option(
    "--from-cluster",
    "from_cluster",
    is_flag=True,
    help="Read --namespace from the stack's cluster (its kube context; read-only).",
)
@click.option("--namespace", metavar="NAME", help="The namespace to read with --from-cluster.")
@click.option(
    "--from-manifests",
    "manifests",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Read the Kubernetes manifests (*.yaml, *.yml, *.json) in DIR and below.",
)
@click.option(
    "--inventory",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="Read a VM inventory: name, team, system, vcpu, memory, disk, os_image, ports.",
)
@click.option("--team", metavar="NAME", help="The owning team, for objects without its label.")
@click.option("--system", metavar="NAME", help="The system, for objects without its label.")
@click.option("--dry-run", is_flag=True, help="Print the files instead of writing them.")
@click.option("--strict", is_flag=True, help="Exit 1 when anything is reported.")
@today_option
def import_command(
    root: Path | None,
    stack: str,
    from_cluster: bool,
    namespace: str | None,
    manifests: Path | None,
    inventory: Path | None,
    team: str | None,
    system: str | None,
    dry_run: bool,
    strict: bool,
    today: datetime.date | None,
) -> None:
    """Bring existing systems into the landscape: write their files, recorded as adopted.

    The first `platform up` takes over exactly the existing objects the files render
    (no --adopt needed for them). Every field the model cannot express is reported.
    """
    from platform_cli.report.imports import format_import
    from platform_cli.self_service.adopt import (
        CLUSTER,
        INVENTORY,
        MANIFESTS,
        ImportRequest,
        run_import,
    )

    chosen = [
        n
        for n, v in (
            ("--from-cluster", from_cluster),
            ("--from-manifests", manifests),
            ("--inventory", inventory),
        )
        if v
    ]
    if len(chosen) != 1:
        raise UsageError(
            "say where to import from: one of --from-cluster, --from-manifests, --inventory",
            hint="e.g. `platform import --from-cluster --namespace legacy-crm --stack prod`",
        )
    if from_cluster and not namespace:
        raise UsageError("--from-cluster needs --namespace", hint="the namespace to read")
    if namespace and not from_cluster:
        raise UsageError("--namespace goes with --from-cluster")
    if inventory is not None:
        source, origin = INVENTORY, str(inventory)
    elif manifests is not None:
        source, origin = MANIFESTS, str(manifests)
    else:
        source, origin = CLUSTER, str(namespace)
    request = ImportRequest(
        root=landscape_root(root),
        stack=stack,
        source=source,
        origin=origin,
        today=today or datetime.date.today(),
        team=team,
        system=system,
        dry_run=dry_run,
        strict=strict,
    )
    result = run_import(request)
    emit(format_import(result))
    sys.exit(result.exit_code)
