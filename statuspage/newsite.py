"""``statuspage init``: a new site directory that passes ``check`` and ``build`` as it is.

The files come from ``statuspage/site_template/`` (package data), so an installed wheel can
create a site anywhere, without this repository.  The importers reuse the supporting files
(``.gitignore``, the GitHub Actions workflow, the empty tickets database) through
``write_support_files``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import localize, resolve_now
from .config import CONFIG_NAME, LANGUAGES, PLACEHOLDER_BASE_URL, load_config
from .errors import Collector, StatuspageError

TEMPLATE: Traversable = resources.files("statuspage") / "site_template"
WORKFLOW = Path(".github") / "workflows" / "status-page.yml"

_DEFAULTS = {
    "sk": {"title": "Stav služieb", "timezone": "Europe/Bratislava", "incident": "pomale-nacitanie-stranok"},
    "en": {"title": "Service status", "timezone": "UTC", "incident": "slow-page-loads"},
}
_MAINTENANCE_SLUG = {"sk": "aktualizacia-api", "en": "api-upgrade"}


@dataclass(frozen=True)
class NewSite:
    root: Path
    files: tuple[Path, ...]  # relative to root, in the order written


def init_site(
    root: Path,
    *,
    language: str = "en",
    title: str | None = None,
    base_url: str | None = None,
    timezone: str | None = None,
) -> NewSite:
    """Write a complete example site into ``root``, which must be missing or empty."""
    if language not in LANGUAGES:
        raise StatuspageError(f"--language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    defaults = _DEFAULTS[language]
    zone = _zone(timezone or defaults["timezone"])
    base_url = _base_url(base_url or PLACEHOLDER_BASE_URL)
    title = (title if title is not None else defaults["title"]).strip()
    if not title:
        raise StatuspageError("--title must not be empty")
    _refuse_non_empty(root)

    # Example content is dated around the real "now" (or SOURCE_DATE_EPOCH), so that the new
    # site shows a resolved incident in its history and a window that is still to come.
    now = resolve_now(None, zone)
    today = now.astimezone(zone).date()
    incident_start = localize(datetime.combine(today - timedelta(days=2), time(9, 0)), zone)
    window_start = localize(datetime.combine(today + timedelta(days=7), time(22, 0)), zone)
    stamp = _stamp(zone)
    template = TEMPLATE / language
    files: dict[Path, str] = {
        Path(CONFIG_NAME): _fill(
            template / "statuspage.toml",
            title=_toml_string(title),
            base_url=_toml_string(base_url),
            timezone=_toml_string(zone.key),
        ),
        Path("content") / "incidents" / f"{incident_start.date().isoformat()}-{defaults['incident']}.md": _fill(
            template / "incident.md",
            start=stamp(incident_start),
            identified=stamp(incident_start + timedelta(minutes=40)),
            resolved=stamp(incident_start + timedelta(hours=2)),
        ),
        Path("content") / "maintenance" / f"{window_start.date().isoformat()}-{_MAINTENANCE_SLUG[language]}.md": _fill(
            template / "maintenance.md",
            start=stamp(window_start),
            end=stamp(window_start + timedelta(hours=2)),
            scheduled=stamp(now.replace(second=0, microsecond=0)),
        ),
        # The support page's prose, for the operator to rewrite: the same neutral text a site without one shows.
        Path("content") / "pages" / "support.md": (template / "support.md").read_text(encoding="utf-8"),
    }
    root.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        _write(root / relative, text)
    written = [*files, *write_support_files(root)]
    return NewSite(root, tuple(written))


def write_support_files(root: Path) -> list[Path]:
    """``.gitignore``, the deploy workflow, an empty tickets database and its snapshot, each only if missing."""
    written: list[Path] = []
    for relative, source in ((Path(".gitignore"), "gitignore"), (WORKFLOW, "status-page.yml")):
        if not (root / relative).exists():
            _write(root / relative, (TEMPLATE / source).read_text(encoding="utf-8"))
            written.append(relative)
    written.extend(create_tickets_files(root))
    return written


def create_tickets_files(root: Path) -> list[Path]:
    """The database where the config names it, made as ``tickets init`` makes it, and its public snapshot.

    The database stays out of git (reporters' personal data; the site's ``.gitignore``); the
    snapshot, public rows and columns only, is what CI and Pages build from.  Either is made
    only if missing: an existing database may hold the desk's real tickets.
    """
    from .desk.site import open_desk
    from .desk.snapshot import write_snapshot
    from .desk.store import init_database

    desk = open_desk(root)
    written: list[Path] = []
    if not desk.db_path.exists():
        init_database(desk)
        written.append(_relative(desk.db_path, root))
    problems = Collector()
    config = load_config(root, problems)
    snapshot = config.tickets_snapshot if config is not None else None
    if snapshot is not None and not snapshot.exists():
        write_snapshot(desk, snapshot)
        written.append(_relative(snapshot, root))
    return written


def _relative(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def _refuse_non_empty(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise StatuspageError(f"{root}: exists and is not a directory")
    if root.is_dir() and any(root.iterdir()):
        raise StatuspageError(f"{root}: the directory is not empty; init only creates new sites")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise StatuspageError(f"--timezone: unknown time zone {name!r} (an IANA name like Europe/Bratislava)") from None


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise StatuspageError(f"--base-url: {value!r} is not an absolute http(s) URL without query")
    return value if value.endswith("/") else value + "/"


def _stamp(zone: ZoneInfo) -> Callable[[datetime], str]:
    """Times as authors write them: local wall clock with its offset, to the minute."""
    return lambda moment: moment.astimezone(zone).isoformat(timespec="minutes")


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), and keeps non-ASCII readable.
    return json.dumps(value, ensure_ascii=False)


def _fill(source: Traversable, **values: str) -> str:
    return Template(source.read_text(encoding="utf-8")).substitute(values)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
