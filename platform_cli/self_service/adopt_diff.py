"""What an imported resource cannot say: its existing objects against its rendering.

The written resource is rendered (the renderer is the one truth of what a resource
makes), and every field of an existing object whose value the rendering does not
reproduce is named by its path: `Deployment legacy-crm/crm-web:
spec.template.spec.containers[0].volumeMounts[1] is not expressible`. The first apply
replaces those fields with the rendered ones. Fields that only record the object's
life (status, uid, managed fields, kubectl's last-applied annotation) and values the
API server fills in by default are not the owner's choices, so they are left out;
everything else is reported, never dropped.

A difference in a field Kubernetes keeps immutable (a Deployment's selector) means the
apply replaces the object: that one is reported as an error of the import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from platform_cli.checks.adoption import IMPORT_REPLACES
from platform_cli.findings import Finding
from platform_cli.render.meta import SOURCE_ANNOTATION
from platform_cli.self_service.adopt_objects import IMPORT_UNEXPRESSIBLE, describe

# Fields of an object that record its life, not its owner's choices
_LIFE = frozenset({"status"})
_KEPT_METADATA = ("labels", "annotations")
_IGNORED_ANNOTATION = re.compile(
    r"^(kubectl\.kubernetes\.io/|deployment\.kubernetes\.io/|autoscaling\.alpha\.kubernetes\.io/)"
)
# Immutable once created: a difference means the object is replaced
_IMMUTABLE = {
    "Deployment": ("spec.selector",),
    "Service": ("spec.clusterIP",),
    "VirtualMachine": (),
}

_PROBE_DEFAULTS = {
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
    "httpGet.scheme": "HTTP",
}
_HPA_BEHAVIOR = {
    "scaleUp": {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    },
    "scaleDown": {
        "stabilizationWindowSeconds": 300,
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
    },
}
# Values the API server (or the resource's controller) fills in when the owner says
# nothing: (kind, path with `*` for any list index) -> the default. A value that
# differs from its default is the owner's choice and is compared.
_DEFAULTS: dict[tuple[str, str], Any] = {
    ("Deployment", "spec.progressDeadlineSeconds"): 600,
    ("Deployment", "spec.revisionHistoryLimit"): 10,
    ("Deployment", "spec.strategy"): {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    },
    ("Deployment", "spec.template.metadata.creationTimestamp"): None,
    ("Deployment", "spec.template.spec.restartPolicy"): "Always",
    ("Deployment", "spec.template.spec.terminationGracePeriodSeconds"): 30,
    ("Deployment", "spec.template.spec.dnsPolicy"): "ClusterFirst",
    ("Deployment", "spec.template.spec.schedulerName"): "default-scheduler",
    ("Deployment", "spec.template.spec.securityContext"): {},
    ("Deployment", "spec.template.spec.serviceAccountName"): "default",
    ("Deployment", "spec.template.spec.serviceAccount"): "*serviceAccountName",
    ("Deployment", "spec.template.spec.containers.*.imagePullPolicy"): "IfNotPresent",
    ("Deployment", "spec.template.spec.containers.*.terminationMessagePath"): (
        "/dev/termination-log"
    ),
    ("Deployment", "spec.template.spec.containers.*.terminationMessagePolicy"): "File",
    ("Deployment", "spec.template.spec.containers.*.resources"): {},
    ("Deployment", "spec.template.spec.containers.*.ports.*.protocol"): "TCP",
    **{
        ("Deployment", f"spec.template.spec.containers.*.{probe}.{key}"): value
        for probe in ("livenessProbe", "readinessProbe", "startupProbe")
        for key, value in _PROBE_DEFAULTS.items()
    },
    ("Service", "spec.type"): "ClusterIP",
    ("Service", "spec.sessionAffinity"): "None",
    ("Service", "spec.internalTrafficPolicy"): "Cluster",
    ("Service", "spec.ipFamilyPolicy"): "SingleStack",
    ("Service", "spec.ports.*.protocol"): "TCP",
    ("Service", "spec.allocateLoadBalancerNodePorts"): True,
    ("HorizontalPodAutoscaler", "spec.behavior"): _HPA_BEHAVIOR,
    ("Ingress", "spec.rules.*.http.paths.*.pathType"): "Prefix",
}
# Assigned by the cluster, never chosen in a manifest the platform writes
_ASSIGNED = {
    ("Service", "spec.clusterIP"),
    ("Service", "spec.clusterIPs"),
    ("Service", "spec.ipFamilies"),
    ("Service", "spec.ports.*.nodePort"),
    ("Service", "spec.healthCheckNodePort"),
}


def unexpressible(
    inputs: Sequence[Mapping[str, Any]], rendered: Sequence[Mapping[str, Any]], where: str
) -> list[Finding]:
    """Every field of `inputs` that `rendered` does not reproduce, by object and path;
    an input object the resource does not render at all is named once."""
    findings: list[Finding] = []
    by_id = {(str(o["kind"]), str(o["metadata"]["name"])): o for o in rendered}
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for obj in rendered:
        by_kind.setdefault(str(obj["kind"]), []).append(obj)
    for obj in inputs:
        kind = str(obj.get("kind", ""))
        name = str((obj.get("metadata") or {}).get("name", ""))
        twin = by_id.get((kind, name))
        if twin is None and len(by_kind.get(kind, [])) == 1:
            twin = by_kind[kind][0]
            findings.append(
                IMPORT_UNEXPRESSIBLE.finding(
                    where,
                    0,
                    0,
                    f"{describe(obj)}: metadata.name is not expressible: the resource "
                    f"renders it as {twin['metadata']['name']!r}",
                    "the apply creates the new one beside it; delete the old one once "
                    "traffic has moved",
                )
            )
        if twin is None:
            findings.append(
                IMPORT_UNEXPRESSIBLE.finding(
                    where,
                    0,
                    0,
                    f"{describe(obj)}: is not expressible: the resource renders no such object",
                    "the apply leaves it alone; delete it once the imported resource replaces it",
                )
            )
            continue
        for path, message in _compare(kind, obj, twin):
            fixed = _IMMUTABLE.get(kind, ())
            replaced = any(path == p or path.startswith(p + ".") for p in fixed)
            rule = IMPORT_REPLACES if replaced else IMPORT_UNEXPRESSIBLE
            hint = (
                "the apply would delete and recreate the object; recreate it by hand with "
                "the rendered value first (`platform render`), or accept the replacement"
                if rule is IMPORT_REPLACES
                else "the first apply sets the rendered value; keep what matters another "
                "way, or accept the change"
            )
            findings.append(rule.finding(where, 0, 0, f"{describe(obj)}: {path} {message}", hint))
    return findings


def _compare(kind: str, obj: Mapping[str, Any], twin: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or key in _LIFE:
            continue
        if key == "metadata":
            meta = value if isinstance(value, Mapping) else {}
            other = twin.get("metadata", {})
            for part in _KEPT_METADATA:
                mine = dict(meta.get(part) or {})
                theirs = dict(other.get(part) or {})
                if part == "annotations":
                    mine = {k: v for k, v in mine.items() if not _IGNORED_ANNOTATION.match(k)}
                    mine.pop(SOURCE_ANNOTATION, None)
                    theirs.pop(SOURCE_ANNOTATION, None)
                for label, text in sorted(mine.items()):
                    if theirs.get(label) != text:
                        out.append((f"metadata.{part}.{label}", "is not expressible"))
            continue
        out += _walk(kind, key, key, value, twin.get(key), obj)
    return out


def _pattern(path: str) -> str:
    return re.sub(r"\[[0-9]+\]", ".*", path)


def _is_default(kind: str, path: str, value: Any, obj: Mapping[str, Any]) -> bool:
    pattern = _pattern(path)
    if (kind, pattern) in _ASSIGNED:
        return True
    if (kind, pattern) not in _DEFAULTS:
        return False
    default = _DEFAULTS[(kind, pattern)]
    if default == "*serviceAccountName":
        return True  # the deprecated mirror of serviceAccountName, compared there
    if pattern.endswith("imagePullPolicy"):
        return value in ("IfNotPresent", "Always")
    return bool(value == default)


def _walk(
    kind: str, path: str, pattern_path: str, mine: Any, theirs: Any, obj: Mapping[str, Any]
) -> list[tuple[str, str]]:
    if mine == theirs:
        return []
    if _is_default(kind, path, mine, obj):
        return []
    if isinstance(mine, Mapping) and isinstance(theirs, Mapping):
        out = []
        for key, value in mine.items():
            out += _walk(kind, f"{path}.{key}", pattern_path, value, theirs.get(key), obj)
        return out
    if isinstance(mine, list) and isinstance(theirs, list):
        out = []
        named = all(isinstance(i, Mapping) and "name" in i for i in [*mine, *theirs])
        for index, item in enumerate(mine):
            if named:
                other = next((t for t in theirs if t.get("name") == item.get("name")), None)
            else:
                other = theirs[index] if index < len(theirs) else None
            out += _walk(kind, f"{path}[{index}]", pattern_path, item, other, obj)
        return out
    if (
        _pattern(path) == "spec.ports.*.targetPort"
        and isinstance(mine, int)
        and isinstance(theirs, str)
    ):
        return []  # by number where the platform names the same container port
    if theirs is None:
        return [(path, "is not expressible")]
    return [(path, f"is not expressible ({_short(mine)}; the resource renders {_short(theirs)})")]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
