"""Where a service is reachable: its host, path and exposure, the one model of them.

The Ingress (render/workload.py), the `ingress-host` check, the plan's host lines and
its `public-host` and `exposure-changed` risks all read a service's `Host` from here.

- A host must lie strictly under one of the stack's `cluster.allowedDomains` (by
  default its `ingressDomain`); a domain itself (the apex) is never a host. When the
  domains of several stacks nest (`apps.example` and `dev.apps.example`), a host
  belongs to the stack with the longest matching domain, so no host can be declared
  in two stacks.
- Public and internal exposure use different ingress classes (`cluster.
  publicIngressClassName`, `cluster.ingressClassName`): the public controller is the
  one reachable from the internet, so `public: false` is enforced by the network, not
  by a label.
- TLS: cert-manager's ingress-shim issues one certificate per Ingress (so per host)
  from `cluster.clusterIssuer`, into the Secret `<service>-tls` (render/names.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from platform_cli.load.model import Service, Stack

DEFAULT_INTERNAL_CLASS = "nginx"
DEFAULT_PUBLIC_CLASS = "nginx-public"
DEFAULT_CLUSTER_ISSUER = "platform-ca"
# cert-manager's ingress-shim annotation naming the ClusterIssuer of an Ingress
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"


@dataclass(frozen=True, order=True)
class Host:
    """A service's place on the web: host, path prefix and exposure."""

    host: str
    path: str
    public: bool

    @property
    def exposure(self) -> str:
        return "public" if self.public else "internal"

    def __str__(self) -> str:
        return f"{self.host}{self.path} ({self.exposure})"


def host_of(service: Service, stack: Stack) -> Host | None:
    """The service's host, or None when it has no ingress."""
    ingress = service.spec.get("ingress")
    if not ingress:
        return None
    domain = str(stack.spec["cluster"]["ingressDomain"])
    host = str(ingress.get("host") or f"{service.name}.{domain}")
    return Host(host, str(ingress.get("path", "/")), bool(ingress.get("public", False)))


def allowed_domains(stack: Stack) -> list[str]:
    cluster = stack.spec["cluster"]
    return [str(d) for d in cluster.get("allowedDomains", [cluster["ingressDomain"]])]


def ingress_class(stack: Stack, public: bool) -> str:
    cluster = stack.spec["cluster"]
    if public:
        return str(cluster.get("publicIngressClassName", DEFAULT_PUBLIC_CLASS))
    return str(cluster.get("ingressClassName", DEFAULT_INTERNAL_CLASS))


def cluster_issuer(stack: Stack) -> str:
    return str(stack.spec["cluster"].get("clusterIssuer", DEFAULT_CLUSTER_ISSUER))


def under(host: str, domain: str) -> bool:
    """True when `host` lies strictly below `domain` (label-wise, not as text)."""
    return host.endswith("." + domain)


def owning_stack(host: str, stacks: Iterable[Stack]) -> tuple[str, str] | None:
    """(stack, domain) of the longest allowed domain `host` lies under, or None."""
    best: tuple[str, str] | None = None
    for stack in stacks:
        for domain in allowed_domains(stack):
            if under(host, domain) and (best is None or len(domain) > len(best[1])):
                best = (stack.name, domain)
    return best


def apexes(stacks: Iterable[Stack]) -> set[str]:
    """Every domain of every stack: none of them is a host."""
    found: set[str] = set()
    for stack in stacks:
        found.update(allowed_domains(stack))
        found.add(str(stack.spec["cluster"]["ingressDomain"]))
    return found
