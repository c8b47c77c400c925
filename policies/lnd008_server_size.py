"""Virtual machines stay within the catalog's sizes and fit their image.

The platform's VM catalog offers machines up to `serverLimits.cpu` vCPUs (default 16)
and `serverLimits.memory` (default 64Gi). Larger machines do not fit the hosts'
NUMA nodes and are placed badly; a team that really needs one asks the architects
for a waiver of this policy for exactly that server.

A server boots an image from the catalog in policies/config.yaml (the built-in
`ref-vm-image` check rejects any other image), and its root disk must be at least
the image's `minDisk`.
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Server
from platform_cli.load.quantities import format_bytes, parse_bytes

ID = "LND008"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "VMs within catalog limits; disk fits the image"

PASSING = """\
kind: Server
spec: {cpu: 8, memory: 32Gi, image: ubuntu-24.04, disk: {size: 50Gi}}
"""
FAILING = """\
kind: Server
spec:
  cpu: 32            # LND008: over 16 vCPU
  memory: 128Gi      # LND008: over 64Gi
  image: astra-1.7
  disk: {size: 10Gi} # LND008: the image needs 20Gi
"""


def check(context: Context) -> Iterator[Violation]:
    params = context.parameters
    max_cpu = int(params.get("serverLimits", "cpu"))
    max_memory = params.bytes("serverLimits", "memory")
    catalog = params.vm_images
    for resource, _stack, _system in context.resources():
        if not isinstance(resource, Server):
            continue
        hint = f"use a smaller machine, or ask the architects for a waiver of {ID}"
        if resource.cpu > max_cpu:
            yield violation(
                resource,
                "spec",
                "cpu",
                message=f"server '{resource.name}' has {resource.cpu} vCPUs; the catalog "
                f"allows at most {max_cpu}",
                hint=hint,
            )
        if resource.memory_bytes > max_memory:
            yield violation(
                resource,
                "spec",
                "memory",
                message=f"server '{resource.name}' has {resource.spec['memory']} of memory; "
                f"the catalog allows at most {format_bytes(max_memory)}",
                hint=hint,
            )
        image = catalog.get(str(resource.spec["image"]))
        if image is not None and "minDisk" in image:
            min_disk = parse_bytes(str(image["minDisk"]))
            if resource.disk_bytes < min_disk:
                yield violation(
                    resource,
                    "spec",
                    "disk",
                    "size",
                    message=f"server '{resource.name}' has a {resource.spec['disk']['size']} "
                    f"disk; image '{resource.spec['image']}' needs at least "
                    f"{format_bytes(min_disk)}",
                    hint=f"set disk.size: {format_bytes(min_disk)} or more",
                )
