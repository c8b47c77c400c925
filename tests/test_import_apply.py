"""`platform up` takes over, without `--adopt`, exactly the objects rendered from a
resource whose file records `metadata.adoption` (and the namespace they live in); any
other object made by hand still refuses the shard. Stand-in pulumi and kubectl
(tests/data/apply/), a real git repository; the real engine in
tests/e2e/test_adopt_namespace.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.apply import automation
from tests.conftest import git
from tests.test_adopt import NAMESPACE, _tags_set
from tests.test_apply_runs import STACK, _ups, billing_repo
from tests.test_automation import Pulumi, Result, platform, pulumi  # noqa: F401

ADOPTION = """  adoption:
    source: cluster
    from: "prod-msk/prod-service-desk"
    at: "2026-11-29"
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = billing_repo(tmp_path)
    path = root / "stacks/prod/service-desk/tickets-api.yaml"
    text = path.read_text()
    path.write_text(text.replace("  system: tickets\n", "  system: tickets\n" + ADOPTION, 1))
    git(root, "commit", "-qam", "tickets-api: adopted")
    return root


def test_adopted_objects_and_their_namespace_are_taken_over_without_adopt(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    pulumi.cluster_has(
        **{
            "": [f"namespace/{NAMESPACE}"],
            NAMESPACE: ["service/tickets-api", "deployment.apps/tickets-api"],
        }
    )
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 0, result.stderr
    assert _ups(pulumi) == [STACK]
    assert (
        f"platform: warning: Pulumi stack {STACK} took over 3 objects made by hand "
        f"(metadata.adoption): Deployment {NAMESPACE}/tickets-api, Namespace {NAMESPACE}, "
        f"Service {NAMESPACE}/tickets-api\n"
    ) in result.stderr
    adopted = _tags_set(pulumi)[automation.ADOPTED_TAG]
    assert adopted.startswith("3 objects ") and adopted.endswith(
        f": Deployment {NAMESPACE}/tickets-api, Namespace {NAMESPACE}, "
        f"Service {NAMESPACE}/tickets-api"
    )


def test_an_object_of_a_resource_without_adoption_still_refuses(
    repo: Path,
    pulumi: Pulumi,  # noqa: F811
    platform: Callable[..., Result],  # noqa: F811
) -> None:
    # tickets-db records no adoption: its Cluster, made by hand, is not taken over
    pulumi.cluster_has(
        **{
            "": [f"namespace/{NAMESPACE}"],
            NAMESPACE: ["service/tickets-api", "cluster.postgresql.cnpg.io/tickets-db"],
        }
    )
    result = platform("up", "--root", str(repo), "--stack", STACK)
    assert result.exit_code == 1
    assert _ups(pulumi) == []
    assert (
        f"refusing to apply Pulumi stack {STACK}: 1 object it would create exists in the "
        f"cluster already, made by hand or by another tool: Cluster {NAMESPACE}/tickets-db\n"
    ) in result.stderr
