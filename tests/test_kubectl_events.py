"""sources/kubectl.py: the warning events of an object and what it owns, from a stand-in
`kubectl` on PATH that prints what `kubectl get events -o json` prints."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from platform_cli.sources.kubectl import warning_events

EVENTS = {
    "items": [
        {"type": "Normal", "reason": "ScalingReplicaSet", "message": "Scaled up",
         "involvedObject": {"kind": "Deployment", "name": "billing-calculator"},
         "lastTimestamp": "2026-11-29T09:00:00Z"},
        {"type": "Warning", "reason": "FailedScheduling",
         "message": "0/3 nodes are available:  3 node(s) had untolerated taint {x: true}.",
         "involvedObject": {"kind": "Pod", "name": "billing-calculator-7d9f-abcde"},
         "eventTime": "2026-11-29T09:00:05.000000Z"},
        {"type": "Warning", "reason": "FailedCreate",
         "message": "pods is forbidden: exceeded quota: blocker",
         "involvedObject": {"kind": "ReplicaSet", "name": "billing-calculator-7d9f"},
         "lastTimestamp": "2026-11-29T09:00:09Z"},
        {"type": "Warning", "reason": "FailedCreate", "message": "another object",
         "involvedObject": {"kind": "ReplicaSet", "name": "billing-calculatorx-1"},
         "lastTimestamp": "2026-11-29T09:00:10Z"},
    ]
}  # fmt: skip


def _standin(tmp_path: Path, body: str, code: int = 0) -> dict[str, str]:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "kubectl"
    script.write_text(
        f"#!{sys.executable}\nimport sys, json\n"
        f"open({str(tmp_path / 'args.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"sys.stdout.write({body!r})\nsys.exit({code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": str(folder), "KUBECONFIG": "/dev/null"}


def test_the_latest_warnings_of_the_object_and_what_it_owns(tmp_path: Path) -> None:
    env = _standin(tmp_path, json.dumps(EVENTS))
    found = warning_events("dev-billing", "billing-calculator", "dev-msk", env)
    assert found == [
        "FailedCreate (billing-calculator-7d9f): pods is forbidden: exceeded quota: blocker",
        "FailedScheduling (billing-calculator-7d9f-abcde): 0/3 nodes are available: 3 node(s) "
        "had untolerated taint {x: true}.",
    ]
    args = json.loads((tmp_path / "args.json").read_text())
    assert args == ["--context", "dev-msk", "get", "events", "-n", "dev-billing", "-o", "json"]


def test_no_kubectl_or_a_failing_one_says_nothing(tmp_path: Path) -> None:
    assert warning_events("ns", "x", "ctx", {"PATH": str(tmp_path / "none")}) == []
    env = _standin(tmp_path, "error: Unauthorized", code=1)
    assert warning_events("ns", "x", "ctx", env) == []
    assert os.environ.get("PATH")  # the caller's environment is untouched
