"""What each shard's Pulumi stack records of its last successful apply, as stack tags.

`platform up` tags a Pulumi stack after a successful update only; nothing is written on
the objects themselves, so the record never turns into an update of the whole shard:

- `platform:commit`: the commit applied;
- `platform:render`: a digest of the shard's objects as rendered at that commit (what
  the engine was given, with the code of that commit);
- `platform:applied-at`: when (UTC, ISO 8601);
- `platform:run`: the CI run that applied it (a URL), when the run was in GitHub Actions;
- `platform:drift`: the last `platform drift` result: `none` or `N resources`, then when;
- `platform:adopted`: the last apply that took over objects made by hand
  (`platform up --adopt`): how many, when, and the first of them by kind and name.

A shard is *behind main* when the digest of its objects rendered from main's head differs
from the recorded one, or when it has no record (never applied, or its last apply failed
before the record was written). Comparing renders, not commits, means a merge that leaves a
shard's objects alone does not make it pending, while a failed or skipped apply stays
pending until an apply succeeds (`platform up --pending`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from platform_cli.apply.automation import (
    ADOPTED_TAG,
    APPLIED_AT_TAG,
    COMMIT_TAG,
    DRIFT_TAG,
    RENDER_TAG,
    RUN_TAG,
)
from platform_cli.render import Manifest
from platform_cli.words import plural

# Pulumi refuses longer tag values
MAX_TAG = 256


def render_digest(objects: Iterable[Manifest]) -> str:
    """A digest of a shard's objects, independent of their order."""
    lines = sorted(json.dumps(o, sort_keys=True, separators=(",", ":")) for o in objects)
    digest = hashlib.sha256("\n".join(lines).encode("utf-8"))
    return f"sha256:{digest.hexdigest()}"


def run_url(env: Mapping[str, str]) -> str:
    """The GitHub Actions run this process belongs to, or '' outside one."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    run_id = env.get("GITHUB_RUN_ID", "")
    if not (server and repository and run_id.isdigit()):
        return ""
    attempt = env.get("GITHUB_RUN_ATTEMPT", "")
    suffix = f"/attempts/{attempt}" if attempt.isdigit() and attempt != "1" else ""
    return f"{server}/{repository}/actions/runs/{run_id}{suffix}"[:MAX_TAG]


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_tags(digest: str, env: Mapping[str, str], when: str) -> dict[str, str]:
    """The tags of a successful apply besides the commit (automation.up writes that)."""
    tags = {RENDER_TAG: digest, APPLIED_AT_TAG: when}
    url = run_url(env)
    if url:
        tags[RUN_TAG] = url
    return tags


def drift_tag(drifted: int, when: str) -> dict[str, str]:
    verdict = "none" if drifted == 0 else f"{drifted} resources"
    return {DRIFT_TAG: f"{verdict} {when}"}


def adopted_tag(adopted: list[str], when: str) -> dict[str, str]:
    """`platform:adopted`: `N objects <when>: Kind ns/name, ...`, cut to a tag's length."""
    if not adopted:
        return {}
    text = f"{plural(len(adopted), 'object')} {when}: {', '.join(adopted)}"
    if len(text) > MAX_TAG:
        text = text[: MAX_TAG - 3] + "..."
    return {ADOPTED_TAG: text}


@dataclass(frozen=True)
class Record:
    """A shard's record as read back from its stack's tags."""

    commit: str = ""
    digest: str = ""
    applied_at: str = ""
    run: str = ""
    # "none" or "N resources", and when `platform drift` found it
    drift: str = ""
    drift_at: str = ""
    # The last adoption of objects made by hand, as tagged (adopted_tag)
    adopted: str = ""

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> Record:
        verdict, _, when = tags.get(DRIFT_TAG, "").rpartition(" ")
        return cls(
            commit=tags.get(COMMIT_TAG, ""),
            digest=tags.get(RENDER_TAG, ""),
            applied_at=tags.get(APPLIED_AT_TAG, ""),
            run=tags.get(RUN_TAG, ""),
            drift=verdict,
            drift_at=when,
            adopted=tags.get(ADOPTED_TAG, ""),
        )
