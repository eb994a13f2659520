"""``statuspage build`` and ``statuspage check``: the whole pipeline, one phase per step."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .clock import resolve_now
from .errors import StatuspageError
from .freeze import clean_leftovers, freeze, output_lock, swap_into_place, temporary_sibling
from .model import Site
from .sources.site import load_site
from .state import derive
from .web import create_app, site_urls


@dataclass(frozen=True)
class BuildResult:
    out: Path
    files: int
    now: datetime


def check_site(site_dir: Path) -> Site:
    """Validate config, content and tickets; raises ValidationError with every problem found."""
    return load_site(site_dir)


def build_site(site_dir: Path, out: Path, now_option: str | None = None) -> BuildResult:
    """Load → validate → derive → render and freeze → swap.  The old output survives any failure."""
    # Load and validate: nothing is written unless the whole site is valid.
    site = load_site(site_dir)
    _refuse_dangerous_output(site, out)
    now = resolve_now(now_option, site.config.timezone)

    # Derive: every time-dependent fact, computed once for all outputs.
    state = derive(site, now)

    with output_lock(out):
        # Render and freeze into a fresh directory beside the output.
        clean_leftovers(out)
        staging = temporary_sibling(out)
        try:
            app = create_app(state)
            files = freeze(app, staging, lambda: site_urls(state))
            # Swap: the new tree replaces the old one in a single rename.
            swap_into_place(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildResult(out, files, now)


def _refuse_dangerous_output(site: Site, out: Path) -> None:
    """The output is replaced wholesale, so it must never hold or sit inside the site's sources."""
    target = out.resolve()
    root = site.root.resolve()
    sources = [root, root / "content", root / "templates", root / "statuspage.toml"]
    if site.config.tickets_db is not None:
        sources.append(site.config.tickets_db.resolve())
    for source in sources:
        holds_source = target == source or target in source.parents
        inside_source = source != root and source in target.parents
        if holds_source or inside_source:
            raise StatuspageError(f"--out {out}: refusing to replace a directory that holds the site's sources")
