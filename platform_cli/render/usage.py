"""What resources take from a team's quota, and what they cost.

One place defines both sums, so that the quota policy (LND007), the plan's quota
table and the plan's cost figures can never disagree:

- quota usage counts what a team may use at peak: service *limits* times the most
  replicas the service can run (`autoscaling.maxReplicas` when larger), server vCPUs
  and memory, database storage times instances, server disks, and servers;
- cost counts what is reserved all the time: service *requests* times the replicas
  it runs at rest (`autoscaling.minReplicas` when autoscaled), database CPU and memory
  (when declared) and storage times instances, server vCPUs, memory and disk, each at
  the price sheet's rate for its storage class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from platform_cli.load.model import Database, PriceSheet, Resource, Server, Service, Stack
from platform_cli.load.quantities import format_bytes, format_cpu, parse_bytes, parse_cpu

GIB = 1024**3
QUOTA_KEYS = ("cpu", "memory", "storage", "servers")


class Contribution(NamedTuple):
    """One resource's share of one quota key: its amount and how it was computed.
    A named tuple: the quota policy builds tens of thousands of them."""

    key: str  # one of QUOTA_KEYS
    group: str  # "services", "databases" or "servers"
    amount: int  # millicores, bytes or a count
    text: str  # e.g. "crm-api 1 x 4"
    resource: str


def contributions(resource: Resource, stack: Stack) -> list[Contribution]:
    """What `resource` takes from its team's quota in `stack`."""
    name = resource.name
    if isinstance(resource, Service):
        times = resource.max_replicas(stack)
        cpu, memory = resource.limit_millicores, resource.limit_memory
        return [
            Contribution(
                "cpu", "services", cpu * times, f"{name} {format_cpu(cpu)} x {times}", name
            ),
            Contribution(
                "memory",
                "services",
                memory * times,
                f"{name} {format_bytes(memory)} x {times}",
                name,
            ),
        ]
    if isinstance(resource, Database):
        times = resource.instances(stack)
        size = resource.storage_bytes
        return [
            Contribution(
                "storage", "databases", size * times, f"{name} {format_bytes(size)} x {times}", name
            )
        ]
    assert isinstance(resource, Server)
    return [
        Contribution("cpu", "servers", resource.cpu * 1000, f"{name} {resource.cpu}", name),
        Contribution(
            "memory",
            "servers",
            resource.memory_bytes,
            f"{name} {format_bytes(resource.memory_bytes)}",
            name,
        ),
        Contribution(
            "storage",
            "servers",
            resource.disk_bytes,
            f"{name} {format_bytes(resource.disk_bytes)}",
            name,
        ),
        Contribution("servers", "servers", 1, name, name),
    ]


@dataclass(frozen=True)
class Usage:
    """Quota usage of a set of resources: millicores, bytes, bytes, count."""

    cpu: int = 0
    memory: int = 0
    storage: int = 0
    servers: int = 0

    def get(self, key: str) -> int:
        return int(getattr(self, key))


def usage(resources: Iterable[Resource], stack: Stack) -> Usage:
    totals = dict.fromkeys(QUOTA_KEYS, 0)
    for resource in resources:
        for c in contributions(resource, stack):
            totals[c.key] += c.amount
    return Usage(**totals)


def parse_quota(key: str, value: object) -> int:
    """A quota value in the unit `Usage` uses."""
    if key == "cpu":
        return parse_cpu(str(value))
    if key in ("memory", "storage"):
        return parse_bytes(str(value))
    return int(str(value))


def format_amount(key: str, amount: int) -> str:
    if key == "cpu":
        return format_cpu(amount)
    if key in ("memory", "storage"):
        return format_bytes(amount) if amount else "0"
    return str(amount)


@dataclass(frozen=True)
class Cost:
    """Monthly cost in roubles, split by what it pays for."""

    compute: Decimal = Decimal(0)
    storage: Decimal = Decimal(0)
    unpriced: tuple[str, ...] = field(default=())  # storage classes with no price

    @property
    def total(self) -> Decimal:
        return self.compute + self.storage

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.compute + other.compute,
            self.storage + other.storage,
            tuple(sorted(set(self.unpriced) | set(other.unpriced))),
        )


def cost(resource: Resource, stack: Stack, prices: PriceSheet) -> Cost:
    """The monthly cost of one resource in one stack."""
    cpu_price, memory_price = _price(prices.cpu), _price(prices.memory)
    if isinstance(resource, Service):
        requests = resource.spec["resources"]["requests"]
        scaling = resource.spec.get("autoscaling")
        times = int(scaling["minReplicas"]) if scaling else resource.replicas(stack)
        compute = (
            _cores(parse_cpu(requests["cpu"])) * cpu_price
            + _gib(parse_bytes(requests["memory"])) * memory_price
        ) * times
        return Cost(_money(compute))
    if isinstance(resource, Database):
        times = resource.instances(stack)
        declared = resource.spec.get("resources")
        compute = Decimal(0)
        if declared:
            compute = (
                _cores(parse_cpu(declared["cpu"])) * cpu_price
                + _gib(parse_bytes(declared["memory"])) * memory_price
            ) * times
        return Cost(_money(compute)) + _storage(
            resource.storage_bytes * times, resource.storage_class(stack), prices
        )
    assert isinstance(resource, Server)
    compute = resource.cpu * cpu_price + _gib(resource.memory_bytes) * memory_price
    return Cost(_money(compute)) + _storage(
        resource.disk_bytes, resource.storage_class(stack), prices
    )


def _storage(size: int, storage_class: str, prices: PriceSheet) -> Cost:
    price = prices.storage(storage_class)
    if price is None:
        return Cost(unpriced=(storage_class,))
    return Cost(storage=_money(_gib(size) * _price(price)))


def _price(value: float) -> Decimal:
    return Decimal(str(value))


def _cores(millicores: int) -> Decimal:
    return Decimal(millicores) / 1000


def _gib(count: int) -> Decimal:
    return Decimal(count) / GIB


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_money(value: Decimal, *, signed: bool = False) -> str:
    """`12,345.50 RUB`, or with an explicit sign for deltas: `+1,200.00 RUB`."""
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,.2f} RUB"
