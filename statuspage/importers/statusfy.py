"""Statusfy to statuspage.

A Statusfy site has a config (``config.js``, ``config.yml`` or ``config.toml``; we also accept
``statusfy.config.js``) with ``content.systems`` (ids) and ``locales``; ``locales/<code>.json``
names the systems; ``content/*.md`` are incidents, ``content/<code>/*.md`` their translations.
Front matter is YAML (``---``), or JSON or TOML (``---json``, ``---toml``; also ``+++`` and a
bare ``{...}``).  Updates are ``::: update <Title> | <ISO time>`` ... ``:::`` blocks.

Mapping (docs/migration.md has the full table):

- ``severity``: ``major-outage`` -> critical, ``partial-outage`` -> major,
  ``degraded-performance`` -> minor; ``under-maintenance`` makes a maintenance window from
  ``scheduled`` (or ``date``) lasting ``duration`` minutes, with impact ``full``.
- ``resolved: true`` ends an incident at its newest ``Resolved`` update (else ``modified``).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from ..config import LANGUAGES
from ..errors import Collector
from ..newsite import PLACEHOLDER_BASE_URL
from ..terminal import counted
from .common import (
    Components,
    ItemDraft,
    Note,
    SiteDraft,
    SiteOptions,
    TranslationDraft,
    UpdateDraft,
    order_updates,
    parse_foreign_time,
    time_zone,
    ui_language,
    with_description,
)
from .foreign import ForeignDocument, SourceFolder, field_time, load_data_file, split_front_matter
from .jsobject import Unsupported

CONFIG_NAMES = ("config.yml", "config.yaml", "config.toml", "config.js", "statusfy.config.js")
DEFAULT_SYSTEMS = ("api", "cdn", "dns", "site-delivery")  # Statusfy's own default
SEVERITIES = {"major-outage": "critical", "partial-outage": "major", "degraded-performance": "minor"}
MAINTENANCE = "under-maintenance"
DEFAULT_WINDOW = timedelta(minutes=60)
KNOWN_KEYS = {
    "title",
    "description",
    "date",
    "severity",
    "affectedsystems",
    "resolved",
    "scheduled",
    "duration",
    "modified",
    "id",
}
_UPDATE = re.compile(r":::\s*update\s")
_SEPARATOR = re.compile(r"\s\|\s")  # between the title and the time, at its first place
_CLOSE = re.compile(r"^:::\s*$")
_OTHER_CONTAINER = re.compile(r"^:::\s*\S")
_LANGUAGE_COMMENT = re.compile(r"^<!--+\s*language code:.*?-->[ \t]*$", re.MULTILINE)


def read_statusfy(source: Path, options: SiteOptions) -> SiteDraft:
    """Read a Statusfy site; raises ValidationError listing every problem that stops the import."""
    problems = Collector()
    notes: list[Note] = []
    files = SourceFolder(source)
    config_path = next((source / name for name in CONFIG_NAMES if (source / name).is_file()), None)
    if config_path is None:
        problems.add(str(source), None, "no config.js, config.yml or config.toml: is this a Statusfy site?")
        problems.raise_if_any()
    assert config_path is not None
    shown = str(config_path)
    config = load_data_file(config_path, shown, problems, files)
    if not isinstance(config, dict):
        if not problems.problems:
            problems.add(shown, None, "the config must export an object of settings")
        problems.raise_if_any()

    default_locale = _text(config, "defaultLocale", shown, notes) or "en"
    language = options.language or ui_language(default_locale, "defaultLocale", shown, notes)
    zone = time_zone(options.timezone, "--timezone", notes)
    content = config.get("content") or config.get("contentConfig") or {}
    if not isinstance(content, dict):
        notes.append(Note(shown, "content: not an object; Statusfy's defaults used"))
        content = {}
    folder_name = _text(content, "dir", shown, notes) or "content"
    folder = source / folder_name
    if not files.inside(folder):  # '../..', an absolute path, or a link: the import reads only its source
        problems.add(shown, None, f"content.dir {folder_name!r} leads outside the source folder; not read")
        problems.raise_if_any()
    messages = _messages(source, files, config, default_locale, problems)

    components = Components(notes)
    _read_systems(content, messages, shown, components, notes)
    items: dict[str, ItemDraft] = {}
    if not folder.is_dir():
        problems.add(str(folder), None, "content folder not found: is this a Statusfy site?")
    else:
        for path in _markdown_files(folder):
            item = _read_incident(path, files, zone, components, config_path.name, problems, notes)
            if item is not None:
                items[path.name] = item
    _read_locales(config, default_locale, language, folder, files, items, zone, shown, problems, notes)
    problems.raise_if_any()

    title = _text(config, "title", shown, notes) or _message_text(messages, "title") or "Status"
    base_url = _text(config, "baseUrl", shown, notes) or "/"
    if not re.match(r"^https?://[^/]+", base_url):
        notes.append(Note(shown, f"baseUrl {base_url!r} is not an absolute URL: set [site] base_url"))
        base_url = PLACEHOLDER_BASE_URL
    if config.get("description"):
        notes.append(Note(shown, "description: statuspage has no site description; not imported"))
    return SiteDraft(
        tool="Statusfy",
        source=source,
        title=title,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        language=language,
        timezone=zone,
        components=components.drafts,
        items=list(items.values()),
        notes=notes,
    )


def _text(table: dict[str, Any], key: str, shown: str, notes: list[Note]) -> str | None:
    """A string setting; a computed one (``process.env.X``) is noted and left to the default."""
    value = table.get(key)
    if isinstance(value, Unsupported):
        notes.append(Note(f"{shown}:{value.line}", f"{key} = {value.source} is computed by JavaScript; default used"))
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _messages(
    source: Path, files: SourceFolder, config: dict[str, Any], code: str, problems: Collector
) -> dict[str, Any]:
    """``locales/<code>.json`` of the default locale (or the file its locale entry names)."""
    name = f"{code}.json"
    for locale in config.get("locales") or []:
        named = locale.get("file") if isinstance(locale, dict) and locale.get("code") == code else None
        if isinstance(named, str) and Path(named).name == named and not named.startswith("."):
            name = named  # a plain file name: the source may not send us reading elsewhere
    path = source / "locales" / name
    if not path.is_file():
        return {}
    data = load_data_file(path, str(path), problems, files) if path.suffix == ".json" else None
    return data if isinstance(data, dict) else {}


def _message_text(messages: dict[str, Any], key: str) -> str | None:
    value = messages.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read_systems(
    content: dict[str, Any], messages: dict[str, Any], shown: str, components: Components, notes: list[Note]
) -> None:
    systems = content.get("systems")
    if systems is None:
        notes.append(Note(shown, f"content.systems not set: Statusfy's default systems {', '.join(DEFAULT_SYSTEMS)}"))
        systems = list(DEFAULT_SYSTEMS)
    if not isinstance(systems, list):
        notes.append(Note(shown, "content.systems is not a list: components are taken from the incidents"))
        return
    named = messages.get("systems")
    entries: dict[str, Any] = named if isinstance(named, dict) else {}
    if isinstance(entries.get("items"), dict):  # newer locale files: {"items": {id: {"title": ...}}}
        entries = entries["items"]
    for system in systems:
        if not isinstance(system, str) or not system.strip():
            notes.append(Note(shown, f"content.systems: {system!s} is not a system id; skipped"))
            continue
        entry = entries.get(system)
        if isinstance(entry, dict):
            name, description = entry.get("title"), entry.get("description")
        else:
            name, description = entry, None
        if not isinstance(name, str) or not name.strip():
            notes.append(Note(shown, f"system {system!r} has no title in the locale file: named {system!r}"))
            name = system
        components.add(system, name.strip(), None, description if isinstance(description, str) else None)


def _markdown_files(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix == ".md" and path.name.lower() != "readme.md"
    ]


def _read_incident(
    path: Path,
    files: SourceFolder,
    zone: tzinfo,
    components: Components,
    config_name: str,
    problems: Collector,
    notes: list[Note],
) -> ItemDraft | None:
    shown = str(path)
    text = files.read_text(path, shown, problems)
    doc = split_front_matter(shown, text, problems) if text is not None else None
    if doc is None:
        return None
    fields = doc.fields
    for key in fields:
        if key not in KNOWN_KEYS:
            notes.append(Note(shown, f"front matter key {key!r} has no statuspage equivalent; not imported"))
    if isinstance(fields.get("id"), str | int):
        notes.append(
            Note(shown, f"id {fields['id']!s}: the address changes (Statusfy used /incidents/{fields['id']!s})")
        )
    before = len(problems.problems)
    title = fields.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(shown, doc.line("title"), "title is required")
    start = field_time(doc, "date", zone, problems, required=True)
    scheduled = field_time(doc, "scheduled", zone, problems)
    modified = field_time(doc, "modified", zone, problems)
    severity = fields.get("severity")
    if severity != MAINTENANCE and severity not in SEVERITIES:
        allowed = " | ".join([*SEVERITIES, MAINTENANCE])
        problems.add(shown, doc.line("severity"), f"unknown severity {severity!r} (expected {allowed})")
    duration = _duration(doc, problems)
    summary, found = _timeline(doc, zone, problems, notes)
    if len(problems.problems) > before:
        return None
    assert isinstance(title, str) and start is not None
    kind = "maintenance" if severity == MAINTENANCE else "incident"
    updates = order_updates(found, kind, shown, notes)
    summary = with_description(summary, fields.get("description"), shown, notes)
    affected = fields.get("affectedsystems")
    names = [affected] if isinstance(affected, str) else [str(entry) for entry in affected or []]
    ids = components.resolve(names, shown, config_name) if names else []
    if not ids:
        ids = [draft.id for draft in components.drafts]
        notes.append(Note(shown, "no affectedsystems: listed under every component"))
    resolved = fields.get("resolved") is True
    item = ItemDraft(kind, shown, path.stem, title.strip(), start, ids, summary, updates)
    if kind == "maintenance":
        item.start = scheduled or start
        item.end = _window_end(item, duration, resolved, modified, notes)
        item.impact = "full"  # Statusfy: "the system(s) cannot handle requests"
        return item
    if scheduled is not None or duration is not None:
        notes.append(Note(shown, "scheduled/duration ignored: only under-maintenance incidents are scheduled"))
    item.severity = SEVERITIES[str(severity)]
    if updates and updates[0].time < start:
        notes.append(Note(shown, "the first update is older than date: the incident starts with it"))
        item.start = updates[0].time
    item.resolved = _resolution(item, resolved, modified, notes) if resolved else None
    return item


def _duration(doc: ForeignDocument, problems: Collector) -> float | None:
    value = doc.fields.get("duration")
    if value is None or value == "":
        return None
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        minutes = math.nan
    if isinstance(value, bool) or not math.isfinite(minutes):
        problems.add(doc.path, doc.line("duration"), f"duration must be a number of minutes, not {value!r}")
        return None
    return minutes


def _window_end(
    item: ItemDraft, duration: float | None, resolved: bool, modified: datetime | None, notes: list[Note]
) -> datetime:
    if duration is not None and duration > 0:
        return item.start + timedelta(minutes=math.ceil(duration))
    done = [update.time for update in item.updates if update.status == "completed" and update.time > item.start]
    if done:
        end, why = max(done), "its newest completed update"
    elif resolved and modified is not None and modified > item.start:
        end, why = modified, "modified"
    else:
        end, why = item.start + DEFAULT_WINDOW, "60 minutes after the start"
    notes.append(Note(item.origin, f"maintenance without a positive duration: ends at {why}"))
    return end


def _resolution(item: ItemDraft, resolved: bool, modified: datetime | None, notes: list[Note]) -> datetime:
    times = [update.time for update in item.updates if update.status == "resolved"]
    if times:
        return max(times)
    if modified is not None and modified >= item.start:
        return modified
    fallback = item.updates[-1].time if item.updates else item.start
    notes.append(
        Note(item.origin, f"resolved with no Resolved update or modified time: resolved at {fallback.isoformat()}")
    )
    return fallback


def _timeline(
    doc: ForeignDocument, zone: tzinfo, problems: Collector, notes: list[Note]
) -> tuple[str, list[tuple[datetime, str | None, str]]]:
    """The summary, and each ``::: update Title | time`` block as (time, title, text)."""
    lines = doc.body.split("\n")
    summary: list[str] = []
    found: list[tuple[datetime, str | None, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _update_opening(line.strip())
        if opening is None:
            if _OTHER_CONTAINER.match(line.strip()):
                notes.append(
                    Note(
                        f"{doc.path}:{doc.body_line + index}",
                        f"container {line.strip()!r} is not supported: left as text",
                    )
                )
            summary.append(line)
            index += 1
            continue
        end = next((k for k in range(index + 1, len(lines)) if _CLOSE.match(lines[k].strip())), len(lines))
        try:
            moment = parse_foreign_time(opening[1], zone)
        except ValueError as exc:
            problems.add(doc.path, doc.body_line + index, f"update: {exc}")
        else:
            found.append((moment, opening[0], "\n".join(lines[index + 1 : end]).strip()))
        index = end + 1
    text = _LANGUAGE_COMMENT.sub("", "\n".join(summary)).strip()
    return re.sub(r"\n{3,}", "\n\n", text), found


def _update_opening(line: str) -> tuple[str, str] | None:
    """``::: update <Title> | <time>`` as (title, time); found without a regex that backtracks on long lines."""
    opening = _UPDATE.match(line)
    if opening is None:
        return None
    separator = _SEPARATOR.search(line, opening.end() - 1)
    if separator is None:
        return None
    return line[opening.end() : separator.start()].strip(), line[separator.end() :].strip()


def _read_locales(
    config: dict[str, Any],
    default_locale: str,
    language: str,
    folder: Path,
    files: SourceFolder,
    items: dict[str, ItemDraft],
    zone: tzinfo,
    shown: str,
    problems: Collector,
    notes: list[Note],
) -> None:
    """``content/<code>/<file>.md`` translates ``content/<file>.md`` when the language ships with statuspage."""
    for locale in config.get("locales") or []:
        code = locale.get("code") if isinstance(locale, dict) else None
        if not isinstance(code, str) or code == default_locale:
            continue
        if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*", code):
            notes.append(Note(shown, f"locale code {code[:40]!r} is not a language code; skipped"))
            continue
        translated = _markdown_files(folder / code) if (folder / code).is_dir() else []
        target = code[:2].lower()
        if target not in LANGUAGES or target == language:
            if translated:
                notes.append(
                    Note(
                        shown,
                        f"locale {code!r}: statuspage translates only into {' or '.join(LANGUAGES)}; "
                        f"{counted(len(translated), 'translated file')} not imported",
                    )
                )
            continue
        for path in translated:
            original = items.get(path.name)
            if original is None:
                notes.append(Note(str(path), f"translation of {path.name}, which is not in {folder}; not imported"))
                continue
            _read_translation(path, files, original, target, zone, problems, notes)


def _read_translation(
    path: Path,
    files: SourceFolder,
    original: ItemDraft,
    language: str,
    zone: tzinfo,
    problems: Collector,
    notes: list[Note],
) -> None:
    shown = str(path)
    text = files.read_text(path, shown, problems)
    doc = split_front_matter(shown, text, problems) if text is not None else None
    if doc is None:
        return
    summary, found = _timeline(doc, zone, problems, notes)
    title = doc.fields.get("title")
    updates: list[UpdateDraft] = order_updates(found, original.kind, shown, notes)
    original.translations[language] = TranslationDraft(
        title=title.strip() if isinstance(title, str) and title.strip() else original.title,
        body=with_description(summary, doc.fields.get("description"), shown, notes),
        updates=updates,
    )
