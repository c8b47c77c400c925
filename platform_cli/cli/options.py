"""What every command shares: the `--root`, `--format` and `--today` options, paths relative to
the landscape, and printing an `Output`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from platform_cli.cli.param_types import Date, FormatChoice
from platform_cli.errors import UsageError
from platform_cli.report.output import Output, Stream
from platform_cli.sources.tree import find_root

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The landscape repository (default: the nearest folder above the current one "
    "with landscape/ and stacks/).",
)


today_option = click.option(
    "--today",
    type=Date(),
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge waiver expiry as of this day (default: today), e.g. to see what "
    "expires next month.",
)


def format_option(
    registry: Callable[[], Iterable[str]], default: str | None, help: str
) -> Callable[[F], F]:
    """`--format NAME`, NAME one of a registry's names, passed on as `fmt`."""
    return click.option("--format", "fmt", type=FormatChoice(registry), default=default, help=help)


def landscape_root(root: Path | None) -> Path:
    return find_root(root if root is not None else Path.cwd())


def relative(root: Path, path: Path) -> str:
    """A path on the command line as a path in the landscape (POSIX, relative)."""
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the landscape {root}") from None


def repository_path(root: Path, path: str) -> str:
    """A repository path as given, or an absolute path made relative to the root."""
    if Path(path).is_absolute():
        return relative(root, Path(path))
    return Path(path).as_posix().removeprefix("./")


def emit(output: Output | str) -> None:
    """Print a report: a string on stdout, or each part of an `Output` in order."""
    if isinstance(output, str):
        output = Output.stdout(output)
    for stream, text in output.parts:
        if text:
            click.echo(text, nl=False, err=stream is Stream.STDERR)
