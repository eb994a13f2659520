"""What every importer shares: the draft of a site, the notes about what could not be mapped,
and the small translations (names to ids, status words to statuses, foreign times to UTC).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..clock import parse_time
from ..config import LANGUAGES
from ..errors import Problem

MAX_SLUG = 60


@dataclass(frozen=True)
class Note:
    """Something in the source that has no place in statuspage, or was guessed: printed after an import."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class SiteOptions:
    """Choices the source cannot make for us; None means "take it from the source"."""

    language: str | None = None
    timezone: str | None = None


@dataclass
class ComponentDraft:
    id: str
    name: str
    group: str | None = None
    description: str | None = None


@dataclass
class UpdateDraft:
    time: datetime  # UTC
    status: str
    body: str


@dataclass
class TranslationDraft:
    title: str
    body: str
    updates: list[UpdateDraft]


@dataclass
class ItemDraft:
    """An incident (``kind == "incident"``) or a maintenance window, in our terms but not yet written."""

    kind: str
    origin: str  # the source file, for notes
    name: str  # the source file's own name (without extension), the basis of our slug
    title: str
    start: datetime
    components: list[str]
    body: str
    updates: list[UpdateDraft]
    resolved: datetime | None = None  # incidents
    severity: str = "none"  # incidents
    pin: bool = False  # incidents
    end: datetime | None = None  # maintenance
    impact: str = "none"  # maintenance
    translations: dict[str, TranslationDraft] = field(default_factory=dict)


@dataclass
class SiteDraft:
    tool: str
    source: Path
    title: str
    base_url: str
    language: str
    timezone: ZoneInfo
    components: list[ComponentDraft]
    items: list[ItemDraft]
    notes: list[Note]


@dataclass(frozen=True)
class ImportResult:
    draft: SiteDraft
    dest: Path
    files: tuple[Path, ...]  # relative to dest
    problems: tuple[Problem, ...]  # from our own validation of what was written; empty when it passed


class Components:
    """The components being built, found by the name or id the source uses for them.

    A name used in content but missing from the source's config still becomes a component (the
    other tools accept such names), with a note, so that the imported site passes ``check``.
    """

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self.drafts: list[ComponentDraft] = []
        self._by_key: dict[str, ComponentDraft] = {}

    def add(self, key: str, name: str, group: str | None = None, description: str | None = None) -> ComponentDraft:
        existing = self._by_key.get(key.casefold())
        if existing is not None:
            return existing
        used = {draft.id for draft in self.drafts}
        draft = ComponentDraft(unique(slugify(key) or "component", used), name, group, description)
        self.drafts.append(draft)
        self._by_key[key.casefold()] = draft
        return draft

    def resolve(self, keys: list[str], origin: str, config_name: str) -> list[str]:
        ids: list[str] = []
        for key in keys:
            draft = self._by_key.get(key.casefold())
            if draft is None:
                draft = self.add(key, key)
                self.notes.append(
                    Note(origin, f"{key!r} is not a system in {config_name}: added as component {draft.id!r}")
                )
            if draft.id not in ids:
                ids.append(draft.id)
        return ids


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-': 'Média Proxy' -> 'media-proxy'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def unique(slug: str, used: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in used:
        candidate = f"{slug}-{number}"
        number += 1
    used.add(candidate)
    return candidate


def parse_foreign_time(value: Any, zone: tzinfo) -> datetime:
    """A time from YAML (kept as text), TOML (datetime or date) or JSON, as UTC; naive ones are in ``zone``."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"expected a date and time, got {value!r}")
    return parse_time(value, zone)  # ISO 8601, including a trailing Z


_INCIDENT_WORDS = {
    "investigating": "investigating",
    "investigation": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "recovering": "monitoring",
    "resolved": "resolved",
    "fixed": "resolved",
    "closed": "resolved",
    "completed": "resolved",
    "postmortem": "postmortem",
    "post mortem": "postmortem",
}
_MAINTENANCE_WORDS = {
    "scheduled": "scheduled",
    "planned": "scheduled",
    "upcoming": "scheduled",
    "in progress": "in_progress",
    "started": "in_progress",
    "underway": "in_progress",
    "just began": "in_progress",
    "investigating": "in_progress",
    "identified": "in_progress",
    "monitoring": "verifying",
    "verifying": "verifying",
    "completed": "completed",
    "complete": "completed",
    "resolved": "completed",
    "done": "completed",
    "finished": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


def map_status(label: str | None, kind: str) -> str | None:
    """Our update status for another tool's label ('*Monitoring*', 'In progress'), or None if unknown."""
    if not label:
        return None
    words = " ".join(re.sub(r"[^a-z]+", " ", label.casefold()).split())
    table = _INCIDENT_WORDS if kind == "incident" else _MAINTENANCE_WORDS
    return table.get(words) or table.get(words.replace(" ", ""))


def order_updates(
    found: list[tuple[datetime, str | None, str]], kind: str, origin: str, notes: list[Note]
) -> list[UpdateDraft]:
    """Updates as (time, source label, text), oldest first, each with one of our statuses.

    A label we do not know is kept at the start of the text and the update takes the status of
    the one before it (the first one: investigating, or scheduled for maintenance).
    """
    first = "investigating" if kind == "incident" else "scheduled"
    updates: list[UpdateDraft] = []
    for moment, label, text in sorted(found, key=lambda entry: entry[0]):
        status = map_status(label, kind)
        if status is None:
            status = updates[-1].status if updates else first
            shown = f"update of {moment.isoformat()}"
            if label:
                text = f"**{label.strip()}:** {text}".strip()
                notes.append(Note(origin, f"{shown}: status {label.strip()!r} is not one of ours; shown as {status}"))
            else:
                notes.append(Note(origin, f"{shown}: no status given; shown as {status}"))
        updates.append(UpdateDraft(moment, status, text.strip()))
    return updates


def with_description(summary: str, description: Any, shown: str, notes: list[Note]) -> str:
    """A description becomes the summary when the body has none; beside a summary it would repeat it."""
    if not isinstance(description, str) or not description.strip():
        return summary
    if not summary:
        return description.strip()
    if description.strip() not in summary:
        notes.append(Note(shown, "description: the body's summary is used instead; not imported"))
    return summary


def ui_language(code: str, setting: str, shown: str, notes: list[Note]) -> str:
    """A foreign site's language as one of ours; anything else becomes English, with a note."""
    language = code[:2].lower()
    if language not in LANGUAGES:
        notes.append(
            Note(shown, f"{setting} {code!r} is not a statuspage UI language ({', '.join(LANGUAGES)}): en used")
        )
        return "en"
    return language


def time_zone(name: Any, where: str, notes: list[Note]) -> ZoneInfo:
    """A foreign site's zone; both tools read times without an offset as UTC unless told otherwise."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        notes.append(Note(where, f"unknown time zone {name!r}: UTC used"))
        return ZoneInfo("UTC")
