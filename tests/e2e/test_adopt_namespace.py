"""Adopting a namespace made by hand, on the real engine and control plane: a namespace,
a Deployment and a Service created with kubectl; `platform import --from-cluster`
writes the Service's landscape file into the git repository (reading the cluster
through the stack's kube context); after the commit, `platform up` without `--adopt`
applies over them: the same objects (the same metadata.uid, the namespace's too), now
as rendered, neither recreated nor duplicated.

The adoption happens in a stack of its own, `staging` (a copy of dev's stack file on the
same cluster, and a staging quota for the team), written by the test: its namespace is
new to the cluster and to the Pulumi state whatever ran before, and the bundled stacks'
shards are left for tests/e2e/test_apply.py to apply from nothing."""

from __future__ import annotations

import json

from tests.e2e.conftest import Landscape
from tests.e2e.controlplane import ControlPlane

STACK = "staging"
SHARD = f"{STACK}.legacy-ops"
NAMESPACE = f"{STACK}-legacy-ops"
NAME = "erp-reports"
SOURCE = f"stacks/{STACK}/legacy-ops/{NAME}.yaml"
TEAM_FILE = "landscape/teams/legacy-ops.yaml"
QUOTA = f'  quotas:\n    {STACK}: {{cpu: "4", memory: "8Gi", storage: "20Gi", servers: 0}}\n'


def _add_stack(landscape: Landscape) -> None:
    """Stack `staging`: dev's stack file renamed (the same cluster, dev-msk), and a
    staging quota for the team; committed, as an architect's change would be."""
    dev = (landscape.root / "stacks/dev/stack.yaml").read_text()
    staging = landscape.root / "stacks" / STACK / "stack.yaml"
    staging.parent.mkdir(parents=True)
    staging.write_text(dev.replace("\n  name: dev\n", f"\n  name: {STACK}\n", 1))
    team = landscape.root / TEAM_FILE
    team.write_text(team.read_text().replace("  quotas:\n", QUOTA, 1))
    landscape.commit(f"stack {STACK} for the legacy ERP's reports")


IMAGE = (
    "registry.dom-komfort.example/legacy-ops/erp-reports:1.2.0"
    "@sha256:d1463bb0aaffe4529191215adde94a76385c799943b06d2ed53fa8aea0958e50"
)
SELECTOR = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "service"}

# What a team that read docs/requests.md makes by hand: the platform's selector (a
# Deployment's selector is immutable: another one would mean a replacement)
BY_HAND = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {"owner": "erp"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": SELECTOR},
            "template": {
                "metadata": {"labels": {**SELECTOR, "owner": "erp"}},
                "spec": {
                    "containers": [
                        {
                            "name": NAME,
                            "image": IMAGE,
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [{"name": "LOG_LEVEL", "value": "warn"}],
                            "resources": {
                                "requests": {"cpu": "50m", "memory": "64Mi"},
                                "limits": {"cpu": "100m", "memory": "128Mi"},
                            },
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                        }
                    ]
                },
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {
            "selector": SELECTOR,
            "ports": [{"name": "http", "port": 8080, "targetPort": "http"}],
        },
    },
]


def _uids(plane: ControlPlane) -> dict[str, str]:
    return {
        "namespace": plane.get_json("namespace", NAMESPACE)["metadata"]["uid"],
        "deployment": plane.get_json("deployment", NAME, "-n", NAMESPACE)["metadata"]["uid"],
        "service": plane.get_json("service", NAME, "-n", NAMESPACE)["metadata"]["uid"],
    }


def test_a_namespace_made_by_hand_is_imported_and_applied_over_without_recreation(
    landscape: Landscape, plane: ControlPlane
) -> None:
    assert plane.kubectl("get", "namespace", NAMESPACE, "--ignore-not-found") == ""
    _add_stack(landscape)
    plane.kubectl("create", "namespace", NAMESPACE)
    plane.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                       "items": BY_HAND}))  # fmt: skip
    before = _uids(plane)
    try:
        imported = landscape.platform(
            "import", "--from-cluster", "--namespace", NAMESPACE, "--stack", STACK,
            "--today", "2026-11-29",
        )  # fmt: skip
        assert imported.returncode == 0, imported.output
        # the pods of the hand-made Deployment run as `default`: no account of theirs
        assert f"Wrote {SOURCE} (Service {NAME}; adopts 2 existing objects: " in imported.stdout
        text = (landscape.root / SOURCE).read_text()
        assert f'from: "dev-msk/{NAMESPACE}"' in text or f"from: dev-msk/{NAMESPACE}" in text
        assert "labels:\n    owner: erp" in text
        # the values the API server filled in (strategy, dnsPolicy, probe timings, the
        # Service's clusterIP...) are nobody's choice: nothing to report
        assert imported.stdout.endswith("1 resource written, 0 errors, 0 warnings\n")
        check = landscape.platform("check")
        assert check.returncode == 0, check.output
        sha = landscape.commit(f"{NAME}: imported from the cluster")

        up = landscape.platform("up", "--stack", SHARD, "--commit", sha)
        assert up.returncode == 0, up.output
        assert (
            f"Pulumi stack {SHARD} took over 3 objects made by hand (metadata.adoption): "
            f"Deployment {NAMESPACE}/{NAME}, Namespace {NAMESPACE}, Service {NAMESPACE}/{NAME}"
        ) in up.stderr, up.output
        assert _uids(plane) == before
        live = plane.get_json("deployment", NAME, "-n", NAMESPACE)
        container = live["spec"]["template"]["spec"]["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True  # as rendered
        assert live["metadata"]["labels"]["platform.dom-komfort.example/team"] == "legacy-ops"
        names = [
            s["metadata"]["name"] for s in plane.get_json("services", "-n", NAMESPACE)["items"]
        ]
        assert names.count(NAME) == 1
        # the objects are the stack's now: nothing to take over on the next run
        again = landscape.platform("up", "--stack", SHARD, "--commit", sha)
        assert again.returncode == 0, again.output
        assert "took over" not in again.stderr
    finally:
        landscape.reset()
