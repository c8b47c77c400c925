"""`render/names.py` is the one model of the names the renderer and the operators
derive; the renderer is held to it here, and `reserved-name` refuses them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.findings import Level
from platform_cli.render.names import derivations, fixed
from tests.conftest import DATA
from tests.render_support import STACKS, bundled, rendered


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_name_is_a_resource_name_or_in_the_model(stack: str) -> None:
    landscape = bundled()
    by_namespace: dict[str, set[tuple[str, str]]] = {}
    for resource in landscape.in_stack(stack).values():
        namespace = landscape.stacks[stack].namespace_of(resource)
        by_namespace.setdefault(namespace, set()).add((resource.kind, resource.name))
    names = set()
    for obj in rendered(stack).objects:
        namespace = obj["metadata"].get("namespace")
        if namespace is None:
            continue
        name = obj["metadata"]["name"]
        names.add(name)
        own = by_namespace.get(namespace, set())
        # Objects that carry the resource's own name; else a fixed name; else derived
        assert (
            any(n == name for _, n in own)
            or fixed(name)
            or any(d in own for d in derivations(name))
        ), f"{obj['kind']} {namespace}/{name} is in no model of render/names.py"
        for template in obj.get("spec", {}).get("dataVolumeTemplates", []):
            volume = template["metadata"]["name"]
            assert any(d in own for d in derivations(volume)), volume
        for tls in obj.get("spec", {}).get("tls", []) if obj["kind"] == "Ingress" else []:
            if "secretName" in tls:
                assert any(d in own for d in derivations(tls["secretName"]))
    assert "default-deny" in names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("crm-db-rw", ("Database", "crm-db")),
        ("crm-db-app", ("Database", "crm-db")),
        ("crm-db-superuser", ("Database", "crm-db")),
        ("crm-db-3", ("Database", "crm-db")),
        ("crm-db-2-wal", ("Database", "crm-db")),
        ("pbx-1-root", ("Server", "pbx-1")),
        ("virt-launcher-pbx-1-x7k2q", ("Server", "pbx-1")),
        ("crm-web-tls", ("Service", "crm-web")),
    ],
)
def test_derivations_find_the_resource_that_derives_a_name(
    name: str, expected: tuple[str, str]
) -> None:
    assert expected in set(derivations(name))


def test_an_ordinary_name_derives_from_nothing_that_exists() -> None:
    assert not fixed("crm-api")
    assert ("Database", "crm") not in set(derivations("crm-api"))


def test_a_service_and_a_server_of_one_name_live_apart(base_landscape: Path) -> None:
    """With servers in the team's VM namespace, a Service and a Server of one name render
    their Kubernetes Services in different namespaces: no clash, and none is reported.
    tests/data/check/name-clash is the same pair in a stack that keeps them together."""
    case = DATA / "check" / "name-clash" / "files"
    shutil.copytree(
        case / "stacks" / "prod" / "service-desk",
        base_landscape / "stacks" / "prod" / "service-desk",
        dirs_exist_ok=True,
    )
    findings = run_check(CheckOptions(root=base_landscape)).findings
    assert "name-clash" not in {f.rule for f in findings}
    assert {f.rule for f in findings if f.level is Level.ERROR} == set()
