"""A hypervisor's VM inventory as server requests: `platform import --inventory FILE.csv`.

The export has one row per machine and the columns `name, team, system, vcpu, memory,
disk, os_image, ports` (in any order, a header row first; more columns are ignored).
Each row becomes a `platform new server` request (so the stack's policies give it the
same defaults and comments); a cell that cannot be read is an `inventory-row` error at
`FILE:ROW:COLUMN` (the header is row 1, columns count from 1) with a hint, and nothing
is written for that row. The other rows go on.

- `memory`, `disk`: `8Gi`, `8 GiB`, `8192 MiB`; `GB`/`MB`/`TB` are read as the binary
  units hypervisors mean by them (vSphere and Proxmox report GiB as "GB"). A bare number
  is refused: its unit is a guess.
- `os_image`: a name of the image catalog (policies/config.yaml `vmImages`), or its
  title (`Ubuntu 24.04 LTS`), or that title's first words (`Ubuntu 24.04`); anything
  else is refused with the catalog's names: an image outside the catalog has no
  source the platform may import.
- `ports`: `ssh:22 sip:5060/udp`, separated by spaces, `;` or `,`; a port without a
  name gets the usual one (22 ssh, 80 http, 443 https, 5060 sip) or `port-<n>`.

Pure: text and the landscape in, rows and findings out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from platform_cli.checks.adoption import INVENTORY_ROW
from platform_cli.findings import Finding
from platform_cli.load.model import Landscape
from platform_cli.self_service.options import Port, ServerOptions

COLUMNS = ("name", "team", "system", "vcpu", "memory", "disk", "os_image", "ports")
_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SIZE = re.compile(r"^([1-9][0-9]*)\s*(Ki|Mi|Gi|Ti|K|M|G|T)i?B?$", re.IGNORECASE)
_PORT = re.compile(r"^(?:([a-z]([-a-z0-9]*[a-z0-9])?):)?([0-9]{1,5})(?:/(tcp|udp))?$", re.I)
WELL_KNOWN = {22: "ssh", 80: "http", 443: "https", 5060: "sip", 5432: "postgres", 3389: "rdp"}


@dataclass(frozen=True)
class Row:
    """One machine of the inventory, read."""

    line: int
    name: str
    team: str
    system: str | None
    options: ServerOptions


@dataclass
class Inventory:
    rows: list[Row]
    findings: list[Finding]


class _Bad(Exception):
    def __init__(self, column: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.column, self.message, self.hint = column, message, hint


def read_inventory(path: str, text: str, landscape: Landscape) -> Inventory:
    """The rows of the inventory that can be read, and a located error for each cell
    that cannot."""
    findings: list[Finding] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        header = []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        findings.append(
            INVENTORY_ROW.finding(
                path,
                1,
                1,
                f"the header has no column {', '.join(missing)}",
                f"the first row names the columns: {', '.join(COLUMNS)}",
            )
        )
        return Inventory([], findings)
    index = {c: header.index(c) for c in COLUMNS}
    images: Mapping[str, Any] = landscape.config.vm_images if landscape.config else {}
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
        try:
            row = _row(number, cell, landscape, images)
            if row.name in seen:
                raise _Bad("name", f"{row.name!r} is also row {seen[row.name]}", "names are unique")
            seen[row.name] = number
            rows.append(row)
        except _Bad as bad:
            findings.append(
                INVENTORY_ROW.finding(
                    path, number, index[bad.column] + 1, f"{bad.column}: {bad.message}", bad.hint
                )
            )
    return Inventory(rows, findings)


def _row(
    number: int, cell: Mapping[str, str], landscape: Landscape, images: Mapping[str, Any]
) -> Row:
    name = cell["name"].lower()
    if not _NAME.match(name) or len(name) > 40:
        raise _Bad(
            "name",
            f"{cell['name']!r} is no server name",
            "lower-case letters, digits and '-', starting with a letter, at most 40 characters",
        )
    team = cell["team"]
    if team not in landscape.teams:
        raise _Bad("team", f"unknown team {team!r}", f"teams: {', '.join(sorted(landscape.teams))}")
    system = cell["system"] or None
    if system is not None:
        found = landscape.systems.get(system)
        if found is None or found.owner != team:
            owned = sorted(s.name for s in landscape.systems.values() if s.owner == team)
            why = "unknown system" if found is None else f"system owned by {found.owner!r}:"
            raise _Bad(
                "system", f"{why} {system!r}", f"systems of {team}: {', '.join(owned) or '(none)'}"
            )
    try:
        vcpu = int(cell["vcpu"])
    except ValueError:
        vcpu = 0
    if not 1 <= vcpu <= 128:
        raise _Bad("vcpu", f"{cell['vcpu']!r} is no vCPU count", "a whole number from 1 to 128")
    memory = _size("memory", cell["memory"])
    disk = _size("disk", cell["disk"])
    image = _image(cell["os_image"], images)
    ports = _ports(cell["ports"])
    options = ServerOptions(image=image, cpu=vcpu, memory=memory, disk=disk, ports=ports)
    return Row(number, name, team, system, options)


def _size(column: str, text: str) -> str:
    match = _SIZE.match(text.strip())
    if not match:
        raise _Bad(
            column,
            f"{text!r} is no size",
            "a number and a binary unit: 8Gi, 8 GiB, 8192 MiB (GB and MB are read as GiB, MiB)",
        )
    return f"{match.group(1)}{match.group(2)[0].upper()}i"


def _image(text: str, images: Mapping[str, Any]) -> str:
    wanted = " ".join(text.lower().split())
    for name, image in sorted(images.items()):
        title = " ".join(str(image.get("title", "")).lower().split())
        if wanted in (name, title) or (wanted and title.startswith(wanted + " ")):
            return name
    raise _Bad(
        "os_image",
        f"{text!r} is no image of the catalog",
        f"one of {', '.join(sorted(images)) or '(none)'} (policies/config.yaml vmImages; the "
        "architects "
        "add images)",
    )


def _ports(text: str) -> tuple[Port, ...]:
    out: list[Port] = []
    for item in re.split(r"[\s;,]+", text.strip()):
        if not item:
            continue
        match = _PORT.match(item)
        number = int(match.group(3)) if match else 0
        if match is None or not 1 <= number <= 65535:
            raise _Bad(
                "ports",
                f"{item!r} is no port",
                "NAME:PORT or PORT, with /udp for UDP: `ssh:22 sip:5060/udp`",
            )
        name = (match.group(1) or WELL_KNOWN.get(number) or f"port-{number}").lower()
        if any(p.name == name for p in out):
            name = f"{name}-{number}"
        protocol = (match.group(4) or "tcp").upper()
        out.append(Port(name, number, protocol))
    return tuple(out)
