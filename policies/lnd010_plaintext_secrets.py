"""No secrets in plain environment variables: they belong in secretEnv.

Everything in `env` is committed to Git, copied into rendered manifests and shown in
`kubectl describe`. Secrets are references (`secretEnv: {NAME: {secret, key}}`) to
Kubernetes Secrets created outside Git. A plain variable is reported when

- its name matches one of `secretNamePatterns` (by default `*PASSWORD*`,
  `*PASSWD*`, `*TOKEN*`, `*SECRET*`, `*KEY*`, case-insensitive), whatever its value;
- its value holds a private-key header (`-----BEGIN ... PRIVATE KEY-----`);
- its value is a URL with credentials (`scheme://user:password@host`);
- its value holds a high-entropy token: 20 or more characters of
  `[A-Za-z0-9+/=_-]` that mix lower case, upper case and digits with a Shannon
  entropy of at least 4.0 bits per character, or 32 or more hex digits with at
  least 3.0 bits per character (the thresholds of common secret scanners).
  Host names, paths and words do not qualify.

A variable whose name matches but is not secret (say `KEYBOARD_LAYOUT`) is
renamed, or waived for that one service.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from collections import Counter
from collections.abc import Iterator

from platform_cli.checks.policy import Context, Scope, Violation, violation
from platform_cli.findings import Level
from platform_cli.load.model import Service

ID = "LND010"
LEVEL = Level.ERROR
SCOPE = Scope.RESOURCE
TITLE = "No plaintext secrets in env"

PASSING = """\
spec:
  env: {LOG_LEVEL: info}
  secretEnv:
    DB_PASSWORD: {secret: crm-db-app, key: password}
"""
FAILING = """\
spec:
  env:
    DB_PASSWORD: hunter2                                  # LND010: by name
    DATABASE_URL: postgres://crm:hunter2@crm-db:5432/crm  # LND010: credentials in a URL
    SIGNING: Zk3Q9vX2mP7rT1yL8wN4bC6dH0sJ5gA             # LND010: high entropy
"""

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
# No token (20), hex string (32) or private key header is shorter than this
_SHORTEST = 20


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
    if _PRIVATE_KEY.search(value):
        return "the value holds a private key"
    if _URL_CREDENTIALS.search(value):
        return "the value is a URL with credentials"
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
