"""`platform catalog`: build the landscape catalog, a static site (docs/catalog.md)."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from platform_cli.catalog.facts import ApplyStatus, parse_status
from platform_cli.catalog.site import CatalogOptions, build_catalog
from platform_cli.cli.options import landscape_root, root_option


@click.command("catalog")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write the site into (new, empty or an earlier catalog).",
)
@root_option
@click.option(
    "--status",
    "status_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The output of `platform status --format json`, for each resource's apply status.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that make the pages (default: one per core this process may use, "
    "each with at least 1,000 resources).",
)
@click.option(
    "--repo-url",
    default="",
    help="The repository's web address (https://github.com/ORG/REPO), to link each file.",
)
def catalog(
    out: Path, root: Path | None, status_file: Path | None, jobs: int | None, repo_url: str
) -> None:
    """Build the landscape catalog: map, teams, systems, resources, cost, governance."""
    if repo_url and not repo_url.startswith("https://"):
        raise click.BadParameter("must start with https://", param_hint="--repo-url")
    status: ApplyStatus | None = None
    if status_file is not None:
        status = parse_status(status_file.read_text(encoding="utf-8"), str(status_file))
    result = build_catalog(
        CatalogOptions(
            root=landscape_root(root),
            out=out,
            today=datetime.date.today(),
            status=status,
            repo_url=repo_url,
            jobs=jobs or 0,
        )
    )
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"catalog: {result.pages} pages in {out} ({result.written} written, "
        f"{result.unchanged} unchanged, {result.removed} removed); "
        f"largest {result.largest[0]} {result.largest[1] / 1024:.0f} KiB"
    )
    click.echo(f"open {out / 'index.html'}")
