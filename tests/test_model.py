"""The resource model (platform_cli/render/pods.py): what each namespace really runs.

- the two doors agree: a resource's demand read from the landscape equals the one read
  from the objects the renderer gives Pulumi;
- the bundled landscape fits: in every namespace of both stacks the modelled peak fits
  the rendered ResourceQuota, and every container and claim the rendered LimitRange;
  the table of peaks against quotas is a golden file (tests/data/model/bundled-peaks.md);
- the operators' arithmetic, checked against numbers worked out by hand from their code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from platform_cli.evaluate.rendering import render_tree
from platform_cli.load.landscape import load
from platform_cli.render import pods
from platform_cli.render.pods import Amounts, Guest, Peak
from platform_cli.sources.tree import read_tree

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "model"
STACKS = ("dev", "prod")
MI, GI = 1024**2, 1024**3


def _landscape() -> Any:
    files, _ = read_tree(REPO)
    return load(files).landscape


def namespaces(objects: list[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each namespace's modelled peak (from the rendered objects), quota and limits."""
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"peak": Peak(), "demands": []})
    for d in pods.rendered_demands(objects):
        entry = found[d.namespace]
        entry["peak"] = entry["peak"].plus(d.peak)
        entry["demands"].append(d)
    for obj in objects:
        ns = obj["metadata"].get("namespace")
        if obj["kind"] == "ResourceQuota":
            hard = obj["spec"]["hard"]
            found[ns]["quota"] = Peak(
                pods.kube_cpu(hard["limits.cpu"]),
                pods.kube_bytes(hard["limits.memory"]),
                pods.kube_bytes(hard["requests.storage"]),
                int(hard[pods.VM_COUNT]),
            )
        elif obj["kind"] == "LimitRange":
            found[ns]["limits"] = obj["spec"]["limits"]
    return found


def _limit_range(items: list[Mapping[str, Any]]) -> pods.LimitRange:
    container = next(i for i in items if i["type"] == "Container")
    claim = next((i for i in items if i["type"] == "PersistentVolumeClaim"), None)

    def amounts(key: str) -> Amounts:
        return Amounts(
            pods.kube_cpu(container[key]["cpu"]), pods.kube_bytes(container[key]["memory"])
        )

    return pods.LimitRange(
        amounts("min"),
        amounts("max") if "max" in container else None,
        amounts("default"),
        amounts("defaultRequest"),
        pods.kube_bytes(claim["max"]["storage"]) if claim else None,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_landscape_door_equals_the_rendered_door(stack: str) -> None:
    land = _landscape()
    rendered = render_tree(REPO, stack).objects
    from_objects = {(d.kind, d.name): d for d in pods.rendered_demands(rendered)}
    resources = list(land.in_stack(stack).values())
    assert len(from_objects) == len(resources)
    for resource in resources:
        expected = pods.demand(resource, land.stacks[stack])
        got = from_objects[(resource.kind, resource.name)]
        assert (got.peak, got.rest.requests, got.rest.storage) == (
            expected.peak,
            expected.rest.requests,
            expected.rest.storage,
        ), resource.path
        assert sorted(pods.breaches(got, pods.limit_range(None))) == sorted(
            pods.breaches(expected, pods.limit_range(None))
        )


def test_the_bundled_landscape_fits_every_quota_and_limit_range(
    golden: Callable[[Path, str], None],
) -> None:
    rows = ["| namespace | CPU (cores) | memory | storage | servers |", "|---|---|---|---|---|"]
    problems = []
    for stack in STACKS:
        for ns, entry in sorted(namespaces(render_tree(REPO, stack).objects).items()):
            peak, quota = entry["peak"], entry["quota"]
            cells = []
            for key in pods.QUOTA_KEYS:
                used, allowed = pods.column(key, [peak.get(key), quota.get(key)], up=True)
                cells.append(f"{used} / {allowed}")
                if peak.get(key) > quota.get(key):
                    problems.append(f"{ns}: {key} {used} over {allowed}")
            rows.append(f"| {ns} | {' | '.join(cells)} |")
            limits = _limit_range(entry["limits"])
            for d in entry["demands"]:
                problems += [f"{d.source}: {b}" for b in pods.breaches(d, limits)]
    assert problems == []
    header = (
        "Modelled peak / quota of every bundled namespace (render/pods.py), "
        "written by tests/test_model.py.\n\n"
    )
    golden(DATA / "bundled-peaks.md", header + "\n".join(rows) + "\n")


def test_kubevirt_memory_overhead_matches_its_formula() -> None:
    """16Gi guest, 8 vCPUs, Guaranteed: page tables ceil(17179869184/1000)*1000/512 =
    33554433 bytes, 220Mi of processes, 8 x 8Mi, 8Mi I/O thread, 32Mi video, 100Mi."""
    vmi = Guest(8, 16 * GI, Amounts(8000, 16 * GI), Amounts(8000, 16 * GI), True, True)
    assert pods.memory_overhead(vmi) == 33554433 + (220 + 64 + 8 + 32 + 100) * MI
    pod = pods.launcher_pod("pbx-1", vmi)
    assert [c.name for c in pod.containers] == ["compute", "guest-console-log"]
    # The console log sidecar is Guaranteed too: 15m and 60M requested and limited
    assert pod.containers[1].requests == pod.containers[1].limits == Amounts(15, 60_000_000)
    assert pod.limits == Amounts(8015, 16 * GI + pods.memory_overhead(vmi) + 60_000_000)
    # Without a CPU request the pod is not Guaranteed: no 100Mi, and a smaller sidecar
    burstable = vmi._replace(requests=Amounts(0, 16 * GI))
    assert pods.memory_overhead(burstable) == pods.memory_overhead(vmi) - 100 * MI
    assert pods.launcher_pod("x", burstable).containers[1].requests == Amounts(5, 35_000_000)


def test_cdi_inflates_the_disk_and_imports_with_three_claims() -> None:
    claim = pods.cdi_claim_size(100 * GI)
    assert claim == 113_623_473_440  # ceil(100Gi / 0.945)
    found = pods.vm_demand("vm", "ns", "x.yaml", None, {"vm-root": (100 * GI, True)}, "ssd")
    first, halted = found.moments
    assert [c.role for c in first.claims] == ["disk", "prime", "scratch"]
    assert found.peak.storage == 2 * claim + pods.cdi_scratch_size(claim)
    assert halted.pods == () and halted.storage == claim
    # A halted VM still imports its disk: CDI's importer is its largest pod
    assert found.peak.cpu == 750 and found.peak.memory == 600_000_000
    assert pods.cdi_claim_size(100 * GI, inflate=False) == 100 * GI


@pytest.mark.parametrize(
    ("replicas", "strategy", "surge"),
    [
        (1, None, 1),
        (4, None, 1),
        (6, None, 2),
        (0, None, 0),
        (6, {"type": "Recreate"}, 0),
        (6, {"rollingUpdate": {"maxSurge": 3}}, 3),
        (6, {"rollingUpdate": {"maxSurge": "50%"}}, 3),
    ],
)
def test_rollout_surge_follows_the_deployment_strategy(
    replicas: int, strategy: dict[str, Any] | None, surge: int
) -> None:
    assert pods.max_surge(replicas, strategy) == surge


def test_a_pod_counts_its_largest_init_container_when_that_is_larger() -> None:
    big = pods.Container("init", Amounts(2000, GI), Amounts(2000, GI))
    small = pods.Container("app", Amounts(500, MI), Amounts(500, MI))
    assert pods.Pod("p", "replica", (small,), (big,), 2).limits == Amounts(4000, 2 * GI)


def test_quantities_print_in_one_unit_per_column() -> None:
    assert pods.column("memory", [57856 * MI, 80 * GI]) == ["56.5Gi", "80Gi"]
    assert pods.column("storage", [1080 * GI, 500 * GI]) == ["1080Gi", "500Gi"]
    assert pods.column("cpu", [13_550, 16_000]) == ["13.55", "16"]
    # A peak is rounded up, so it never prints as the quota it passes
    assert pods.column("memory", [80 * GI + 1, 80 * GI], up=True) == ["80.01Gi", "80Gi"]


def test_a_cluster_counts_its_wal_volumes_and_the_barman_plugin_sidecar() -> None:
    """CloudNativePG's Barman Cloud plugin adds a sidecar to every instance, sized by the
    ObjectStore the Cluster names; a walStorage adds a claim per instance."""
    meta = {"namespace": "prod-billing", "annotations": {pods.SOURCE_ANNOTATION: "db.yaml"}}
    cluster = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "billing-db", **meta},
        "spec": {
            "instances": 3,
            "storage": {"size": "500Gi", "storageClass": "ssd-encrypted"},
            "walStorage": {"size": "50Gi", "storageClass": "ssd"},
            "resources": {
                "requests": {"cpu": "8", "memory": "32Gi"},
                "limits": {"cpu": "8", "memory": "32Gi"},
            },
            "plugins": [
                {
                    "name": "barman-cloud.cloudnative-pg.io",
                    "isWALArchiver": True,
                    "parameters": {"barmanObjectName": "billing-db"},
                }
            ],
        },
    }
    store = {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": {"name": "billing-db", **meta},
        "spec": {
            "instanceSidecarConfiguration": {
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                }
            }
        },
    }
    (found,) = pods.rendered_demands([cluster, store])
    assert found.peak == Peak(3 * 8500, 3 * (32 * GI + 256 * MI), 3 * 550 * GI, 0)
    assert found.rest.requests == Amounts(3 * 8100, 3 * (32 * GI + 128 * MI))
    assert {c.storage_class for c in found.rest.claims} == {"ssd-encrypted", "ssd"}
    # Without the ObjectStore's sizes, the LimitRange's defaults apply to the sidecar
    (bare,) = pods.rendered_demands([cluster])
    assert bare.peak.cpu == 3 * 8000


def test_a_teams_quota_splits_into_its_servers_peak_and_the_rest() -> None:
    quota = {"cpu": "10", "memory": "16Gi", "storage": "500Gi", "servers": 3}
    land = _landscape()
    stack = land.stacks["prod"]
    servers = [pods.demand(r, stack) for r in land.in_stack("prod").values() if r.kind == "Server"]
    one = servers[:1]
    own, vms = pods.namespace_quotas(quota, one)
    assert vms == one[0].peak._replace(
        cpu=min(one[0].peak.cpu, 10_000),
        memory=min(one[0].peak.memory, 16 * GI),
        storage=min(one[0].peak.storage, 500 * GI),
    )
    assert own is not None and vms is not None
    assert own.plus(vms) == pods.quota_amounts(quota)
    # Servers over the quota: the VM namespace is capped, the team namespace gets zero,
    # and the two still sum to the quota (LND007 reports the overflow)
    own, vms = pods.namespace_quotas(quota, servers)
    assert own is not None and vms is not None
    assert own.plus(vms) == pods.quota_amounts(quota)
    assert min(own) >= 0
    assert pods.namespace_quotas(None, servers) == (None, None)


def test_a_share_below_the_minimum_still_gives_a_valid_limit_range() -> None:
    """The API server refuses a LimitRange whose default or minimum passes its maximum."""
    for share in (Peak(), Peak(5, MI, 0, 0), Peak(10_000, 16 * GI, 0, 0)):
        limits = pods.limits_for(share)
        assert limits.max is not None
        for key in ("cpu", "memory"):
            most = getattr(limits.max, key)
            assert getattr(limits.min, key) <= most
            assert getattr(limits.default_request, key) <= getattr(limits.default, key) <= most
