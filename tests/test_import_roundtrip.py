"""Round trip: render a stack of the bundled landscape, import the rendered manifests
into the same repository without its resource files, and get the same landscape back,
compared as the model's values (not the YAML text), for every resource of dev and prod.

What the renderer does not write down cannot come back; those fields are named here,
and only here (KNOWN_GAPS)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from platform_cli.load.landscape import load
from platform_cli.load.model import Database, Landscape, Resource, Server, Service, Stack
from platform_cli.render import render_stack
from platform_cli.render.hosts import host_of
from platform_cli.render.pods import database_resources, wal_storage
from platform_cli.report.manifests import write
from platform_cli.self_service.adopt import MANIFESTS, ImportRequest, run_import
from platform_cli.sources.tree import read_tree

TODAY = datetime.date(2026, 11, 29)

# Fields of the model the rendered objects do not carry, so an import cannot read them
KNOWN_GAPS = (
    "metadata.description",  # documentation for people; nothing renders it
    "spec.dependsOn order",  # the network policies name consumers as a set
    # A halted server has no Service (it would have no endpoints); only its consumers'
    # policy carries port numbers, without names
    "spec.ports of a server with running: false",
)


def _ports(declared: Any) -> list[tuple[str, int, str]]:
    return sorted((str(p["name"]), int(p["port"]), str(p.get("protocol", "TCP"))) for p in declared)


def view(resource: Resource, stack: Stack) -> dict[str, Any]:
    """The model's values of a resource, each as the model reads it (defaults applied),
    the known gaps left out."""
    spec = resource.spec
    out: dict[str, Any] = {
        "kind": resource.kind,
        "team": resource.team,
        "system": resource.system,
        "labels": dict(resource.metadata.get("labels", {})),
        "dependsOn": sorted(resource.depends_on),
        "deletionProtection": resource.deletion_protection,
    }
    if isinstance(resource, Service):
        autoscaling = spec.get("autoscaling")
        out.update(
            image=spec["image"],
            replicas=None if autoscaling else resource.replicas(stack),
            args=list(spec.get("args", [])),
            resources=spec["resources"],
            ports=_ports(spec["ports"]),
            health=spec.get("health"),
            host=host_of(resource, stack),
            ingressPort=(spec.get("ingress") or {}).get("port"),
            autoscaling=autoscaling and {"targetCPUUtilization": 75, **autoscaling},
            env=dict(spec.get("env", {})),
            secretEnv=dict(spec.get("secretEnv", {})),
        )
    elif isinstance(resource, Database):
        backup = spec.get("backup")
        out.update(
            version=spec["version"],
            instances=resource.instances(stack),
            storage=(resource.storage_bytes, resource.storage_class(stack)),
            wal=wal_storage(resource, stack),
            resources=database_resources(resource, stack),
            backup=backup and (" ".join(str(backup["schedule"]).split()), backup["retentionDays"]),
        )
    elif isinstance(resource, Server):
        external = spec.get("external")
        out.update(
            cpu=resource.cpu,
            memory=resource.memory_bytes,
            disk=(resource.disk_bytes, resource.storage_class(stack)),
            image=spec["image"],
            sshKeys=spec["sshKeys"]["secret"],
            running=bool(spec.get("running", True)),
            ports=_ports(spec.get("ports", [])) if spec.get("running", True) else None,
            external=external and (sorted(external["ports"]), sorted(external["allowFrom"])),
        )
    return out


def views(landscape: Landscape, stack: str) -> dict[tuple[str, str], Mapping[str, Any]]:
    found = landscape.stacks[stack]
    return {key: view(r, found) for key, r in landscape.in_stack(stack).items()}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_importing_a_rendered_stack_gives_back_the_same_landscape(
    stack: str, repo_copy: Path, tmp_path: Path
) -> None:
    files, _ = read_tree(repo_copy)
    before = load(files).landscape
    assert before.in_stack(stack), "the bundled stack has resources"
    manifests = tmp_path / "manifests"
    write(render_stack(before, stack).objects, manifests, "yaml")
    for path in (repo_copy / "stacks" / stack).rglob("*.yaml"):
        if path.name != "stack.yaml":
            path.unlink()

    result = run_import(ImportRequest(repo_copy, stack, MANIFESTS, str(manifests), TODAY))

    assert result.findings == []
    assert len(result.imported) == len(before.in_stack(stack))
    after = load(read_tree(repo_copy)[0]).landscape
    assert views(after, stack) == views(before, stack)
    for resource in after.in_stack(stack).values():
        assert resource.adoption is not None
        assert (resource.adoption.source, resource.adoption.at) == ("manifests", "2026-11-29")
