"""The landscape model: typed views over schema-valid documents.

Every object keeps the `Document` it came from, so any later check can point a finding
at the exact field (`entity.locate("spec", "replicas")`). Objects are built only from
documents that passed the schema, so their properties may trust the shape of `spec`.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from platform_cli.load.quantities import parse_bytes, parse_cpu
from platform_cli.load.reader import Document

# The keys of a `dependsOn` entry and the kinds they name
DEPENDENCY_KINDS = {"service": "Service", "database": "Database", "server": "Server"}


@dataclass(frozen=True)
class Retirement:
    """`metadata.retirement` of a resource (`spec.retirement` of a team): phase 1 of
    taking it away; `keep_data_until` is the first day its file may be deleted."""

    requested: datetime.date
    keep_data_until: datetime.date | None
    reason: str

    @classmethod
    def read(cls, value: Mapping[str, Any] | None) -> Retirement | None:
        if not value:
            return None
        keep = value.get("keepDataUntil")
        return cls(
            _day(value["requested"]),
            None if keep is None else _day(keep),
            str(value.get("reason", "")),
        )

    def deletable(self, today: datetime.date) -> bool:
        """Whether phase 2 (deleting the file) may happen on `today`."""
        return self.keep_data_until is not None and self.keep_data_until <= today


def _day(value: object) -> datetime.date:
    """A schema-valid YYYY-MM-DD (a string; a date if the reader kept one)."""
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@dataclass(frozen=True, eq=False)
class Entity:
    """A landscape document of one kind."""

    kind: ClassVar[str]
    doc: Document

    # Cached: policies, references and the renderer read these hundreds of thousands
    # of times on a large landscape, and the document never changes.
    @functools.cached_property
    def name(self) -> str:
        return str(self.doc.data["metadata"]["name"])

    @functools.cached_property
    def metadata(self) -> Mapping[str, Any]:
        return self.doc.data["metadata"]

    @functools.cached_property
    def spec(self) -> Mapping[str, Any]:
        return self.doc.data["spec"]

    @functools.cached_property
    def path(self) -> str:
        return self.doc.path

    @property
    def ref(self) -> str:
        """`Kind/name`, as people write it."""
        return f"{self.kind}/{self.name}"

    def locate(self, *keys: str | int, at_key: bool = False) -> tuple[int, int]:
        return self.doc.locate(keys, at_key=at_key)


@dataclass(frozen=True, eq=False)
class Team(Entity):
    kind: ClassVar[str] = "Team"

    @property
    def owners(self) -> list[str]:
        return list(self.spec["owners"])

    @property
    def kubernetes_group(self) -> str:
        return str(self.spec.get("kubernetesGroup", f"team:{self.name}"))

    def quota(self, stack: str) -> Mapping[str, Any] | None:
        quotas: Mapping[str, Any] = self.spec["quotas"]
        return quotas.get(stack)

    @functools.cached_property
    def retirement(self) -> Retirement | None:
        """`spec.retirement`: every resource of the team carries its own retirement
        (the check `retired-team` holds them to it)."""
        return Retirement.read(self.spec.get("retirement"))


@dataclass(frozen=True, eq=False)
class System(Entity):
    kind: ClassVar[str] = "System"

    @property
    def owner(self) -> str:
        return str(self.spec["owner"])

    @property
    def tier(self) -> str:
        return str(self.spec["tier"])

    @property
    def master_data(self) -> bool:
        return bool(self.spec.get("masterData", False))

    @property
    def data_classes(self) -> list[str]:
        return list(self.spec.get("dataClasses", []))

    @property
    def integrates_with(self) -> list[str]:
        return list(self.spec.get("integratesWith", []))


@dataclass(frozen=True, eq=False)
class Stack(Entity):
    kind: ClassVar[str] = "Stack"

    @property
    def environment(self) -> str:
        return str(self.spec["environment"])

    @property
    def storage_classes(self) -> Mapping[str, Any]:
        return self.spec["storageClasses"]

    @property
    def default_storage_class(self) -> str:
        return str(self.spec["defaultStorageClass"])

    def namespace(self, team: str) -> str:
        """The team's own namespace: its services and databases, Pod Security
        `restricted`."""
        pattern = str(self.spec.get("namespacePattern", "{stack}-{team}"))
        return pattern.replace("{stack}", self.name).replace("{team}", team)

    def vm_namespace(self, team: str) -> str:
        """The team's VM namespace: its servers (KubeVirt's launchers need Pod Security
        `privileged`), where the team only operates VMs and creates nothing."""
        pattern = str(self.spec.get("vmNamespacePattern", "{stack}-{team}-vms"))
        return pattern.replace("{stack}", self.name).replace("{team}", team)

    def namespace_of(self, resource: Resource) -> str:
        """The one answer to "which namespace does this resource live in": a Server in
        its team's VM namespace, everything else in the team's namespace. The renderer,
        the network peers, the plan, the reserved names and the resource model ask this."""
        return self.namespace_for(resource.kind, resource.team)

    def namespace_for(self, kind: str, team: str) -> str:
        """`namespace_of` by kind and team, for callers that hold no resource."""
        return self.vm_namespace(team) if kind == "Server" else self.namespace(team)

    def namespaces(self, team: str) -> tuple[str, str]:
        """Both namespaces a team may have in the stack: its own, then its VM namespace
        (rendered only when it has servers there)."""
        return self.namespace(team), self.vm_namespace(team)

    def default(self, key: str, fallback: int) -> int:
        defaults: Mapping[str, Any] = self.spec.get("defaults", {})
        return int(defaults.get(key, fallback))


@dataclass(frozen=True)
class Adoption:
    """`metadata.adoption`: the objects this resource renders existed before it was
    declared (`platform import`); the first apply takes them over instead of refusing
    them as made by hand."""

    source: str  # cluster | manifests | inventory
    origin: str  # the `from` field: context/namespace, folder or inventory file
    at: str  # YYYY-MM-DD


@dataclass(frozen=True, eq=False)
class Resource(Entity):
    """A Service, Database or Server declared in `stacks/<stack>/<team>/`."""

    stack: str = field(default="")

    @functools.cached_property
    def team(self) -> str:
        return str(self.metadata["team"])

    @functools.cached_property
    def system(self) -> str:
        return str(self.metadata["system"])

    @functools.cached_property
    def depends_on(self) -> tuple[tuple[str, str], ...]:
        """(kind, name) of every declared dependency, in order."""
        result = []
        for item in self.spec.get("dependsOn", []):
            ((key, name),) = item.items()
            result.append((DEPENDENCY_KINDS[key], str(name)))
        return tuple(result)

    @property
    def deletion_protection(self) -> bool:
        return bool(self.spec.get("deletionProtection", False))

    @functools.cached_property
    def adoption(self) -> Adoption | None:
        found = self.metadata.get("adoption")
        if not found:
            return None
        return Adoption(str(found["source"]), str(found["from"]), str(found["at"]))

    @functools.cached_property
    def retirement(self) -> Retirement | None:
        """`metadata.retirement`: phase 1 of taking the resource away (render/ stops
        its traffic, halts it or hibernates it); None while it lives."""
        return Retirement.read(self.metadata.get("retirement"))


@dataclass(frozen=True, eq=False)
class Service(Resource):
    kind: ClassVar[str] = "Service"

    def replicas(self, stack: Stack) -> int:
        return int(self.spec.get("replicas", stack.default("serviceReplicas", 1)))

    def max_replicas(self, stack: Stack) -> int:
        autoscaling = self.spec.get("autoscaling")
        if autoscaling:
            return max(int(autoscaling["maxReplicas"]), self.replicas(stack))
        return self.replicas(stack)

    @property
    def port_names(self) -> list[str]:
        return [str(p["name"]) for p in self.spec["ports"]]

    @property
    def limit_millicores(self) -> int:
        return parse_cpu(self.spec["resources"]["limits"]["cpu"])

    @property
    def limit_memory(self) -> int:
        return parse_bytes(self.spec["resources"]["limits"]["memory"])


# RFC 3339's date-time (section 5.6): a full date, 'T', a time with optional
# fractions of a second, and 'Z' or a numeric offset. ('t', 'z' and a space are RFC
# 3339 too, but a restore's time is written one way.)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def parse_instant(text: str) -> datetime.datetime:
    """An RFC 3339 date-time ('2026-11-28T21:00:00Z', '...+03:00') as an aware datetime
    in UTC. Raises ValueError with a sentence for people on anything else: a date
    alone, no offset (a local time is ambiguous), an impossible date or time."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(
            f"{text!r} is not an RFC 3339 date-time with an offset, such as 2026-11-28T21:00:00Z"
        )
    fraction = re.search(r"\.(\d+)", text)
    if fraction and len(fraction.group(1)) > 6:
        # Python keeps microseconds; PostgreSQL keeps microseconds too
        text = text.replace(fraction.group(0), fraction.group(0)[:7])
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"{text!r} is no real date and time ({error})") from None
    return moment.astimezone(datetime.UTC)


def format_instant(moment: datetime.datetime) -> str:
    """An aware datetime as RFC 3339 in UTC: '2026-11-28T21:00:00Z'."""
    utc = moment.astimezone(datetime.UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class Restore:
    """A database's `spec.restore`: the source database's name and the point in time
    as written (None: the latest state the source's archive holds)."""

    source: str
    at: str | None


@dataclass(frozen=True, eq=False)
class Database(Resource):
    kind: ClassVar[str] = "Database"

    @functools.cached_property
    def restore(self) -> Restore | None:
        """Where the database starts from when it is created, or None (an empty one)."""
        declared = self.spec.get("restore")
        if not declared:
            return None
        at = declared.get("at")
        return Restore(str(declared["from"]), None if at is None else str(at))

    def instances(self, stack: Stack) -> int:
        return int(self.spec.get("instances", stack.default("databaseInstances", 1)))

    def storage_class(self, stack: Stack) -> str:
        return str(self.spec["storage"].get("class", stack.default_storage_class))

    @property
    def storage_bytes(self) -> int:
        return parse_bytes(self.spec["storage"]["size"])


@dataclass(frozen=True, eq=False)
class Server(Resource):
    kind: ClassVar[str] = "Server"

    def storage_class(self, stack: Stack) -> str:
        return str(self.spec["disk"].get("class", stack.default_storage_class))

    @property
    def cpu(self) -> int:
        return int(self.spec["cpu"])

    @property
    def memory_bytes(self) -> int:
        return parse_bytes(self.spec["memory"])

    @property
    def disk_bytes(self) -> int:
        return parse_bytes(self.spec["disk"]["size"])


@dataclass(frozen=True, eq=False)
class PolicyConfig(Entity):
    """The architects' settings in policies/config.yaml."""

    kind: ClassVar[str] = "PolicyConfig"

    @property
    def architects(self) -> str:
        return str(self.spec["architects"])

    @property
    def vm_images(self) -> Mapping[str, Any]:
        return self.spec["vmImages"]

    @property
    def registries(self) -> list[str]:
        return list(self.spec["registries"])

    @property
    def reserved_hosts(self) -> Mapping[str, str]:
        """Host -> the one team that may serve it ('' for none), as the architects
        reserve them."""
        return {str(e["host"]): str(e.get("team", "")) for e in self.spec.get("reservedHosts", [])}

    @property
    def parameters(self) -> Mapping[str, Any]:
        """The policies' parameters (everything in spec besides the catalogs above)."""
        catalogs = ("architects", "registries", "vmImages", "reservedHosts")
        return {k: v for k, v in self.spec.items() if k not in catalogs}


@dataclass(frozen=True, eq=False)
class Waivers(Entity):
    """The architects' approved exceptions to policies, in policies/waivers.yaml."""

    kind: ClassVar[str] = "Waivers"

    @property
    def entries(self) -> list[Mapping[str, Any]]:
        return list(self.spec["waivers"])


@dataclass(frozen=True, eq=False)
class PriceSheet(Entity):
    """Monthly internal prices in roubles, in policies/prices.yaml."""

    kind: ClassVar[str] = "PriceSheet"

    @property
    def cpu(self) -> float:
        """Per vCPU (1000 millicores) per month."""
        return float(self.spec["cpu"])

    @property
    def memory(self) -> float:
        """Per GiB of memory per month."""
        return float(self.spec["memory"])

    def storage(self, storage_class: str) -> float | None:
        """Per GiB of the storage class per month; None when the class has no price."""
        price = self.spec["storage"].get(storage_class)
        return None if price is None else float(price)


ENTITY_CLASSES: dict[str, type[Entity]] = {
    "Team": Team,
    "System": System,
    "Stack": Stack,
    "Service": Service,
    "Database": Database,
    "Server": Server,
    "PolicyConfig": PolicyConfig,
    "Waivers": Waivers,
    "PriceSheet": PriceSheet,
}


@dataclass
class Landscape:
    """All schema-valid definitions of a repository, indexed for the checks."""

    teams: dict[str, Team] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)
    stacks: dict[str, Stack] = field(default_factory=dict)
    # stack name -> (kind, name) -> resource
    resources: dict[str, dict[tuple[str, str], Resource]] = field(default_factory=dict)
    config: PolicyConfig | None = None
    waivers: Waivers | None = None
    prices: PriceSheet | None = None

    def in_stack(self, stack: str) -> Mapping[tuple[str, str], Resource]:
        return self.resources.get(stack, {})

    def all_resources(self) -> Iterator[Resource]:
        for stack in sorted(self.resources):
            yield from self.resources[stack].values()

    def find(self, stack: str, kind: str, name: str) -> Resource | None:
        return self.resources.get(stack, {}).get((kind, name))

    @property
    def resource_count(self) -> int:
        return sum(len(r) for r in self.resources.values())
