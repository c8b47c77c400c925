"""The built-in checks that run before any policy: their stable IDs and what they mean.

Reporters (SARIF rule metadata) and the generated docs read this table. An ID is never
reused for a different meaning.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "file-too-large": "The file is larger than the 1 MiB limit.",
    "encoding": "The file is not UTF-8, has a UTF-16/32 byte-order mark, or holds NUL or control characters.",
    "yaml-syntax": "The file is not valid YAML (tabs used for indentation included).",
    "yaml-empty": "The file is empty, holds only comments, or its document is null.",
    "yaml-multiple-documents": "The file holds more than one YAML document; the layout expects one resource per file.",
    "yaml-not-a-mapping": "The document is a list or a single value instead of a mapping.",
    "yaml-anchor": "Anchors, aliases and merge keys are not allowed (they hide values and enable alias bombs).",
    "yaml-tag": "Explicit tags such as !!python/object or !custom are not allowed.",
    "yaml-duplicate-key": "A key appears twice in one mapping; YAML would silently keep the last.",
    "yaml-key": "A mapping key is not a plain string (a number, boolean, null, date, list or mapping).",
    "yaml-ambiguous": "A plain value means different things in YAML 1.1 and 1.2: yes/no/on/off, leading-zero octal, base-60 or '_' numbers.",
    "yaml-too-many-values": "A document holds more than 100,000 values (one resource needs a few dozen).",
    "yaml-depth": "The document is nested deeper than the model ever needs.",
    "api-version": "apiVersion is missing or is not platform/v1.",
    "kind": "kind is missing or is not one of the model's kinds.",
    "layout": "The file, its kind or its team does not match its place in the repository layout.",
    "schema": "The document does not match the JSON Schema of its kind.",
    "duplicate-name": "Two definitions of one kind (in one stack, for resources) share a name, ignoring case.",
    "stack-file": "A stack folder has no stack.yaml, or more than one stack file.",
    "ref-team": "A reference to a team that is not declared.",
    "ref-system": "A reference to a system that is not declared.",
    "ref-system-owner": "A resource belongs to a system that its team does not own.",
    "ref-stack": "A team quota names a stack that is not declared.",
    "ref-storage-class": "A storage class that the stack does not declare.",
    "ref-depends-on": "A dependency on a service or database that does not exist in the same stack.",
    "ref-vm-image": "A server boots an image that is not in the catalog of policies/config.yaml.",
    "ref-price": "A storage class of a stack has no price in policies/prices.yaml.",
    "ref-port": "A health check or ingress names a port the service does not declare.",
    "resources-range": "A resource request is larger than its limit.",
    "autoscaling-range": "autoscaling.minReplicas is larger than maxReplicas.",
    "stack-limit": "A resource exceeds a hard limit of its stack (spec.limits: replicas, database storage, server CPU or memory).",
    "duplicate-env": "A variable is set both in env and in secretEnv.",
    "file-name": "(warning) A file is not named after the resource it declares (<name>.yaml).",
    "dependency-cycle": "Services depend on each other in a cycle (or a resource on itself).",
    "waiver-expired": "A waiver in policies/waivers.yaml has passed its expiry date; it silences nothing.",
    "waiver-refused": "A waiver expires more than a year ahead (or on no real date); it silences nothing.",
    "waiver-policy": "A waiver names a policy ID that does not exist.",
    "waiver-unused": "(warning) A waiver matches no finding and can be removed.",
    "backup-store": "A database declares backups in a stack with no backup object store (spec.databases.backupStore).",
    "name-clash": "A service and a server with ports share a name in one team and stack: both would render one Kubernetes Service.",
    "render-backup-store": "A database declares backups in a stack with no backup object store (found when rendering).",
    "render-name-clash": "Two resources would render the same Kubernetes object (found when rendering).",
    "render-database-secret": "(warning) A service depends on a database in another namespace; its credentials cannot be injected (found when rendering).",
    "codeowners": ".github/CODEOWNERS is missing or differs from what `platform owners` generates.",
}
# Architecture policies (LND...) are listed in policies/__init__.py, not here.
