"""The plan's renderers and its Kubernetes diff, on fabricated data (no git)."""

from __future__ import annotations

import copy
import dataclasses
import re
from decimal import Decimal
from typing import Any

import pytest

from platform_cli.checks.integrity import file_name
from platform_cli.load.schema import SCHEMA
from platform_cli.plan.access import Opening
from platform_cli.plan.build import Plan, Snapshot
from platform_cli.plan.landscape_diff import Change, ChangeAction, FieldChange
from platform_cli.plan.money import CostLine, QuotaLine
from platform_cli.plan.objects import KubernetesStack, ObjectAction, ObjectChange, diff_objects
from platform_cli.plan.reviewers import Reviewer
from platform_cli.plan.risks import Risk, RiskCode
from platform_cli.plan.shards import Affected, Shard
from platform_cli.report.plan_markdown import COMMENT_LIMIT, MARKER, MarkdownReporter
from platform_cli.report.plan_text import TextReporter
from platform_cli.report.plan_wording import describe_fields
from platform_cli.sources.tree import Tree


def huge_plan(rows: int = 4000) -> Plan:
    long = "registry.dom-komfort.example/team/" + "x" * 60
    changes = tuple(
        Change(
            ChangeAction.CHANGE,
            "Service",
            f"svc-{i:05}",
            "prod",
            (FieldChange("spec.image", f"{long}:1.{i}", f"{long}:2.{i}"),),
        )
        for i in range(rows)
    )
    objects = tuple(
        ObjectChange(
            ObjectAction.UPDATE,
            "apps/v1",
            "Deployment",
            "prod-team",
            f"svc-{i:05}",
            f"stacks/prod/team/svc-{i:05}.yaml",
            (FieldChange("spec.template.spec.containers[app].image", "a" * 70, "b" * 70),),
        )
        for i in range(rows)
    )
    return Plan(
        base=Snapshot("main", Tree.of_files([]), sha="a" * 40),
        head=Snapshot("feature", Tree.of_files([]), sha="b" * 40),
        changed_paths=tuple(f"stacks/prod/team/svc-{i:05}.yaml" for i in range(rows)),
        changes=changes,
        kubernetes=(KubernetesStack("prod", objects),),
        risks=tuple(
            Risk(RiskCode.DELETE_DATABASE, f"prod Database db-{i:05}", "is deleted with its data")
            for i in range(rows // 4)
        ),
        costs=(CostLine("prod", "team", Decimal("100.00"), Decimal("250.50")),),
        stack_costs=(CostLine("prod", "", Decimal("1000.00"), Decimal("1150.50")),),
        unpriced=(),
        price_sheet_changed=False,
        quotas=tuple(
            QuotaLine("prod", "team", key, 1, 2, 10, 10)
            for key in ("cpu", "memory", "storage", "servers")
        ),
        reviewers=(Reviewer("@dom-komfort/team", ("stacks/prod/team/svc-00000.yaml",)),),
        affected=(Affected(Shard("prod", "team"), ("stacks/prod/team/svc-00000.yaml",)),),
        findings=(
            *(
                SCHEMA.finding(f"stacks/prod/team/svc-{i:05}.yaml", 3, 1, "bad | value")
                for i in range(max(1, rows // 4))
            ),
            file_name.RULE.finding("stacks/prod/team/svc-00000.yaml", 1, 1, "name"),
        ),
        waived=0,
        base_errors=0,
    )


def _tables_are_whole(text: str) -> None:
    """Every table has a header, a separator and rows of the same width."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("|"):
            width = _cells(lines[i])
            assert re.fullmatch(r"\|(---\|)+", lines[i + 1]), lines[i : i + 2]
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                assert lines[i].endswith(" |"), lines[i]
                assert _cells(lines[i]) == width, lines[i]
                i += 1
            assert lines[i] == "", "a table must end with a blank line"
        i += 1


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_a_huge_plan_is_cut_cleanly_under_the_comment_limit() -> None:
    plan = huge_plan()
    text = MarkdownReporter().render(plan)
    assert len(text) < COMMENT_LIMIT
    assert text.startswith(MARKER + "\n❌ **Plan failed: the head has 1,000 errors**")
    _tables_are_whole(text)
    assert text.count("<details>") == text.count("</details>")
    notes = re.findall(r"… (\d+) more rows not shown; run `platform plan --format text`", text)
    assert notes, "the cut must say so"
    # Every section is there, even when the ones above it were cut
    for heading in (
        "### ⚠️ Risks",
        "### Findings at head",
        "### Landscape changes",
        "### Kubernetes objects",
        "### Cost per month",
        "### Quotas",
        "### Required reviewers",
        "### Affected stacks",
    ):
        assert heading in text
    # The short sections at the end are whole
    assert "| prod | team | 100.00 RUB | 250.50 RUB | +150.50 RUB |" in text
    assert "| `prod.team` | stacks/prod/team/svc-00000.yaml |" in text


def test_the_text_format_is_never_cut() -> None:
    text = TextReporter().render(huge_plan(rows=300))
    assert "not shown" not in text
    assert "~ Service svc-00299: image " in text
    assert len(text.splitlines()) > 900


def test_a_cell_never_breaks_the_table() -> None:
    plan = huge_plan(rows=1)
    text = MarkdownReporter().render(plan)
    assert "bad \\| value" in text
    _tables_are_whole(text)


# --- Kubernetes diff and replacements --------------------------------------------------


def _obj(api: str, kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": name, "namespace": "prod-team", "annotations": {}}
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


VM = _obj(
    "kubevirt.io/v1",
    "VirtualMachine",
    "pbx-1",
    {
        "runStrategy": "Always",
        "dataVolumeTemplates": [
            {
                "metadata": {"name": "pbx-1-root"},
                "spec": {
                    "source": {"registry": {"url": "docker://r/ubuntu:24.04"}},
                    "storage": {"storageClassName": "ssd-encrypted"},
                },
            }
        ],
    },
)


def _edited(obj: dict[str, Any], *keys: Any, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    target = out
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return out


@pytest.mark.parametrize(
    ("old", "new", "action", "reasons"),
    [
        (VM, _edited(VM, "spec", "runStrategy", value="Halted"), "update", ()),
        (
            VM,
            _edited(
                VM,
                "spec",
                "dataVolumeTemplates",
                0,
                "spec",
                "storage",
                "storageClassName",
                value="hdd-encrypted",
            ),
            "replace",
            ("spec.dataVolumeTemplates[*].spec.storage.storageClassName",),
        ),
        (
            VM,
            _edited(
                VM,
                "spec",
                "dataVolumeTemplates",
                0,
                "spec",
                "source",
                value={"registry": {"url": "docker://r/debian:12"}},
            ),
            "replace",
            ("spec.dataVolumeTemplates[*].spec.source",),
        ),
        (
            _obj("postgresql.cnpg.io/v1", "Cluster", "db", {"storage": {"storageClass": "ssd"}}),
            _obj(
                "postgresql.cnpg.io/v1",
                "Cluster",
                "db",
                {"storage": {"storageClass": "ssd-encrypted"}},
            ),
            "replace",
            ("spec.storage.storageClass",),
        ),
        (
            _obj("apps/v1", "Deployment", "api", {"selector": {"matchLabels": {"a": "1"}}}),
            _obj("apps/v1", "Deployment", "api", {"selector": {"matchLabels": {"a": "2"}}}),
            "replace",
            ("spec.selector",),
        ),
        (
            _obj("v1", "Service", "api", {"type": "ClusterIP"}),
            _obj("v1", "Service", "api", {"type": "ExternalName"}),
            "replace",
            ("spec.type (to or from ExternalName)",),
        ),
        (
            _obj("v1", "Service", "api", {"type": "ClusterIP"}),
            _obj("v1", "Service", "api", {"type": "NodePort"}),
            "update",
            (),
        ),
    ],
)
def test_replacements(
    old: dict[str, Any], new: dict[str, Any], action: str, reasons: tuple[str, ...]
) -> None:
    (change,) = diff_objects([old], [new])
    assert (change.action, change.immutable) == (action, reasons)


def test_identity_change_is_delete_and_create() -> None:
    old = _obj("v1", "Service", "api", {"type": "ClusterIP"})
    new = _obj("v1", "Service", "api-v2", {"type": "ClusterIP"})
    assert [(c.action, c.name) for c in diff_objects([old], [new])] == [
        ("delete", "api"),
        ("create", "api-v2"),
    ]
    assert diff_objects([old], [copy.deepcopy(old)]) == []


def _with_openings(count: int) -> Plan:
    plan = huge_plan()
    opened = tuple(
        Opening(
            "prod",
            "prod-billing",
            "billing",
            "billing-api",
            f"prod-team/svc-{i:05}",
            "prod-team",
            ("8080/TCP",),
            "stacks/prod/billing/billing-api.yaml",
            "prod-billing/billing-api",
        )
        for i in range(count)
    )
    (stack,) = plan.kubernetes
    plan.kubernetes = (dataclasses.replace(stack, openings=opened),)
    return plan


def test_every_opened_path_survives_the_cut_of_a_huge_plan() -> None:
    """Network access is security-relevant: the other sections are cut first."""
    text = MarkdownReporter().render(_with_openings(200))
    assert len(text) < COMMENT_LIMIT
    _tables_are_whole(text)
    for i in range(200):
        assert f"prod-team/svc-{i:05} may now reach prod-billing/billing-api on 8080/TCP" in text
    assert "### Network access" in text and "### Affected stacks" in text


def test_more_openings_than_a_comment_holds_are_cut_with_a_note() -> None:
    text = MarkdownReporter().render(_with_openings(5_000))
    assert len(text) < COMMENT_LIMIT
    _tables_are_whole(text)
    assert re.search(r"… [\d,]+ more rows not shown", text.split("### Network access")[1])
    assert "### Affected stacks" in text


def test_long_values_show_where_they_differ_and_lists_what_they_gain() -> None:
    digest_a, digest_b = "a" * 64, "b" * 64
    image = "registry.dom-komfort.example/call-center/crm-api"
    lines = describe_fields(
        [
            FieldChange(
                "spec.image", f"{image}:3.15@sha256:{digest_a}", f"{image}:3.15@sha256:{digest_b}"
            ),
            FieldChange("spec.dependsOn", [{"service": "a"}], [{"service": "a"}, {"service": "b"}]),
            FieldChange("spec.args", ["--x", "--y"], ["--y", "--x"]),
        ]
    )
    assert lines[0] == (
        f"image …ter/crm-api:3.15@sha256:{digest_a} -> …ter/crm-api:3.15@sha256:{digest_b}"
    )
    assert lines[1] == "dependsOn +[{service: b}]"
    assert lines[2] == "args reordered: [--y, --x]"


def test_security_relevant_fields_are_never_counted_away() -> None:
    fields = [FieldChange(f"spec.f{i}", i, i + 1) for i in range(10)]
    fields.append(FieldChange("spec.ingress.public", False, True))
    lines = describe_fields(fields, limit=6)
    assert lines[0] == "ingress.public false -> true"
    assert lines[-1] == "(+5 more fields)"


def test_a_new_resource_says_what_a_reviewer_judges() -> None:
    """Host and exposure, ports, dependencies, replicas, CPU and memory, disk, image;
    and a removal says what stops existing."""
    from platform_cli.load.model import Resource
    from platform_cli.plan.landscape_diff import diff_landscapes
    from platform_cli.render.hosts import Host
    from platform_cli.report.plan_wording import describe_change
    from tests.test_risks import bundled_landscape

    landscape = bundled_landscape()
    empty = dataclasses.replace(landscape, resources={})
    added = {(c.kind, c.name): c for c in diff_landscapes(empty, landscape) if c.stack == "prod"}
    removed = {(c.kind, c.name): c for c in diff_landscapes(landscape, empty) if c.stack == "prod"}
    web = added[("Service", "crm-web")]
    host = Host("crm.apps.dom-komfort.example", "/", False)
    (line,) = describe_change(web, host=host)
    assert line.startswith("new: image registry.dom-komfort.example/call-center/crm-web:")
    assert "; 2 replicas; requests cpu 100m memory 128Mi; limits cpu 500m memory 256Mi; " in line
    assert line.endswith(
        "ports http 8080; depends on service crm-api, service keycloak; "
        "internal host crm.apps.dom-komfort.example/"
    )
    (db,) = describe_change(added[("Database", "analytics-bi-db")])
    assert db == (
        "new: postgresql 16, storage 10Gi x 2; cpu 500m memory 1Gi per instance; "
        "deletionProtection on"
    )
    (server,) = describe_change(added[("Server", "erp-db-1")])
    assert server.startswith("new: 16 vCPU, 64Gi memory; disk 2Ti ssd-encrypted; image astra-1.7")
    assert isinstance(removed[("Database", "analytics-bi-db")].entity, Resource)
    assert describe_change(removed[("Database", "analytics-bi-db")]) == [
        "deleted: stops existing: the postgresql 16 cluster and its data (10Gi), its "
        "connection secret analytics-bi-db-app and service analytics-bi-db-rw"
    ]
    assert describe_change(removed[("Service", "crm-web")], host=host) == [
        "deleted: stops existing: its pods and in-cluster name crm-web; its internal host "
        "crm.apps.dom-komfort.example/"
    ]
    assert describe_change(removed[("Server", "erp-db-1")]) == [
        "deleted: stops existing: the VM and its disk (2Ti, image astra-1.7)"
    ]


def test_a_pod_template_change_says_the_pods_restart() -> None:
    from platform_cli.report.plan_wording import describe_object

    def update(kind: str, path: str) -> ObjectChange:
        return ObjectChange(
            ObjectAction.UPDATE, "v1", kind, "ns", "x", "", (FieldChange(path, 1, 2),)
        )

    assert describe_object(update("Deployment", "spec.template.spec.containers[app].image"))[0] == (
        "pods restart (rolling update)"
    )
    assert describe_object(update("Deployment", "spec.replicas")) == ["replicas 1 -> 2"]
    assert describe_object(update("VirtualMachine", "spec.template.spec.domain.cpu.cores"))[0] == (
        "the VM must restart to take the change"
    )
    assert describe_object(update("Cluster", "spec.resources.limits.cpu"))[0].startswith(
        "database instances restart one by one"
    )


@pytest.mark.parametrize(
    "path, old, new, line",
    [
        # the renderer's exact bytes, with their binary size beside them
        (
            "hard.limits.memory",
            "149752150271",
            "184083593728",
            "hard.limits.memory 149752150271 (139.47Gi) -> 184083593728 (171.44Gi)",
        ),
        (
            "limits[0].max.memory",
            "34931443457",
            "600M",
            "limits[0].max.memory 34931443457 (32.53Gi) -> 600M (572.2Mi)",
        ),
        # binary quantities and other keys stay as written
        ("hard.requests.storage", "50Gi", "3328Gi", "hard.requests.storage 50Gi -> 3328Gi"),
        ("spec.replicas", "2", "3", "replicas 2 -> 3"),
    ],
)
def test_byte_quantities_read_with_their_binary_size(
    path: str, old: str, new: str, line: str
) -> None:
    from platform_cli.plan.landscape_diff import FieldChange
    from platform_cli.report.plan_wording import describe_fields

    assert describe_fields([FieldChange(path, old, new)]) == [line]
