"""A landscape Database: a CloudNativePG Cluster; with backups, an ObjectStore of the
Barman Cloud plugin and a ScheduledBackup; and the NetworkPolicy that admits its
consumers, its own instances, the operator and the metrics collector. A database with
`spec.restore` is bootstrapped by recovery from its source's backups instead of initdb
(`_recovery`).

Field names follow the postgresql.cnpg.io/v1 CRDs of CloudNativePG 1.27 and the
barmancloud.cnpg.io/v1 CRD of its Barman Cloud plugin; tests check the output against
schemas written from them (tests/data/crds/), and `make e2e` against the CRDs themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.findings import BuiltinRule, Level, RuleScope
from platform_cli.load.model import Database, Stack, format_instant, parse_instant
from platform_cli.load.quantities import format_bytes, parse_bytes
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, resource_labels
from platform_cli.render.network import consumer_rule, namespace_peer, policy
from platform_cli.render.pods import (
    BACKUP_SIDECAR_RESOURCES,
    BARMAN_PLUGIN,
    HIBERNATION_ANNOTATION,
    database_resources,
    wal_storage,
)

RENDER_BACKUP_STORE = BuiltinRule(
    "render-backup-store",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database declares backups in a stack with no backup object store (found when rendering).",
)
RENDER_DATABASE_IMAGE = BuiltinRule(
    "render-database-image",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database's PostgreSQL major version has no image in its stack (found when rendering).",
)

API = "postgresql.cnpg.io/v1"
BARMAN_API = "barmancloud.cnpg.io/v1"
PORT = 5432
# The instance manager's status endpoint: polled by the operator, and by the other
# instances (CloudNativePG 1.27's failsafe pinger, which keeps a primary that cannot
# reach the API server from shutting down while it still reaches its replicas)
STATUS_PORT = 8000
# The PostgreSQL exporter built into every instance
METRICS_PORT = 9187
OPERATOR_POD_LABELS = {"app.kubernetes.io/name": "cloudnative-pg"}
CLUSTER_LABEL = "cnpg.io/cluster"
# PostgreSQL's default max_connections, which the renderer does not change
MAX_CONNECTIONS = 100
_MB = 1024**2


def render_database(db: Database, ctx: Context) -> list[Manifest]:
    namespace = ctx.namespace(db)
    labels = resource_labels(db)
    spec = db.spec
    instances = db.instances(ctx.stack)
    cluster: dict[str, Any] = {
        "instances": instances,
        "imageName": _image(db, ctx),
        "primaryUpdateStrategy": "unsupervised",
        "enableSuperuserAccess": False,
        # Explicit CloudNativePG defaults: database and owner 'app', whose credentials the
        # operator writes to the '<name>-app' secret that consumers read
        "bootstrap": {"initdb": {"database": "app", "owner": "app"}},
        "storage": {
            "size": str(spec["storage"]["size"]),
            "storageClass": db.storage_class(ctx.stack),
        },
        "inheritedMetadata": {"labels": dict(labels)},
    }
    wal = wal_storage(db, ctx.stack)
    if wal is not None:
        cluster["walStorage"] = {"size": format_bytes(wal[0]), "storageClass": wal[1]}
    if instances == 1:
        # CloudNativePG's PodDisruptionBudget for a lone primary forbids evicting it, so
        # it would block every node drain; a single instance has no replica to fail over to
        cluster["enablePDB"] = False
    # Always explicit (the database's, else the stack's default): the model in
    # render/pods.py counts these against the quota and the LimitRange
    cpu, memory = database_resources(db, ctx.stack)
    amounts = {"cpu": cpu, "memory": memory}
    cluster["resources"] = {"requests": dict(amounts), "limits": dict(amounts)}
    # Sized from whatever memory limit the instances got above
    memory = cluster.get("resources", {}).get("limits", {}).get("memory")
    if memory is not None:
        cluster["postgresql"] = {"parameters": postgres_parameters(parse_bytes(str(memory)))}
    objects: list[Manifest] = []
    backup = spec.get("backup")
    if backup:
        store = _object_store(db, ctx, namespace, labels)
        if store is not None:
            parameters = {"barmanObjectName": backup_store_name(db.name)}
            if db.restore is not None:
                # Explicit beside the recovery source's: the archive a restored
                # database writes is its own folder, never its source's
                parameters["serverName"] = backup_server_name(db.name)
            cluster["plugins"] = [
                {"name": BARMAN_PLUGIN, "isWALArchiver": True, "parameters": parameters}
            ]
            objects.append(store)
            if db.retirement is None:
                objects.append(_scheduled_backup(db, namespace, labels, backup))
    if db.restore is not None:
        _recovery(db, cluster)
    meta = metadata(db.name, namespace, labels, db.path, protected=db.deletion_protection)
    objects.insert(0, manifest(API, "Cluster", meta, spec=cluster))
    if db.retirement is not None:
        objects[:0] = _retired(db, objects[0], "plugins" in cluster)
    objects.append(_network_policy(db, ctx, namespace, labels))
    return objects


def backup_store_name(database: str) -> str:
    """The ObjectStore that holds a database's backups: named like the database."""
    return database


def backup_server_name(database: str) -> str:
    """The folder of a database's backups below its team's destination: the plugin's
    `serverName`, whose default is the Cluster's name, which is the database's."""
    return database


def _recovery(db: Database, cluster: dict[str, Any]) -> None:
    """Bootstrap `cluster` by recovery from the backups of the database `spec.restore`
    names (CloudNativePG 1.27 `bootstrap.recovery`, through the Barman Cloud plugin:
    an `externalClusters` entry whose `plugin` reads the source's ObjectStore and
    folder), to `at` when given, else to the end of the source's archived WAL.

    Both names come from `backup_store_name` and `backup_server_name`, which the
    source's own rendering uses: the store is the source's ObjectStore in the same
    namespace (the check `database-restore` holds the source to the same team and
    stack), so the restore needs no credentials the team does not have already.
    CloudNativePG reads `bootstrap` once, when it creates the cluster."""
    restore = db.restore
    assert restore is not None
    recovery: dict[str, Any] = {
        "source": restore.source,
        # As initdb's: the owner 'app' of the database 'app' exists in the restored
        # data (the source was made by initdb with them), and the operator writes its
        # new credentials to the '<name>-app' secret that consumers read
        "database": "app",
        "owner": "app",
    }
    if restore.at is not None:
        # One spelling for the operator: UTC. The check `database-restore` reports a
        # time that does not parse; the renderer passes it on as written
        try:
            target = format_instant(parse_instant(restore.at))
        except ValueError:
            target = restore.at
        recovery["recoveryTarget"] = {"targetTime": target}
    cluster["bootstrap"] = {"recovery": recovery}
    cluster["externalClusters"] = [
        {
            "name": restore.source,
            "plugin": {
                "name": BARMAN_PLUGIN,
                "parameters": {
                    "barmanObjectName": backup_store_name(restore.source),
                    "serverName": backup_server_name(restore.source),
                },
            },
        }
    ]


def _scheduled_backup(
    db: Database, namespace: str, labels: Mapping[str, str], backup: Mapping[str, Any]
) -> Manifest:
    return manifest(
        API,
        "ScheduledBackup",
        metadata(db.name, namespace, labels, db.path),
        spec={
            "schedule": cron_with_seconds(str(backup["schedule"])),
            "cluster": {"name": db.name},
            "method": "plugin",
            "pluginConfiguration": {"name": BARMAN_PLUGIN},
            "backupOwnerReference": "self",
            "immediate": True,
        },
    )


def final_backup_name(db: Database) -> str:
    """The retirement's on-demand Backup: one per retirement (its requested day), so a
    database retired, revived and retired again takes a new one."""
    assert db.retirement is not None
    return f"{db.name}-final-{db.retirement.requested:%Y%m%d}"


def _retired(db: Database, cluster: Manifest, backed_up: bool) -> list[Manifest]:
    """Phase 1 of a retirement: the Cluster hibernates (its pods go, its volumes stay)
    and, when it archives to an object store, a final on-demand Backup is taken first.

    The Backup comes before the Cluster in the rendered order: the Pulumi program makes
    the Cluster depend on it and waits for the Backup to complete (apply/program.py), so
    the cluster hibernates only after its last backup. The ScheduledBackup is gone
    (a hibernated cluster cannot run one); the ObjectStore stays, it holds the backups."""
    cluster["metadata"]["annotations"][HIBERNATION_ANNOTATION] = "on"
    if not backed_up:
        return []
    meta = cluster["metadata"]
    backup = manifest(
        API,
        "Backup",
        metadata(final_backup_name(db), meta["namespace"], meta["labels"], db.path),
        spec={
            "cluster": {"name": db.name},
            "method": "plugin",
            "pluginConfiguration": {"name": BARMAN_PLUGIN},
        },
    )
    return [backup]


def _image(db: Database, ctx: Context) -> str:
    major = str(int(db.spec["version"]))
    image = ctx.postgres_images.get(major)
    if image is not None:
        return str(image)
    line, column = db.locate("spec", "version")
    ctx.findings.append(
        RENDER_DATABASE_IMAGE.finding(
            db.path,
            line,
            column,
            f"stack {ctx.stack.name!r} has no image for PostgreSQL {major}",
            f"use one of {', '.join(sorted(ctx.postgres_images))}, or add the image to "
            f"spec.databases.images in {ctx.stack.path}",
        )
    )
    return ""


def backup_credentials_secret(stack: Stack, team: str) -> str | None:
    """The team's Secret with the object store keys: the stack's pattern for the team."""
    store: Mapping[str, Any] | None = stack.spec.get("databases", {}).get("backupStore")
    if store is None:
        return None
    return str(store["credentialsSecret"]).replace("{team}", team)


def backup_destination(stack: Stack, team: str) -> str | None:
    """The team's folder of the stack's object store; each database's folder (its
    cluster name, the plugin's default serverName) lies below it."""
    store: Mapping[str, Any] | None = stack.spec.get("databases", {}).get("backupStore")
    if store is None:
        return None
    return f"{str(store['destinationPath']).rstrip('/')}/{team}"


def _object_store(
    db: Database, ctx: Context, namespace: str, labels: Mapping[str, str]
) -> Manifest | None:
    """The database's ObjectStore: its team's folder and credentials, its retention."""
    store: Mapping[str, Any] | None = ctx.databases.get("backupStore")
    secret = backup_credentials_secret(ctx.stack, db.team)
    destination = backup_destination(ctx.stack, db.team)
    if store is None or secret is None or destination is None:
        line, column = db.locate("spec", "backup")
        ctx.findings.append(
            RENDER_BACKUP_STORE.finding(
                db.path,
                line,
                column,
                f"the database declares backups, but stack {ctx.stack.name!r} has no "
                "backup object store",
                f"set spec.databases.backupStore in {ctx.stack.path}",
            )
        )
        return None
    configuration: dict[str, Any] = {"destinationPath": destination}
    if store.get("endpointURL"):
        configuration["endpointURL"] = str(store["endpointURL"])
    configuration["s3Credentials"] = {
        "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
    }
    configuration["wal"] = {"compression": "gzip"}
    configuration["data"] = {"compression": "gzip"}
    spec = {
        "configuration": configuration,
        "retentionPolicy": f"{int(db.spec['backup']['retentionDays'])}d",
        "instanceSidecarConfiguration": {
            "resources": {k: dict(v) for k, v in BACKUP_SIDECAR_RESOURCES.items()}
        },
    }
    return manifest(
        BARMAN_API,
        "ObjectStore",
        metadata(backup_store_name(db.name), namespace, labels, db.path),
        spec=spec,
    )


def postgres_parameters(memory: int) -> dict[str, str]:
    """PostgreSQL memory settings for an instance with `memory` bytes (its limit):
    shared_buffers a quarter, effective_cache_size three quarters, maintenance_work_mem
    a sixteenth (at most 2GB), work_mem what is left after shared_buffers over four
    times max_connections (at least PostgreSQL's default 4MB). In MB, rounded down."""
    megabytes = memory // _MB
    shared = max(megabytes // 4, 16)
    return {
        "shared_buffers": f"{shared}MB",
        "effective_cache_size": f"{max(megabytes * 3 // 4, 16)}MB",
        "maintenance_work_mem": f"{min(max(megabytes // 16, 16), 2048)}MB",
        "work_mem": f"{max((megabytes - shared) // (4 * MAX_CONNECTIONS), 4)}MB",
    }


def cron_with_seconds(schedule: str) -> str:
    """'0 2 * * *' (minute hour day month weekday) -> '0 0 2 * * *': CloudNativePG's
    scheduler (robfig/cron) reads a leading seconds field. The check `backup-schedule`
    has already refused what that scheduler would refuse."""
    return " ".join(["0", *schedule.split()])


def _network_policy(
    db: Database, ctx: Context, namespace: str, labels: Mapping[str, str]
) -> Manifest:
    """Consumers on the PostgreSQL port; the cluster's own instances on the PostgreSQL
    (replication) and status (failsafe pinger) ports; the operator on both; the
    metrics collector on the exporter port."""
    pods = {CLUSTER_LABEL: db.name}

    # Fresh lists for each rule: a shared one would come out as YAML anchors
    def tcp(*numbers: int) -> list[dict[str, Any]]:
        return [{"protocol": "TCP", "port": n} for n in numbers]

    rules = []
    consumers = consumer_rule(db, ctx, tcp(PORT))
    if consumers is not None:
        rules.append(consumers)
    rules.append(
        {"from": [{"podSelector": {"matchLabels": dict(pods)}}], "ports": tcp(STATUS_PORT, PORT)}
    )
    rules.append(
        {
            "from": [namespace_peer(ctx.database_operator_namespace, OPERATOR_POD_LABELS)],
            "ports": tcp(STATUS_PORT, PORT),
        }
    )
    monitoring = ctx.monitoring_namespace
    if monitoring is not None:
        rules.append(
            {
                "from": [namespace_peer(monitoring)],
                "ports": tcp(METRICS_PORT),
            }
        )
    return policy(db.name, namespace, labels, db.path, pods, rules)
