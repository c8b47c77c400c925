"""What resources take from a team's quota, and what they cost, from the one resource
model (`render/pods.py`), so that the quota policy (LND007), the plan's quota table and
the plan's cost figures can never disagree with each other or with the cluster:

- quota usage is each resource's peak per quota key (`Demand.peak`): the limits of
  every pod it can run at once (rollout surge, the autoscaler's maximum, CloudNativePG
  instances, KubeVirt's launcher with its overhead and sidecar, CDI's importer) and
  every volume claim (CDI's transient copies during a first import included);
- cost counts what is reserved all the time (`Demand.rest`): the *requests* of the
  pods that run at rest (an autoscaler's minimum, no surge; a halted VM none) at the
  price sheet's CPU and memory rates, and the claims at rest at the rate of their
  storage class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from platform_cli.load.model import PriceSheet, Resource, Stack
from platform_cli.load.quantities import parse_bytes, parse_cpu
from platform_cli.render.pods import QUOTA_KEYS, Peak, demand

__all__ = [
    "QUOTA_KEYS",
    "Cost",
    "Usage",
    "cost",
    "format_money",
    "parse_quota",
    "usage",
]

GIB = 1024**3


# Quota usage of a set of resources at peak (millicores, bytes, bytes, count): the
# model's own sum, so that usage and the model cannot disagree
Usage = Peak


def usage(resources: Iterable[Resource], stack: Stack) -> Usage:
    total = Peak()
    for resource in resources:
        total = total.plus(demand(resource, stack).peak)
    return total


def parse_quota(key: str, value: object) -> int:
    """A quota value in the unit `Usage` uses."""
    if key == "cpu":
        return parse_cpu(str(value))
    if key in ("memory", "storage"):
        return parse_bytes(str(value))
    return int(str(value))


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
    """The monthly cost of one resource in one stack: what it reserves at rest."""
    rest = demand(resource, stack).rest
    requests = rest.requests
    compute = _cores(requests.cpu) * _price(prices.cpu) + _gib(requests.memory) * _price(
        prices.memory
    )
    total = Cost(_money(compute))
    by_class: dict[str, int] = {}
    for claim in rest.claims:
        by_class[claim.storage_class] = (
            by_class.get(claim.storage_class, 0) + claim.size * claim.number
        )
    for storage_class, size in sorted(by_class.items()):
        total = total + _storage(size, storage_class, prices)
    return total


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
