"""Incidents and maintenance windows from ``content/*/<slug>.md`` (SPEC §4 and §5)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..clock import parse_time
from ..config import LANGUAGES
from ..errors import Collector, Problem
from ..markup import MAX_MARKDOWN, render_markdown
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
from .cache import ParseCache, load_all
from .digests import zone_identity
from .frontmatter import Document, FieldReader, split_document
from .sitefiles import Refused, check_inside, check_link, check_regular, read_capped, site_root

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
    """What content must point at: component ids from the config.

    Ticket links are not checked here: whether a ticket is published is the database's call, and
    a link to one that is not is dropped after loading (``sources/site.py``), never an error.
    """

    components: frozenset[str]

    def check(self, fields: FieldReader, components: tuple[str, ...]) -> None:
        for component in components:
            if component not in self.components:
                known = ", ".join(sorted(self.components))
                fields.error("components", f"unknown component {component!r} (known: {known})")

    def allows(self, item: Incident | Maintenance) -> bool:
        """Whether ``check`` would find nothing wrong with the item's links: a cached item is used only then."""
        return all(component in self.components for component in item.components)


@dataclass(frozen=True)
class _Timeline:
    summary: str
    updates: tuple[Update, ...]  # newest first
    notes: tuple[Problem, ...]  # warnings: valid, but almost surely not meant (``_empty_updates``)


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
    # Python-Markdown's time grows faster than a text's length: one text is kept to pages of prose.
    texts = [(doc.body_line, summary), *((number, body) for _, _, number, body in sections)]
    for number, body in texts:
        if sum(len(line) + 1 for line in body) > MAX_MARKDOWN:
            problems.add(doc.path, number, f"text is longer than {MAX_MARKDOWN // 1024} KiB; split it into updates")
    updates = [
        Update(time, status, render_markdown("\n".join(body)), Origin(doc.path, number))
        for time, status, number, body in sections
        if time is not None
    ]
    updates.sort(key=lambda update: (update.time, update.origin.line or 0), reverse=True)
    raw = {number: "\n".join(body) for _, _, number, body in sections}
    return _Timeline("\n".join(summary), tuple(updates), _empty_updates(updates, raw, zone))


def _empty_updates(updates: list[Update], raw: dict[int, str], zone: tzinfo) -> tuple[Problem, ...]:
    """Updates that show nothing: ``statuspage new`` writes its hints as comments, which pages leave out."""
    notes = []
    for update in updates:
        if str(update.body).strip():
            continue
        scaffolded = "<!--" in raw.get(update.origin.line or 0, "")
        hint = ", only the writing hint that 'statuspage new' wrote" if scaffolded else ""
        message = f"update {_heading(update, zone)} has no text{hint}: visitors would see an empty update"
        notes.append(Problem(update.origin.path, update.origin.line, message))
    return tuple(notes)


def _heading(update: Update, zone: tzinfo) -> str:
    """The update's heading as an author writes it, for messages: ``2026-11-20T09:30+01:00 identified``."""
    return f"{update.time.astimezone(zone).isoformat(timespec='minutes')} {update.status}"


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


def _read(shown: str, problems: Collector) -> tuple[str, bytes] | None:
    """The file's text, and the digest of its bytes for the item's source key."""
    try:
        data = read_capped(shown, MAX_FILE_BYTES)
        return data.decode("utf-8"), hashlib.blake2b(data).digest()
    except Refused as refusal:
        problems.add(shown, None, str(refusal))
    except UnicodeDecodeError as exc:
        problems.add(shown, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except OSError as exc:
        problems.add(shown, None, f"cannot read: {exc.strerror}")
    return None


@dataclass(frozen=True)
class _Source:
    """An item's files, each by its path as shown in messages (which opens it too)."""

    slug: str
    shown: str
    translations: dict[str, str]  # language → path

    def files(self) -> list[tuple[str, str]]:
        """(language, path) of the original ("" for its language) and of its translations, in reading order."""
        return [("", self.shown), *sorted(self.translations.items())]


def _discover(folder: Path, problems: Collector) -> list[_Source]:
    """Pair every ``<slug>.md`` with its ``<slug>.<lang>.md`` translations.

    ``folder`` is ``<site>/content/<kind>``: it and its files must be inside the site (SPEC §10).
    """
    inside = site_root(Path(os.path.abspath(folder)).parent.parent)
    base = str(folder)
    try:
        check_link(base, inside)
        check_inside(base, inside)  # content/ itself may be the link
    except Refused as refusal:
        problems.add(base, None, str(refusal))
        return []
    if not folder.is_dir():
        return []
    originals: dict[str, str] = {}
    translations: dict[str, dict[str, str]] = {}
    # Names sorted and joined as strings, as sorted Paths would be: ten thousand Paths are slow.
    for entry in sorted(os.scandir(folder), key=lambda entry: os.path.normcase(entry.name)):
        name = entry.name
        if not name.endswith(".md") or name.startswith("."):
            continue
        shown = os.path.join(base, name) if base != "." else name  # str(folder / name)
        if not entry.is_file(follow_symlinks=False):  # a link, or anything but a file: looked at closely
            try:
                check_regular(shown, inside)
            except Refused as refusal:
                problems.add(shown, None, str(refusal))
                continue
            except OSError as exc:
                problems.add(shown, None, f"cannot read: {exc.strerror}")
                continue
        slug, _, language = name.removesuffix(".md").partition(".")
        if not SLUG.match(slug):
            problems.add(shown, None, "file name must be a slug of lowercase letters, digits, '-' and '_'")
            continue
        if not language:
            originals[slug] = shown
        elif language in LANGUAGES:
            translations.setdefault(slug, {})[language] = shown
        else:
            problems.add(shown, None, f"unknown translation language {language!r} (expected {' | '.join(LANGUAGES)})")
    for slug, found in translations.items():
        if slug not in originals:
            for shown in found.values():
                problems.add(shown, None, f"translation of {slug}.md, which does not exist")
    return [_Source(slug, shown, translations.get(slug, {})) for slug, shown in originals.items()]


def load_incidents(
    folder: Path, zone: tzinfo, refs: References, problems: Collector, cache: ParseCache | None = None, jobs: int = 1
) -> list[Incident]:
    """The incidents in ``folder``, in file name order; those with problems are reported and left out.

    With a ``cache``, unchanged files are not parsed again; ``jobs`` processes parse many changed ones.
    """
    return _load_kind(folder, _INCIDENT, zone, refs, problems, cache or ParseCache.disabled(), jobs)


def load_maintenance(
    folder: Path, zone: tzinfo, refs: References, problems: Collector, cache: ParseCache | None = None, jobs: int = 1
) -> list[Maintenance]:
    """The maintenance windows in ``folder``, as ``load_incidents`` reads incidents."""
    return _load_kind(folder, _MAINTENANCE, zone, refs, problems, cache or ParseCache.disabled(), jobs)


@dataclass(frozen=True)
class _Kind:
    """Incidents or maintenance: the statuses their updates may have, and how an item is built."""

    name: str
    statuses: tuple[str, ...]
    build: Callable[..., Any]


def _load_kind(
    folder: Path, kind: _Kind, zone: tzinfo, refs: References, problems: Collector, cache: ParseCache, jobs: int
) -> list[Any]:
    sources = _discover(folder, problems)
    base = os.path.abspath(folder)  # once: resolving every file's path against the cwd is slow
    keys = (
        [_cached_key(source, kind, zone, cache, base) for source in sources] if cache.enabled else [None] * len(sources)
    )

    def parse(source: _Source, collected: Collector) -> Any:
        return _load_item(source, kind, zone, refs, collected)

    return load_all(sources, keys, parse, refs.allows, cache, problems, jobs)


def source_key(kind: str, zone: tzinfo, files: Iterable[tuple[str, str, bytes]]) -> str:
    """An item's key: its kind, its zone's rules and each file's language, name and content digest.

    Equal keys make equal items (the name is in the key because messages and origins show it).
    """
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"{kind}\0{zone_identity(zone)}\0".encode())
    for language, shown, content in files:
        digest.update(f"{language}\0{shown}\0".encode("utf-8", "surrogateescape"))
        digest.update(content)
    return digest.hexdigest()


def _cached_key(source: _Source, kind: _Kind, zone: tzinfo, cache: ParseCache, base: str) -> str | None:
    """The key of the item as its files are now, from their recorded digests; None if one cannot be read.

    ``base`` is the absolute path of the item's folder.
    """
    files = []
    for language, shown in source.files():
        digest = cache.file_digest(os.path.join(base, os.path.basename(shown)))
        if digest is None:
            return None
        files.append((language, shown, digest))
    return source_key(kind.name, zone, files)


def discover_slugs(folder: Path) -> frozenset[str]:
    """The slugs of the items in ``folder``, by file name only: enough for the desk to check a link."""
    return frozenset(source.slug for source in _discover(folder, Collector()))


def _load_item(source: _Source, kind: _Kind, zone: tzinfo, refs: References, problems: Collector) -> Any:
    """Read the original and its translations with ``kind.build`` (``_incident`` or ``_maintenance``)."""
    read = _read(source.shown, problems)
    if read is None:
        return None
    text, digest = read
    files = [("", source.shown, digest)]
    doc = split_document(source.shown, text, problems)
    if doc is None:
        return None
    before = len(problems.problems)
    timeline = _split_timeline(doc, kind.statuses, zone, problems)
    item = kind.build(source.slug, doc, FieldReader(doc, zone, problems), timeline, refs, problems)
    translations = {}
    notes = list(timeline.notes)
    for language, shown in source.files()[1:]:
        read = _read(shown, problems)
        if read is not None:
            files.append((language, shown, read[1]))
        written = read[0] if read is not None else None
        translation = _load_translation(
            language, written, shown, doc, item, kind.statuses, zone, problems, kind.build, notes
        )
        if translation is not None:
            translations[language] = translation
    if item is None or len(problems.problems) > before:
        return None
    return replace(item, translations=translations, source_key=source_key(kind.name, zone, files), notes=tuple(notes))


def _load_translation(language, text, shown, original_doc, original, statuses, zone, problems, build, notes):  # type: ignore[no-untyped-def]
    """A translation inherits every key it leaves out; the keys it sets must agree with the original.

    Its updates replace the original's of the same time and status; one that matches none is
    never shown (``Translatable.text``), which ``notes`` (warnings) tells the author.
    """
    doc = split_document(shown, text, problems) if text is not None else None
    if doc is None or original is None:
        return None
    timeline = _split_timeline(doc, statuses, zone, problems)
    notes.extend(timeline.notes)
    written = {(update.time, update.status) for update in original.updates}
    for update in timeline.updates:
        if (update.time, update.status) not in written:
            message = (
                f"update {_heading(update, zone)} has no update with the same time and status in "
                f"{original.origin.path}, so it is never shown"
            )
            notes.append(Problem(shown, update.origin.line, message))
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
        refs.check(fields, components)
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
        tickets_line=fields.line("tickets"),
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
        refs.check(fields, components)
    cancelled = fields.flag("cancelled")
    rule = fields.text("rrule")
    if start is not None and end is not None and end <= start:
        fields.error("end", "end must be after start")
    if rule is not None and start is not None:
        try:
            problem = check_rrule(rule, start, fields.zone, end)  # type: ignore[arg-type]
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
        tickets_line=fields.line("tickets"),
    )


_INCIDENT = _Kind("incident", tuple(status.value for status in IncidentStatus), _incident)
_MAINTENANCE = _Kind("maintenance", tuple(status.value for status in MaintenanceStatus), _maintenance)
