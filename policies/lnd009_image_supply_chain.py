"""Images come from allowed registries and are pinned.

Every service image must

- come from one of the `registries` in policies/config.yaml (a host, optionally with
  a path prefix: `registry.example/team` allows `registry.example/team/app:1.0.0`
  but not `registry.example/teamx/app:1.0.0`); the company registry scans and
  mirrors images, a public registry can change or vanish under us;
- be pinned: either by digest (`@sha256:...`) or by a tag that matches
  `imageTagPattern` (by default a semantic version such as `1.4.2`). A missing tag
  means `latest`, and `latest`, `main` or `stable` move, so a redeploy of the same
  commit could run different code.

Without policies/config.yaml there is no list of registries and only pinning is
checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Service

ID = "LND009"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Images from allowed registries, pinned by version or digest"

PASSING = """\
spec:
  image: registry.dom-komfort.example/call-center/crm-api:1.4.2
"""
FAILING = """\
spec:
  image: docker.io/library/nginx:latest   # LND009: registry not allowed, tag not pinned
"""


def check(context: Context) -> Iterator[Violation]:
    registries = context.parameters.registries
    pattern = re.compile(str(context.parameters.get("imageTagPattern")))
    for resource, _stack, _system in context.resources():
        if not isinstance(resource, Service):
            continue
        image = str(resource.spec["image"])
        repository, tag, digest = split_image(image)
        if registries and not any(
            repository == r or repository.startswith(r.rstrip("/") + "/") for r in registries
        ):
            yield violation(
                resource,
                "spec",
                "image",
                message=f"image '{image}' is not from an allowed registry",
                hint=f"push it to {' or '.join(registries)}",
            )
        if digest:
            continue
        if not tag or not pattern.match(tag):
            what = "has no tag (which means 'latest')" if not tag else f"tag '{tag}' is not pinned"
            yield violation(
                resource,
                "spec",
                "image",
                message=f"image '{image}' {what}",
                hint="use a version tag such as 1.4.2, or a digest (@sha256:...)",
            )


def split_image(image: str) -> tuple[str, str, str]:
    """(repository, tag, digest) of an image reference; tag and digest may be ''."""
    if "@" in image:
        repository, digest = image.split("@", 1)
        return repository, "", digest
    last = image.rsplit("/", 1)
    if ":" in last[-1]:
        repository, tag = image.rsplit(":", 1)
        return repository, tag, ""
    return image, "", ""
