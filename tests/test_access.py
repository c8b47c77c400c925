"""`plan/access.py`: what a change lets in, read from the rendered NetworkPolicies of
both sides, and who must approve it (`plan/reviewers.py`)."""

from __future__ import annotations

from typing import Any

from platform_cli.plan.access import closings, openings
from platform_cli.plan.objects import KubernetesStack
from platform_cli.plan.reviewers import approvals
from platform_cli.plan.risks import ARCHITECTS
from tests.render_support import bundled

TEAMS = {"prod-billing": "billing", "prod-call-center": "call-center"}
CRM_API = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "prod-call-center"}},
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/name": "crm-api",
            "app.kubernetes.io/component": "service",
        }
    },
}


def policy(pods: dict[str, str], *rules: tuple[list[dict[str, Any]], list[int]]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "billing-api", "namespace": "prod-billing", "annotations": {}},
        "spec": {
            "podSelector": {"matchLabels": pods},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": peers, "ports": [{"protocol": "TCP", "port": p} for p in ports]}
                for peers, ports in rules
            ],
        },
    }


API_PODS = {"app.kubernetes.io/name": "billing-api"}


def test_nothing_new_opens_nothing() -> None:
    same = [policy(API_PODS, ([CRM_API], [8080]))]
    assert openings("prod", same, same, TEAMS) == []


def test_a_new_port_for_a_known_peer_is_an_opening_of_that_port() -> None:
    base = [policy(API_PODS, ([CRM_API], [8080]))]
    head = [policy(API_PODS, ([CRM_API], [8080, 9090]))]
    (opening,) = openings("prod", base, head, TEAMS)
    assert opening.ports == ("9090/TCP",)
    assert opening.team == "billing" and opening.cross_namespace
    assert opening.describe() == (
        "prod-call-center/crm-api may now reach prod-billing/billing-api on 9090/TCP"
    )


def test_a_widened_selector_opens_every_path_again() -> None:
    base = [policy(API_PODS, ([CRM_API], [8080]))]
    head = [policy({}, ([CRM_API], [8080]))]  # now every pod of the namespace
    (opening,) = openings("prod", base, head, TEAMS)
    assert opening.ports == ("8080/TCP",)
    assert opening.target == "every pod in namespace prod-billing"


def test_a_namespace_wide_peer_is_named_so() -> None:
    everyone = {"namespaceSelector": {}}
    (opening,) = openings("prod", [], [policy(API_PODS, ([everyone], [8080]))], TEAMS)
    assert opening.peer == "every pod in any namespace"
    assert opening.peer_namespace == "*" and opening.cross_namespace


def test_a_rule_without_peers_admits_every_source() -> None:
    head = [policy(API_PODS, ([], []))]
    (opening,) = openings("prod", [], head, TEAMS)
    assert (opening.peer, opening.ports) == ("every source", ("every port",))


def test_a_dropped_consumer_and_a_dropped_port_are_closings() -> None:
    base = [policy(API_PODS, ([CRM_API], [8080, 9090]))]
    head = [policy(API_PODS, ([CRM_API], [8080]))]
    assert openings("prod", base, head, TEAMS) == []
    (closing,) = closings("prod", base, head, TEAMS)
    assert not closing.opens
    assert closing.describe() == (
        "prod-call-center/crm-api may no longer reach prod-billing/billing-api on 9090/TCP"
    )
    # A policy that disappears closes everything it admitted
    assert [c.ports for c in closings("prod", base, [], TEAMS)] == [("8080/TCP", "9090/TCP")]


def test_a_peer_in_the_same_namespace_and_an_address_block_are_named() -> None:
    same = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "billing-web"}}}
    block = {"ipBlock": {"cidr": "10.0.0.0/8"}}
    found = openings("prod", [], [policy(API_PODS, ([same, block], [8080]))], TEAMS)
    assert [o.describe() for o in found] == [
        "addresses 10.0.0.0/8 may now reach prod-billing/billing-api on 8080/TCP",
        "prod-billing/billing-web may now reach prod-billing/billing-api on 8080/TCP",
    ]
    assert [o.cross_namespace for o in found] == [True, False]


def test_network_paths_that_cannot_be_compared_need_the_architects() -> None:
    landscape = bundled()
    unknown = KubernetesStack("prod", unavailable="the base has 1 error")
    (approval,) = approvals(landscape, landscape, (), [], (unknown,))
    assert (approval.team, approval.owners) == (ARCHITECTS, ("@dom-komfort/architects",))
    # A head with errors fails the plan anyway; nothing to approve
    failing = KubernetesStack("prod", unavailable="the head has 2 errors")
    assert approvals(landscape, landscape, (), [], (failing,)) == []
