"""A landscape Server: a KubeVirt VirtualMachine with a root disk imported by CDI from
the image catalog, SSH keys from a Secret, a Service for its ports while it runs, an
external Service for the ports it exposes outside the cluster, and a NetworkPolicy that
admits its consumers and the stack's allow-lists it names.

Field names follow kubevirt.io/v1 and CDI's DataVolume (cdi.kubevirt.io/v1beta1); tests
check the output against schemas written from the upstream CRDs (tests/data/crds/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.load.model import Server
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, resource_labels, selector
from platform_cli.render.network import consumer_rule, policy, ports

API = "kubevirt.io/v1"
# Password logins off; KubeVirt adds the keys of the access credential to this
# NoCloud data source at boot
CLOUD_INIT = "#cloud-config\nssh_pwauth: false\n"


def root_disk_name(server: Server) -> str:
    return f"{server.name}-root"


def image_source(url: str) -> dict[str, Any]:
    """CDI import source: a container disk from a registry, or an HTTP(S) download."""
    if url.startswith("docker://"):
        return {"registry": {"url": url}}
    return {"http": {"url": url}}


def render_server(server: Server, ctx: Context) -> list[Manifest]:
    namespace = ctx.namespace(server)
    labels = resource_labels(server)
    spec = server.spec
    config = ctx.landscape.config
    catalog: Mapping[str, Any] = config.vm_images if config is not None else {}
    image = catalog[str(spec["image"])]
    memory = str(spec["memory"])
    cpu = int(spec["cpu"])
    disk = {
        "metadata": {"name": root_disk_name(server), "labels": dict(labels)},
        "spec": {
            "source": image_source(str(image["source"])),
            "storage": {
                "resources": {"requests": {"storage": str(spec["disk"]["size"])}},
                "storageClassName": server.storage_class(ctx.stack),
            },
        },
    }
    domain = {
        "cpu": {"cores": cpu},
        "memory": {"guest": memory},
        # Explicit limits: the namespace's ResourceQuota counts limits, and the
        # LimitRange default would be smaller than the machine
        "resources": {
            "requests": {"memory": memory},
            "limits": {"cpu": str(cpu), "memory": memory},
        },
        "devices": {
            "disks": [
                {"name": "root", "disk": {"bus": "virtio"}},
                {"name": "cloudinit", "disk": {"bus": "virtio"}},
            ],
            "interfaces": [{"name": "default", "masquerade": {}}],
        },
    }
    template_spec = {
        "domain": domain,
        "networks": [{"name": "default", "pod": {}}],
        "accessCredentials": [
            {
                "sshPublicKey": {
                    "source": {"secret": {"secretName": str(spec["sshKeys"]["secret"])}},
                    "propagationMethod": {"noCloud": {}},
                }
            }
        ],
        "volumes": [
            {"name": "root", "dataVolume": {"name": root_disk_name(server)}},
            {"name": "cloudinit", "cloudInitNoCloud": {"userData": CLOUD_INIT}},
        ],
    }
    # A retired server is halted: no pod, no Service, no external address
    running = bool(spec.get("running", True)) and server.retirement is None
    vm = {
        "runStrategy": "Always" if running else "Halted",
        "dataVolumeTemplates": [disk],
        "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
    }
    objects = [
        manifest(
            API,
            "VirtualMachine",
            metadata(
                server.name, namespace, labels, server.path, protected=server.deletion_protection
            ),
            spec=vm,
        )
    ]
    declared = spec.get("ports", [])
    # A halted machine has no pod, so a Service would never get endpoints
    if declared and running:
        objects.append(
            manifest(
                "v1",
                "Service",
                metadata(server.name, namespace, labels, server.path),
                spec={
                    "type": "ClusterIP",
                    "selector": selector(server),
                    "ports": _service_ports(declared),
                },
            )
        )
    external = spec.get("external")
    exposed = _external_ports(declared, external)
    ranges = _source_ranges(external, ctx)
    if exposed and ranges and running:
        objects.append(_external_service(server, ctx, namespace, labels, exposed, ranges))
    rules = []
    rule = consumer_rule(server, ctx, ports(declared))
    if rule is not None:
        rules.append(rule)
    if exposed and ranges:
        rules.append(
            {"from": [{"ipBlock": {"cidr": cidr}} for cidr in ranges], "ports": ports(exposed)}
        )
    if rules:
        objects.append(policy(server.name, namespace, labels, server.path, selector(server), rules))
    return objects


def external_service_name(server: Server) -> str:
    return f"{server.name}-external"


def _service_ports(declared: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": str(p["name"]),
            "port": int(p["port"]),
            "targetPort": int(p["port"]),
            "protocol": str(p.get("protocol", "TCP")),
        }
        for p in declared
    ]


def _external_ports(
    declared: list[Mapping[str, Any]], external: Mapping[str, Any] | None
) -> list[Mapping[str, Any]]:
    """The declared ports that spec.external names, in declaration order."""
    if not external:
        return []
    names = set(external["ports"])
    return [p for p in declared if p["name"] in names]


def _source_ranges(external: Mapping[str, Any] | None, ctx: Context) -> list[str]:
    """The networks of the allow-lists the server names, each once, in order; the check
    `server-external` has reported names the stack does not declare."""
    if not external:
        return []
    lists: Mapping[str, Any] = (ctx.external or {}).get("allowLists", {})
    ranges: dict[str, None] = {}
    for name in external["allowFrom"]:
        for cidr in lists.get(name, []):
            ranges.setdefault(str(cidr), None)
    return list(ranges)


def _external_service(
    server: Server,
    ctx: Context,
    namespace: str,
    labels: Mapping[str, str],
    exposed: list[Mapping[str, Any]],
    ranges: list[str],
) -> Manifest:
    """The external ports behind the stack's external Service type. Traffic policy
    Local keeps the client's address, so that the network policy's ipBlocks (and the
    guest) see who is calling; a LoadBalancer also filters by source range itself."""
    service_type = ctx.external_service_type
    spec: dict[str, Any] = {
        "type": service_type,
        "selector": selector(server),
        "ports": _service_ports(exposed),
        "externalTrafficPolicy": "Local",
    }
    if service_type == "LoadBalancer":
        spec["loadBalancerSourceRanges"] = ranges
    return manifest(
        "v1",
        "Service",
        metadata(external_service_name(server), namespace, labels, server.path),
        spec=spec,
    )
