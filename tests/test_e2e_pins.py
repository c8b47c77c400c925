"""The engine `make e2e` builds and the SDKs the program imports are one version each.

scripts/e2e/pins.env pins the Pulumi CLI and the pulumi-kubernetes provider built from Go
modules; pyproject.toml pins the Python SDKs that talk to them. A CLI newer or older than
the SDK, or a provider other than the one the SDK declares, is a different engine from
the one the tests judged.
"""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def _pins() -> dict[str, str]:
    text = (REPO / "scripts" / "e2e" / "pins.env").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", text, re.M))


def _dependencies() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for spec in project["dependencies"]:
        name, _, version = spec.partition("==")
        if version:
            found[name.strip()] = version.strip()
    return found


def test_the_pulumi_cli_matches_the_python_sdk() -> None:
    assert _pins()["PULUMI_VERSION"] == "v" + _dependencies()["pulumi"]


def test_the_kubernetes_provider_matches_its_python_sdk() -> None:
    assert _pins()["PULUMI_KUBERNETES_VERSION"] == _dependencies()["pulumi-kubernetes"]


def test_every_pin_is_exact() -> None:
    for name, value in _pins().items():
        assert re.fullmatch(r"v?\d+\.\d+\.\d+(-\d{14}-[0-9a-f]{12})?|[0-9a-f]{12}", value), (
            name,
            value,
        )


def test_the_workflows_install_the_cli_the_e2e_tests_judged() -> None:
    """The apply and drift jobs run the engine version `make e2e` proved."""
    for name in ("apply.yml", "drift.yml"):
        text = (REPO / ".github" / "workflows" / name).read_text(encoding="utf-8")
        found = re.search(r'PULUMI_VERSION: "([^"]+)"', text)
        assert found is not None, name
        assert "v" + found.group(1) == _pins()["PULUMI_VERSION"], name
