"""``statuspage new``: a correctly named, dated content file with valid front matter to start from.

The file name is ``<date>-<slug of the title>.md``: sorted by name, the content folders read as a
timeline, and the slug (the item's URL) is plain ASCII even for a Slovak title.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from ..clock import parse_time, resolve_now
from ..config import load_config
from ..errors import Collector, StatuspageError, ValidationError
from ..model import Config, Impact, Severity

MAX_SLUG = 60  # characters of the title kept in the file name, cut at a word boundary
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_EXTRA_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th"})
_PLACEHOLDER = "<!-- {} -->"


@dataclass(frozen=True)
class _Site:
    root: Path
    config: Config


def slugify(title: str, fallback: str) -> str:
    """ASCII slug of ``title``: diacritics dropped (``Prihlásenie zlyháva`` → ``prihlasenie-zlyhava``)."""
    decomposed = unicodedata.normalize("NFKD", title.lower().translate(_EXTRA_LETTERS))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _NOT_SLUG.sub("-", ascii_text.encode("ascii", "ignore").decode()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1]  # one more: a hyphen right after the limit keeps the last word whole
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_SLUG]
    return slug or fallback


def new_incident(
    site_dir: Path,
    title: str,
    *,
    severity: str = Severity.MINOR.value,
    components: str | None = None,
    now_option: str | None = None,
) -> Path:
    """Write ``content/incidents/<date>-<slug>.md`` started now, with a first ``investigating`` update."""
    site = _open(site_dir)
    zone = site.config.timezone
    now = resolve_now(now_option, zone)
    if severity not in {member.value for member in Severity}:
        raise StatuspageError(f"--severity: unknown severity {severity!r}")
    ids = _components(site.config, components)
    stamp = _minute(now, zone)
    text = _document(
        [("title", _scalar(_title(title))), ("date", stamp), ("severity", severity), ("components", _list(ids))],
        "What do visitors notice, and which services are affected?",
        f"{stamp} investigating",
        "What is known so far, and when the next update will come.",
    )
    return _write(site.root, "incidents", now.astimezone(zone), title, "incident", text)


def new_maintenance(
    site_dir: Path,
    title: str,
    *,
    start: str,
    end: str,
    components: str | None = None,
    impact: str = Impact.NONE.value,
    now_option: str | None = None,
) -> Path:
    """Write ``content/maintenance/<start date>-<slug>.md`` with a first ``scheduled`` update, posted now."""
    site = _open(site_dir)
    zone = site.config.timezone
    now = resolve_now(now_option, zone)
    begins = _time("--start", start, zone)
    ends = _time("--end", end, zone)
    if ends <= begins:
        raise StatuspageError("--end must be after --start")
    if impact not in {member.value for member in Impact}:
        raise StatuspageError(f"--impact: unknown impact {impact!r}")
    ids = _components(site.config, components)
    text = _document(
        [
            ("title", _scalar(_title(title))),
            ("start", _exact(begins, zone)),
            ("end", _exact(ends, zone)),
            ("components", _list(ids)),
            ("impact", impact),
        ],
        "What changes and why; what visitors may notice meanwhile (settings, browser compatibility).",
        f"{_minute(now, zone)} scheduled",
        "The window is planned; updates follow when the work starts.",
    )
    # Named by the day the work starts: that is the date people look for.
    return _write(site.root, "maintenance", begins.astimezone(zone), title, "maintenance", text)


def _open(site_dir: Path) -> _Site:
    problems = Collector()
    config = load_config(site_dir, problems)
    if config is None or problems.problems:
        raise ValidationError(problems.problems)
    return _Site(site_dir, config)


def _title(title: str) -> str:
    value = title.strip()
    if not value:
        raise StatuspageError("the title must not be empty")
    if "\n" in value or "\r" in value:
        raise StatuspageError("the title must be one line")
    return value


def _components(config: Config, given: str | None) -> list[str]:
    known = [component.id for component in config.components]
    if given is None:
        if len(known) == 1:
            return known
        raise StatuspageError(f"--components is required: a comma-separated list of {', '.join(known)}")
    ids = list(dict.fromkeys(part.strip() for part in given.split(",") if part.strip()))
    if not ids:
        raise StatuspageError(f"--components: name at least one of {', '.join(known)}")
    unknown = [cid for cid in ids if cid not in known]
    if unknown:
        raise StatuspageError(f"--components: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    return ids


def _time(option: str, text: str, zone: ZoneInfo) -> datetime:
    try:
        return parse_time(text, zone)
    except ValueError as exc:
        raise StatuspageError(f"{option}: {exc}") from None


def _minute(moment: datetime, zone: ZoneInfo) -> str:
    """``2026-11-25T12:00+01:00``: to the minute, in the site's zone, with its offset."""
    return moment.astimezone(zone).replace(second=0, microsecond=0).isoformat(timespec="minutes")


def _exact(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.isoformat(timespec="minutes" if local.second == 0 and not local.microsecond else "seconds")


def _scalar(text: str) -> str:
    """``text`` as YAML: plain when it reads back as the same string, else double-quoted."""
    try:
        plain_ok = yaml.safe_load(f"key: {text}") == {"key": text}
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _list(ids: list[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def _document(fields: list[tuple[str, str]], summary_hint: str, heading: str, update_hint: str) -> str:
    front = "\n".join(f"{key}: {value}" for key, value in fields)
    return (
        f"---\n{front}\n---\n{_PLACEHOLDER.format(summary_hint)}\n\n## {heading}\n{_PLACEHOLDER.format(update_hint)}\n"
    )


def _write(root: Path, folder: str, day: datetime, title: str, kind: str, text: str) -> Path:
    """Create the file, never replacing one: an existing name is an error, not an overwrite."""
    slug = f"{day.date().isoformat()}-{slugify(title, kind)}"
    other = "maintenance" if folder == "incidents" else "incidents"
    if (root / "content" / other / f"{slug}.md").exists():
        raise StatuspageError(f"{root / 'content' / other / f'{slug}.md'} already has the slug {slug!r}")
    path = root / "content" / folder / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise StatuspageError(f"{path} already exists; edit it, or choose another title") from None
    except OSError as exc:
        raise StatuspageError(f"{path}: cannot write: {exc.strerror}") from None
    return path
