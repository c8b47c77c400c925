"""Faults of an apply, each against the real Pulumi CLI, the real provider and the
loopback control plane (issue 16): a workload that never becomes ready, a second `up`
while one runs, an `up` killed with SIGKILL, an `up` stopped by SIGTERM (a CI job's
timeout), the API server stopped mid-apply, credentials the cluster refuses, and an
object made by hand before the landscape declares it. After each, the next run converges.

A workload is kept from ever becoming ready the ways a real cluster does it: every node
tainted by hand leaves the new pods of a rollout unschedulable (the scheduler says why,
and the provider passes it on), and a ResourceQuota created by hand (`pods=0`) makes the
API server refuse them (a rollout that hangs, for the lock, kill and API server faults).
The tests run after tests/e2e/test_apply.py, on the shards of `dev`, and put the
landscape back.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PLATFORM, Landscape, Run, stop_group
from tests.e2e.controlplane import ControlPlane

SHARD = "dev.billing"
NAMESPACE = "dev-billing"
DEPLOYMENT = "billing-calculator"
SOURCE = "stacks/dev/billing/billing-calculator.yaml"
OTHER = "dev.call-center"
CONTEXT = "dev-msk"  # stacks/dev/stack.yaml, cluster.kubeContext
BLOCKER = "platform-e2e-blocker"
READY_TIMEOUT = 40


def _state(landscape: Landscape) -> Path:
    return Path(landscape.env["PULUMI_BACKEND_URL"].removeprefix("file://"))


def _locks(landscape: Landscape, stack: str) -> list[Path]:
    return sorted((_state(landscape) / ".pulumi" / "locks").glob(f"**/{stack}/*.json"))


def _start(landscape: Landscape, *args: str) -> subprocess.Popen[str]:
    """`platform` in the background, in a process group of its own."""
    return subprocess.Popen(
        [str(PLATFORM), *args, "--root", str(landscape.root)],
        cwd=landscape.root,
        env=landscape.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _until(what: str, test: Any, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _log_level(plane: ControlPlane) -> str:
    deployment = plane.get_json("deployment", DEPLOYMENT, "-n", NAMESPACE)
    env = deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])
    return next((e.get("value", "") for e in env if e["name"] == "LOG_LEVEL"), "")


def _change(landscape: Landscape, path: str, message: str) -> str:
    """A change that rolls the Deployment out (LOG_LEVEL debug -> info)."""
    file = landscape.root / path
    text = file.read_text()
    assert 'LOG_LEVEL: "debug"' in text
    file.write_text(text.replace('LOG_LEVEL: "debug"', 'LOG_LEVEL: "info"'))
    return landscape.commit(message)


def test_refused_credentials_name_the_context_and_change_nothing(
    applied: Run, landscape: Landscape, plane: ControlPlane, tmp_path: Path
) -> None:
    assert applied.returncode == 0, applied.output
    config = json.loads(plane.kubeconfig.read_text())
    config["users"] = [
        {"name": u["name"], "user": {"token": "expired-token"}} for u in config["users"]
    ]
    bad = tmp_path / "kubeconfig"
    bad.write_text(json.dumps(config))
    before = landscape.platform("status", "--only", "dev", "--format", "json")
    expired = dataclasses.replace(landscape, env={**landscape.env, "KUBECONFIG": str(bad)}, runs=[])
    try:
        sha = _change(landscape, SOURCE, "billing-calculator: info")
        run = expired.platform("up", "--stack", SHARD, "--commit", sha)
        assert run.returncode == 1, run.output
        assert f"kube context '{CONTEXT}'" in run.stderr, run.output
        assert "refused the credentials" in run.stderr, run.output
        assert "Traceback" not in run.stderr
        assert _log_level(plane) == "debug"  # nothing applied
        after = landscape.platform("status", "--only", "dev", "--format", "json")
        record = {s["stack"]: s for s in json.loads(before.stdout)["stacks"]}[SHARD]
        now = {s["stack"]: s for s in json.loads(after.stdout)["stacks"]}[SHARD]
        assert now["commit"] == record["commit"] and now["appliedAt"] == record["appliedAt"]
        assert _locks(landscape, SHARD) == []
    finally:
        landscape.reset()


@pytest.fixture
def blocked(applied: Run, landscape: Landscape, plane: ControlPlane) -> Iterator[Landscape]:
    """New pods in dev-billing are refused by a quota made by hand; afterwards the
    quota is gone, the landscape is back at its base and applied again."""
    assert applied.returncode == 0, applied.output
    plane.kubectl("create", "quota", BLOCKER, "--hard=pods=0", "-n", NAMESPACE)
    try:
        yield landscape
    finally:
        plane.kubectl("delete", "quota", BLOCKER, "-n", NAMESPACE, "--ignore-not-found")
        for locked in (SHARD, OTHER):
            if _locks(landscape, locked):
                landscape.platform("unlock", "--stack", locked)
        landscape.reset()
        back = landscape.platform(
            "up", "--stack", SHARD, "--stack", OTHER, "--commit", landscape.base
        )
        assert back.returncode == 0, back.output


@pytest.fixture
def tainted(applied: Run, landscape: Landscape, plane: ControlPlane) -> Iterator[Landscape]:
    """No new pod can be scheduled anywhere; afterwards the taint is gone and the
    landscape is back at its base and applied again."""
    assert applied.returncode == 0, applied.output
    plane.kubectl("taint", "nodes", "--all", f"{BLOCKER}=true:NoSchedule")
    try:
        _scheduler_refuses(plane)
        yield landscape
    finally:
        plane.kubectl("taint", "nodes", "--all", f"{BLOCKER}-", check=False)
        landscape.reset()
        back = landscape.platform(
            "up", "--stack", SHARD, "--stack", OTHER, "--commit", landscape.base
        )
        assert back.returncode == 0, back.output


PROBE = "taint-probe"


def _scheduler_refuses(plane: ControlPlane) -> None:
    """Until the scheduler itself refuses a new pod for the taint. The API server has
    the taint at once, the scheduler from its watch. Once, in CI, the rollout below
    succeeded although every node had been tainted: the test now starts only when the
    scheduler is seen to refuse, and says where the pods ran if it happens again."""
    plane.kubectl(
        "run", PROBE, "-n", "default", "--image=registry.k8s.io/pause:3.10", "--restart=Never"
    )
    try:
        _until("the scheduler to refuse a pod for the taint", lambda: _refused(plane), 60)
    finally:
        plane.kubectl("delete", "pod", PROBE, "-n", "default", "--wait=false", check=False)


def _refused(plane: ControlPlane) -> bool:
    pod = plane.get_json("pod", PROBE, "-n", "default")
    assert not pod["spec"].get("nodeName"), f"the probe was placed on {pod['spec']['nodeName']}"
    conditions = pod.get("status", {}).get("conditions", [])
    return any(
        c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable" for c in conditions
    )


def _placement(plane: ControlPlane) -> str:
    """Where the Deployment's pods run, and each node's taints."""
    pods = plane.get_json("pods", "-n", NAMESPACE)["items"]
    nodes = plane.get_json("nodes")["items"]
    lines = [
        f"pod {p['metadata']['name']}: node {p['spec'].get('nodeName', '-')}, "
        f"phase {p['status'].get('phase')}"
        for p in pods
        if p["metadata"]["name"].startswith(DEPLOYMENT)
    ]
    lines += [f"node {n['metadata']['name']}: taints {n['spec'].get('taints', [])}" for n in nodes]
    return "\n" + "\n".join(lines)


def test_a_workload_never_ready_fails_in_time_names_why_and_others_apply(
    tainted: Landscape, plane: ControlPlane
) -> None:
    landscape = tainted
    sha = _change(landscape, SOURCE, "billing-calculator: info")
    run = landscape.platform(
        "up", "--stack", SHARD, "--stack", OTHER, "--parallel", "2",
        "--ready-timeout", str(READY_TIMEOUT), "--commit", sha,
    )  # fmt: skip
    assert run.returncode == 1, run.output + _placement(plane)
    # bounded: the ready timeout, plus the other work of one small shard
    assert run.seconds < READY_TIMEOUT + 150, run.output
    failure = next(line for line in run.stderr.splitlines() if SHARD in line)
    assert DEPLOYMENT in failure, run.output
    # the reason Kubernetes gave: the scheduler's, for the rollout's new pod
    assert re.search(r"FailedScheduling|untolerated taint|Unschedulable", failure), run.output
    assert "Traceback" not in run.stderr
    # the other shard was applied all the same
    assert f"Applied commit {sha[:12]} to Pulumi stack {OTHER}:" in run.stdout, run.output
    assert run.stdout.rstrip().endswith("2 Pulumi stacks: 1 applied, 1 failed"), run.output
    # the failed shard stays behind main and the next run finishes it
    pending = landscape.platform("status", "--only", "dev", "--format", "json")
    assert pending.returncode == 0, pending.output
    states = {s["stack"]: s["state"] for s in json.loads(pending.stdout)["stacks"]}
    assert states[SHARD] == "behind" and states[OTHER] == "current", pending.output
    plane.kubectl("taint", "nodes", "--all", f"{BLOCKER}-")
    again = landscape.platform("up", "--pending", "--only", "dev", "--commit", sha)
    assert again.returncode == 0, again.output
    assert f"Pulumi stack {SHARD}:" in again.stdout and OTHER not in again.stdout, again.output


def test_a_second_up_exits_4_naming_the_holder_and_a_killed_up_converges(
    blocked: Landscape, plane: ControlPlane
) -> None:
    landscape = blocked
    sha = _change(landscape, SOURCE, "billing-calculator: info")
    first = _start(landscape, "up", "--stack", SHARD, "--ready-timeout", "600", "--commit", sha)
    try:
        _until("the first up to hold the lock", lambda: _locks(landscape, SHARD))
        _until("the rollout to reach the cluster", lambda: _log_level(plane) == "info")
        second = landscape.platform("up", "--stack", SHARD, "--commit", sha)
        assert second.returncode == 4, second.output
        assert f"stack {SHARD} is locked by another update (held by " in second.stderr
        holder = json.loads(_locks(landscape, SHARD)[0].read_text())
        assert f"(pid {holder['pid']})" in second.stderr, second.output
        # SIGKILL mid-apply: the whole group (platform, the pulumi CLI, the provider)
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        stop_group(first)
    assert first.returncode == -signal.SIGKILL
    # the killed update's lock is left behind, and says whose it was
    stale = landscape.platform("up", "--stack", SHARD, "--commit", sha)
    assert stale.returncode == 4, stale.output
    assert f"(pid {holder['pid']})" in stale.stderr
    unlocked = landscape.platform("unlock", "--stack", SHARD)
    assert unlocked.returncode == 0, unlocked.output
    assert _locks(landscape, SHARD) == []
    plane.kubectl("delete", "quota", BLOCKER, "-n", NAMESPACE)
    converged = landscape.platform("up", "--stack", SHARD, "--commit", sha)
    assert converged.returncode == 0, converged.output
    # no duplicates: exactly the rendered Deployments, each once, the state readable
    live = plane.get_json("deployments", "-n", NAMESPACE)["items"]
    names = [d["metadata"]["name"] for d in live]
    assert len(names) == len(set(names)) and DEPLOYMENT in names
    assert _log_level(plane) == "info"
    drift = landscape.platform("drift", "--stack", SHARD)
    assert drift.returncode == 0, drift.output
    status = landscape.platform("status", "--only", "dev", "--format", "json")
    states = {s["stack"]: s for s in json.loads(status.stdout)["stacks"]}
    assert states[SHARD]["state"] == "current" and states[SHARD]["commit"] == sha
    assert states[SHARD]["drift"] == "none"


def test_the_api_server_stopped_mid_apply_is_a_clear_failure_and_the_next_run_converges(
    blocked: Landscape, plane: ControlPlane
) -> None:
    """The API server goes away for a while as the update waits on a rollout. While it
    is gone the provider keeps waiting (its watch retries); once it is back the update
    ends within its ready timeout, as a failure that names the stack, with the lock
    released and the state intact, and the next run converges."""
    landscape = blocked
    sha = _change(landscape, SOURCE, "billing-calculator: info")
    up = _start(landscape, "up", "--stack", SHARD, "--ready-timeout", "60", "--commit", sha)
    try:
        _until("the rollout to reach the cluster", lambda: _log_level(plane) == "info")
        plane.stop_apiserver()
        try:
            time.sleep(20)
        finally:
            plane.start_apiserver()
        stdout, stderr = up.communicate(timeout=300)
    finally:
        stop_group(up)
    assert up.returncode == 1, stdout + stderr
    assert f"stack {SHARD}" in stderr and "Traceback" not in stderr, stderr
    assert DEPLOYMENT in stderr or "cannot reach the Kubernetes cluster" in stderr, stderr
    # the update ended on its own: its lock is released, the state readable
    assert _locks(landscape, SHARD) == []
    plane.kubectl("delete", "quota", BLOCKER, "-n", NAMESPACE)
    again = landscape.platform("up", "--stack", SHARD, "--commit", sha)
    assert again.returncode == 0, again.output
    assert landscape.platform("drift", "--stack", SHARD).returncode == 0


ADOPTED = "billing-adopted"
ADOPTED_SOURCE = f"stacks/dev/billing/{ADOPTED}.yaml"
ADOPTED_SERVICE = f"""# yaml-language-server: $schema=../../../schemas/service.schema.json
apiVersion: platform/v1
kind: Service
metadata:
  name: {ADOPTED}
  team: billing
  system: billing
  description: A small service whose Kubernetes Service someone made by hand first.
spec:
  image: registry.dom-komfort.example/billing/billing-calculator:7.3.0@sha256:d1463bb0aaffe4529191215adde94a76385c799943b06d2ed53fa8aea0958e50
  replicas: 1
  resources:
    requests: {{cpu: "50m", memory: "64Mi"}}
    limits: {{cpu: "100m", memory: "128Mi"}}
  ports:
    - name: http
      port: 8080
  health:
    port: http
    liveness: /healthz
    readiness: /ready
"""


def _rendered(landscape: Landscape, kind: str, name: str) -> dict[str, Any]:
    from platform_cli.apply import operations

    judged = operations.judge(landscape.root, "dev")
    return next(
        o
        for shard, objects in judged.objects.items()
        if shard.name == SHARD
        for o in objects
        if o["kind"] == kind and o["metadata"]["name"] == name
    )


def test_an_object_made_by_hand_is_refused_by_name_and_adopted_only_when_asked(
    applied: Run, landscape: Landscape, plane: ControlPlane
) -> None:
    assert applied.returncode == 0, applied.output
    (landscape.root / ADOPTED_SOURCE).write_text(ADOPTED_SERVICE)
    sha = landscape.commit(f"{ADOPTED}: a new service")
    # Someone made its Service by hand before the landscape declared it
    plane.kubectl("create", "service", "clusterip", ADOPTED, "--tcp=8080:8080", "-n", NAMESPACE)
    uid = plane.get_json("service", ADOPTED, "-n", NAMESPACE)["metadata"]["uid"]
    try:
        run = landscape.platform(
            "up", "--stack", SHARD, "--stack", OTHER, "--parallel", "2", "--commit", sha
        )
        assert run.returncode == 1, run.output
        assert (
            f"platform: error: refusing to apply Pulumi stack {SHARD}: 1 object it would "
            "create exists in the cluster already, made by hand or by another tool: "
            f"Service {NAMESPACE}/{ADOPTED}\n"
        ) in run.stderr, run.output
        assert f"`platform up --stack {SHARD} --adopt`" in run.stderr
        assert "Traceback" not in run.stderr
        # the other shard was applied; nothing of the refused one was
        assert f"Applied commit {sha[:12]} to Pulumi stack {OTHER}:" in run.stdout, run.output
        assert run.stdout.rstrip().endswith("2 Pulumi stacks: 1 applied, 1 failed"), run.output
        assert (
            plane.kubectl("get", "deployment", ADOPTED, "-n", NAMESPACE, "--ignore-not-found") == ""
        )
        status = landscape.platform("status", "--only", "dev", "--format", "json")
        states = {s["stack"]: s["state"] for s in json.loads(status.stdout)["stacks"]}
        assert states[SHARD] == "behind", status.output

        adopted = landscape.platform("up", "--stack", SHARD, "--adopt", "--commit", sha)
        assert adopted.returncode == 0, adopted.output
        assert (
            f"Pulumi stack {SHARD} took over 1 object made by hand (--adopt): "
            f"Service {NAMESPACE}/{ADOPTED}"
        ) in adopted.stderr, adopted.output
        # the same object, now as rendered: taken over, neither duplicated nor replaced
        live = plane.get_json("service", ADOPTED, "-n", NAMESPACE)
        assert live["metadata"]["uid"] == uid
        rendered = _rendered(landscape, "Service", ADOPTED)
        assert rendered["metadata"]["labels"].items() <= live["metadata"]["labels"].items()
        assert rendered["spec"]["selector"].items() <= live["spec"]["selector"].items()
        assert [p["name"] for p in live["spec"]["ports"]] == ["http"]
        names = [
            s["metadata"]["name"] for s in plane.get_json("services", "-n", NAMESPACE)["items"]
        ]
        assert names.count(ADOPTED) == 1
        assert plane.kubectl("get", "deployment", ADOPTED, "-n", NAMESPACE, "-o", "name")
        drift = landscape.platform("drift", "--stack", SHARD)
        assert drift.returncode == 0, drift.output
        # the object is the stack's now: the next run has nothing to ask about
        again = landscape.platform("up", "--stack", SHARD, "--commit", sha)
        assert again.returncode == 0, again.output
        assert "took over" not in again.stderr
    finally:
        landscape.reset()
        back = landscape.platform("up", "--stack", SHARD, "--commit", landscape.base)
        assert back.returncode == 0, back.output
        plane.kubectl("delete", "service", ADOPTED, "-n", NAMESPACE, "--ignore-not-found")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_mid_apply_stops_promptly_and_the_next_run_finishes_the_stack(
    blocked: Landscape, plane: ControlPlane
) -> None:
    """A CI job's timeout or cancel signals `platform up` (SIGINT, SIGTERM, then SIGKILL):
    on SIGTERM it cancels the update under way through Pulumi itself, says so and
    exits 130 within seconds, and its lock is released or named as stale; the next
    `up --pending` finishes the stack."""
    landscape = blocked
    sha = _change(landscape, SOURCE, "billing-calculator: info")
    up = _start(landscape, "up", "--stack", SHARD, "--ready-timeout", "600", "--commit", sha)
    try:
        _until("the up to hold the lock", lambda: _locks(landscape, SHARD))
        _until("the rollout to reach the cluster", lambda: _log_level(plane) == "info")
        clock = time.monotonic()
        os.kill(up.pid, signal.SIGTERM)  # the process only, as a runner signals its step
        stdout, stderr = up.communicate(timeout=120)
        took = time.monotonic() - clock
    finally:
        stop_group(up)
    assert up.returncode == 130, stdout + stderr
    assert took < 45, (took, stderr)
    assert "platform: SIGTERM received: stopping" in stderr, stderr
    assert f"the apply of Pulumi stack {SHARD} was interrupted (SIGTERM)" in stderr, stderr
    assert "Traceback" not in stderr
    # nothing of it keeps running: not the Pulumi CLI, not the provider
    _until("the process group to end", lambda: not _group_alive(up.pid), 30)
    if _locks(landscape, SHARD):
        assert f"`platform unlock --stack {SHARD}`" in stderr, stderr
        unlocked = landscape.platform("unlock", "--stack", SHARD)
        assert unlocked.returncode == 0, unlocked.output
    else:
        assert "its lock is released" in stderr, stderr
    status = landscape.platform("status", "--only", "dev", "--format", "json")
    states = {s["stack"]: s["state"] for s in json.loads(status.stdout)["stacks"]}
    assert states[SHARD] == "behind", status.output
    plane.kubectl("delete", "quota", BLOCKER, "-n", NAMESPACE)
    again = landscape.platform("up", "--pending", "--only", "dev", "--commit", sha)
    assert again.returncode == 0, again.output
    assert f"Pulumi stack {SHARD}:" in again.stdout, again.output
    live = plane.get_json("deployments", "-n", NAMESPACE)["items"]
    names = [d["metadata"]["name"] for d in live]
    assert len(names) == len(set(names)) and DEPLOYMENT in names
    assert _log_level(plane) == "info"
    drift = landscape.platform("drift", "--stack", SHARD)
    assert drift.returncode == 0, drift.output
