"""A landscape Database: a CloudNativePG Cluster, a ScheduledBackup, and the
NetworkPolicy that admits its consumers, its own instances and the operator.

Field names follow the postgresql.cnpg.io/v1 CRDs; tests check the output against
schemas written from them (tests/data/crds/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_cli.findings import BuiltinRule, Level, RuleScope
from platform_cli.load.model import Database
from platform_cli.render.context import Context
from platform_cli.render.meta import Manifest, manifest, metadata, resource_labels
from platform_cli.render.network import consumer_rule, namespace_peer, policy
from platform_cli.render.pods import database_resources

RENDER_BACKUP_STORE = BuiltinRule(
    "render-backup-store",
    Level.ERROR,
    RuleScope.ENTITY,
    "A database declares backups in a stack with no backup object store (found when rendering).",
)

API = "postgresql.cnpg.io/v1"
IMAGE = "ghcr.io/cloudnative-pg/postgresql"
PORT = 5432
# The instance manager's status endpoint, polled by the operator
STATUS_PORT = 8000
OPERATOR_POD_LABELS = {"app.kubernetes.io/name": "cloudnative-pg"}
CLUSTER_LABEL = "cnpg.io/cluster"
# CloudNativePG's schedules are robfig/cron expressions with a leading seconds field;
# that library knows neither L, W nor #


def render_database(db: Database, ctx: Context) -> list[Manifest]:
    namespace = ctx.namespace(db)
    labels = resource_labels(db)
    spec = db.spec
    cluster: dict[str, Any] = {
        "instances": db.instances(ctx.stack),
        "imageName": f"{IMAGE}:{int(spec['version'])}",
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
    # Always explicit (the database's, else the stack's default): the model in
    # render/pods.py counts these against the quota and the LimitRange
    cpu, memory = database_resources(db, ctx.stack)
    amounts = {"cpu": cpu, "memory": memory}
    cluster["resources"] = {"requests": dict(amounts), "limits": dict(amounts)}
    objects: list[Manifest] = []
    backup = spec.get("backup")
    scheduled: Manifest | None = None
    if backup:
        store = _backup_store(db, ctx)
        schedule = _cron_with_seconds(str(backup["schedule"]))
        if store is not None:
            cluster["backup"] = {
                "retentionPolicy": f"{int(backup['retentionDays'])}d",
                "barmanObjectStore": store,
            }
        if store is not None:
            scheduled = manifest(
                API,
                "ScheduledBackup",
                metadata(db.name, namespace, labels, db.path),
                spec={
                    "schedule": schedule,
                    "cluster": {"name": db.name},
                    "method": "barmanObjectStore",
                    "backupOwnerReference": "self",
                    "immediate": True,
                },
            )
    meta = metadata(db.name, namespace, labels, db.path, protected=db.deletion_protection)
    objects.append(manifest(API, "Cluster", meta, spec=cluster))
    if scheduled is not None:
        objects.append(scheduled)
    objects.append(_network_policy(db, ctx, namespace, labels))
    return objects


def _backup_store(db: Database, ctx: Context) -> dict[str, Any] | None:
    """The stack's object store, one folder per namespace; CloudNativePG adds the
    cluster name (its default serverName) below it."""
    store: Mapping[str, Any] | None = ctx.databases.get("backupStore")
    if store is None:
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
    secret = str(store["credentialsSecret"])
    result: dict[str, Any] = {
        "destinationPath": f"{str(store['destinationPath']).rstrip('/')}/{ctx.namespace(db)}",
    }
    if store.get("endpointURL"):
        result["endpointURL"] = str(store["endpointURL"])
    result["s3Credentials"] = {
        "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
    }
    result["wal"] = {"compression": "gzip"}
    result["data"] = {"compression": "gzip"}
    return result


def _cron_with_seconds(schedule: str) -> str:
    """'0 2 * * *' (minute hour day month weekday) -> '0 0 2 * * *'. The schema admits
    only what CloudNativePG's scheduler runs (no L, W or #)."""
    return " ".join(["0", *schedule.split()])


def _network_policy(
    db: Database, ctx: Context, namespace: str, labels: Mapping[str, str]
) -> Manifest:
    """Consumers on the PostgreSQL port; the cluster's own instances (replication); the
    operator on the status and PostgreSQL ports."""
    pods = {CLUSTER_LABEL: db.name}
    tcp = [{"protocol": "TCP", "port": PORT}]
    rules = []
    consumers = consumer_rule(db, ctx, tcp)
    if consumers is not None:
        rules.append(consumers)
    rules.append({"from": [{"podSelector": {"matchLabels": dict(pods)}}], "ports": tcp})
    rules.append(
        {
            "from": [namespace_peer(ctx.database_operator_namespace, OPERATOR_POD_LABELS)],
            "ports": [{"protocol": "TCP", "port": STATUS_PORT}, *tcp],
        }
    )
    return policy(db.name, namespace, labels, db.path, pods, rules)
