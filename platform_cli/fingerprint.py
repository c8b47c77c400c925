"""A digest of the code that produced a stored result.

Stored documents and stored evaluations are filed under a digest of the code that made
them, so that a changed module never serves a result of the old code. The digest covers
every Python file under each given package, in every subpackage, by path and content.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType


def files_of(*packages: ModuleType) -> list[Path]:
    """Every module of the packages, subpackages included, in a stable order."""
    found: list[Path] = []
    for package in packages:
        assert package.__file__ is not None, f"{package.__name__} is a package with a file"
        folder = Path(package.__file__).resolve().parent
        found.extend(sorted(folder.rglob("*.py")))
    return found


def code_digest(*packages: ModuleType) -> hashlib._Hash:
    """A running SHA-256 over the modules of the packages; callers add their own inputs."""
    digest = hashlib.sha256()
    for path in files_of(*packages):
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest
