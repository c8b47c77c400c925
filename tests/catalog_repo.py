"""A landscape repository for the catalog's tests: the bundled one committed in October,
then a November commit that raises billing-api's replicas in prod (the month's cost
change), puts HTML into descriptions (an attacker's `<script>`) and adds a waiver that
expires ten days after TODAY."""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

from tests.conftest import _copy_repo

TODAY = datetime.date(2026, 11, 20)
ATTACK = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
HOST = "billing-api.apps.dom-komfort.example"


def _commit(root: Path, when: str, message: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Olga Volkova",
        "GIT_AUTHOR_EMAIL": "o.volkova@dom-komfort.example",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": "Olga Volkova",
        "GIT_COMMITTER_EMAIL": "o.volkova@dom-komfort.example",
        "GIT_COMMITTER_DATE": when,
    }
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_repo(target: Path) -> Path:
    root = _copy_repo(target)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    _commit(root, "2026-10-15T10:00:00+00:00", "The landscape as of October")
    api = root / "stacks/prod/billing/billing-api.yaml"
    api.write_text(api.read_text().replace("minReplicas: 2", "minReplicas: 3"))
    system = root / "landscape/systems/billing.yaml"
    text = system.read_text()
    start = text.index("  description:")
    end = text.index("  owner:")
    system.write_text(text[:start] + f"  description: '{ATTACK}'\n" + text[end:])
    db = root / "stacks/prod/billing/billing-db.yaml"
    old = "  description: Accruals, balances, tariffs and receipts per personal account.\n"
    db.write_text(db.read_text().replace(old, f"  description: '{ATTACK}'\n"))
    waivers = root / "policies/waivers.yaml"
    waivers.write_text(
        waivers.read_text()
        + """    - policy: LND011
      target:
        stack: prod
        kind: Database
        name: telemetry-archive-db
      reason: Soon to expire, for the catalog's tests.
      ticket: ARCH-999
      approvedBy: "@a-volkov"
      expires: "2026-11-30"
"""
    )
    _commit(root, "2026-11-10T09:00:00+00:00", "billing-api: three replicas at rest")
    return root
