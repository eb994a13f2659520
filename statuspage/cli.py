"""The ``statuspage`` command: click options, each command calling one library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import StatuspageError, ValidationError

SITE_OPTION = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current directory",
    help="Site directory holding statuspage.toml and content/.",
)


def _fail(error: StatuspageError) -> None:
    """Print a user error as clean lines, never a traceback, and exit 1."""
    if isinstance(error, ValidationError):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
    else:
        click.echo(f"Error: {error}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="statuspage")
def main() -> None:
    """Build a static status page from Markdown incidents, maintenance notes and support tickets."""


@main.command()
@SITE_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory, replaced atomically.  [default: build/ in the site directory]",
)
@click.option("--now", "now", default=None, help="Build as if it were this time (ISO 8601); also SOURCE_DATE_EPOCH.")
def build(site_dir: Path, out: Path | None, now: str | None) -> None:
    """Validate the site, then build it into the output directory."""
    from .build import build_site

    try:
        result = build_site(site_dir, out if out is not None else site_dir / "build", now)
    except StatuspageError as error:
        _fail(error)
    click.echo(f"Built {result.files} files into {result.out}")


@main.command()
@SITE_OPTION
def check(site_dir: Path) -> None:
    """Validate config, content and the tickets database; list every problem as path:line: message."""
    from .build import check_site

    try:
        site = check_site(site_dir)
    except StatuspageError as error:
        _fail(error)
    click.echo(
        f"OK: {len(site.incidents)} incidents, {len(site.maintenance)} maintenance windows, "
        f"{len(site.tickets)} public tickets"
    )
