"""Who a change lets in and shuts out: the network paths a pull request opens into a
namespace, and those it closes.

The landscape says who may call whom (`dependsOn`), but what the cluster enforces is the
rendered NetworkPolicies. So the answer is computed from them, not from YAML: each
policy of the base and of the head becomes a set of admitted paths (the pods the
policy selects, one peer, one port), and every path the head admits that the base
did not is an `Opening` into the policy's namespace. A new consumer, a widened
selector, a new port or a new policy all open something; the namespace's team must
approve it, whoever wrote the change (`reviewers.py`), because CODEOWNERS only knows
who owns the files that changed, and the requesting team's files are the only ones
that do. Every path the base admitted and the head no longer does is a closing
(`opens` false): nobody approves it, but a reviewer sees which calls start to fail.

Both read as `prod-analytics/analytics-etl may now reach prod-legacy-ops/erp-db-1 on
5432/TCP` (`describe`).
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

# The label CloudNativePG puts on the pods of a cluster
CNPG_CLUSTER_LABEL = "cnpg.io/cluster"

# (namespace, policy) -> the admitted paths: (selected pods, peer, port), each as JSON
_Paths = dict[tuple[str, str], set[tuple[str, str, str]]]


@dataclass(frozen=True, order=True)
class Opening:
    """A path into `namespace` that the head admits and the base did not (or, with
    `opens` false, that the base admitted and the head no longer does)."""

    stack: str
    namespace: str
    team: str  # the team whose namespace it is; '' for a namespace of no team
    policy: str  # the NetworkPolicy's name
    peer: str  # who is let in, for people
    peer_namespace: str  # the namespace the peer's pods are in
    ports: tuple[str, ...]  # `TCP 5432`
    source: str  # the file the policy is rendered from
    target: str = ""  # the pods the policy guards, for people
    opens: bool = True  # False: a path the head closes

    @property
    def cross_namespace(self) -> bool:
        return self.peer_namespace != self.namespace

    def describe(self) -> str:
        """`prod-analytics/analytics-etl may now reach prod-legacy-ops/erp-db-1 on
        5432/TCP` (`may no longer reach` for a closing)."""
        target = self.target or f"{self.namespace}/{self.policy}"
        verb = "may now reach" if self.opens else "may no longer reach"
        return f"{self.peer} {verb} {target} on {', '.join(self.ports)}"


def openings(
    stack: str,
    base: Iterable[Manifest],
    head: Iterable[Manifest],
    teams_by_namespace: Mapping[str, str],
) -> list[Opening]:
    """Every path the head's NetworkPolicies admit that the base's did not, grouped by
    policy and peer, in namespace, policy and peer order."""
    return _compare(stack, list(base), list(head), teams_by_namespace, opens=True)


def closings(
    stack: str,
    base: Iterable[Manifest],
    head: Iterable[Manifest],
    teams_by_namespace: Mapping[str, str],
) -> list[Opening]:
    """Every path the base's NetworkPolicies admitted that the head's no longer do (a
    policy that disappears closes everything it admitted)."""
    return _compare(stack, list(head), list(base), teams_by_namespace, opens=False)


def _compare(
    stack: str,
    before_objects: list[Manifest],
    after_objects: list[Manifest],
    teams_by_namespace: Mapping[str, str],
    *,
    opens: bool,
) -> list[Opening]:
    """The paths `after_objects` admit that `before_objects` do not."""
    before = _paths(before_objects)
    after = _paths(after_objects)
    sources = {
        (str(o["metadata"].get("namespace", "")), str(o["metadata"]["name"])): str(
            o["metadata"].get("annotations", {}).get(SOURCE_ANNOTATION, "")
        )
        for o in after_objects
        if o["kind"] == "NetworkPolicy"
    }
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    for key in sorted(after):
        new = after[key] - before.get(key, set())
        for pods, peer, port in sorted(new):
            grouped.setdefault((*key, pods, peer), []).append(port)
    found = []
    for (namespace, policy, pods, peer), ports in grouped.items():
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
                _describe_pods(json.loads(pods), namespace),
                opens,
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
    if "ipBlock" in peer:
        return "*"  # addresses: from outside the namespace, possibly the cluster
    selector = peer.get("namespaceSelector")
    if selector is None:
        return namespace
    labels = selector.get("matchLabels", {})
    if set(labels) == {NAMESPACE_NAME_LABEL} and not selector.get("matchExpressions"):
        return str(labels[NAMESPACE_NAME_LABEL])
    return "*"  # any namespace the selector matches


def _describe_peer(peer: Mapping[str, Any], namespace: str) -> str:
    """`prod-analytics/analytics-etl`, `every pod in namespace prod-billing`,
    `addresses 10.0.0.0/8`, `every source`."""
    if not peer:
        return "every source"
    if "ipBlock" in peer:
        return f"addresses {peer['ipBlock'].get('cidr', '?')}"
    where = _peer_namespace(peer, namespace)
    return _describe_pods(peer.get("podSelector"), "any namespace" if where == "*" else where)


def _describe_pods(selector: Mapping[str, Any] | None, namespace: str) -> str:
    """The pods a selector picks in a namespace: `prod-billing/billing-api` for the
    pods of one rendered resource, else the labels or every pod."""
    labels = (selector or {}).get("matchLabels") or {}
    place = "any namespace" if namespace == "any namespace" else f"namespace {namespace}"
    if (selector or {}).get("matchExpressions"):
        return f"pods matching {_canonical(selector)} in {place}"
    if not labels:
        return f"every pod in {place}"
    if set(labels) <= {NAME_LABEL, COMPONENT_LABEL} and NAME_LABEL in labels:
        return f"{namespace}/{labels[NAME_LABEL]}"
    if set(labels) == {CNPG_CLUSTER_LABEL}:
        return f"{namespace}/{labels[CNPG_CLUSTER_LABEL]} (database)"
    shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"pods {shown} in {place}"


def _describe_port(port: Mapping[str, Any]) -> str:
    """`5432/TCP`, or `every port`."""
    if not port:
        return "every port"
    return f"{port.get('port', 'every port')}/{port.get('protocol', 'TCP')}"


def by_team(found: Iterable[Opening]) -> Iterator[tuple[str, list[Opening]]]:
    """The openings grouped by the team whose namespace they open, in team order."""
    groups: dict[str, list[Opening]] = {}
    for opening in found:
        groups.setdefault(opening.team, []).append(opening)
    for team in sorted(groups):
        yield team, groups[team]


def follow_renames(
    opened: Iterable[Opening], closed: Iterable[Opening], renamed: Mapping[str, str]
) -> tuple[list[Opening], list[Opening], int]:
    """The openings and closings left when every path that only follows a rename is
    taken out of both, and how many were: a path from or to `ns/old` at base that is
    the same path from or to `ns/new` at head was approved before, under the old name.
    `renamed` maps `namespace/old` to `namespace/new`."""

    def moved(text: str) -> str:
        for old, new in renamed.items():
            if text == old or text.startswith(old + " "):
                return new + text[len(old) :]
        return text

    def key(o: Opening, rename: bool) -> tuple[str, str, str, tuple[str, ...]]:
        follow = moved if rename else (lambda text: text)
        return (o.namespace, follow(o.target), follow(o.peer), o.ports)

    opened, closed = list(opened), list(closed)
    if not renamed:
        return opened, closed, 0
    closed_keys = {key(o, True) for o in closed}
    followed = {key(o, False) for o in opened} & closed_keys
    kept_open = [o for o in opened if key(o, False) not in followed]
    kept_closed = [o for o in closed if key(o, True) not in followed]
    return kept_open, kept_closed, len(opened) - len(kept_open)
