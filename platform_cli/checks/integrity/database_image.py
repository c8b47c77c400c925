"""`database-image`: the stack has a PostgreSQL image for each database's major version,
and each image of the stack is the major version it is listed under.

CloudNativePG reads the major version from the image tag; an image listed under the
wrong major would run every database of that version on another major, which the
operator refuses for an existing cluster (major upgrades are a separate procedure).
"""

from __future__ import annotations

from collections.abc import Iterator

from platform_cli.checks.integrity.reporting import at
from platform_cli.findings import BuiltinRule, Finding, Level, RuleScope
from platform_cli.load.landscape import Loaded
from platform_cli.load.model import Database
from platform_cli.render.context import postgres_images

RULE = BuiltinRule(
    "database-image",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database's PostgreSQL major version has no image in its stack "
    "(spec.databases.images), or a stack lists an image under another major version.",
)


def check(loaded: Loaded) -> Iterator[Finding]:
    land = loaded.landscape
    for stack in land.stacks.values():
        if not loaded.in_focus(stack.path):
            continue
        for major, image in stack.spec.get("databases", {}).get("images", {}).items():
            tag_major = image_major(str(image))
            if tag_major != str(major):
                yield at(
                    stack,
                    RULE,
                    f"image '{image}' is PostgreSQL {tag_major}, listed under {major}",
                    f"list it under '{tag_major}', or use a {major}.x image",
                    "spec",
                    "databases",
                    "images",
                    str(major),
                )
    for resource in loaded.resources():
        if not isinstance(resource, Database):
            continue
        home = land.stacks.get(resource.stack)
        if home is None:
            continue
        images = postgres_images(home)
        major = str(resource.spec["version"])
        if major not in images:
            yield at(
                resource,
                RULE,
                f"stack '{home.name}' has no image for PostgreSQL {major}",
                f"versions with an image: {', '.join(sorted(images))}; upgrade the "
                "database, or add an image to spec.databases.images of the stack",
                "spec",
                "version",
            )


def image_major(image: str) -> str:
    """'registry/postgresql:16.15-202608170814-minimal-trixie@sha256:...' -> '16'."""
    return image.split("@", 1)[0].rsplit(":", 1)[-1].split(".", 1)[0]
