"""A VTIMEZONE written from the IANA zone so that every calendar program finds the same offsets.

icalendar's own lists each kind of onset as one comma-separated RDATE, which Mozilla's ical.js
(Thunderbird and many web calendars) reads as a single date, and stops at a last date while an
open-ended RRULE goes on.  Here each onset is its own observance until the zone's rule settles,
and from then on a yearly RRULE without end, checked against the zone for years past the range.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import icalendar

STEP = timedelta(days=1)  # no zone changes its offset twice in a day
CHECKED_YEARS = 12  # the rule written as RRULE must hold this long after the calendar's last date


@dataclass(frozen=True)
class Onset:
    """One change of offset: the local wall time it starts at (in the offset before) and what follows."""

    local: datetime  # naive, as TZOFFSETFROM reads it
    before: timedelta
    after: timedelta
    name: str
    daylight: bool

    def rule(self) -> tuple[object, ...]:
        """What a yearly RRULE must repeat: month, weekday and its place in the month, time, offsets."""
        last_day = months.monthrange(self.local.year, self.local.month)[1]
        place = -1 if self.local.day + 7 > last_day else (self.local.day - 1) // 7 + 1
        return (
            self.daylight,
            self.local.month,
            self.local.weekday(),
            place,
            self.local.time(),
            self.before,
            self.after,
            self.name,
        )


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, str, bool]:
    local = moment.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or zone.key, bool(local.dst())


@cache
def onsets(zone: ZoneInfo, first: date, last: date) -> tuple[Onset, ...]:
    """Every change of the zone's offset, name or daylight flag between ``first`` and ``last``.

    Kept: every calendar of a build (one per component and language) asks for the same.
    """
    found = []
    moment = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC)
    state = _state(zone, moment)
    while moment < end:
        following = moment + STEP
        after = _state(zone, following)
        if after != state:
            low, high = moment, following  # the change lies in (low, high]: halve to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            local = (high + state[0]).replace(tzinfo=None)
            found.append(Onset(local, state[0], after[0], after[1], after[2]))
            state = after
        moment = following
    return tuple(found)


def _observance(onset: Onset, *, yearly: bool = False) -> icalendar.Component:
    part = icalendar.TimezoneDaylight() if onset.daylight else icalendar.TimezoneStandard()
    part.add("dtstart", onset.local)
    part.add("tzname", onset.name)
    part.add("tzoffsetfrom", onset.before)
    part.add("tzoffsetto", onset.after)
    if yearly:
        _, month, _, place, *_ = onset.rule()
        day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[onset.local.weekday()]
        part.add("rrule", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{place}{day}"})
    return part


def vtimezone(zone: ZoneInfo, first: date, last: date) -> icalendar.Timezone:
    """The zone from ``first`` on, right for every date after it, also past ``last``."""
    checked = date(last.year + CHECKED_YEARS, 1, 1)
    changes = onsets(zone, first, checked)
    # The longest tail of changes that repeat yearly as the last change of their kind does.
    last_rule: dict[bool, tuple[object, ...]] = {}
    for onset in reversed(changes):
        last_rule.setdefault(onset.daylight, onset.rule())
    tail = len(changes)
    while tail > 0 and changes[tail - 1].rule() == last_rule[changes[tail - 1].daylight]:
        tail -= 1
    # The rule must hold from before ``last`` to the end of the check (a zone that dropped daylight
    # saving time stops changing: its last observance then holds for ever, with no RRULE).
    settled = (
        changes[tail:] and changes[tail].local.year <= last.year + 1 and changes[-1].local.year >= checked.year - 1
    )
    if not settled:  # no rule holds to the end: every change, as far as it was checked
        tail = len(changes)
    timezone = icalendar.Timezone()
    timezone.add("tzid", zone.key)
    start = datetime(first.year, first.month, first.day)  # noqa: DTZ001 - a wall time, as VTIMEZONE writes it
    offset, name, daylight = _state(zone, start.replace(tzinfo=zone))
    timezone.add_component(_observance(Onset(start, offset, offset, name, daylight)))
    for onset in changes[:tail]:
        timezone.add_component(_observance(onset))
    repeating: dict[bool, Onset] = {}
    for onset in changes[tail:]:
        repeating.setdefault(onset.daylight, onset)
    for onset in repeating.values():
        timezone.add_component(_observance(onset, yearly=True))
    return timezone
