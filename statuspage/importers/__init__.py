"""``statuspage import``: another status-page tool's site becomes a statuspage site.

Each importer reads its tool's files into a ``SiteDraft`` (``common.py``) without writing
anything; ``write_site`` then renders the draft in our formats, and ``import_site`` checks the
result with the same validation as ``statuspage check``.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..build import check_site
from ..errors import Problem, StatuspageError, ValidationError
from .common import ImportResult, SiteOptions
from .cstate import read_cstate
from .statusfy import read_statusfy
from .writer import write_site

READERS = {"cstate": read_cstate, "statusfy": read_statusfy}


def import_site(kind: str, source: Path, dest: Path, options: SiteOptions, *, force: bool = False) -> ImportResult:
    """Read ``source`` (a ``kind`` site), check the new site and only then write it into ``dest``.

    Problems in the source, or in the site made from it, raise ValidationError and nothing is
    written.  When ``dest`` already held a site, the merged result is checked again and its
    problems (from files that were already there) are returned next to the notes.
    """
    if options.timezone:
        try:
            ZoneInfo(options.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise StatuspageError(f"--timezone: unknown time zone {options.timezone!r}") from None
    draft = READERS[kind](source, options)
    existed = dest.exists()
    written = write_site(draft, dest, _problems, force=force)
    problems = _problems(dest) if existed else []
    return ImportResult(draft=draft, dest=dest, files=tuple(written), problems=tuple(problems))


def _problems(site: Path) -> list[Problem]:
    """What ``statuspage check`` would say about ``site``; empty when it passes."""
    try:
        check_site(site)
    except ValidationError as error:
        return list(error.problems)
    return []
