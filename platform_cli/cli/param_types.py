"""Click parameter types: command-line strings become typed values at the door.

`--port sip:5060/UDP` arrives in the core as `Port('sip', 5060, 'UDP')`; a value that
cannot be one is a usage error (exit 2) naming the option, with a hint, before any
file is read. Quantities are held to the very patterns of the schemas
(`common.schema.json`), so the door and `platform check` agree on what a quantity is.

`FormatChoice` is `--format`: its choices are the names of a registry of reporters in
`platform_cli.report`, read only when a command needs them, so that one command does
not pay for importing the reporters (and the core behind them) of another.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from platform_cli.load import schema
from platform_cli.load.model import DEPENDENCY_KINDS, parse_instant

if TYPE_CHECKING:
    from platform_cli.self_service.options import Dependency, Port, ResourceRef, Variable

# The values are imported when an option is converted: creating their dataclasses
# costs every command a few milliseconds at start, and only `new` and `promote` use them

_PORT = re.compile(r"([a-z][-a-z0-9]*):([0-9]{1,5})(?:/(TCP|UDP|tcp|udp))?")


def _fail(
    param_type: click.ParamType,
    message: str,
    hint: str,
    param: click.Parameter | None,
    ctx: click.Context | None,
) -> Any:
    param_type.fail(f"{message}\n    hint: {hint}", param, ctx)


class PortType(click.ParamType):
    """`NAME:PORT` or `NAME:PORT/UDP` (TCP by default; any case) -> `Port`."""

    name = "port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Port:
        from platform_cli.self_service.options import Port

        if isinstance(value, Port):
            return value
        match = _PORT.fullmatch(str(value))
        if match is None or not 1 <= int(match.group(2)) <= 65535:
            return _fail(
                self,
                f"bad port {value!r}",
                "write a port as name:port or name:port/UDP, with a port from 1 to 65535, "
                "e.g. sip:5060/UDP",
                param,
                ctx,
            )
        name, port, protocol = match.groups()
        return Port(name, int(port), (protocol or "TCP").upper())


class DependencyType(click.ParamType):
    """`KIND:NAME`, KIND one of service, database, server -> `Dependency`."""

    name = "dependency"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Dependency:
        from platform_cli.self_service.options import Dependency

        if isinstance(value, Dependency):
            return value
        key, _, name = str(value).partition(":")
        if key not in DEPENDENCY_KINDS or not name:
            *first, last = (f"{k}:NAME" for k in DEPENDENCY_KINDS)
            keys = f"{', '.join(first)} or {last}"
            return _fail(
                self, f"bad dependency {value!r}", f"write a dependency as {keys}", param, ctx
            )
        return Dependency(key, name)


class VariableType(click.ParamType):
    """`NAME=VALUE` -> `Variable`; the value may be empty or hold '='."""

    name = "variable"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Variable:
        from platform_cli.self_service.options import Variable

        if isinstance(value, Variable):
            return value
        name, sep, text = str(value).partition("=")
        if not sep or not name:
            return _fail(
                self, f"bad variable {value!r}", "write a variable as NAME=VALUE", param, ctx
            )
        return Variable(name, text)


class ResourceRefType(click.ParamType):
    """`KIND/NAME` (any case of the kind) -> `ResourceRef('Server', 'pbx-1')`."""

    name = "resource"

    def __init__(self, teams: bool = False) -> None:
        # `platform retire` also takes Team/NAME
        self.teams = teams

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> ResourceRef:
        from platform_cli.self_service.options import KINDS, ResourceRef

        if isinstance(value, ResourceRef):
            return value
        kinds = {**KINDS, "team": "Team"} if self.teams else KINDS
        kind, _, name = str(value).partition("/")
        if kind.lower() not in kinds or not name:
            return _fail(
                self,
                f"bad resource {value!r}",
                f"write KIND/NAME with KIND one of {', '.join(kinds)}, e.g. service/crm-api",
                param,
                ctx,
            )
        return ResourceRef(kinds[kind.lower()], name)


@functools.cache
def _quantity(definition: str) -> tuple[re.Pattern[str], str]:
    """The pattern of a quantity in common.schema.json, and a hint from its description."""
    spec = schema.load_schemas()["common.schema.json"]["$defs"][definition]
    examples = " or ".join(spec.get("examples", []))
    hint = spec["description"].rstrip(".")
    return re.compile(spec["pattern"]), f"{hint[0].lower()}{hint[1:]}, e.g. {examples}"


class QuantityType(click.ParamType):
    """A Kubernetes quantity as the schemas allow it: `cpu` ('500m', '2') or `bytes`
    ('512Mi', '100Gi'). The value stays the text the requester wrote."""

    def __init__(self, definition: str, what: str) -> None:
        self.definition = definition
        self.name = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        pattern, hint = _quantity(self.definition)
        text = str(value)
        if pattern.fullmatch(text) is None:
            return _fail(self, f"bad {self.name} quantity {text!r}", hint, param, ctx)
        return text


CPU = QuantityType("cpu", "CPU")
BYTES = QuantityType("bytes", "memory or storage")


class Date(click.DateTime):
    """`YYYY-MM-DD` -> `datetime.date`."""

    name = "date"

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(  # type: ignore[override]
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.date:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        converted: datetime.datetime = super().convert(value, param, ctx)
        return converted.date()


class Instant(click.ParamType):
    """An RFC 3339 date-time with an offset (`2026-11-28T21:00:00Z`,
    `2026-11-29T00:00:00+03:00`) -> an aware `datetime.datetime` in UTC. A date alone
    or a time without an offset is refused: which moment it means depends on a clock's
    zone, and a restore to the wrong hour is a wrong restore."""

    name = "timestamp"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.datetime:
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone(datetime.UTC)
        try:
            return parse_instant(str(value))
        except ValueError as error:
            return _fail(
                self,
                str(error),
                "write a date, 'T', a time and Z for UTC (or an offset such as +03:00), "
                "e.g. 2026-11-28T21:00:00Z",
                param,
                ctx,
            )


class FormatChoice(click.Choice[str]):
    """`--format`: one of the names of a registry of reporters, read when first needed."""

    def __init__(self, registry: Callable[[], Iterable[str]]) -> None:
        self._registry = registry
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._registry())

    @choices.setter
    def choices(self, _: Iterable[str]) -> None:
        """Set by click's constructor; the registry is the one list of names."""
