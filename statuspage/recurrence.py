"""RFC 5545 recurrence rules of maintenance windows: checked strictly, then expanded by dateutil.

dateutil accepts rules that never produce an occurrence or that loop for a very long time
(``INTERVAL=0``, ``BYMONTH=13``), and extra lines such as ``DTSTART`` or ``EXDATE`` that change
what it returns.  Only a single ``RRULE`` value with sane parts gets through here.

The work is bounded, since a rule is input too:

- dateutil builds each period's times (``BYHOUR`` x ``BYMINUTE`` x ``BYSECOND``) in memory at once,
  so at most ``MAX_PER_DAY`` times a day are allowed (every minute and second was 86,400 a period);
- occurrences may not overlap (each lasts as long as the first), checked on the first
  ``CHECKED_OCCURRENCES``;
- dateutil counts every occurrence from ``DTSTART`` on; ``Recurrence`` answers "the one before" or
  "the one after" a moment from a later start instead, whole cycles of the rule after ``DTSTART``,
  which gives the same occurrences (a rule with ``COUNT`` has to count from the start: its count is
  capped).
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_NUMBER_RANGES = {
    "INTERVAL": (1, 1000),
    "COUNT": (1, 10000),
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (-31, 31),
    "BYYEARDAY": (-366, 366),
    "BYWEEKNO": (-53, 53),
    "BYHOUR": (0, 23),
    "BYMINUTE": (0, 59),
    "BYSECOND": (0, 59),
    "BYSETPOS": (-366, 366),
}
_WEEKDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^\d{8}(T\d{6}Z?)?$")
FIRST_OCCURRENCE_WITHIN = timedelta(days=5 * 366)
MAX_PER_DAY = 24  # occurrences a day at most: maintenance, not a metronome
CHECKED_OCCURRENCES = 1000  # the first occurrences checked for overlaps
LOOK_BACK = timedelta(days=400)  # "the one before" is searched from this far back: a year's day filters repeat


def check_rrule(text: str, start: datetime, zone: ZoneInfo, end: datetime | None = None) -> str | None:
    """The problem with ``text`` as the rule of a window starting at ``start``, or None if it is fine."""
    value = text.strip().removeprefix("RRULE:")
    if "\n" in value or ":" in value:
        return "only one RRULE value is allowed (no DTSTART, EXDATE or other lines)"
    parts: dict[str, str] = {}
    for piece in value.split(";"):
        name, sep, setting = piece.partition("=")
        name = name.strip().upper()
        if not sep or not setting.strip():
            return f"{piece!r} is not NAME=VALUE"
        if name in parts:
            return f"{name} is given twice"
        parts[name] = setting.strip().upper()
    problem = _check_parts(parts) or _check_density(parts)
    if problem:
        return problem
    if not _days_can_match(parts, start.astimezone(zone)):
        return "the rule has no occurrence within five years of start"
    return _check_occurrences(expand(value, start, zone), start, end)


def _check_parts(parts: dict[str, str]) -> str | None:
    if parts.get("FREQ") not in FREQUENCIES:
        return f"FREQ must be one of {', '.join(FREQUENCIES)}"
    if "COUNT" in parts and "UNTIL" in parts:
        return "COUNT and UNTIL must not both be given"
    for name, setting in parts.items():
        if name in ("FREQ",):
            continue
        if name in _NUMBER_RANGES:
            low, high = _NUMBER_RANGES[name]
            for item in setting.split(","):
                try:
                    number = int(item)
                except ValueError:
                    return f"{name} must be whole numbers, not {item!r}"
                if not low <= number <= high or (number == 0 and low < 0):
                    return f"{name} value {number} is out of range {low}..{high}"
        elif name == "BYDAY":
            if not all(_WEEKDAY.match(item) for item in setting.split(",")):
                return f"BYDAY must list weekdays like MO,TU or 1SU, not {setting!r}"
        elif name == "WKST":
            if setting not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"):
                return f"WKST must be a weekday, not {setting!r}"
        elif name == "UNTIL":
            if not _UNTIL.match(setting):
                return f"UNTIL must look like 20261231T235959Z, not {setting!r}"
        else:
            return f"unsupported rule part {name}"
    return None


def _sizes(parts: dict[str, str], name: str) -> int:
    return len(set(parts[name].split(","))) if name in parts else 1


def _check_density(parts: dict[str, str]) -> str | None:
    """Too many times a day, before dateutil builds them all."""
    hours = _sizes(parts, "BYHOUR")
    if parts["FREQ"] == "HOURLY":
        every = int(parts.get("INTERVAL", "1"))
        hours = min(hours, math.ceil(24 / every)) if "BYHOUR" in parts else math.ceil(24 / every)
    per_day = hours * _sizes(parts, "BYMINUTE") * _sizes(parts, "BYSECOND")
    if per_day > MAX_PER_DAY:
        return f"the rule may start up to {per_day} windows a day; at most {MAX_PER_DAY} are allowed"
    # A position past what a period can hold never matches, and dateutil would look until the year 9999.
    times = _sizes(parts, "BYMINUTE") * _sizes(parts, "BYSECOND")
    times *= 1 if parts["FREQ"] == "HOURLY" else _sizes(parts, "BYHOUR")
    days = {"HOURLY": 1, "DAILY": 1, "WEEKLY": _sizes(parts, "BYDAY") if "BYDAY" in parts else 7}
    most = times * days.get(parts["FREQ"], 366)
    for item in parts.get("BYSETPOS", "").split(",") if "BYSETPOS" in parts else []:
        if abs(int(item)) > most:
            return f"BYSETPOS {item} is past the {most} occurrences a period of this rule can hold"
    return None


_DAY_PARTS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")
_GREGORIAN_CYCLE = 400  # years after which dates fall on the same weekdays again


def _days_can_match(parts: dict[str, str], start: datetime) -> bool:
    """Whether some day within five years of start passes the rule's day filters (weekdays without their ordinals).

    dateutil steps through every period of a rule that never matches until the year 9999 (hours of
    an hourly rule: minutes of work).  The filters, checked once a year from the same date some
    Gregorian cycles later, near that end, answer in a few steps.
    """
    filters = {name: parts[name] for name in _DAY_PARTS if name in parts}
    if not filters:
        return True
    if "BYDAY" in filters:
        filters["BYDAY"] = ",".join(sorted({_WEEKDAY.match(d).group(2) for d in filters["BYDAY"].split(",")}))  # type: ignore[union-attr]
    cycles = (9999 - 6 - start.year) // _GREGORIAN_CYCLE
    try:
        late = start.replace(year=start.year + cycles * _GREGORIAN_CYCLE, tzinfo=None)
    except ValueError:
        return True
    probe = ";".join(["FREQ=YEARLY", "BYHOUR=0", "BYMINUTE=0", "BYSECOND=0", *(f"{k}={v}" for k, v in filters.items())])
    day = late.replace(hour=0, minute=0, second=0, microsecond=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        rule = rrulestr(probe, dtstart=day, forceset=False)
    return bool(rule.between(day, day + FIRST_OCCURRENCE_WITHIN + timedelta(days=1), inc=True))


def _check_occurrences(rule: rrule, start: datetime, end: datetime | None) -> str | None:
    """No occurrence within five years of start, or occurrences that overlap among the first ones."""
    first = rule.between(start, start + FIRST_OCCURRENCE_WITHIN, inc=True)  # at most MAX_PER_DAY a day
    if not first:
        return "the rule has no occurrence within five years of start"
    if end is not None:
        duration = end - start
        for before, after in itertools.pairwise(first[:CHECKED_OCCURRENCES]):
            if after.astimezone(UTC) - before.astimezone(UTC) < duration:
                return (
                    f"occurrences overlap: each lasts as long as the first ({duration}), "
                    f"but two start {after.astimezone(UTC) - before.astimezone(UTC)} apart ({before.isoformat()})"
                )
    return None


def expand(value: str, start: datetime, zone: ZoneInfo) -> rrule:
    """The rule anchored at ``start`` in local wall time, so 22:00 stays 22:00 across DST changes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # dateutil's UNTIL/timezone remarks
        rule = rrulestr(value.removeprefix("RRULE:"), dtstart=start.astimezone(zone), forceset=False)
    assert isinstance(rule, rrule)
    return rule


class Recurrence:
    """A checked rule's occurrences before or after a moment, found from a recent start when the rule allows.

    Moving ``DTSTART`` forward by whole cycles of the rule (a multiple of its ``INTERVAL`` in its
    own unit, kept in local wall time, in whole days or years so the times and days it takes from
    ``DTSTART`` stay the same) leaves every later occurrence as it was.  A rule with ``COUNT``
    counts from its first occurrence, so it is always expanded from the start (its count is capped).
    """

    def __init__(self, value: str, start: datetime, zone: ZoneInfo) -> None:
        self.value = value.removeprefix("RRULE:")
        self.start = start.astimezone(zone)
        self.zone = zone
        self.rule = expand(self.value, start, zone)
        parts = dict(piece.partition("=")[::2] for piece in self.value.upper().split(";"))
        self.freq = parts["FREQ"].strip()
        self.interval = int(parts.get("INTERVAL", "1"))
        self.counted = "COUNT" in parts
        until = parts.get("UNTIL", "").strip()
        # An ended rule's "last before" is searched back from its end, not from now.
        self.until = datetime.strptime(until[:8], "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=2) if until else None

    def _shifted(self, start: datetime, cycles: int) -> datetime | None:
        """``start`` moved forward by ``cycles`` cycles of the rule, or None where that is no date."""
        if self.freq in ("MONTHLY", "YEARLY"):
            years = cycles * (math.lcm(self.interval, 12) // 12 if self.freq == "MONTHLY" else self.interval)
            try:
                return start.replace(year=start.year + years)
            except ValueError:  # 29 February, or past the year 9999
                return None
        days = {"HOURLY": math.lcm(self.interval, 24) // 24, "DAILY": self.interval, "WEEKLY": 7 * self.interval}
        try:
            return start + timedelta(days=cycles * days[self.freq])  # wall-clock arithmetic within the zone
        except OverflowError:
            return None

    def _from(self, moment: datetime, back: timedelta) -> rrule:
        """The rule started at the latest whole cycle at least ``back`` before ``moment``."""
        if self.counted:
            return self.rule
        if self.until is not None:
            moment = min(moment, self.until)
        target = moment.astimezone(self.zone) - back
        cycle = self._shifted(self.start, 1)
        if cycle is None or cycle > target:
            return self.rule
        span = cycle - self.start
        cycles = max(1, int((target - self.start) / span))
        anchor = self._shifted(self.start, cycles)
        while anchor is not None and anchor > target and cycles > 1:  # years are of unequal length
            cycles -= 1
            anchor = self._shifted(self.start, cycles)
        if anchor is None or anchor > target:
            return self.rule
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return rrulestr(self.value, dtstart=anchor, forceset=False)  # type: ignore[return-value]

    def before(self, moment: datetime, inc: bool = False) -> datetime | None:
        """The last occurrence before ``moment``: from a recent start, else from the rule's own."""
        rule = self._from(moment, LOOK_BACK)
        found = rule.before(moment, inc=inc)
        if found is None and rule is not self.rule:  # nothing in the recent past: search it all
            found = self.rule.before(moment, inc=inc)
        return found

    def after(self, moment: datetime, inc: bool = False) -> datetime | None:
        """The first occurrence after ``moment``."""
        return self._from(moment, timedelta(0)).after(moment, inc=inc)
