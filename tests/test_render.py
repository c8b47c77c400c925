"""The renderer over the bundled landscape: valid objects, the restricted profile,
network admission, quotas, databases, servers, determinism and golden manifests."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml

from platform_cli.load.model import Resource
from platform_cli.load.quantities import parse_bytes, parse_cpu
from platform_cli.render import object_id, pods, render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION, TEAM_LABEL
from platform_cli.render.pods import Peak
from platform_cli.report.manifests import stream
from tests.conftest import DATA
from tests.render_support import STACKS, bundled, landscape_with, rendered

# The Kubernetes version the manifests must be valid for (shipped by kubernetes-validate)
KUBERNETES_VERSION = "1.31"
CUSTOM_GROUPS = ("postgresql.cnpg.io/", "barmancloud.cnpg.io/", "kubevirt.io/")
CRD_SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster.postgresql.cnpg.io_v1.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "scheduledbackup.postgresql.cnpg.io_v1.json",
    ("barmancloud.cnpg.io/v1", "ObjectStore"): "objectstore.barmancloud.cnpg.io_v1.json",
    ("kubevirt.io/v1", "VirtualMachine"): "virtualmachine.kubevirt.io_v1.json",
}
# One of each kind, present in both stacks
GOLDEN_SOURCES = {
    "service": "call-center/crm-api.yaml",
    "database": "call-center/crm-db.yaml",
    "server": "call-center/pbx-1.yaml",
}


@pytest.fixture(scope="module", autouse=True)
def _cached_kubernetes_schemas() -> Iterator[None]:
    """kubernetes-validate reads its 1 MB definitions file on every call; read it once."""
    original = kubernetes_validate.utils.schema_contents
    kubernetes_validate.utils.schema_contents = functools.cache(original)  # type: ignore[assignment]
    yield
    kubernetes_validate.utils.schema_contents = original  # type: ignore[assignment]


def _objects(stack: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [o for o in rendered(stack).objects if kind is None or o["kind"] == kind]


@pytest.mark.parametrize("stack", STACKS)
def test_the_bundled_landscape_renders_without_findings(stack: str) -> None:
    assert rendered(stack).findings == []
    assert len(rendered(stack).objects) > 300


@pytest.mark.parametrize("stack", STACKS)
def test_every_builtin_object_passes_kubernetes_validate_strict(stack: str) -> None:
    checked = 0
    for obj in _objects(stack):
        if obj["apiVersion"].startswith(CUSTOM_GROUPS):
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked > 250


@pytest.mark.parametrize("stack", STACKS)
def test_custom_resources_match_the_crd_schemas(stack: str) -> None:
    validators = {
        key: jsonschema.Draft202012Validator(json.loads((DATA / "crds" / name).read_text()))
        for key, name in CRD_SCHEMAS.items()
    }
    seen = set()
    for obj in _objects(stack):
        if obj["apiVersion"].startswith(CUSTOM_GROUPS):
            key = (obj["apiVersion"], obj["kind"])
            errors = [e.message for e in validators[key].iter_errors(obj)]
            assert errors == [], f"{key[1]} {obj['metadata']['name']}: {errors}"
            seen.add(key)
    assert seen == set(CRD_SCHEMAS)


def test_the_crd_schemas_reject_a_misspelt_field() -> None:
    """The schemas are strict enough to catch the mistakes they exist for."""
    cluster = next(o for o in _objects("prod", "Cluster"))
    broken = json.loads(json.dumps(cluster))
    broken["spec"]["storage"]["storageClassName"] = broken["spec"]["storage"].pop("storageClass")
    schema = json.loads((DATA / "crds" / "cluster.postgresql.cnpg.io_v1.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))
    vm = next(o for o in _objects("prod", "VirtualMachine"))
    broken = json.loads(json.dumps(vm))
    broken["spec"]["running"] = True
    schema = json.loads((DATA / "crds" / "virtualmachine.kubevirt.io_v1.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


@pytest.mark.parametrize("stack", STACKS)
def test_every_pod_meets_the_restricted_profile(stack: str) -> None:
    pods = [d["spec"]["template"]["spec"] for d in _objects(stack, "Deployment")]
    assert len(pods) == sum(1 for r in bundled().in_stack(stack).values() if r.kind == "Service")
    for pod in pods:
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 10000
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert "hostNetwork" not in pod and "hostPID" not in pod and "hostIPC" not in pod
        tmp = [v for v in pod["volumes"] if v["name"] == "tmp"]
        assert tmp and "emptyDir" in tmp[0]
        assert all(set(v) <= {"name", "emptyDir"} for v in pod["volumes"])  # no hostPath
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["readOnlyRootFilesystem"] is True
            assert security["runAsNonRoot"] is True
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}
            assert "privileged" not in security
            assert set(container["resources"]) == {"requests", "limits"}
            assert set(container["resources"]["limits"]) == {"cpu", "memory"}
            assert "livenessProbe" in container and "readinessProbe" in container
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    for account in _objects(stack, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_enforce_restricted_unless_they_run_virtual_machines(stack: str) -> None:
    with_vms = {o["metadata"]["namespace"] for o in _objects(stack, "VirtualMachine")}
    for ns in _objects(stack, "Namespace"):
        labels = ns["metadata"]["labels"]
        expected = "privileged" if ns["metadata"]["name"] in with_vms else "restricted"
        assert labels["pod-security.kubernetes.io/enforce"] == expected
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"


def _admitted(policy: dict[str, Any]) -> set[tuple[str, str]]:
    """(namespace, name) of every workload a policy admits by name."""
    namespace = policy["metadata"]["namespace"]
    result = set()
    for rule in policy["spec"]["ingress"]:
        for peer in rule["from"]:
            name = peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            if name is None:
                continue
            selected = peer.get("namespaceSelector", {}).get("matchLabels", {})
            result.add((selected.get("kubernetes.io/metadata.name", namespace), name))
    return result


def _declared_consumers(stack: str, target: Resource) -> set[tuple[str, str]]:
    landscape = bundled()
    pattern = landscape.stacks[stack]
    return {
        (pattern.namespace_of(r), r.name)
        for r in landscape.in_stack(stack).values()
        if (target.kind, target.name) in r.depends_on
    }


@pytest.mark.parametrize("stack", STACKS)
def test_network_admission_follows_depends_on_everywhere(stack: str) -> None:
    policies = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o
        for o in _objects(stack, "NetworkPolicy")
    }
    pattern = bundled().stacks[stack]
    checked = 0
    for resource in bundled().in_stack(stack).values():
        expected = _declared_consumers(stack, resource)
        policy = policies.get((pattern.namespace_of(resource), resource.name))
        if policy is None:
            assert not expected or not resource.spec.get("ports", True)
            continue
        if resource.kind == "Database":
            # and the operator; its own instances are selected by cnpg.io/cluster
            expected.add(("cnpg-system", "cloudnative-pg"))
        assert _admitted(policy) == expected, resource.ref
        checked += 1
    assert checked > 40


def test_a_new_dependency_opens_exactly_one_path() -> None:
    landscape = landscape_with(
        {
            "stacks/prod/billing/billing-api.yaml": (
                "  dependsOn:\n",
                "  dependsOn:\n    - service: crm-api\n",
            )
        }
    )
    before = next(
        o for o in _objects("prod", "NetworkPolicy") if o["metadata"]["name"] == "crm-api"
    )
    after = next(
        o
        for o in render_stack(landscape, "prod").objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "crm-api"
    )
    assert _admitted(after) - _admitted(before) == {("prod-billing", "billing-api")}
    peer = next(
        p
        for p in after["spec"]["ingress"][0]["from"]
        if p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "billing-api"
    )
    # Across namespaces: namespace and pods in one peer (AND), never two peers (OR)
    assert peer == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "prod-billing"}},
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "billing-api",
                "app.kubernetes.io/component": "service",
            }
        },
    }


def test_an_ingress_admits_the_ingress_controller_on_its_port_only() -> None:
    policy = next(
        o for o in _objects("prod", "NetworkPolicy") if o["metadata"]["name"] == "crm-web"
    )
    controller = [
        r
        for r in policy["spec"]["ingress"]
        if r["from"]
        == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ]
    ]
    assert len(controller) == 1
    assert len(controller[0]["ports"]) == 1


def _hard(quota: dict[str, Any]) -> Peak:
    hard = quota["spec"]["hard"]
    return Peak(
        parse_cpu(hard["limits.cpu"]),
        pods.kube_bytes(hard["limits.memory"]),
        pods.kube_bytes(hard["requests.storage"]),
        int(hard["count/virtualmachines.kubevirt.io"]),
    )


@pytest.mark.parametrize("stack", STACKS)
def test_quotas_follow_the_team_quota(stack: str) -> None:
    """One budget over two namespaces: the VM namespace's quota is exactly its servers'
    modelled peak, the team namespace's the rest, and the two sum to the team quota."""
    quotas = {o["metadata"]["namespace"]: o for o in _objects(stack, "ResourceQuota")}
    limits = {o["metadata"]["namespace"]: o for o in _objects(stack, "LimitRange")}
    landscape = bundled()
    definition = landscape.stacks[stack]
    split = 0
    for team in landscape.teams.values():
        quota = team.quota(stack)
        namespace, vm_namespace = definition.namespaces(team.name)
        if quota is None:
            assert namespace not in quotas
            continue
        whole = pods.quota_amounts(quota)
        own = _hard(quotas[namespace])
        servers = [
            pods.demand(r, definition)
            for r in landscape.in_stack(stack).values()
            if r.team == team.name and r.kind == "Server"
        ]
        if not servers:
            assert vm_namespace not in quotas
            assert own == whole
            continue
        split += 1
        vms = _hard(quotas[vm_namespace])
        peak = Peak()
        for server in servers:
            peak = peak.plus(server.peak)
        assert vms == peak
        assert own.plus(vms) == whole
        for ns, share in ((namespace, own), (vm_namespace, vms)):
            container = limits[ns]["spec"]["limits"][0]
            assert parse_cpu(container["max"]["cpu"]) == max(share.cpu, pods.MIN_CONTAINER[0])
            assert parse_cpu(container["default"]["cpu"]) <= parse_cpu(container["max"]["cpu"])
    assert split, "no team of the bundled landscape has servers in this stack"


def test_a_team_without_a_quota_in_the_stack_gets_nothing() -> None:
    landscape = landscape_with({"landscape/teams/iot.yaml": ("    dev:\n", "    dev-old:\n")})
    assert landscape.teams["iot"].quota("dev") is None
    objects = render_stack(landscape, "dev").objects
    quota = next(
        o
        for o in objects
        if o["kind"] == "ResourceQuota" and o["metadata"]["namespace"] == "dev-iot"
    )
    assert set(quota["spec"]["hard"].values()) == {"0"}


def test_every_team_binds_its_group_to_our_own_roles_in_its_namespaces_only() -> None:
    """No `edit`, no ClusterRole: a Role we render per namespace, bound to the team's
    group there; NetworkPolicies, quotas, limits and roles are never writable."""
    landscape = bundled()
    definition = landscape.stacks["prod"]
    bindings = _objects("prod", "RoleBinding")
    roles = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o for o in _objects("prod", "Role")
    }
    assert len(bindings) == len(_objects("prod", "Namespace")) == len(roles)
    for binding in bindings:
        namespace = binding["metadata"]["namespace"]
        team = landscape.teams[binding["metadata"]["labels"][TEAM_LABEL]]
        expected = (
            "vm-operator" if namespace == definition.vm_namespace(team.name) else ("team-operator")
        )
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": expected,
        }
        assert binding["subjects"] == [
            {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Group",
                "name": team.kubernetes_group,
            }
        ]
        for rule in roles[(namespace, expected)]["rules"]:
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            writes = set(rule["verbs"]) - {"get", "list", "watch"}
            if not writes:
                continue
            # Only these writes exist: restart a pod, scale, and KubeVirt's lifecycle
            assert (rule["apiGroups"], rule["resources"], writes) in (
                ([""], ["pods"], {"delete"}),
                (["apps"], ["deployments/scale"], {"update", "patch"}),
                (
                    ["subresources.kubevirt.io"],
                    [
                        "virtualmachines/start",
                        "virtualmachines/stop",
                        "virtualmachines/restart",
                        "virtualmachineinstances/pause",
                        "virtualmachineinstances/unpause",
                        "virtualmachineinstances/softreboot",
                    ],
                    {"update"},
                ),
            ), rule
            assert expected == "vm-operator" or "subresources.kubevirt.io" not in rule["apiGroups"]
        secrets = [r for r in roles[(namespace, expected)]["rules"] if "secrets" in r["resources"]]
        for rule in secrets:
            # By name only: an empty resourceNames would be every secret
            assert rule["verbs"] == ["get"] and rule["resourceNames"]
            assert all(name.endswith("-app") for name in rule["resourceNames"])
    assert not [
        o for o in _objects("prod") if o["kind"].startswith("Cluster") and "Role" in o["kind"]
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_enforce_restricted_unless_they_run_vms(stack: str) -> None:
    landscape = bundled()
    definition = landscape.stacks[stack]
    enforced = {
        o["metadata"]["name"]: o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for o in _objects(stack, "Namespace")
    }
    runs_vms = {
        definition.vm_namespace(r.team)
        for r in landscape.in_stack(stack).values()
        if r.kind == "Server"
    }
    for name, level in enforced.items():
        assert level == ("privileged" if name in runs_vms else "restricted"), name
    for resource in landscape.in_stack(stack).values():
        placed = [
            o
            for o in rendered(stack).objects
            if o["metadata"].get("namespace") == definition.namespace_of(resource)
            and o["metadata"]["name"] == resource.name
        ]
        assert placed, resource.ref
        assert enforced[definition.namespace_of(resource)] == (
            "privileged" if resource.kind == "Server" else "restricted"
        )
    # Every namespace has its own default-deny
    denies = {
        o["metadata"]["namespace"]
        for o in _objects(stack, "NetworkPolicy")
        if o["metadata"]["name"] == "default-deny"
    }
    assert denies == set(enforced)


def test_identical_namespace_patterns_are_refused_at_render() -> None:
    landscape = landscape_with(
        {"stacks/dev/stack.yaml": ("spec:\n", "spec:\n  vmNamespacePattern: '{stack}-{team}'\n")}
    )
    findings = render_stack(landscape, "dev").findings
    assert any("vmNamespacePattern" in f.message for f in findings), findings


def _env(stack: str, service: str) -> dict[str, dict[str, Any]]:
    deployment = next(o for o in _objects(stack, "Deployment") if o["metadata"]["name"] == service)
    return {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


def test_database_consumers_read_the_operator_secret_by_reference() -> None:
    env = _env("prod", "crm-api")
    for var, key in [
        ("CRM_DB_HOST", "host"),
        ("CRM_DB_PASSWORD", "password"),
        ("CRM_DB_URI", "uri"),
    ]:
        assert env[var] == {
            "name": var,
            "valueFrom": {"secretKeyRef": {"name": "crm-db-app", "key": key}},
        }
    # What the service declares itself is kept as declared
    assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "crm-db-app",
        "key": "password",
    }
    # A service with two databases gets both, under distinct prefixes
    both = _env("prod", "analytics-bi")
    assert {"ANALYTICS_BI_DB_URI", "ANALYTICS_DWH_URI"} <= set(both)


def test_a_declared_variable_is_never_overridden() -> None:
    landscape = landscape_with(
        {
            "stacks/prod/call-center/crm-api.yaml": (
                '    SCREEN_POP: "true"\n',
                '    SCREEN_POP: "true"\n    CRM_DB_HOST: "crm-db-ro"\n',
            )
        }
    )
    deployment = next(
        o
        for o in render_stack(landscape, "prod").objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "crm-api"
    )
    env = [e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert [e for e in env if e["name"] == "CRM_DB_HOST"] == [
        {"name": "CRM_DB_HOST", "value": "crm-db-ro"}
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_no_credential_appears_in_the_output(stack: str) -> None:
    assert not _objects(stack, "Secret")
    for deployment in _objects(stack, "Deployment"):
        for var in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            if any(word in var["name"] for word in ("PASSWORD", "SECRET", "TOKEN")):
                assert "valueFrom" in var, var["name"]


def test_a_database_outside_the_namespace_gets_a_warning_not_a_secret_reference() -> None:
    landscape = landscape_with(
        {
            "stacks/prod/billing/billing-api.yaml": (
                "  dependsOn:\n",
                "  dependsOn:\n    - database: crm-db\n",
            )
        }
    )
    result = render_stack(landscape, "prod")
    assert [(f.rule, str(f.level)) for f in result.findings] == [
        ("render-database-secret", "warning")
    ]
    assert not result.failed
    policy = next(
        o
        for o in result.objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "crm-db"
    )
    assert ("prod-billing", "billing-api") in _admitted(policy)


def _named(stack: str, kind: str, name: str) -> dict[str, Any]:
    return next(o for o in _objects(stack, kind) if o["metadata"]["name"] == name)


def test_backups_go_through_the_barman_cloud_plugin_in_the_teams_folder() -> None:
    cluster = _named("prod", "Cluster", "crm-db")
    backup = _named("prod", "ScheduledBackup", "crm-db")
    store = _named("prod", "ObjectStore", "crm-db")
    assert backup["spec"]["schedule"] == "0 0 2 * * *"
    assert backup["spec"]["cluster"] == {"name": "crm-db"}
    assert backup["spec"]["method"] == "plugin"
    assert backup["spec"]["pluginConfiguration"] == {"name": "barman-cloud.cloudnative-pg.io"}
    assert "backup" not in cluster["spec"]  # no in-tree Barman (removed in CloudNativePG 1.31)
    assert cluster["spec"]["plugins"] == [
        {
            "name": "barman-cloud.cloudnative-pg.io",
            "isWALArchiver": True,
            "parameters": {"barmanObjectName": "crm-db"},
        }
    ]
    assert store["metadata"]["namespace"] == "prod-call-center"
    configuration = store["spec"]["configuration"]
    assert configuration["destinationPath"] == "s3://pg-backups-prod/call-center"
    assert configuration["s3Credentials"]["accessKeyId"]["name"] == "pg-backup-call-center"
    assert configuration["s3Credentials"]["secretAccessKey"]["name"] == "pg-backup-call-center"
    assert "serverName" not in configuration  # the ObjectStore CRD forbids it
    assert store["spec"]["retentionPolicy"] == "30d"
    assert set(store["spec"]["instanceSidecarConfiguration"]["resources"]) == {
        "requests",
        "limits",
    }
    assert (
        cluster["metadata"]["annotations"]["platform.dom-komfort.example/deletion-protection"]
        == "true"
    )


def test_no_two_teams_share_a_backup_folder_or_credentials() -> None:
    """A team's key pair is limited to its own folder: no store of one team names
    another team's folder or secret."""
    for stack in STACKS:
        seen: dict[str, str] = {}
        for store in _objects(stack, "ObjectStore"):
            team = store["metadata"]["labels"][TEAM_LABEL]
            configuration = store["spec"]["configuration"]
            assert configuration["destinationPath"].endswith(f"/{team}")
            assert configuration["s3Credentials"]["accessKeyId"]["name"] == f"pg-backup-{team}"
            assert seen.setdefault(configuration["destinationPath"], team) == team
        assert len(seen) > 5


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_images_are_pinned_standard_images_of_the_stack(stack: str) -> None:
    images = bundled().stacks[stack].spec["databases"]["images"]
    for cluster in _objects(stack, "Cluster"):
        image = cluster["spec"]["imageName"]
        database = bundled().find(stack, "Database", cluster["metadata"]["name"])
        assert database is not None
        assert image == images[str(database.spec["version"])]
        reference, digest = image.split("@")
        tag = reference.rsplit(":", 1)[1]
        assert tag.startswith(f"{database.spec['version']}.")
        assert "-minimal-" in tag and tag.endswith("-trixie")
        assert digest.startswith("sha256:") and len(digest) == 71


def test_a_version_without_an_image_is_a_finding_at_the_version() -> None:
    landscape = landscape_with(
        {
            "stacks/prod/stack.yaml": (
                '      "15": registry.dom-komfort.example/cloudnative-pg/postgresql:'
                "15.19-202608170814-minimal-trixie@sha256:"
                "67b23fdf6dbf3d5bc5dc42cdbc5d292375582b1fe378c1dc69eb51c6fbc57730\n",
                "",
            )
        }
    )
    findings = render_stack(landscape, "prod").findings
    assert {f.rule for f in findings} == {"render-database-image"}
    assert all(f.line > 0 for f in findings)


def test_single_instance_clusters_let_nodes_drain() -> None:
    for stack in STACKS:
        for cluster in _objects(stack, "Cluster"):
            if cluster["spec"]["instances"] == 1:
                assert cluster["spec"]["enablePDB"] is False
            else:
                assert "enablePDB" not in cluster["spec"]  # CloudNativePG's default: true
    assert any(c["spec"]["instances"] == 1 for c in _objects("dev", "Cluster"))


def test_postgres_memory_parameters_follow_the_memory_limit() -> None:
    from platform_cli.render.database import postgres_parameters

    assert postgres_parameters(32 * 1024**3) == {
        "shared_buffers": "8192MB",
        "effective_cache_size": "24576MB",
        "maintenance_work_mem": "2048MB",
        "work_mem": "61MB",
    }
    assert postgres_parameters(1024**3) == {
        "shared_buffers": "256MB",
        "effective_cache_size": "768MB",
        "maintenance_work_mem": "64MB",
        "work_mem": "4MB",
    }
    for stack in STACKS:
        for cluster in _objects(stack, "Cluster"):
            memory = cluster["spec"].get("resources", {}).get("limits", {}).get("memory")
            if memory is None:
                assert "postgresql" not in cluster["spec"]
                continue
            parameters = cluster["spec"]["postgresql"]["parameters"]
            assert parameters == postgres_parameters(parse_bytes(memory))


def test_large_databases_get_a_separate_wal_volume() -> None:
    from platform_cli.render.pods import wal_storage

    landscape = bundled()
    for stack in STACKS:
        threshold = parse_bytes(landscape.stacks[stack].spec["databases"]["separateWalFrom"])
        for cluster in _objects(stack, "Cluster"):
            size = parse_bytes(cluster["spec"]["storage"]["size"])
            wal = cluster["spec"].get("walStorage")
            assert (wal is not None) == (size >= threshold), cluster["metadata"]["name"]
            if wal is not None:
                expected = max(10 * 1024**3, -(-size // 10 // 1024**3) * 1024**3)
                assert parse_bytes(wal["size"]) == expected
                assert wal["storageClass"] == cluster["spec"]["storage"]["storageClass"]
    declared = landscape_with(
        {
            "stacks/prod/call-center/crm-db.yaml": (
                "  storage:\n",
                "  walStorage:\n    size: 20Gi\n    class: ssd\n  storage:\n",
            )
        }
    )
    database = declared.find("prod", "Database", "crm-db")
    assert database is not None
    assert wal_storage(database, declared.stacks["prod"]) == (20 * 1024**3, "ssd")


@pytest.mark.parametrize("stack", STACKS)
def test_database_policies_admit_peers_the_operator_and_the_metrics_collector(
    stack: str,
) -> None:
    for policy in _objects(stack, "NetworkPolicy"):
        if "cnpg.io/cluster" not in policy["spec"]["podSelector"].get("matchLabels", {}):
            continue
        name = policy["metadata"]["name"]
        by_peer = {
            json.dumps(peer, sort_keys=True): {p["port"] for p in rule["ports"]}
            for rule in policy["spec"]["ingress"]
            for peer in rule["from"]
        }
        peers = json.dumps({"podSelector": {"matchLabels": {"cnpg.io/cluster": name}}})
        assert by_peer[peers] == {5432, 8000}
        operator = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "cloudnative-pg"}},
        }
        assert by_peer[json.dumps(operator, sort_keys=True)] == {5432, 8000}
        monitoring = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
        }
        assert by_peer[json.dumps(monitoring, sort_keys=True)] == {9187}


def test_backups_without_an_object_store_are_an_error() -> None:
    landscape = landscape_with(
        {
            "stacks/dev/stack.yaml": (
                "    backupStore:\n"
                "      destinationPath: s3://pg-backups-dev\n"
                "      endpointURL: https://s3.dom-komfort.example\n"
                "      # One key pair a team, allowed only below s3://pg-backups-dev/<team>/\n"
                "      credentialsSecret: pg-backup-{team}\n",
                "",
            )
        }
    )
    result = render_stack(landscape, "dev")
    assert result.failed
    assert {f.rule for f in result.findings} == {"render-backup-store"}


def test_two_resources_rendering_the_same_object_are_an_error() -> None:
    """A Service and a Database of one name in one namespace would share a
    NetworkPolicy."""
    landscape = landscape_with(
        {"stacks/prod/call-center/crm-db.yaml": ("  name: crm-db\n", "  name: ivr-api\n")}
    )
    findings = render_stack(landscape, "prod").findings
    assert "render-name-clash" in {f.rule for f in findings}


def test_a_service_and_a_server_of_one_name_live_in_different_namespaces() -> None:
    landscape = landscape_with(
        {"stacks/prod/call-center/pbx-1.yaml": ("  name: pbx-1\n", "  name: ivr-api\n")}
    )
    objects = render_stack(landscape, "prod").objects
    services = {
        o["metadata"]["namespace"]
        for o in objects
        if o["kind"] == "Service" and o["metadata"]["name"] == "ivr-api"
    }
    assert services == {"prod-call-center", "prod-call-center-vms"}


def test_virtual_machines_use_run_strategy_catalog_images_and_ssh_key_secrets() -> None:
    vm = next(o for o in _objects("prod", "VirtualMachine") if o["metadata"]["name"] == "pbx-1")
    spec = vm["spec"]
    assert spec["runStrategy"] == "Always" and "running" not in spec
    image = bundled().config.vm_images["debian-12"]["source"]  # type: ignore[union-attr]
    assert spec["dataVolumeTemplates"][0]["spec"]["source"] == {"registry": {"url": image}}
    credentials = spec["template"]["spec"]["accessCredentials"]
    assert credentials == [
        {
            "sshPublicKey": {
                "source": {"secret": {"secretName": "call-center-ssh-keys"}},
                "propagationMethod": {"noCloud": {}},
            }
        }
    ]
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert "cloudInitNoCloud" in volumes["cloudinit"]
    assert volumes["root"] == {"dataVolume": {"name": "pbx-1-root"}, "name": "root"}


def test_a_stopped_server_is_halted_and_an_http_image_is_downloaded() -> None:
    landscape = landscape_with(
        {
            "stacks/prod/call-center/pbx-1.yaml": (
                "  image: debian-12\n",
                "  image: astra-1.7\n  running: false\n",
            )
        }
    )
    vm = next(
        o
        for o in render_stack(landscape, "prod").objects
        if o["kind"] == "VirtualMachine" and o["metadata"]["name"] == "pbx-1"
    )
    assert vm["spec"]["runStrategy"] == "Halted"
    assert list(vm["spec"]["dataVolumeTemplates"][0]["spec"]["source"]) == ["http"]
    services = [
        o
        for o in render_stack(landscape, "prod").objects
        if o["kind"] == "Service" and o["metadata"]["name"].startswith("pbx-1")
    ]
    assert services == []  # a halted machine has no endpoints to serve


def test_external_ports_get_a_load_balancer_for_the_allow_lists_only() -> None:
    service = _named("prod", "Service", "sbc-1-external")
    spec = service["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["loadBalancerSourceRanges"] == ["198.51.100.0/24", "203.0.113.0/24"]
    assert [(p["name"], p["protocol"]) for p in spec["ports"]] == [
        ("sip", "UDP"),
        ("sip-tls", "TCP"),
    ]
    assert spec["selector"] == {
        "app.kubernetes.io/name": "sbc-1",
        "app.kubernetes.io/component": "server",
    }
    policy = _named("prod", "NetworkPolicy", "sbc-1")
    blocks = [
        (peer["ipBlock"]["cidr"], sorted(p["port"] for p in rule["ports"]))
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
        if "ipBlock" in peer
    ]
    assert blocks == [("198.51.100.0/24", [5060, 5061]), ("203.0.113.0/24", [5060, 5061])]
    # Servers without external ports keep a cluster-internal Service only
    assert not [o for o in _objects("prod", "Service") if o["metadata"]["name"] == "pbx-1-external"]


def test_the_stack_can_expose_servers_through_node_ports() -> None:
    landscape = landscape_with(
        {"stacks/prod/stack.yaml": ("serviceType: LoadBalancer", "serviceType: NodePort")}
    )
    service = next(
        o
        for o in render_stack(landscape, "prod").objects
        if o["kind"] == "Service" and o["metadata"]["name"] == "sbc-1-external"
    )
    assert service["spec"]["type"] == "NodePort"
    assert "loadBalancerSourceRanges" not in service["spec"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_object_carries_the_labels_and_its_source(stack: str) -> None:
    for obj in _objects(stack):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "platform"
        assert labels["app.kubernetes.io/name"]
        assert labels[TEAM_LABEL] and labels["platform.dom-komfort.example/stack"] == stack
        source = obj["metadata"]["annotations"][SOURCE_ANNOTATION]
        assert (DATA.parent.parent / source).is_file()
        if labels["app.kubernetes.io/component"] != "namespace":
            assert (
                labels["app.kubernetes.io/part-of"] == labels["platform.dom-komfort.example/system"]
            )


@pytest.mark.parametrize("stack", STACKS)
def test_object_identities_are_unique(stack: str) -> None:
    ids = [object_id(o) for o in _objects(stack)]
    assert len(ids) == len(set(ids))


def test_rendering_is_byte_identical_on_repeated_runs() -> None:
    first = stream(render_stack(bundled(), "prod").objects, "yaml")
    second = stream(render_stack(bundled(), "prod").objects, "yaml")
    assert first == second
    assert stream(render_stack(bundled(), "dev").objects, "json") == stream(
        render_stack(bundled(), "dev").objects, "json"
    )


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("case", sorted(GOLDEN_SOURCES))
def test_golden_manifests(stack: str, case: str, golden: Callable[[Path, str], None]) -> None:
    source = f"stacks/{stack}/{GOLDEN_SOURCES[case]}"
    objects = [
        o for o in _objects(stack) if o["metadata"]["annotations"][SOURCE_ANNOTATION] == source
    ]
    assert objects
    text = stream(objects, "yaml")
    assert list(yaml.safe_load_all(text)) == objects
    golden(DATA / "render" / stack / f"{case}.yaml", text)


def test_the_renderers_defaults_are_the_ones_the_stack_schema_documents() -> None:
    from platform_cli.render.context import (
        DEFAULT_EXTERNAL_SERVICE_TYPE,
        DEFAULT_POSTGRES_IMAGES,
    )

    schema = json.loads((DATA.parent.parent / "schemas" / "stack.schema.json").read_text())
    spec = schema["properties"]["spec"]["properties"]
    assert spec["databases"]["properties"]["images"]["default"] == DEFAULT_POSTGRES_IMAGES
    external = spec["cluster"]["properties"]["external"]["properties"]
    assert external["serviceType"]["default"] == DEFAULT_EXTERNAL_SERVICE_TYPE


def test_a_team_without_databases_reads_no_secret() -> None:
    """An empty resourceNames grants every name: no databases, no secret rule at all."""
    from platform_cli.render.namespace import team_rules, vm_rules

    assert not [r for r in team_rules([]) if "secrets" in r["resources"]]
    assert not [r for r in vm_rules() if "secrets" in r["resources"]]
    for rule in team_rules([]) + vm_rules():
        assert not {"create", "update", "patch"} & set(rule["verbs"]) or rule["resources"] in (
            ["deployments/scale"],
            [
                "virtualmachines/start",
                "virtualmachines/stop",
                "virtualmachines/restart",
                "virtualmachineinstances/pause",
                "virtualmachineinstances/unpause",
                "virtualmachineinstances/softreboot",
            ],
        )
        assert not {
            r for r in rule["resources"] if r.endswith(("/exec", "/attach", "/portforward"))
        }


@pytest.mark.parametrize("stack", STACKS)
def test_quotas_and_limits_are_rendered_in_the_api_servers_canonical_form(stack: str) -> None:
    """The API server stores a quantity canonically (`600000000` reads back as `600M`):
    a share of a quota that is a modelled peak must be rendered that way, or the applied
    object would never read back as rendered (e2e test_apply compares them)."""
    import re

    seen = 0
    for obj in _objects(stack, "ResourceQuota") + _objects(stack, "LimitRange"):
        for value in re.findall(r"'([0-9]+[a-zA-Z]*)'", repr(obj["spec"])):
            number = re.fullmatch(r"([0-9]+)([kMGTPE]?)", value)
            if number is None:
                continue  # binary units and millicores
            mantissa, suffix = number.groups()
            assert int(mantissa) % 1000 != 0 or mantissa == "0", value
            assert suffix or int(mantissa) % 1024 != 0 or mantissa == "0", value
            seen += int(mantissa) > 1024  # a byte count, not cores
    assert seen, "no decimal quantity: the test checks nothing"
