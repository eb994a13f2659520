"""Incidents and maintenance windows from ``content/*/<slug>.md`` (SPEC §4 and §5)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path

from ..clock import parse_time
from ..config import LANGUAGES
from ..errors import Collector
from ..markup import render_markdown
from ..model import (
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    Origin,
    Severity,
    Translation,
    Update,
)
from ..recurrence import check_rrule
from .frontmatter import Document, FieldReader, split_document

INCIDENT_KEYS = ("title", "date", "resolved", "severity", "components", "tickets", "pin", "pin_until")
MAINTENANCE_KEYS = ("title", "start", "end", "components", "impact", "tickets", "cancelled", "rrule")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_FILE_BYTES = 1024 * 1024  # an incident is pages of text at most; larger is a mistake

_HEADING = re.compile(r"^##(?!#)[ \t]+(.*?)[ \t]*#*[ \t]*$")
_STARTS_WITH_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_SETEXT = re.compile(r"^(-+|=+)[ \t]*$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}")


@dataclass(frozen=True)
class References:
    """What content may point at: component ids from the config, ticket ids from the database."""

    components: frozenset[str]
    tickets: frozenset[object]
    private_tickets: frozenset[object]

    def check(self, fields: FieldReader, components: tuple[str, ...], tickets: tuple[int, ...]) -> None:
        for component in components:
            if component not in self.components:
                known = ", ".join(sorted(self.components))
                fields.error("components", f"unknown component {component!r} (known: {known})")
        for ticket_id in tickets:
            if ticket_id in self.private_tickets:
                fields.error("tickets", f"ticket {ticket_id} is not public; link only public tickets")
            elif ticket_id not in self.tickets:
                fields.error("tickets", f"ticket {ticket_id} not found in the tickets database")


@dataclass(frozen=True)
class _Timeline:
    summary: str
    updates: tuple[Update, ...]  # newest first


def _code_lines(lines: list[str]) -> set[int]:
    """Indexes of lines inside fenced code blocks, found the way Python-Markdown finds them.

    A fence opens at the start of a line with three or more backticks or tildes, and closes only
    at a line holding exactly the same fence; an unclosed fence is ordinary text.
    """
    inside: set[int] = set()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening:
            fence = opening.group(1)
            closing = next((k for k in range(index + 1, len(lines)) if lines[k].rstrip(" ") == fence), None)
            if closing is not None:
                inside.update(range(index, closing + 1))
                index = closing + 1
                continue
        index += 1
    return inside


def _split_timeline(doc: Document, statuses: tuple[str, ...], zone: tzinfo, problems: Collector) -> _Timeline:
    """Cut the body at each ``## <time> <status>`` heading; other headings stay content."""
    summary: list[str] = []
    sections: list[tuple[datetime | None, str, int, list[str]]] = []
    lines = doc.body.split("\n")
    code = _code_lines(lines)
    for index, line in enumerate(lines):
        number = doc.body_line + index
        heading = None if index in code else _HEADING.match(line)
        if heading and _STARTS_WITH_DATE.match(heading.group(1)):
            time, status = _parse_heading(heading.group(1), statuses, zone, doc.path, number, problems)
            sections.append((time, status, number, []))
            continue
        if index not in code and index > 0 and _SETEXT.match(line) and _STARTS_WITH_DATE.match(lines[index - 1]):
            problems.add(doc.path, number - 1, "write an update as '## <time> <status>', not as an underlined heading")
        (sections[-1][3] if sections else summary).append(line)
    updates = [
        Update(time, status, render_markdown("\n".join(body)), Origin(doc.path, number))
        for time, status, number, body in sections
        if time is not None
    ]
    updates.sort(key=lambda update: (update.time, update.origin.line or 0), reverse=True)
    return _Timeline("\n".join(summary), tuple(updates))


def _parse_heading(
    text: str, statuses: tuple[str, ...], zone: tzinfo, path: str, line: int, problems: Collector
) -> tuple[datetime | None, str]:
    words = text.split()
    if len(words) >= 3 and _CLOCK.match(words[1]):  # "2026-11-20 11:40 resolved"
        words = [f"{words[0]}T{words[1]}", *words[2:]]
    if len(words) != 2:
        problems.add(path, line, f"update heading must be '## <time> <status>', got '## {text}'")
        return None, ""
    try:
        time = parse_time(words[0], zone)
    except ValueError as exc:
        problems.add(path, line, f"update heading: {exc}")
        return None, ""
    if words[1] not in statuses:
        problems.add(path, line, f"unknown update status {words[1]!r} (expected {' | '.join(statuses)})")
        return None, ""
    return time, words[1]


def _read(path: Path, shown: str, problems: Collector) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.add(shown, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
            return None
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(shown, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except OSError as exc:
        problems.add(shown, None, f"cannot read: {exc.strerror}")
    return None


@dataclass(frozen=True)
class _Source:
    slug: str
    path: Path
    shown: str
    translations: dict[str, tuple[Path, str]]


def _discover(folder: Path, problems: Collector) -> list[_Source]:
    """Pair every ``<slug>.md`` with its ``<slug>.<lang>.md`` translations."""
    if not folder.is_dir():
        return []
    originals: dict[str, tuple[Path, str]] = {}
    translations: dict[str, dict[str, tuple[Path, str]]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".md" or path.name.startswith("."):
            continue
        shown = str(path)
        slug, _, language = path.stem.partition(".")
        if not SLUG.match(slug):
            problems.add(shown, None, "file name must be a slug of lowercase letters, digits, '-' and '_'")
            continue
        if not language:
            originals[slug] = (path, shown)
        elif language in LANGUAGES:
            translations.setdefault(slug, {})[language] = (path, shown)
        else:
            problems.add(shown, None, f"unknown translation language {language!r} (expected {' | '.join(LANGUAGES)})")
    for slug, found in translations.items():
        if slug not in originals:
            for _, shown in found.values():
                problems.add(shown, None, f"translation of {slug}.md, which does not exist")
    return [_Source(slug, path, shown, translations.get(slug, {})) for slug, (path, shown) in originals.items()]


def load_incidents(folder: Path, zone: tzinfo, refs: References, problems: Collector) -> list[Incident]:
    statuses = tuple(status.value for status in IncidentStatus)
    return [
        item
        for source in _discover(folder, problems)
        if (item := _load_item(source, statuses, zone, refs, problems, _incident))
    ]


def load_maintenance(folder: Path, zone: tzinfo, refs: References, problems: Collector) -> list[Maintenance]:
    statuses = tuple(status.value for status in MaintenanceStatus)
    return [
        item
        for source in _discover(folder, problems)
        if (item := _load_item(source, statuses, zone, refs, problems, _maintenance))
    ]


def discover_slugs(folder: Path) -> frozenset[str]:
    """The slugs of the items in ``folder``, by file name only: enough for the desk to check a link."""
    return frozenset(source.slug for source in _discover(folder, Collector()))


def _load_item(source, statuses, zone, refs, problems, build):  # type: ignore[no-untyped-def]
    """Read the original and its translations with ``build`` (``_incident`` or ``_maintenance``)."""
    text = _read(source.path, source.shown, problems)
    if text is None:
        return None
    doc = split_document(source.shown, text, problems)
    if doc is None:
        return None
    before = len(problems.problems)
    timeline = _split_timeline(doc, statuses, zone, problems)
    item = build(source.slug, doc, FieldReader(doc, zone, problems), timeline, refs, problems)
    translations = {}
    for language, (path, shown) in sorted(source.translations.items()):
        translation = _load_translation(language, path, shown, doc, item, statuses, zone, problems, build)
        if translation is not None:
            translations[language] = translation
    if item is None or len(problems.problems) > before:
        return None
    return replace(item, translations=translations)


def _load_translation(language, path, shown, original_doc, original, statuses, zone, problems, build):  # type: ignore[no-untyped-def]
    """A translation inherits every key it leaves out; the keys it sets must agree with the original."""
    text = _read(path, shown, problems)
    doc = split_document(shown, text, problems) if text is not None else None
    if doc is None or original is None:
        return None
    timeline = _split_timeline(doc, statuses, zone, problems)
    merged = Document(shown, {**original_doc.fields, **doc.fields}, doc.body, doc.body_line)
    translated = build(original.slug, merged, FieldReader(merged, zone, problems), timeline, None, problems)
    if translated is None:
        return None
    for key in doc.fields:
        attribute = _ATTRIBUTE_OF_KEY.get(key, key)
        if key != "title" and getattr(translated, attribute, None) != getattr(original, attribute, None):
            problems.add(
                shown,
                doc.fields[key][1],
                f"{key} differs from {original.origin.path}; a translation only translates text",
            )
    return Translation(language, translated.title, translated.body, timeline.updates, Origin(shown, 1))


_ATTRIBUTE_OF_KEY = {"date": "start"}


def _incident(
    slug: str, doc: Document, fields: FieldReader, timeline: _Timeline, refs: References | None, problems: Collector
) -> Incident | None:
    fields.check_keys(INCIDENT_KEYS)
    title = fields.plain("title", required=True)
    start = fields.time("date", required=True)
    resolved = fields.time("resolved")
    severity = fields.choice("severity", Severity)
    components = fields.names("components", required=True)
    tickets = fields.numbers("tickets")
    if refs is not None:
        refs.check(fields, components, tickets)
    pin = fields.flag("pin")
    pin_until = fields.time("pin_until")
    if pin_until is not None and not pin:
        fields.error("pin_until", "pin_until needs pin: true")
    if start is not None and resolved is not None and resolved < start:
        fields.error("resolved", "resolved is before the incident's date")
    if start is not None:
        for update in timeline.updates:
            if update.time < start:
                problems.add(doc.path, update.origin.line, "update is dated before the incident's date")
    if resolved is None:
        resolved = _resolved_by_updates(timeline.updates)
    if title is None or start is None or severity is None:
        return None
    return Incident(
        slug=slug,
        title=title,
        start=start,
        resolved=resolved,
        severity=severity,
        components=components,
        tickets=tickets,
        pin=pin,
        pin_until=pin_until,
        body=render_markdown(timeline.summary),
        updates=timeline.updates,
        origin=Origin(doc.path, 1),
    )


def _resolved_by_updates(updates: tuple[Update, ...]) -> datetime | None:
    """Without a ``resolved:`` key, the incident is resolved by its newest updates, if they say so."""
    resolved = None
    for update in updates:  # newest first
        if update.status not in (IncidentStatus.RESOLVED.value, IncidentStatus.POSTMORTEM.value):
            break
        if update.status == IncidentStatus.RESOLVED.value:
            resolved = update.time
    return resolved


def _maintenance(
    slug: str, doc: Document, fields: FieldReader, timeline: _Timeline, refs: References | None, problems: Collector
) -> Maintenance | None:
    fields.check_keys(MAINTENANCE_KEYS)
    title = fields.plain("title", required=True)
    start = fields.time("start", required=True)
    end = fields.time("end", required=True)
    components = fields.names("components", required=True)
    impact = fields.choice("impact", Impact, default=Impact.NONE)
    tickets = fields.numbers("tickets")
    if refs is not None:
        refs.check(fields, components, tickets)
    cancelled = fields.flag("cancelled")
    rule = fields.text("rrule")
    if start is not None and end is not None and end <= start:
        fields.error("end", "end must be after start")
    if rule is not None and start is not None:
        try:
            problem = check_rrule(rule, start, fields.zone)  # type: ignore[arg-type]
        except (ValueError, TypeError, OverflowError) as exc:
            problem = str(exc)
        if problem:
            fields.error("rrule", f"invalid RFC 5545 rrule: {problem}")
    if title is None or start is None or end is None or impact is None:
        return None
    return Maintenance(
        slug=slug,
        title=title,
        start=start,
        end=end,
        components=components,
        impact=impact,
        tickets=tickets,
        cancelled=cancelled,
        rrule=rule.removeprefix("RRULE:") if rule else None,
        body=render_markdown(timeline.summary),
        updates=timeline.updates,
        origin=Origin(doc.path, 1),
    )
