"""`platform status` in its three formats, as goldens (tests/data/apply/status.*)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply.operations import ShardStatus, Status
from platform_cli.apply.records import Record
from platform_cli.report.status import STATUS_REPORTERS
from tests.conftest import DATA

RUN = "https://github.com/dom-komfort/landscape/actions/runs/9001"
STATUS = Status(
    "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b",
    "s3://dom-komfort-pulumi-state",
    [
        ShardStatus(
            "dev.billing",
            Record("4f3c2a1b0e9d" + "0" * 28, "sha256:1", "2026-11-29T08:40:00Z", RUN,
                   "none", "2026-11-29T03:17:00Z"),
            False,
        ),
        ShardStatus(
            "dev.maintenance",
            Record("9e8d7c6b5a4f" + "0" * 28, "sha256:2", "2026-11-27T14:02:00Z", RUN,
                   "2 resources", "2026-11-29T03:18:00Z"),
            True,
        ),
        ShardStatus("dev.service-desk", None, None, 1),
        ShardStatus("prod.billing", None, True),
        ShardStatus(
            "prod.call-center",
            Record("1a2b3c4d5e6f" + "0" * 28, "sha256:3", "2026-11-20T09:00:00Z", "", "", ""),
            False,
        ),
    ],
)  # fmt: skip
SUFFIX = {"text": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("fmt", sorted(STATUS_REPORTERS))
def test_status_formats(fmt: str, golden: Callable[[Path, str], None]) -> None:
    golden(DATA / "apply" / f"status.{SUFFIX[fmt]}", STATUS_REPORTERS[fmt]().render(STATUS))


def test_status_text_says_what_is_behind() -> None:
    text = STATUS_REPORTERS["text"]().render(STATUS)
    lines = {line.split()[0]: line for line in text.splitlines()[1:-1]}
    assert "behind" in lines["dev.maintenance"] and "drift: 2 resources" in lines["dev.maintenance"]
    assert "refused (1 check error)" in lines["dev.service-desk"]
    assert "never applied" in lines["prod.billing"]
    assert "current" in lines["prod.call-center"] and "not checked" in lines["prod.call-center"]
    assert text.splitlines()[-1].startswith("5 Pulumi stacks, 3 behind 4f3c2a1b0e9d")
