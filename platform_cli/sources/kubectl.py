"""The cluster's own account of a failure: Kubernetes events, read with `kubectl`.

When an object never becomes ready, the provider's message says only that it timed out;
the reason (a pod the scheduler cannot place, the quota that refused it) is an event of
the object, its ReplicaSets or its pods. `warning_events` reads them, read-only, with
`kubectl get events` on the stack's kube context. It is best effort: without `kubectl`
on PATH, or when the cluster does not answer, it returns nothing and the caller says
where to look instead. Nothing else in the toolkit runs `kubectl`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping

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
    args = [kubectl, "get", "events", "-n", namespace, "-o", "json"]
    if kube_context:
        args[1:1] = ["--context", kube_context]
    try:
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=dict(env),
            check=False,
        )
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
