"""LND010 reads every string a workload receives and knows the common credential
formats; each format is held to the reason it reports, and ordinary values to none."""

from __future__ import annotations

import pytest

from platform_cli.checks.policy import DEFAULT_PARAMETERS
from policies.lnd010_plaintext_secrets import _in_arguments, secret_in_value

# Assembled here so that no scanner mistakes the test file for a leak
GITHUB = "ghp_" + "0123456789abcdefghijklmnopqrstuvwxyzAB"
FINE_GRAINED = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
SLACK = "xoxb-" + "123456789012-abcdefghijkl"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxIn0." + "c2lnbmF0dXJlLWZha2U"
PATTERNS = [p.upper() for p in DEFAULT_PARAMETERS["secretNamePatterns"]]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (f"token={GITHUB}", "a GitHub token"),
        (FINE_GRAINED, "a GitHub token"),
        (AWS, "an AWS access key ID"),
        (SLACK, "a Slack token"),
        (JWT, "a JSON Web Token"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl", "a private key"),
        ("Basic dXNlcjpodW50ZXIy", "an Authorization header value"),
        ("amqp://app:hunter2@mq:5672/", "a URL with credentials"),
        ("Zk3Q9vX2mP7rT1yL8wN4bC6dH0sJ5gA", "a high-entropy string"),
        # Split by zero-width characters, which the reader refuses as well
        ("Zk3Q9vX2mP7r\u200bT1yL8wN4b\u200dC6dH0sJ5gA", "a high-entropy string"),
        ("xox\u200bb-123456789012-abcdefghijkl", "a Slack token"),
    ],
)
def test_known_formats_are_recognised(value: str, reason: str) -> None:
    assert secret_in_value(value) == f"the value holds {reason}"


@pytest.mark.parametrize(
    "value",
    [
        "info",
        "http://residents-api.prod-master-data.svc.cluster.local:8080",
        "https://sso.apps.dom-komfort.example/realms/staff",
        "/var/lib/app/data",
        "registry.dom-komfort.example/service-desk/tickets-api:2.3.1",
        "Basic",
        "0 2 * * *",
    ],
)
def test_ordinary_values_are_not_secrets(value: str) -> None:
    assert secret_in_value(value) == ""


@pytest.mark.parametrize(
    ("args", "flagged"),
    [
        (["--db-password=hunter2"], [0]),
        (["--token", "letmein-please"], [1]),
        (["--api-key", "abc"], [1]),
        (["serve", f"--github={GITHUB}"], [1]),
        (["--db-password=$(DB_PASSWORD)", "--token", "$(API_TOKEN)"], []),
        (["--key-file", "/etc/tls/key.pem", "--verbose", "--log-level", "info"], []),
        (["start", "--optimized"], []),
    ],
)
def test_arguments_are_read_by_flag_and_by_value(args: list[str], flagged: list[int]) -> None:
    assert [index for index, _ in _in_arguments(args, PATTERNS)] == flagged


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASS",
        "PGPASS",
        "PGPASSWORD",
        "S3_CREDENTIALS",
        "AUTH_HEADER",
        "API_KEY",
        "SIGNING_KEY_ID",
    ],
)
def test_credential_words_in_names(name: str) -> None:
    from policies.lnd010_plaintext_secrets import _by_name

    assert _by_name(name, PATTERNS)


@pytest.mark.parametrize("name", ["KEYCLOAK_URL", "LOG_LEVEL", "BYPASS_CACHE", "PASSENGER_COUNT"])
def test_ordinary_names(name: str) -> None:
    from policies.lnd010_plaintext_secrets import _by_name

    assert not _by_name(name, PATTERNS)
