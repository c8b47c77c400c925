"""No secrets in plain sight: not in env, args or command, whatever their format.

Everything in a service's `env`, `args` and `command` is committed to Git, copied into
rendered manifests and shown by `kubectl describe`. Secrets are references
(`secretEnv: {NAME: {secret, key}}`) to Kubernetes Secrets created outside Git; an
argument that needs one names the variable, `--password=$(DB_PASSWORD)`, which
Kubernetes expands when it starts the container. Every string a workload receives is
read, and reported when

- it is an env variable whose name matches one of `secretNamePatterns`
  (case-insensitive globs; by default `*PASSWORD*`, `*PASSWD*`, `*PASS`, `*_PASS_*`,
  `PGPASS*`, `*TOKEN*`, `*SECRET*`, `*KEY`, `*KEY_*`, `*CREDENTIAL*`, `*AUTH_HEADER*`,
  `*AUTHORIZATION*`, `*BEARER*`, `*DSN*`), whatever its value;
- it is an argument `--name=value`, or `--name value`, whose flag matches those
  patterns (`--db-password=...` as `DB_PASSWORD`) and whose value is neither a
  `$(VAR)` reference nor a file path;
- its value holds a well-known credential format: a private-key header
  (`-----BEGIN ... PRIVATE KEY-----`), a GitHub token (`ghp_`, `gho_`, `ghu_`,
  `ghs_`, `ghr_`, `github_pat_`), an AWS access key ID (`AKIA...`, `ASIA...`), a
  Slack token (`xoxb-`, `xoxp-`, ...), a JSON Web Token (`eyJ...eyJ...`), an
  `Authorization` header value (`Basic ...`, `Bearer ...`) or a URL with credentials
  (`scheme://user:password@host`);
- its value holds a high-entropy token: 20 or more characters of
  `[A-Za-z0-9+/=_-]` that mix lower case, upper case and digits with a Shannon
  entropy of at least 4.0 bits per character, or 32 or more hex digits with at
  least 3.0 bits per character (the thresholds of common secret scanners).
  Host names, paths and words do not qualify.

Invisible characters (zero-width spaces and joiners, the word joiner, the soft hyphen,
the byte-order mark) are removed before a value is read, so that a token split by
them is still found; the YAML reader refuses them as well.

A variable whose name matches but is not secret (say `TOKEN_TTL`) is renamed, or
waived for that one service. (`*KEY` and `*KEY_*` rather than `*KEY*`, so that
`KEYCLOAK_URL` is not taken for a key.)
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Service

ID = "LND010"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "No plaintext secrets in env, args or command"

PASSING = """\
spec:
  args: [serve, "--db-password=$(DB_PASSWORD)"]
  env: {LOG_LEVEL: info}
  secretEnv:
    DB_PASSWORD: {secret: crm-db-app, key: password}
"""
FAILING = """\
spec:
  args: ["--token", "ghp_Zk3Q9vX2mP7rT1yL8wN4bC6dH0sJ5gAq2Wx7"]   # LND010: a GitHub token
  env:
    DB_PASS: hunter2                                      # LND010: by name
    DATABASE_URL: postgres://crm:hunter2@crm-db:5432/crm  # LND010: credentials in a URL
    SIGNING: Zk3Q9vX2mP7rT1yL8wN4bC6dH0sJ5gA             # LND010: high entropy
"""

_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff]")
# Well-known formats, each with what it is, in the order they are tried
_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"), "a GitHub token"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key ID"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}"),
        "a JSON Web Token",
    ),
    (re.compile(r"\b(Basic|Bearer) +[A-Za-z0-9+/=._~-]{8,}"), "an Authorization header value"),
    (re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with credentials"),
)  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
_FLAG = re.compile(r"^--?([A-Za-z][A-Za-z0-9_.-]*)(=(.*))?$", re.DOTALL)
# A `$(VAR)` reference, which Kubernetes expands, or a file path: not a secret itself
_REFERENCE = re.compile(r"^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\.?/.*)$")
# No format above is shorter than this (an AWS key ID is 20 characters, `Basic ` and
# 8 more is 14); a shorter value without '://' holds none
_SHORTEST = 14


def check(context: Context) -> Iterator[Violation]:
    patterns = [p.upper() for p in context.parameters.get("secretNamePatterns")]
    for resource, _stack, _system in context.resources():
        if not isinstance(resource, Service):
            continue
        for name, value in resource.spec.get("env", {}).items():
            reason = _by_name(name, patterns) or secret_in_value(str(value))
            if reason:
                yield violation(
                    resource,
                    "spec",
                    "env",
                    name,
                    message=f"env variable '{name}' of service '{resource.name}' looks like "
                    f"a plaintext secret: {reason}",
                    hint=f"move it to secretEnv: {{{name}: {{secret: ..., key: ...}}}} and "
                    "rotate the value, it is in Git history",
                    at_key=True,
                )
        for field in ("command", "args"):
            items = resource.spec.get(field, [])
            for index, reason in _in_arguments([str(a) for a in items], patterns):
                yield violation(
                    resource,
                    "spec",
                    field,
                    index,
                    message=f"{field}[{index}] of service '{resource.name}' looks like a "
                    f"plaintext secret: {reason}",
                    hint="put the value in secretEnv and pass it as $(NAME), which Kubernetes "
                    "expands; rotate the value, it is in Git history",
                )


def _in_arguments(items: Sequence[str], patterns: list[str]) -> Iterator[tuple[int, str]]:
    """(index, reason) of every argument that holds a secret, by its value or by the
    name of the flag it belongs to."""
    for index, item in enumerate(items):
        reason = secret_in_value(item)
        if not reason:
            reason = _flag_reason(item, items[index - 1] if index else "", patterns)
        if reason:
            yield index, reason


def _flag_reason(item: str, previous: str, patterns: list[str]) -> str:
    flag = _FLAG.match(item)
    if flag is not None and flag.group(2):  # --name=value
        value = flag.group(3)
        if value and not _REFERENCE.match(value):
            return _by_flag(flag.group(1), patterns)
        return ""
    before = _FLAG.match(previous)
    value_of_flag = flag is None and before is not None and not before.group(2)  # --name value
    if value_of_flag and before is not None and item and not _REFERENCE.match(item):
        return _by_flag(before.group(1), patterns)
    return ""


def _by_flag(flag: str, patterns: list[str]) -> str:
    reason = _by_name(re.sub(r"[-.]", "_", flag), patterns)
    return f"flag --{flag}: {reason.replace('its name', 'the name')}" if reason else ""


def _by_name(name: str, patterns: list[str]) -> str:
    upper = name.upper()
    if not _any_of(tuple(patterns)).match(upper):
        return ""  # the common case, in one regex instead of one match per pattern
    for pattern in patterns:
        if fnmatch.fnmatchcase(upper, pattern):
            return f"its name matches {pattern}"
    return ""  # pragma: no cover - the combined pattern matched one of them


@functools.lru_cache(maxsize=16)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")


def secret_in_value(value: str) -> str:
    """Why `value` looks like a secret, or '' when it does not."""
    if len(value) < _SHORTEST and "://" not in value:
        return ""  # too short for any token or key, and no URL: most values
    value = _INVISIBLE.sub("", value)
    for pattern, what in _FORMATS:
        if pattern.search(value):
            return f"the value holds {what}"
    for token in _TOKEN.findall(value):
        classes = sum(bool(re.search(c, token)) for c in ("[a-z]", "[A-Z]", "[0-9]"))
        if classes == 3 and entropy(token) >= 4.0:
            return "the value holds a high-entropy string"
    for token in _HEX.findall(value):
        if entropy(token) >= 3.0:
            return "the value holds a long hex string"
    return ""


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
