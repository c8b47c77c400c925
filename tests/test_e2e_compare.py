"""The e2e tests' judge of "the cluster holds the fields we set" can fail."""

from __future__ import annotations

from tests.e2e.compare import missing_fields, same_quantity


def test_quantities_compare_as_quantities() -> None:
    assert same_quantity("1", "1000m")
    assert same_quantity("0.5", "500m")
    assert same_quantity("1Gi", "1024Mi")
    assert not same_quantity("1", "2")
    assert not same_quantity("billing", "billing-api"), "a name is no quantity"


def test_extra_live_fields_are_fine_and_every_difference_is_named() -> None:
    ours = {"spec": {"replicas": 2, "template": {"cpu": "1"}, "ports": [{"port": 80}]}}
    live = {
        "spec": {"replicas": 2, "template": {"cpu": "1000m"}, "ports": [{"port": 80}]},
        "status": {"readyReplicas": 2},
    }
    assert list(missing_fields(ours, live)) == []
    assert list(missing_fields(ours, {"spec": {"replicas": 3}})) == [
        ".spec.replicas: expected 2, found 3",
        ".spec.template: missing",
        ".spec.ports: missing",
    ]
    assert list(missing_fields({"a": ["x"]}, {"a": ["y"]})) == [".a[0]: expected 'x', found 'y'"]
    assert list(missing_fields({"a": ["x"]}, {"a": ["x", "y"]})) == [
        ".a: expected 1 items, found ['x', 'y']"
    ]
