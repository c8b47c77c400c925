"""Landscape-level diffs: identity by (stack, kind, name), field-level changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from platform_cli.evaluate.pipeline import check_files
from platform_cli.load.model import Landscape
from platform_cli.plan.landscape_diff import MISSING, FieldChange, diff_landscapes, field_changes
from platform_cli.sources.tree import read_tree
from tests.conftest import DATA

SVC = "stacks/prod/service-desk/tickets-api.yaml"
DB = "stacks/prod/service-desk/tickets-db.yaml"


def _landscape(root: Path) -> Landscape:
    files, _ = read_tree(root)
    loaded, findings = check_files(files)
    assert [f for f in findings if f.level.value == "error"] == []
    return loaded.landscape


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / "check" / "_base", target)
    return target


def test_identical_landscapes_have_no_changes(tmp_path: Path) -> None:
    root = _copy(tmp_path, "a")
    assert diff_landscapes(_landscape(root), _landscape(root)) == []


def test_renaming_a_file_is_no_change(tmp_path: Path) -> None:
    base, head = _copy(tmp_path, "a"), _copy(tmp_path, "b")
    (head / DB).rename(head / "stacks/prod/service-desk/db.yaml")
    assert diff_landscapes(_landscape(base), _landscape(head)) == []


def test_field_changes_are_listed_by_path(tmp_path: Path) -> None:
    base, head = _copy(tmp_path, "a"), _copy(tmp_path, "b")
    db = head / DB
    db.write_text(db.read_text().replace("instances: 3", "instances: 5").replace("50Gi", "100Gi"))
    svc = head / SVC
    svc.write_text(svc.read_text().replace("tickets-api:2.3.1", "tickets-api:2.4.0"))
    changes = diff_landscapes(_landscape(base), _landscape(head))
    assert [(c.action, c.ref, c.stack) for c in changes] == [
        ("change", "Database/tickets-db", "prod"),
        ("change", "Service/tickets-api", "prod"),
    ]
    assert [f.describe() for f in changes[0].fields] == [
        "spec.instances: 3 -> 5",
        "spec.storage.size: 50Gi -> 100Gi",
    ]
    assert [f.describe() for f in changes[1].fields] == [
        "spec.image: registry.dom-komfort.example/service-desk/tickets-api:2.3.1 -> "
        "registry.dom-komfort.example/service-desk/tickets-api:2.4.0"
    ]


def test_added_and_removed_resources(tmp_path: Path) -> None:
    base, head = _copy(tmp_path, "a"), _copy(tmp_path, "b")
    (head / DB).unlink()
    svc = head / SVC
    svc.write_text(svc.read_text().replace("  dependsOn:\n    - database: tickets-db\n", ""))
    (head / "stacks/prod/service-desk/tickets-web.yaml").write_text(
        svc.read_text().replace("name: tickets-api", "name: tickets-web")
    )
    changes = diff_landscapes(_landscape(base), _landscape(head))
    assert [(c.action, c.ref) for c in changes] == [
        ("remove", "Database/tickets-db"),
        ("change", "Service/tickets-api"),
        ("add", "Service/tickets-web"),
    ]
    assert changes[1].fields == (
        FieldChange("spec.dependsOn", [{"database": "tickets-db"}], MISSING),
    )


def test_named_lists_are_matched_by_name() -> None:
    old = {"ports": [{"name": "http", "port": 8080}, {"name": "grpc", "port": 9090}]}
    new = {"ports": [{"name": "grpc", "port": 9091}, {"name": "http", "port": 8080}]}
    assert [c.describe() for c in field_changes(old, new)] == ["ports[grpc].port: 9090 -> 9091"]
