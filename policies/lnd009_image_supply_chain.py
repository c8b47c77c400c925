"""Images come from allowed registries and are pinned.

Every service image must

- come from one of the `registries` in policies/config.yaml (a host, optionally with
  a path prefix: `registry.example/team` allows `registry.example/team/app:1.0.0`
  but not `registry.example/teamx/app:1.0.0`); the company registry scans and
  mirrors images, a public registry can change or vanish under us;
- be pinned: either by digest (`@sha256:...`) or by a tag that matches
  `imageTagPattern` (by default a semantic version such as `1.4.2`). A missing tag
  means `latest`, and `latest`, `main` or `stable` move, so a redeploy of the same
  commit could run different code;
- in the environments of `imageDigest.environments` (none by default; the bundled
  policies/config.yaml names production), be
  pinned by digest, written `registry/path:1.4.2@sha256:<64 hex digits>`: a tag can
  be pushed again, a digest cannot, so what was reviewed is what runs. The tag stays
  for people; the digest is what the cluster pulls. `platform new` says so beside
  the image it writes.

Without policies/config.yaml there is no list of registries and only pinning is
checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from platform_cli.checks.policy import Context, Parameters, Scope, Violation, violation
from platform_cli.checks.requirement import Requirement
from platform_cli.findings import Level
from platform_cli.load.model import Service, Stack, System

ID = "LND009"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "Images from allowed registries, pinned by version, by digest in production"

PASSING = """\
spec:   # in production
  image: registry.dom-komfort.example/call-center/crm-api:1.4.2@sha256:4f1c9a0e7b6d2c8e5a3f9b1d7c0e6a2b8f4d1c9e7a5b3d0f2c8e6a4b1d9f7c3e
"""
FAILING = """\
spec:
  image: docker.io/library/nginx:latest   # LND009: registry not allowed, tag not pinned
---
spec:   # in production
  image: registry.dom-komfort.example/call-center/crm-api:1.4.2   # LND009: no digest
"""


def requirement(params: Parameters, stack: Stack, system: System | None) -> Requirement | None:
    """A new service in a stack of `imageDigest.environments` names its digest."""
    if stack.environment not in params.environments("imageDigest"):
        return None
    return Requirement(ID, reason=f"{stack.environment} runs what was reviewed", image_digest=True)


def check(context: Context) -> Iterator[Violation]:
    registries = context.parameters.registries
    pattern = re.compile(str(context.parameters.get("imageTagPattern")))
    digest_required = context.parameters.environments("imageDigest")
    for resource, stack, _system in context.resources():
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
        if not digest and stack.environment in digest_required:
            yield violation(
                resource,
                "spec",
                "image",
                message=f"image '{image}' is not pinned by digest, which stack "
                f"'{stack.name}' ({stack.environment}) requires",
                hint="append the digest the registry reports for this tag: "
                f"{image}@sha256:<64 hex digits> (docker buildx imagetools inspect, crane digest)",
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
    """(repository, tag, digest) of an image reference (`repo:tag@sha256:...` has all
    three); tag and digest may be ''."""
    digest = ""
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)
    if ":" in last[-1]:
        repository, tag = image.rsplit(":", 1)
        return repository, tag, digest
    return image, "", digest
