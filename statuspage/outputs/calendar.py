"""iCalendar of maintenance windows with the icalendar library.

UIDs are ``<slug>@<host>`` and never change.  SEQUENCE is derived from the content: the number of
updates posted so far, plus one once the window is cancelled, so announcing a change with an
update (as the authoring guide asks) makes calendar programs replace their copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from ..explain import impact_label, labels
from ..i18n import translations
from ..markup import plain_text
from ..model import Maintenance
from ..state import MaintenanceState, Phase, SiteState
from .announced import seen_changed_at
from .vtimezone import vtimezone

PRODID = "-//statuspage//maintenance calendar//EN"


def posted_updates(work: Maintenance, now: datetime) -> int:
    """How many of a window's updates are posted by ``now``: its SEQUENCE, before any cancellation."""
    return sum(1 for update in work.updates if update.time <= now)


def clock_facts(state: SiteState, windows: Iterable[MaintenanceState]) -> tuple[object, ...]:
    """All a calendar of ``windows`` takes from the clock besides their states: the year (time zone
    rules are written for the years around it), each window's number of updates posted, and the
    DTSTAMP of each (the build's clock, for a window not yet announced).

    A build's key for a calendar uses these instead of ``now``, so that a later build (every build
    without ``--now``) writes the calendars again only when one of them changed.
    """
    now = state.now
    return now.year, tuple((posted_updates(item.maintenance, now), seen_changed_at(item, now)) for item in windows)


def render_calendar(
    state: SiteState, windows: list[MaintenanceState], name: str, url_for: Callable[..., str], language: str
) -> bytes:
    """One VEVENT per maintenance window (with RRULE for recurring ones), times in the site zone."""
    import icalendar  # imported when a calendar is made: most rebuilds make none

    config = state.site.config
    zone = config.timezone
    host = urlsplit(config.base_url).hostname or "statuspage"
    names = labels(language, config)
    _ = translations(language).gettext
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    years = [item.maintenance.start.year for item in windows] or [state.now.year]
    last = max([*(item.window.end.year for item in windows), state.now.year]) + 2
    calendar.add_component(vtimezone(zone, date(min(years) - 1, 1, 1), date(last, 1, 1)))
    for item in sorted(windows, key=lambda window: (window.maintenance.start, window.slug)):
        work = item.maintenance
        posted = posted_updates(work, state.now)
        components = ", ".join(state.components_by_id[cid].component.name_in(language) for cid in work.components)
        page = url_for("pages.maintenance", slug=item.slug)
        description = "\n\n".join(
            part
            for part in (
                f"{_('Expected impact')}: {impact_label(work.impact, language)}",
                f"{_('Affected components')}: {components}",
                plain_text(work.text(language).body),
                page,
            )
            if part
        )
        event = icalendar.Event()
        event.add("uid", f"{item.slug}@{host}")
        event.add("summary", work.text(language).title)
        event.add("dtstart", work.start.astimezone(zone))
        event.add("dtend", work.end.astimezone(zone))
        changed = seen_changed_at(item, state.now).astimezone(UTC)  # never after the build's clock
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("sequence", posted + (1 if item.phase is Phase.CANCELLED else 0))
        event.add("status", "CANCELLED" if item.phase is Phase.CANCELLED else "CONFIRMED")
        event.add("description", description)
        event.add("url", page)
        event.add("categories", [names["phase"][item.phase.value]])
        event.add("transp", "OPAQUE")
        if work.rrule:
            event.add("rrule", icalendar.vRecur.from_ical(work.rrule))
        calendar.add_component(event)
    # ``calendar.to_ical()``, but for the folding of its long lines (see ``fold``).
    return b"\r\n".join(fold(line.encode()) for line in calendar.content_lines() if line) + b"\r\n"


FOLD_OCTETS = 74  # RFC 5545: lines of at most 75 octets; icalendar makes them one shorter


def fold(line: bytes) -> bytes:
    """A content line folded as icalendar folds it, without its loop over every character.

    icalendar 7 counts a line's octets character by character, and a thousand windows'
    descriptions made that two fifths of writing a calendar.  The folds are its own: a line holds
    at most 74 octets, is never cut inside a UTF-8 character, and never ends in a backslash or
    caret that escapes the next character (``tests/test_properties.py`` holds it to icalendar).
    """
    if len(line) <= FOLD_OCTETS:
        return line
    parts = []
    start = 0
    while len(line) - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        while line[end] & 0xC0 == 0x80:  # a continuation byte: the character starts before it
            end -= 1
        if end - start > 1 and line[end - 1] in b"\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return b"\r\n ".join(parts)
