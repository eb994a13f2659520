"""``statuspage build`` and ``statuspage check``: write nothing when nothing changed, else build (pipeline.py).

A build first takes the fingerprint of everything its output depends on (``fingerprint.py``);
when it is the one the output was built from, nothing is written.  The fingerprint is taken in
another process while this one imports what building needs (Flask, Jinja, Babel...: a fifth of
a second), so this module imports none of it at its top.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from .config import load_config
from .errors import Collector, Problem, StatuspageError, ValidationError
from .fingerprint import cache_dir, fingerprint, output_lock, recorded, unchanged
from .modes import current_umask
from .ownership import check_output
from .sources.digests import Answers, FileDigests
from .workers import cycle_collection, in_background

if TYPE_CHECKING:
    from .model import Config, Site
    from .state import SiteState

Taken = tuple[str, datetime] | None  # a fingerprint and the ``now`` it was taken at (see ``fingerprint``)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    files: int  # in the output
    now: datetime
    derived: Callable[[], SiteState] = field(repr=False, compare=False)
    written: bool = True  # False: nothing had changed, and the output was left as it was
    # Ticket rows left out and links dropped (SPEC §6); a build with any is never skipped as unchanged.
    warnings: tuple[Problem, ...] = ()

    @cached_property
    def state(self) -> SiteState:
        """What was built; ``watch`` schedules from it.  Derived on first use when the build was skipped."""
        return self.derived()


def check_site(site_dir: Path) -> Site:
    """Validate config, content, tickets and the site's templates; raises ValidationError with every problem.

    Unlike a build, a check fails on ticket rows that a build would leave out; links a build would
    drop are the site's ``dropped_links``, warnings only (the desk may make a ticket private at any time).
    """
    from .sources.site import load_site
    from .web.theme import check_templates

    site = load_site(site_dir)
    check_templates(site_dir)
    if site.left_out:
        raise ValidationError(list(site.left_out), warnings=site.dropped_links)
    return site


@cycle_collection(False)  # see workers.cycle_collection
def build_site(
    site_dir: Path,
    out: Path,
    now_option: str | None = None,
    *,
    provenance: bool = True,
    before_swap: Callable[[], None] | None = None,
    jobs: int = 1,
    content_stale_since: datetime | None = None,
) -> BuildResult:
    """Load → validate → derive → render what changed → swap.  The old output survives any failure.

    ``provenance`` adds git's first-published and last-edited times (see sources/provenance.py).
    ``before_swap`` runs between rendering and swapping: ``watch`` renders a state change ahead of
    time and waits there, so the new output appears at the very instant the state changes.
    ``jobs`` processes render the pages; the output is the same for any number.
    ``content_stale_since``: the sources could not be updated since then (``watch`` whose git
    pull keeps failing); the front page says so.
    """
    # A symlinked output is built where it points: swapping the link itself would leave the spare
    # tree inside the deployed folder.
    given, out = out, out.resolve() if out.is_symlink() else out
    config = load_config(site_dir, Collector())
    published = _folder(out)
    try:
        # Before anything is written beside the output or inside it: only a folder of ours is replaced.
        check_output(site_dir, out, given, config.tickets_db if config is not None else None)
        return _build(
            site_dir, out, now_option, config, provenance=provenance, before_swap=before_swap, jobs=jobs,
            content_stale_since=content_stale_since,
        )  # fmt: skip
    except OSError as error:  # a full or read-only disk, say
        raise StatuspageError(_unwritable(out, error, swapped=_folder(out) != published)) from None


def _build(
    site_dir: Path,
    out: Path,
    now_option: str | None,
    config: Config | None,
    *,
    provenance: bool,
    before_swap: Callable[[], None] | None,
    jobs: int,
    content_stale_since: datetime | None,
) -> BuildResult:
    """``build_site`` once the output is known to be one it may replace."""
    # Unchanged: when every input is what the current output was built from, write nothing.
    # The umask too: files kept from a build under another umask would keep their modes (modes.py).
    options: dict[str, object] = {
        "provenance": provenance,
        "site": str(site_dir),
        "out": str(out),
        "umask": current_umask(),
    }
    if content_stale_since is not None:  # shown on the front page, so part of what the output is made of
        options["content_stale_since"] = content_stale_since.isoformat()
    seen = FileDigests.in_folder(cache_dir(out))  # the files as first seen, by fingerprint and loaders alike

    def take() -> tuple[Taken, Answers]:
        return fingerprint(site_dir, now_option, options, files=seen), seen.answers()

    # Only a process that has yet to import them gains (``watch`` builds again and again in one).
    importing = "statuspage.pipeline" not in sys.modules
    with in_background(take, fork=jobs > 1 and importing) as taken_elsewhere:
        from . import pipeline  # meanwhile: what building needs, and the languages' data for the workers
        from .i18n import load_locale_data

        if config is not None and importing:
            load_locale_data(config)
        taken, answers = taken_elsewhere()
    seen.adopt(answers)  # the loaders see the files as the fingerprint saw them
    if taken is not None and recorded(out):
        with output_lock(out):
            files = unchanged(out, taken[0])
        if files is not None:
            if before_swap is not None:
                before_swap()
            derived = partial(_derive, site_dir, taken[1], provenance, cache_dir(out), content_stale_since)
            return BuildResult(out, files, taken[1], derived, written=False)

    files, now, state = pipeline.build_changed(
        site_dir, out, now_option, taken, seen, options, provenance=provenance, before_swap=before_swap, jobs=jobs
    )
    return BuildResult(out, files, now, lambda: state, warnings=state.site.warnings)


def _derive(site_dir: Path, now: datetime, provenance: bool, cache: Path, stale: datetime | None) -> SiteState:
    from .sources.site import load_site
    from .state import derive

    return derive(load_site(site_dir, provenance=provenance, cache=cache), now, content_stale_since=stale)


def _folder(out: Path) -> tuple[int, int] | None:
    """The output folder as it is now: another one once a build swapped its tree in."""
    try:
        status = out.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _unwritable(out: Path, error: OSError, swapped: bool) -> str:
    """One line for a file the build could not read or write, named as the user knows it."""
    reason = error.strerror or str(error)
    if swapped:  # only the records after the swap failed: they are checked by the next build, which starts afresh
        return f"--out {out}: the new output is in place, but the build could not record it: {reason}"
    where = Path(os.path.abspath(error.filename)) if isinstance(error.filename, str) else None
    if where is None or where == out or out.parent in where.parents:  # the output, or a folder a build keeps beside it
        return f"--out {out}: cannot write the output: {reason} (the previous output is unchanged)"
    return f"{where}: {reason} (the build stopped; the previous output is unchanged)"
