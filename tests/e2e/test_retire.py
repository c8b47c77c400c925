"""Retire, then delete, a database (issue 17), with the real `platform up`, the real
Pulumi engine and provider, and the loopback control plane with CloudNativePG's CRDs.

A small landscape of its own (one team: a protected database with backups, a second
protected database, and a service that uses the first), in a kube context and
namespace of its own:

1. applied as it is;
2. phase 1: the database and its service retired. The apply creates the final
   `Backup` and waits for it (`pulumi.com/waitFor`); CloudNativePG does not run here,
   so the test plays the operator and reports the backup completed through the status
   subresource, as the operator does. Only then is the Cluster hibernated; the
   ScheduledBackup, protected like the rest of the database, is released and deleted;
3. phase 2: the database's file deleted. Before its keepDataUntil the apply is refused
   and changes nothing; from that day on it lifts the protection of exactly the
   database's objects and deletes them;
4. the second database, never retired, deleted: refused whatever the day.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, git
from tests.e2e.conftest import Landscape, engine_env
from tests.e2e.controlplane import ControlPlane, ControlPlaneError, Tools

SHARD = "prod.service-desk"
NAMESPACE = "retire-service-desk"
DB = "stacks/prod/service-desk/tickets-db.yaml"
OTHER = "stacks/prod/service-desk/archive-db.yaml"
API = "stacks/prod/service-desk/tickets-api.yaml"
BACKUP = "tickets-db-final-20261129"
RETIREMENT = (
    '  retirement:\n    requested: "2026-11-29"\n    keepDataUntil: "2027-01-03"\n'
    "    reason: replaced by tickets-v2\n"
)


@pytest.fixture
def small(tools: Tools, plane: ControlPlane, tmp_path: Path) -> Landscape:
    root = tmp_path / "repo"
    shutil.copytree(DATA / "check" / "_base", root)
    db = (root / DB).read_text()
    (root / OTHER).write_text(db.replace("name: tickets-db", "name: archive-db"))
    stack_yaml = root / "stacks/prod/stack.yaml"
    text = stack_yaml.read_text().replace("prod-msk", "e2e")
    stack_yaml.write_text(
        text.replace(
            "\nspec:\n",
            '\nspec:\n  namespacePattern: "retire-{team}"\n'
            '  vmNamespacePattern: "retire-{team}-vms"\n',
            1,
        )
    )
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (root / "deploy").mkdir()
    shutil.copy(REPO / "deploy/__main__.py", root / "deploy/__main__.py")
    (root / ".gitignore").write_text(".pulumi-state/\n.venv\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "e2e")
    git(root, "config", "user.email", "e2e@example.invalid")
    state = tmp_path / "state"
    state.mkdir()
    land = Landscape(root, engine_env(tools, plane, state))
    land.base = land.commit("a team with two databases")
    return land


def _up(land: Landscape, sha: str, today: str) -> subprocess.CompletedProcess[str]:
    run = land.platform("up", "--stack", SHARD, "--commit", sha, "--today", today)
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout, run.stderr)


def _exists(plane: ControlPlane, kind: str, name: str) -> bool:
    found = plane.kubectl("get", kind, name, "-n", NAMESPACE, "--ignore-not-found", "-o", "name")
    return bool(found.strip())


class Operator(threading.Thread):
    """Plays CloudNativePG for one Backup: once it exists, reports it completed."""

    def __init__(self, plane: ControlPlane) -> None:
        super().__init__(daemon=True)
        self.plane = plane
        self.done = threading.Event()
        self.seen_before_completion: dict[str, str] = {}
        self.refused = ""  # the last refusal of the status patch, while retrying

    def run(self) -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not self.done.is_set():
            if _exists(self.plane, "backups.postgresql.cnpg.io", BACKUP):
                # While the backup runs, the cluster must not hibernate yet
                cluster = self.plane.get_json(
                    "clusters.postgresql.cnpg.io", "tickets-db", "-n", NAMESPACE
                )
                self.seen_before_completion = dict(cluster["metadata"].get("annotations", {}))
                time.sleep(3)
                try:
                    self.plane.kubectl(
                        "patch", "backups.postgresql.cnpg.io", BACKUP, "-n", NAMESPACE,
                        "--subresource=status", "--type=merge",
                        "-p", '{"status":{"phase":"completed","method":"plugin"}}',
                    )  # fmt: skip
                    return
                except ControlPlaneError as error:
                    self.refused = str(error)  # its status not patchable yet: asked again
            time.sleep(0.5)


def test_retire_then_delete_a_database(small: Landscape, plane: ControlPlane) -> None:
    root = small.root
    try:
        first = _up(small, small.base, "2026-11-29")
        assert first.returncode == 0, first.stdout + first.stderr
        assert _exists(plane, "clusters.postgresql.cnpg.io", "tickets-db")
        assert _exists(plane, "scheduledbackups.postgresql.cnpg.io", "tickets-db")

        # Phase 1, written by the command itself
        retire = small.platform(
            "retire", "database/tickets-db", "--stack", "prod", "--today", "2026-11-29",
            "--reason", "replaced by tickets-v2",
        )  # fmt: skip
        assert retire.returncode == 0, retire.output
        # The base database keeps its backups 30 days: the least a protected one keeps
        assert 'keepDataUntil: "2026-12-29"' in (root / DB).read_text()
        assert "1 dependent (1 reference) still uses it" in retire.stdout, retire.output
        api = root / API
        api.write_text(api.read_text().replace("\nmetadata:\n", "\nmetadata:\n" + RETIREMENT, 1))
        sha = small.commit("Retire tickets-db and tickets-api")
        operator = Operator(plane)
        operator.start()
        phase1 = _up(small, sha, "2026-11-29")
        operator.done.set()
        operator.join(10)
        assert phase1.returncode == 0, phase1.stdout + phase1.stderr + operator.refused
        assert "lifted deletionProtection" in phase1.stdout + phase1.stderr
        # The cluster was not yet hibernated while its final backup ran; now it is
        assert operator.seen_before_completion.get("cnpg.io/hibernation") is None
        cluster = plane.get_json("clusters.postgresql.cnpg.io", "tickets-db", "-n", NAMESPACE)
        assert cluster["metadata"]["annotations"]["cnpg.io/hibernation"] == "on"
        backup = plane.get_json("backups.postgresql.cnpg.io", BACKUP, "-n", NAMESPACE)
        assert backup["status"]["phase"] == "completed"
        assert backup["spec"]["method"] == "plugin"
        assert not _exists(plane, "scheduledbackups.postgresql.cnpg.io", "tickets-db")
        assert _exists(plane, "objectstores.barmancloud.cnpg.io", "tickets-db")
        deployment = plane.get_json("deployment", "tickets-api", "-n", NAMESPACE)
        assert deployment["spec"]["replicas"] == 0

        # Phase 2: the file goes (and the retired service's dependency with it)
        (root / DB).unlink()
        api.write_text(api.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
        sha = small.commit("Delete tickets-db")
        early = _up(small, sha, "2026-12-28")
        assert early.returncode == 1, early.stdout + early.stderr
        assert "keeps its data until 2026-12-29" in early.stdout + early.stderr
        assert _exists(plane, "clusters.postgresql.cnpg.io", "tickets-db")
        late = _up(small, sha, "2026-12-29")
        assert late.returncode == 0, late.stdout + late.stderr
        assert not _exists(plane, "clusters.postgresql.cnpg.io", "tickets-db")
        assert not _exists(plane, "objectstores.barmancloud.cnpg.io", "tickets-db")
        assert _exists(plane, "clusters.postgresql.cnpg.io", "archive-db")

        # The same apply for a database that was never retired: refused, whatever the day
        (root / OTHER).unlink()
        sha = small.commit("Delete archive-db without retiring it")
        refused = _up(small, sha, "2030-01-01")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "was not retired when last applied" in refused.stdout + refused.stderr
        assert _exists(plane, "clusters.postgresql.cnpg.io", "archive-db")
    finally:
        subprocess.run(
            ["pulumi", "state", "unprotect", "--all", "--yes", "--stack", SHARD],
            cwd=root, env=small.env, capture_output=True, timeout=600,
        )  # fmt: skip
        subprocess.run(
            ["pulumi", "destroy", "--yes", "--stack", SHARD, "--non-interactive"],
            cwd=root, env=small.env, capture_output=True, timeout=600,
        )  # fmt: skip
