"""Who a change lets in: the network paths a pull request opens into a namespace.

The landscape says who may call whom (`dependsOn`), but what the cluster enforces is the
rendered NetworkPolicies. So the answer is computed from them, not from YAML: each
policy of the base and of the head becomes a set of admitted paths (the pods the
policy selects, one peer, one port), and every path the head admits that the base
did not is an `Opening` into the policy's namespace. A new consumer, a widened
selector, a new port or a new policy all open something; the namespace's team must
approve it, whoever wrote the change (`reviewers.py`), because CODEOWNERS only knows
who owns the files that changed, and the requesting team's files are the only ones
that do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from platform_cli.render import Manifest
from platform_cli.render.meta import (
    COMPONENT_LABEL,
    NAME_LABEL,
    NAMESPACE_NAME_LABEL,
    SOURCE_ANNOTATION,
)

# (namespace, policy) -> the admitted paths: (selected pods, peer, port), each as JSON
_Paths = dict[tuple[str, str], set[tuple[str, str, str]]]


@dataclass(frozen=True, order=True)
class Opening:
    """A path into `namespace` that the head admits and the base did not."""

    stack: str
    namespace: str
    team: str  # the team whose namespace it is; '' for a namespace of no team
    policy: str  # the NetworkPolicy's name
    peer: str  # who is let in, for people
    peer_namespace: str  # the namespace the peer's pods are in
    ports: tuple[str, ...]  # `TCP 5432`
    source: str  # the file the policy is rendered from

    @property
    def cross_namespace(self) -> bool:
        return self.peer_namespace != self.namespace

    def describe(self) -> str:
        """`NetworkPolicy prod-call-center/pbx-1 admits service crm-api in
        prod-billing on TCP 5060`."""
        return (
            f"NetworkPolicy {self.namespace}/{self.policy} admits {self.peer} "
            f"on {', '.join(self.ports)}"
        )


def openings(
    stack: str,
    base: Iterable[Manifest],
    head: Iterable[Manifest],
    teams_by_namespace: Mapping[str, str],
) -> list[Opening]:
    """Every path the head's NetworkPolicies admit that the base's did not, grouped by
    policy and peer, in namespace, policy and peer order."""
    before = _paths(base)
    after = _paths(head)
    sources = {
        (str(o["metadata"].get("namespace", "")), str(o["metadata"]["name"])): str(
            o["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION, "")
        )
        for o in head
        if o["kind"] == "NetworkPolicy"
    }
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for key in sorted(after):
        new = after[key] - before.get(key, set())
        for _pods, peer, port in sorted(new):
            grouped.setdefault((*key, peer), []).append(port)
    found = []
    for (namespace, policy, peer), ports in grouped.items():
        peer_value = json.loads(peer)
        found.append(
            Opening(
                stack,
                namespace,
                teams_by_namespace.get(namespace, ""),
                policy,
                _describe_peer(peer_value, namespace),
                _peer_namespace(peer_value, namespace),
                tuple(_describe_port(json.loads(p)) for p in ports),
                sources.get((namespace, policy), ""),
            )
        )
    return sorted(found)


def _paths(objects: Iterable[Manifest]) -> _Paths:
    paths: _Paths = {}
    for obj in objects:
        if obj.get("kind") != "NetworkPolicy":
            continue
        meta = obj["metadata"]
        key = (str(meta.get("namespace", "")), str(meta["name"]))
        spec = obj.get("spec", {})
        pods = _canonical(spec.get("podSelector", {}))
        admitted = paths.setdefault(key, set())
        for rule in spec.get("ingress", []) or []:
            peers = rule.get("from") or [{}]  # no `from`: every source
            ports = rule.get("ports") or [{}]  # no `ports`: every port
            for peer in peers:
                for port in ports:
                    admitted.add((pods, _canonical(peer), _canonical(port)))
    return paths


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _peer_namespace(peer: Mapping[str, Any], namespace: str) -> str:
    selector = peer.get("namespaceSelector")
    if selector is None:
        return namespace
    labels = selector.get("matchLabels", {})
    if set(labels) == {NAMESPACE_NAME_LABEL} and not selector.get("matchExpressions"):
        return str(labels[NAMESPACE_NAME_LABEL])
    return "*"  # any namespace the selector matches


def _describe_peer(peer: Mapping[str, Any], namespace: str) -> str:
    if not peer:
        return "every source"
    if "ipBlock" in peer:
        return f"addresses {peer['ipBlock'].get('cidr', '?')}"
    where = _peer_namespace(peer, namespace)
    place = "any namespace" if where == "*" else f"namespace {where}"
    pods = peer.get("podSelector")
    if pods is None or not pods.get("matchLabels"):
        return f"every pod in {place}"
    labels = pods["matchLabels"]
    if set(labels) == {NAME_LABEL, COMPONENT_LABEL}:
        return f"{labels[COMPONENT_LABEL]} {labels[NAME_LABEL]} in {place}"
    shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"pods {shown} in {place}"


def _describe_port(port: Mapping[str, Any]) -> str:
    if not port:
        return "every port"
    return f"{port.get('protocol', 'TCP')} {port.get('port', '*')}"


def by_team(found: Iterable[Opening]) -> Iterator[tuple[str, list[Opening]]]:
    """The openings grouped by the team whose namespace they open, in team order."""
    groups: dict[str, list[Opening]] = {}
    for opening in found:
        groups.setdefault(opening.team, []).append(opening)
    for team in sorted(groups):
        yield team, groups[team]
