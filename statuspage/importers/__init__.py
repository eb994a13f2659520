"""``statuspage import``: another status-page tool's site becomes a statuspage site.

Each importer reads its tool's files into a ``SiteDraft`` (``common.py``) without writing
anything; ``write_site`` then renders the draft in our formats, and ``import_site`` checks the
result with the same validation as ``statuspage check``.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..build import check_site
from ..errors import StatuspageError, ValidationError
from .common import ImportResult, SiteOptions
from .cstate import read_cstate
from .statusfy import read_statusfy
from .writer import write_site

READERS = {"cstate": read_cstate, "statusfy": read_statusfy}


def import_site(kind: str, source: Path, dest: Path, options: SiteOptions, *, force: bool = False) -> ImportResult:
    """Read ``source`` (a ``kind`` site), write it into ``dest`` and validate what was written.

    Problems in the source raise ValidationError before anything is written.  Problems found by
    our own validation afterwards are returned in the result, next to the notes about what could
    not be mapped, so that the caller can show both.
    """
    if options.timezone:
        try:
            ZoneInfo(options.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise StatuspageError(f"--timezone: unknown time zone {options.timezone!r}") from None
    draft = READERS[kind](source, options)
    written = write_site(draft, dest, force=force)
    try:
        check_site(dest)
        problems = []
    except ValidationError as error:
        problems = list(error.problems)
    return ImportResult(draft=draft, dest=dest, files=tuple(written), problems=tuple(problems))
