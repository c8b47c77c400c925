"""`ref-vm-image`: a server boots an image of the catalog in policies/config.yaml."""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at, suggest
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Server

RULE = BuiltinRule(
    "ref-vm-image",
    Level.ERROR,
    RuleScope.ENTITY,
    "A server boots an image that is not in the catalog of policies/config.yaml.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    config = loaded.landscape.config
    if config is None:
        return
    for resource in loaded.resources():
        if not isinstance(resource, Server):
            continue
        image = str(resource.spec["image"])
        if image not in config.vm_images:
            yield at(
                resource,
                RULE,
                f"image '{image}' is not in the VM image catalog",
                suggest(image, config.vm_images, "image"),
                "spec",
                "image",
            )
