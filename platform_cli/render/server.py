"""A landscape Server: a KubeVirt VirtualMachine with a root disk imported by CDI from
the image catalog, SSH keys from a Secret, and a Service and NetworkPolicy for its ports.

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
    vm = {
        "runStrategy": "Always" if spec.get("running", True) else "Halted",
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
    if declared:
        service_ports = [
            {
                "name": str(p["name"]),
                "port": int(p["port"]),
                "targetPort": int(p["port"]),
                "protocol": str(p.get("protocol", "TCP")),
            }
            for p in declared
        ]
        objects.append(
            manifest(
                "v1",
                "Service",
                metadata(server.name, namespace, labels, server.path),
                spec={"type": "ClusterIP", "selector": selector(server), "ports": service_ports},
            )
        )
    rule = consumer_rule(server, ctx, ports(declared))
    if rule is not None:
        objects.append(
            policy(server.name, namespace, labels, server.path, selector(server), [rule])
        )
    return objects
