"""Every object name the renderer or an operator derives, the one owner of that model.

A team's namespace holds the objects the renderer writes and the objects operators
create from them. A resource named like one of those (`default-deny`, `crm-db-rw`,
`crm-db-app`, ...) would take or overwrite it: the clash shows only when a stack is
rendered or applied, and then it breaks the whole shard. `checks/integrity/
reserved_name.py` refuses such a name at check time from this model, and a test
renders the bundled landscape and holds every rendered name to it.

Where the operators' names come from:

- CloudNativePG (docs: "Connecting from an application", "Certificates", "Instance
  pod configuration", "Storage"): the Services `<cluster>-rw`, `-ro`, `-r` and `-any`;
  the Secrets `<cluster>-app`, `-superuser`, `-ca`, `-replication` and `-server`; the
  pods and PVCs `<cluster>-<n>` and the WAL volumes `<cluster>-<n>-wal`; the jobs
  `<cluster>-<n>-initdb`, `-join`, `-full-recovery`, `-snapshot-recovery`; the PodDisruptionBudgets
  `<cluster>` and `<cluster>-primary`.
- The renderer: a server's external Service `<vm>-external`.
- KubeVirt and CDI: the DataVolume and PVC of the root disk `<vm>-root`, the
  launcher pods `virt-launcher-<vm>-<suffix>`, CDI's importer pods `importer-<dv>` and
  scratch PVCs `<dv>-scratch`.
- cert-manager: the certificate Secret `<service>-tls` of an Ingress.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from platform_cli.load.model import Service

# The objects of a team's namespaces that no resource derives: render/namespace.py
NAMESPACE_OBJECTS = ("default-deny", "team-quota", "team-limits", "team-operator", "vm-operator")

# Suffixes CloudNativePG gives to the objects of a cluster
DATABASE_SUFFIXES = (
    *("rw", "ro", "r", "any"),
    *("app", "superuser", "ca", "replication", "server"),
    *("primary", "pooler"),
)
# `<cluster>-<n>` pods and PVCs, their WAL volumes and jobs
_DATABASE_INSTANCE = re.compile(r"(.+)-[0-9]+(-(wal|initdb|join|full-recovery|snapshot-recovery))?")
# `<vm>-root` and CDI's scratch volume of it; `<vm>-external`, the Service of a
# server's external ports (render/server.py)
SERVER_SUFFIXES = ("root", "root-scratch", "external")
# Prefixes of the names KubeVirt and CDI give to the pods of a VM and its import
SERVER_PREFIXES = ("virt-launcher", "importer")
SERVICE_SUFFIXES = ("tls",)


def tls_secret_name(service: Service) -> str:
    """The Secret cert-manager writes an Ingress's certificate to: one per service,
    and a service has one host."""
    return f"{service.name}-tls"


def derivations(name: str) -> Iterator[tuple[str, str]]:
    """Every (kind, resource name) that would derive `name`: `crm-db-rw` gives
    (Database, crm-db); `virt-launcher-pbx-1-x7k2q` gives (Server, pbx-1) among others.
    An inverse of the names above, so that a check looks each name up in a dict
    instead of matching it against every resource of its namespace."""
    head, sep, tail = name.rpartition("-")
    if sep and tail in DATABASE_SUFFIXES:
        yield "Database", head
    instance = _DATABASE_INSTANCE.fullmatch(name)
    if instance:
        yield "Database", instance.group(1)
    for suffix in SERVER_SUFFIXES:
        if name.endswith(f"-{suffix}"):
            yield "Server", name.removesuffix(f"-{suffix}")
    for prefix in SERVER_PREFIXES:
        if name.startswith(f"{prefix}-"):
            rest = name.removeprefix(f"{prefix}-")
            # virt-launcher-<vm>-<suffix> and importer-<vm>-root: every split point
            parts = rest.split("-")
            for end in range(1, len(parts) + 1):
                yield "Server", "-".join(parts[:end])
    for suffix in SERVICE_SUFFIXES:
        if name.endswith(f"-{suffix}"):
            yield "Service", name.removesuffix(f"-{suffix}")


def what_derives(kind: str, base: str) -> str:
    """Who derives names from a resource, for a finding's message."""
    if kind == "Database":
        return (
            f"CloudNativePG creates '{base}-rw', '-ro', '-r', '-app', '-superuser', '-ca', "
            f"'-replication', '-server' and '{base}-<n>' for database '{base}'"
        )
    if kind == "Server":
        return (
            f"the renderer, KubeVirt and CDI derive '{base}-root', '{base}-external' and "
            f"'virt-launcher-{base}-...' from server '{base}'"
        )
    return f"cert-manager writes the certificate of service '{base}' to '{base}-tls'"


def fixed(name: str) -> bool:
    """True for a name the renderer gives to an object of every team namespace."""
    return name in NAMESPACE_OBJECTS
