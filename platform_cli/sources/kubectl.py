"""The cluster's own account of a failure: Kubernetes events, read with `kubectl`.

When an object never becomes ready, the provider's message says only that it timed out;
the reason (a pod the scheduler cannot place, the quota that refused it) is an event of
the object, its ReplicaSets or its pods. `warning_events` reads them, read-only, with
`kubectl get events` on the stack's kube context. It is best effort: without `kubectl`
on PATH, or when the cluster does not answer, it returns nothing and the caller says
where to look instead.

`existing` answers, read-only, which of a shard's new objects exist already (made by
hand or by another tool), so that `platform up` never takes one over unasked.

`namespace_objects` reads, read-only, a namespace and the objects in it of the kinds
`platform import --from-cluster` turns into landscape files or reports (never Secrets:
their values have no place in a report). Nothing else in the toolkit runs `kubectl`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from platform_cli.errors import PlatformError

TIMEOUT_SECONDS = 20
MAX_EVENTS = 3


def warning_events(
    namespace: str, name: str, kube_context: str, env: Mapping[str, str]
) -> list[str]:
    """The latest distinct warnings (`Reason: message`) of object `name` in `namespace`
    and of what it owns by name (`name-<hash>`, `name-<hash>-<id>`), newest first."""
    kubectl = shutil.which("kubectl", path=env.get("PATH"))
    if kubectl is None:
        return []
    try:
        proc = _run(kubectl, ["get", "events", "-n", namespace, "-o", "json"], kube_context, env)
        items = json.loads(proc.stdout).get("items", []) if proc.returncode == 0 else []
    except (OSError, subprocess.SubprocessError, ValueError, AttributeError):
        return []
    found = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "Warning":
            continue
        involved = str((item.get("involvedObject") or {}).get("name", ""))
        if involved != name and not involved.startswith(f"{name}-"):
            continue
        when = str(item.get("lastTimestamp") or item.get("eventTime") or "")
        text = f"{item.get('reason', '')} ({involved}): {' '.join(str(item.get('message', '')).split())}"
        found.append((when, text))
    out: list[str] = []
    for _, text in sorted(found, reverse=True):
        if text not in out:
            out.append(text)
    return out[:MAX_EVENTS]


# Objects that exist already: `platform up` asks before it creates any


class KubectlFailed(PlatformError):
    """`kubectl` could not say which objects exist."""


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One Kubernetes object by its API version, kind, namespace ('' when
    cluster-scoped) and name."""

    api_version: str
    kind: str
    namespace: str
    name: str

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def argument(self) -> str:
        """`TYPE/NAME` as `kubectl get` takes it: the kind, fully qualified by version and
        group outside the core group, so no short name or CRD can be mistaken for it."""
        version = self.api_version.rpartition("/")[2]
        kind = f"{self.kind}.{version}.{self.group}" if self.group else self.kind
        return f"{kind}/{self.name}"

    def key(self) -> tuple[str, str, str]:
        """How `kubectl get -o name` names it: `kind.group/name`, the kind in lower case."""
        return (self.kind.lower(), self.group, self.name)

    def describe(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


# Names per `kubectl get`: far below any limit on the length of a command line
BATCH = 200
_NO_TYPE = "doesn't have a resource type"


def existing(
    refs: Iterable[ObjectRef], kube_context: str, env: Mapping[str, str]
) -> list[ObjectRef]:
    """Which of `refs` exist in the cluster of `kube_context`, read-only: one
    `kubectl get TYPE/NAME... --ignore-not-found -o name` per namespace (and per
    BATCH names), whatever their kinds; a kind the cluster does not serve (a CRD not
    installed) has no objects. Raises KubectlFailed when the cluster cannot be asked."""
    kubectl = shutil.which("kubectl", path=env.get("PATH"))
    wanted = sorted(set(refs))
    if not wanted:
        return []
    if kubectl is None:
        raise KubectlFailed(
            "`kubectl` is not on PATH: cannot ask the cluster which objects exist already",
            hint="install kubectl (the apply job's runner has it)",
        )
    by_namespace: dict[str, list[ObjectRef]] = {}
    for ref in wanted:
        by_namespace.setdefault(ref.namespace, []).append(ref)
    found: set[tuple[str, str, str, str]] = set()
    for namespace, group in by_namespace.items():
        for start in range(0, len(group), BATCH):
            batch = group[start : start + BATCH]
            for key in _get(kubectl, batch, namespace, kube_context, env):
                found.add((namespace, *key))
    return [ref for ref in wanted if (ref.namespace, *ref.key()) in found]


def _get(
    kubectl: str,
    refs: list[ObjectRef],
    namespace: str,
    kube_context: str,
    env: Mapping[str, str],
) -> set[tuple[str, str, str]]:
    command = [
        "get",
        *(["-n", namespace] if namespace else []),
        *(r.argument() for r in refs),
        "--ignore-not-found",
        *("-o", "name"),
    ]
    try:
        proc = _run(kubectl, command, kube_context, env)
    except (OSError, subprocess.SubprocessError) as exc:
        raise _failed(kube_context, str(exc)) from None
    if proc.returncode == 0:
        found = set()
        for line in proc.stdout.splitlines():
            kind_group, _, name = line.strip().partition("/")
            kind, _, group = kind_group.partition(".")
            if name:
                found.add((kind, group, name))
        return found
    if _NO_TYPE in proc.stderr:
        kinds = sorted({(r.api_version, r.kind) for r in refs})
        if len(kinds) == 1:
            return set()  # the cluster does not serve this kind: no such object
        # Ask kind by kind: the ones the cluster serves still answer
        out: set[tuple[str, str, str]] = set()
        for api_version, kind in kinds:
            same = [r for r in refs if (r.api_version, r.kind) == (api_version, kind)]
            out |= _get(kubectl, same, namespace, kube_context, env)
        return out
    raise _failed(kube_context, proc.stderr)


def _run(
    kubectl: str, command: list[str], kube_context: str, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """One read-only kubectl call: `kubectl [--context C] COMMAND...`."""
    args = [kubectl, *(["--context", kube_context] if kube_context else []), *command]
    return subprocess.run(
        args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=dict(env), check=False
    )


def _failed(
    kube_context: str,
    stderr: str,
    doing: str = "ask the cluster of {context} which objects exist already",
) -> KubectlFailed:
    """A failed read, with the first line kubectl said and what was being done."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    cause = lines[0] if lines else "no answer"
    context = f"kube context {kube_context!r}" if kube_context else "the current kube context"
    return KubectlFailed(
        f"cannot {doing.format(context=context)}: {cause}",
        hint=f"check that `kubectl --context {kube_context or '<context>'} get namespaces` "
        "answers (KUBECONFIG and its credentials)",
    )


# Reading a namespace's objects: `platform import --from-cluster`

_READ = "read the namespace from the cluster of {context}"

# Fully qualified, so that no short name or CRD of another group is mistaken for them:
# what import turns into landscape files, then what it only reports
IMPORT_TYPES = (
    "deployments.v1.apps",
    "services.v1.",
    "ingresses.v1.networking.k8s.io",
    "horizontalpodautoscalers.v2.autoscaling",
    "clusters.v1.postgresql.cnpg.io",
    "scheduledbackups.v1.postgresql.cnpg.io",
    "objectstores.v1.barmancloud.cnpg.io",
    "virtualmachines.v1.kubevirt.io",
    "statefulsets.v1.apps",
    "daemonsets.v1.apps",
    "cronjobs.v1.batch",
    "configmaps.v1.",
    "persistentvolumeclaims.v1.",
    "networkpolicies.v1.networking.k8s.io",
    "poddisruptionbudgets.v1.policy",
    "serviceaccounts.v1.",
)


def namespace_objects(
    namespace: str, kube_context: str, env: Mapping[str, str], types: Iterable[str] = IMPORT_TYPES
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the namespace, its objects of `types`), read-only with `kubectl get -o json`;
    (None, []) when the namespace does not exist. A type the cluster does not serve
    (a CRD not installed) has no objects. Raises KubectlFailed when the cluster cannot
    be asked."""
    kubectl = shutil.which("kubectl", path=env.get("PATH"))
    if kubectl is None:
        raise KubectlFailed(
            "`kubectl` is not on PATH: cannot read the namespace",
            hint="install kubectl, or export the objects and use --from-manifests",
        )
    found = _get_json(kubectl, ["get", "namespace", namespace], kube_context, env, what=namespace)
    if found is None:
        return None, []
    objects: list[dict[str, Any]] = []
    for kind in types:
        listed = _get_json(kubectl, ["get", "-n", namespace, kind], kube_context, env, what=kind)
        if listed is None:
            continue
        items = listed.get("items", [])
        objects += [i for i in items if isinstance(i, dict)]
    return found, objects


def _get_json(
    kubectl: str, command: list[str], kube_context: str, env: Mapping[str, str], *, what: str
) -> dict[str, Any] | None:
    """One `kubectl get ... -o json`; None when the object or type does not exist."""
    try:
        proc = _run(kubectl, [*command, "-o", "json"], kube_context, env)
    except (OSError, subprocess.SubprocessError) as exc:
        raise _failed(kube_context, str(exc), _READ) from None
    if proc.returncode != 0:
        if _NO_TYPE in proc.stderr or "NotFound" in proc.stderr:
            return None
        raise _failed(kube_context, proc.stderr, _READ)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise _failed(kube_context, f"`kubectl get {what}` printed no JSON", _READ) from None
    return data if isinstance(data, dict) else None
