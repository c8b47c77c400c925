"""The click parameter types: good strings become typed values, bad ones a usage error
(exit 2) that names the option and carries a hint."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from platform_cli.cli import commands as cli_module
from platform_cli.cli.param_types import (
    BYTES,
    CPU,
    Date,
    DependencyType,
    FormatChoice,
    PortType,
    ResourceRefType,
    VariableType,
)
from platform_cli.report.apply import DRIFT_REPORTERS, STACKS_REPORTERS
from platform_cli.report.check import REPORTERS
from platform_cli.report.manifests import MANIFEST_FORMATS
from platform_cli.report.plan import PLAN_REPORTERS
from platform_cli.self_service.options import Dependency, Port, ResourceRef, Variable
from tests.conftest import Run


@pytest.mark.parametrize(
    ("param_type", "text", "value"),
    [
        (PortType(), "http:8080", Port("http", 8080)),
        (PortType(), "sip:5060/UDP", Port("sip", 5060, "UDP")),
        (PortType(), "sip-tls:5061/tcp", Port("sip-tls", 5061, "TCP")),
        (PortType(), "top:65535", Port("top", 65535)),
        (DependencyType(), "service:ivr-api", Dependency("service", "ivr-api")),
        (DependencyType(), "database:crm-db", Dependency("database", "crm-db")),
        (DependencyType(), "server:pbx-1", Dependency("server", "pbx-1")),
        (VariableType(), "PORT=8080", Variable("PORT", "8080")),
        (VariableType(), "EMPTY=", Variable("EMPTY", "")),
        (VariableType(), "QUERY=a=b", Variable("QUERY", "a=b")),
        (ResourceRefType(), "service/crm-api", ResourceRef("Service", "crm-api")),
        (ResourceRefType(), "Server/pbx-1", ResourceRef("Server", "pbx-1")),
        (ResourceRefType(), "DATABASE/crm-db", ResourceRef("Database", "crm-db")),
        (CPU, "500m", "500m"),
        (CPU, "2", "2"),
        (CPU, "0.25", "0.25"),
        (BYTES, "512Mi", "512Mi"),
        (BYTES, "100Gi", "100Gi"),
        (Date(), "2027-05-01", datetime.date(2027, 5, 1)),
    ],
)
def test_good_text_becomes_a_typed_value(
    param_type: click.ParamType, text: str, value: object
) -> None:
    assert param_type.convert(text, None, None) == value
    # click converts defaults and prompts again: a typed value passes unchanged
    assert param_type.convert(value, None, None) == value


@pytest.mark.parametrize(
    ("param_type", "text", "message", "hint"),
    [
        (PortType(), "http", "bad port 'http'", "write a port as name:port or name:port/UDP"),
        (PortType(), "http:0", "bad port 'http:0'", "from 1 to 65535"),
        (PortType(), "http:70000", "bad port 'http:70000'", "from 1 to 65535"),
        (PortType(), "sip:5060/SCTP", "bad port 'sip:5060/SCTP'", "e.g. sip:5060/UDP"),
        (PortType(), "8080", "bad port '8080'", "name:port"),
        (
            DependencyType(),
            "vm:pbx-1",
            "bad dependency 'vm:pbx-1'",
            "service:NAME, database:NAME or server:NAME",
        ),
        (DependencyType(), "service:", "bad dependency 'service:'", "service:NAME"),
        (VariableType(), "PORT", "bad variable 'PORT'", "write a variable as NAME=VALUE"),
        (VariableType(), "=1", "bad variable '=1'", "NAME=VALUE"),
        (ResourceRefType(), "vm/pbx-1", "bad resource 'vm/pbx-1'", "server, database, service"),
        (ResourceRefType(), "service", "bad resource 'service'", "e.g. service/crm-api"),
        (CPU, "2x", "bad CPU quantity '2x'", "millicores ('500m'), e.g. 500m or 2"),
        (CPU, "0.0005", "bad CPU quantity '0.0005'", "whole or decimal cores"),
        (BYTES, "8GB", "bad memory or storage quantity '8GB'", "Ki, Mi, Gi or Ti, e.g. 512Mi"),
        (BYTES, "8Gi\n", "bad memory or storage quantity '8Gi\\n'", "binary units"),
        (Date(), "2027-13-01", "'2027-13-01' does not match the format '%Y-%m-%d'", ""),
    ],
)
def test_bad_text_is_a_usage_error_with_a_hint(
    param_type: click.ParamType, text: str, message: str, hint: str
) -> None:
    with pytest.raises(click.BadParameter) as error:
        param_type.convert(text, None, None)
    assert error.value.exit_code == 2
    assert message in error.value.message
    if hint:
        assert "\n    hint: " in error.value.message
        assert hint in error.value.message.split("\n    hint: ", 1)[1]


def test_the_format_choices_are_the_registry() -> None:
    choice = FormatChoice(lambda: DRIFT_REPORTERS)
    assert choice.choices == tuple(DRIFT_REPORTERS)
    assert choice.convert("markdown", None, None) == "markdown"
    with pytest.raises(click.BadParameter, match="'xml' is not one of 'text', 'markdown', 'json'"):
        choice.convert("xml", None, None)


def test_the_format_choices_are_read_when_first_needed() -> None:
    calls: list[int] = []

    def registry() -> dict[str, Any]:
        calls.append(1)
        return {"text": object}

    choice = FormatChoice(registry)
    assert calls == []
    assert choice.convert("text", None, None) == "text"
    assert calls


@pytest.mark.parametrize(
    ("args", "option", "hint"),
    [
        (
            ["new", "server", "--image", "ubuntu-24.04", "--depends-on", "vm:x"],
            "'--depends-on': bad dependency 'vm:x'",
            "hint: write a dependency as service:NAME",
        ),
        (
            ["new", "server", "--image", "ubuntu-24.04", "--memory", "8GB"],
            "'--memory': bad memory or storage quantity '8GB'",
            "hint: a Kubernetes quantity in binary units",
        ),
        (
            ["new", "service", "--image", "r.example/x:1.0.0", "--env", "=1"],
            "'--env': bad variable '=1'",
            "hint: write a variable as NAME=VALUE",
        ),
        (
            ["new", "service", "--image", "r.example/x:1.0.0", "--cpu-limit", "1.5x"],
            "'--cpu-limit': bad CPU quantity '1.5x'",
            "hint: a Kubernetes CPU quantity",
        ),
    ],
)
def test_a_bad_option_exits_2_before_any_file_is_read(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    option: str,
    hint: str,
) -> None:
    # No landscape at all: the value is refused at the door, before the root is looked for
    common = ["--stack", "prod", "--team", "t", "--name", "x", "--root", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main([*args, *common])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"Error: Invalid value for {option}" in err
    assert hint in err


def test_a_bad_resource_to_promote_exits_2(run: Callable[[list[str]], Run], tmp_path: Path) -> None:
    result = run(["promote", "vm/pbx-1", "--from", "dev", "--to", "prod", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "Invalid value for 'KIND/NAME': bad resource 'vm/pbx-1'" in result.stderr
    assert "hint: write KIND/NAME with KIND one of server, database, service" in result.stderr


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("check", sorted(REPORTERS)),
        ("plan", list(PLAN_REPORTERS)),
        ("render", list(MANIFEST_FORMATS)),
        ("stacks", list(STACKS_REPORTERS)),
        ("drift", list(DRIFT_REPORTERS)),
    ],
)
def test_every_format_option_offers_its_registry(
    run: Callable[[list[str]], Run], command: str, names: list[str]
) -> None:
    result = run([command, "--help"])
    assert result.exit_code == 0
    assert f"--format [{'|'.join(names)}]" in result.stdout
    refused = run([command, "--format", "xml"])
    assert refused.exit_code == 2
    assert ", ".join(repr(n) for n in names) in refused.stderr
