"""The toolkit's one base error and its subclasses.

Errors are for runs that cannot go on (a missing landscape root, a bad option, an
outside tool that failed). Problems in the user's files are `Finding` values, not
exceptions. The CLI maps each class to an exit code in one place.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every expected failure. The message is shown to the user as is."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PlatformError):
    """The command line asks for something that cannot be done (exit code 2)."""

    exit_code = 2


class LandscapeNotFound(UsageError):
    """No landscape root (a folder with landscape/ and stacks/) was found."""
