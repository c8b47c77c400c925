"""A real Kubernetes control plane on 127.0.0.1, from the binaries `make e2e-tools` builds.

etcd, kube-apiserver (with the admission a production cluster has: NamespaceLifecycle,
LimitRanger, ServiceAccount, ResourceQuota and PodSecurity), kube-controller-manager,
kube-scheduler and kwok, which plays the kubelets of a pool of fake nodes: it marks
scheduled pods Running and Ready, so Deployments become Available and Services get
endpoints, without running a container. In the same spirit, `IngressPublisher` plays the
part of the ingress controllers that matters to an apply: for each IngressClass the
cluster has, it publishes a load-balancer address on the Ingresses of that class, as
ingress-nginx does. An Ingress of a class the cluster lacks stays without one. The operators' CRDs (CloudNativePG, KubeVirt,
CDI) are installed, so the API server validates their objects as a real cluster does;
the operators themselves do not run.

Every process is started in a session of its own and stopped by its PID on every exit
path (`stop`, the context manager, SIGTERM, SIGINT and interpreter exit). Ports are
chosen free on 127.0.0.1, so two runs never collide. Nothing listens on another address.

By hand: `python -m tests.e2e.controlplane` starts one and prints its KUBECONFIG until
Ctrl-C.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUILD_TOOLS = REPO / "scripts" / "e2e" / "build-tools.sh"
BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
    "pulumi",
    "pulumi-resource-kubernetes",
)
# A node pool like the company's workers: 16 vCPU, 64 GiB, 110 pods each.
NODE_COUNT = 8
NODE_CPU = "16"
NODE_MEMORY = "64Gi"
NODE_PODS = "110"
SERVICE_RANGE = "10.96.0.0/16"
VM_COUNT = "count/virtualmachines.kubevirt.io"
STARTUP_SECONDS = 120


class ControlPlaneError(RuntimeError):
    """The tools are missing or the control plane did not come up; says why."""


@dataclass(frozen=True)
class Tools:
    """The folder `scripts/e2e/build-tools.sh` builds into."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def crds(self) -> Path:
        return self.root / "crds"

    @property
    def kwok_stages(self) -> Path:
        return self.root / "kwok-stages.yaml"

    @classmethod
    def find(cls) -> Tools:
        """The tools of the pinned versions; raises when any is missing."""
        out = subprocess.run(
            ["bash", str(BUILD_TOOLS), "--print"], capture_output=True, text=True, check=True
        )
        tools = cls(Path(out.stdout.strip()))
        missing = [b for b in BINARIES if not os.access(tools.bin / b, os.X_OK)]
        if not tools.kwok_stages.is_file():
            missing.append("kwok-stages.yaml")
        if not list(tools.crds.glob("*.yaml")):
            missing.append("crds/*.yaml")
        if missing:
            raise ControlPlaneError(
                f"the e2e tools are not built in {tools.root}: missing {', '.join(missing)}; "
                "run `make e2e-tools` (it builds them from the Go module proxy)"
            )
        return tools


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


INGRESS_ADDRESS = "10.0.0.100"


class IngressPublisher(threading.Thread):
    """Publishes a load-balancer address on Ingresses whose class exists, once a second."""

    def __init__(self, server: str, pki: Path) -> None:
        super().__init__(name="ingress-publisher", daemon=True)
        self.server = server
        self.context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        self.stopped = threading.Event()
        self.published = 0
        self.errors: list[str] = []

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.server + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/merge-patch+json"},
        )
        with urllib.request.urlopen(request, timeout=10, context=self.context) as answer:
            return json.loads(answer.read())

    def publish_once(self) -> None:
        classes = {
            c["metadata"]["name"]
            for c in self._call("GET", "/apis/networking.k8s.io/v1/ingressclasses")["items"]
        }
        for ingress in self._call("GET", "/apis/networking.k8s.io/v1/ingresses")["items"]:
            meta, spec = ingress["metadata"], ingress["spec"]
            if spec.get("ingressClassName") not in classes:
                continue
            if ingress.get("status", {}).get("loadBalancer", {}).get("ingress"):
                continue
            status = {"status": {"loadBalancer": {"ingress": [{"ip": INGRESS_ADDRESS}]}}}
            self._call(
                "PATCH",
                f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/"
                f"{meta['name']}/status",
                status,
            )
            self.published += 1

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            try:
                self.publish_once()
            except Exception as exc:  # the API server may be stopping; keep the last few
                self.errors = [*self.errors[-9:], str(exc)]

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


@dataclass
class ControlPlane:
    """One loopback control plane in `workdir`. `contexts` are the kube context names
    the kubeconfig offers, all pointing at this cluster (the stacks' cluster.kubeContext)."""

    tools: Tools
    workdir: Path
    contexts: Sequence[str] = ("e2e",)
    ingress_classes: Sequence[str] = ("nginx",)
    processes: list[_Process] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    publisher: IngressPublisher | None = None

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def pki(self) -> Path:
        return self.workdir / "pki"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.ports['apiserver']}"

    # Life cycle

    def __enter__(self) -> ControlPlane:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.ports = {name: free_port() for name in ("etcd", "peer", "apiserver", "kcm", "sched")}
        atexit.register(self.stop)
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
        self._previous_handlers = previous
        try:
            self._make_pki()
            self._write_kubeconfig()
            self._start_etcd()
            self._start_apiserver()
            self._start_controllers()
            self._start_kwok()
            self._add_nodes()
            self._install_crds()
            self._start_ingress_controllers()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every process this object started, by PID: TERM, then KILL after 10 s."""
        if self.publisher is not None:
            self.publisher.stop()
            self.publisher = None
        for proc in reversed(self.processes):
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in reversed(self.processes):
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()
        self.processes.clear()
        for sig, handler in getattr(self, "_previous_handlers", {}).items():
            signal.signal(sig, handler)
        self._previous_handlers = {}
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def stop_apiserver(self) -> None:
        """Stop the API server alone, by its PID (a fault test); etcd keeps the state."""
        for proc in self.processes:
            if proc.name == "kube-apiserver" and proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()
        self.processes = [p for p in self.processes if p.name != "kube-apiserver"]

    def start_apiserver(self) -> None:
        """Start the API server again on its port, with its certificates and etcd."""
        self._start_apiserver()

    def pids(self) -> list[int]:
        return [p.popen.pid for p in self.processes if p.popen.poll() is None]

    # Tools

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> str:
        out = subprocess.run(
            [str(self.tools.bin / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and out.returncode != 0:
            raise ControlPlaneError(f"kubectl {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout

    def get_json(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", "-o", "json", *args))

    # Steps

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], cwd=self.pki, check=True, capture_output=True)

    def _make_pki(self) -> None:
        self.pki.mkdir(exist_ok=True)
        (self.pki / "ca.cnf").write_text(
            "[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=v3ca\n"
            "[dn]\nCN=platform-e2e-ca\n"
            "[v3ca]\nbasicConstraints=critical,CA:TRUE\n"
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n"
            "subjectKeyIdentifier=hash\n"
        )
        self._openssl(
            "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-config", "ca.cnf", "-keyout", "ca.key", "-out", "ca.crt",
        )  # fmt: skip
        (self.pki / "server.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,"
            "DNS:kubernetes.default,DNS:kubernetes.default.svc\n"
        )
        (self.pki / "client.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=clientAuth\n"
        )
        self._sign("server", "/CN=kube-apiserver", "server.ext")
        self._sign("admin", "/O=system:masters/CN=platform-e2e-admin", "client.ext")
        self._openssl("genrsa", "-out", "sa.key", "2048")
        self._openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")

    def _sign(self, name: str, subject: str, ext: str) -> None:
        self._openssl(
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
            "-keyout", f"{name}.key", "-out", f"{name}.csr",
        )  # fmt: skip
        self._openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", f"{name}.crt",
        )  # fmt: skip

    def _write_kubeconfig(self) -> None:
        def b64(name: str) -> str:
            return base64.b64encode((self.pki / name).read_bytes()).decode()

        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "platform-e2e",
                    "cluster": {"server": self.server, "certificate-authority-data": b64("ca.crt")},
                }
            ],
            "users": [
                {
                    "name": "platform-e2e-admin",
                    "user": {
                        "client-certificate-data": b64("admin.crt"),
                        "client-key-data": b64("admin.key"),
                    },
                }
            ],
            "contexts": [
                {"name": name, "context": {"cluster": "platform-e2e", "user": "platform-e2e-admin"}}
                for name in self.contexts
            ],
            "current-context": self.contexts[0],
        }
        self.kubeconfig.write_text(json.dumps(config, indent=2))
        self.kubeconfig.chmod(0o600)

    def _spawn(self, name: str, args: list[str]) -> _Process:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [str(self.tools.bin / args[0]), *args[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                start_new_session=True,
            )
        proc = _Process(name, popen, log)
        self.processes.append(proc)
        (self.workdir / "pids").write_text(
            "".join(f"{p.name} {p.popen.pid}\n" for p in self.processes)
        )
        return proc

    def _wait(self, proc: _Process, url: str, context: ssl.SSLContext | None = None) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        last = ""
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                raise ControlPlaneError(
                    f"{proc.name} exited with {proc.popen.returncode} while starting; "
                    f"the end of {proc.log}:\n{_tail(proc.log)}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                    if answer.status == 200:
                        return
            except Exception as exc:
                last = str(exc)
            time.sleep(0.3)
        raise ControlPlaneError(
            f"{proc.name} did not answer {url} within {STARTUP_SECONDS} s ({last}); "
            f"the end of {proc.log}:\n{_tail(proc.log)}"
        )

    def _start_etcd(self) -> None:
        client = f"http://127.0.0.1:{self.ports['etcd']}"
        peer = f"http://127.0.0.1:{self.ports['peer']}"
        proc = self._spawn(
            "etcd",
            [
                "etcd",
                "--name=e2e",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=e2e={peer}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )
        self._wait(proc, f"{client}/health")

    def _start_apiserver(self) -> None:
        pki = self.pki
        proc = self._spawn(
            "kube-apiserver",
            [
                "kube-apiserver",
                f"--etcd-servers=http://127.0.0.1:{self.ports['etcd']}",
                "--bind-address=127.0.0.1",
                f"--secure-port={self.ports['apiserver']}",
                # The 'kubernetes' Endpoints may not hold a loopback address: with no
                # reconciler, nothing writes it (nothing here needs it).
                "--advertise-address=127.0.0.1",
                "--endpoint-reconciler-type=none",
                f"--tls-cert-file={pki / 'server.crt'}",
                f"--tls-private-key-file={pki / 'server.key'}",
                f"--client-ca-file={pki / 'ca.crt'}",
                f"--service-account-issuer={self.server}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                f"--service-cluster-ip-range={SERVICE_RANGE}",
                "--authorization-mode=Node,RBAC",
                "--allow-privileged=true",
                # What a production cluster admits pods with; the defaults stay on too.
                "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,"
                "ResourceQuota,PodSecurity",
                f"--cert-dir={self.workdir / 'apiserver-certs'}",
                "--v=1",
            ],
        )
        self._wait(
            proc,
            f"{self.server}/readyz",
            ssl.create_default_context(cafile=str(self.pki / "ca.crt")),
        )

    def _start_controllers(self) -> None:
        kc = str(self.kubeconfig)
        common = [
            f"--kubeconfig={kc}",
            f"--authentication-kubeconfig={kc}",
            f"--authorization-kubeconfig={kc}",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
            "--v=1",
        ]
        kcm = self._spawn(
            "kube-controller-manager",
            [
                "kube-controller-manager",
                *common,
                f"--secure-port={self.ports['kcm']}",
                f"--cert-dir={self.workdir / 'kcm-certs'}",
                "--controllers=*",
                f"--service-account-private-key-file={self.pki / 'sa.key'}",
                f"--root-ca-file={self.pki / 'ca.crt'}",
                f"--service-cluster-ip-range={SERVICE_RANGE}",
            ],
        )
        scheduler = self._spawn(
            "kube-scheduler",
            [
                "kube-scheduler",
                *common,
                f"--secure-port={self.ports['sched']}",
                f"--cert-dir={self.workdir / 'scheduler-certs'}",
            ],
        )
        # Both serve /healthz on a self-signed certificate they make in --cert-dir; it is
        # read only to learn that they are up, on loopback.
        self_signed = ssl._create_unverified_context()
        self._wait(kcm, f"https://127.0.0.1:{self.ports['kcm']}/healthz", self_signed)
        self._wait(scheduler, f"https://127.0.0.1:{self.ports['sched']}/healthz", self_signed)

    def _start_kwok(self) -> None:
        self._spawn(
            "kwok",
            [
                "kwok",
                f"--kubeconfig={self.kubeconfig}",
                f"--config={self.tools.kwok_stages}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--cidr=10.244.0.0/16",
                "--node-ip=10.0.0.2",
                "--node-lease-duration-seconds=40",
            ],
        )

    def _add_nodes(self) -> None:
        nodes = [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": f"worker-{i}",
                    "annotations": {
                        "kwok.x-k8s.io/node": "fake",
                        "node.alpha.kubernetes.io/ttl": "0",
                    },
                    "labels": {
                        "kubernetes.io/arch": "amd64",
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/hostname": f"worker-{i}",
                        "node-role.kubernetes.io/worker": "",
                        "type": "kwok",
                    },
                },
                "status": {
                    "allocatable": {"cpu": NODE_CPU, "memory": NODE_MEMORY, "pods": NODE_PODS},
                    "capacity": {"cpu": NODE_CPU, "memory": NODE_MEMORY, "pods": NODE_PODS},
                },
            }
            for i in range(NODE_COUNT)
        ]
        self.kubectl(
            "apply",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": nodes}),
        )
        self.kubectl(
            "wait", "--for=condition=Ready", "node", "--all", f"--timeout={STARTUP_SECONDS}s"
        )

    def _install_crds(self) -> None:
        self.kubectl("apply", "--server-side", "-f", str(self.tools.crds))
        self.kubectl(
            "wait", "--for=condition=Established", "crd", "--all", f"--timeout={STARTUP_SECONDS}s"
        )
        self._wait_for_quota_monitors()

    def _wait_for_quota_monitors(self) -> None:
        """Until the quota controller counts the new custom resources, quota admission
        refuses them in any namespace whose quota names them ("status unknown for
        quota"). Its discovery runs every 30 s; a real cluster has had the operators
        for months. A probe quota says when the controller counts VirtualMachines."""
        probe = "e2e-quota-probe"
        self.kubectl("create", "namespace", probe)
        deadline = time.monotonic() + STARTUP_SECONDS
        attempt = 0
        while time.monotonic() < deadline:
            # A quota is counted in full when it is first synced, and again only at the
            # controller's five-minute resync: a fresh probe each time, as a team's new
            # namespace would be, until one is counted.
            attempt += 1
            name = f"probe-{attempt}"
            self.kubectl("create", "quota", name, "-n", probe, f"--hard={VM_COUNT}=1")
            for _ in range(5):
                time.sleep(1)
                status = self.get_json("resourcequota", name, "-n", probe).get("status", {})
                if VM_COUNT in status.get("used", {}):
                    self.kubectl("delete", "namespace", probe, "--wait=false")
                    return
            self.kubectl("delete", "resourcequota", name, "-n", probe)
        raise ControlPlaneError(
            f"the quota controller did not count {VM_COUNT} within {STARTUP_SECONDS} s; "
            f"the end of the controller-manager's log:\n"
            f"{_tail(self.logs / 'kube-controller-manager.log')}"
        )

    def _start_ingress_controllers(self) -> None:
        classes = [
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "IngressClass",
                "metadata": {"name": name},
                "spec": {"controller": f"e2e.platform/{name}"},
            }
            for name in self.ingress_classes
        ]
        self.kubectl(
            "apply",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": classes}),
        )
        self.publisher = IngressPublisher(self.server, self.pki)
        self.publisher.start()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def running(workdir: Path, contexts: Sequence[str] = ("e2e",)) -> Iterator[ControlPlane]:
    with ControlPlane(Tools.find(), workdir, contexts) as plane:
        yield plane


def main() -> None:
    import tempfile

    workdir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="e2e-"))
    # Started in the background by a shell, a process inherits SIGINT ignored; Ctrl-C
    # must stop the cluster all the same.
    signal.signal(signal.SIGINT, _interrupt)
    # The guard is entered before the address is printed: a signal that follows the
    # line at once still stops the cluster cleanly.
    with (
        contextlib.suppress(KeyboardInterrupt),
        running(workdir, ("e2e", "prod-msk", "dev-msk")) as plane,
    ):
        print(f"export KUBECONFIG={plane.kubeconfig}  # Ctrl-C stops the cluster", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
