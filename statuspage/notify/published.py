"""What the output in place publishes, read back from its files: the only source notifications use.

Reading the swapped-in output, not the sources, means nothing is announced before the page that
shows it is there, and every message says exactly what the site says.  The output is read under
the build's lock, so a build swapping its tree in meanwhile cannot mix two versions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from ..build.swap import output_lock
from ..errors import StatuspageError
from ..i18n import language_prefix, site_languages
from ..model import Config

Json = dict[str, Any]

API_FILES = (
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
)
FEED_FOLDER = "feeds"
CALENDAR = "calendar/maintenance.ics"


@dataclass(frozen=True)
class Published:
    """One output's API files for every built language, its cancelled windows and its feeds' digests."""

    base_url: str
    languages: tuple[str, ...]  # the site language first
    api: dict[str, dict[str, Json]]  # language → API file (as under api/v2/) → its JSON
    cancelled: dict[
        str, str
    ]  # maintenance slug → when it was cancelled (the calendar's LAST-MODIFIED), as the API writes times
    feeds: dict[str, str]  # a feed's path in the output → digest of its bytes

    @property
    def language(self) -> str:
        return self.languages[0]

    def prefix(self, language: str) -> str:
        return "" if language == self.language else f"{language}/"


def read_published(out: Path, config: Config) -> Published:
    """The output at ``out`` as it is now; raises StatuspageError when there is none or it is not ours."""
    out = out.resolve() if out.is_symlink() else out  # as the build locks and swaps it
    with output_lock(out):
        if not (out / "api" / "v2" / "summary.json").is_file():
            raise StatuspageError(f"--out {out}: no built site there (run statuspage build first)")
        languages = tuple(site_languages(config))
        api: dict[str, dict[str, Json]] = {}
        feeds: dict[str, str] = {}
        for language in languages:
            root = out / language_prefix(config, language)
            api[language] = {name: _json(root / "api" / "v2" / name) for name in API_FILES}
            folder = root / FEED_FOLDER
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        feeds[path.relative_to(out).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        cancelled = _cancelled(out / CALENDAR, config.timezone)
    return Published(config.base_url, languages, api, cancelled, feeds)


def _json(path: Path) -> Json:
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise StatuspageError(f"{path}: cannot read the published API file: {error}") from None
    if not isinstance(value, dict):
        raise StatuspageError(f"{path}: not a Statuspage API file")
    return value


def _cancelled(path: Path, zone: ZoneInfo) -> dict[str, str]:
    """Cancelled windows, which the Statuspage API leaves out and the calendar keeps (``STATUS:CANCELLED``)."""
    if not path.is_file():
        return {}
    try:
        calendar = Calendar.from_ical(path.read_bytes())
    except ValueError as error:
        raise StatuspageError(f"{path}: cannot read the published calendar: {error}") from None
    found: dict[str, str] = {}
    for event in calendar.walk("VEVENT"):
        if str(event.get("STATUS", "")).upper() != "CANCELLED":
            continue
        uid = str(event.get("UID", ""))
        slug = uid.rsplit("@", 1)[0]
        modified = event.get("LAST-MODIFIED") or event.get("DTSTAMP")
        # As the API writes times: milliseconds, in the site's zone.
        found[slug] = modified.dt.astimezone(zone).isoformat(timespec="milliseconds") if modified is not None else ""
    return found
