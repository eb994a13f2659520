"""RFC 5545 recurrence rules of maintenance windows: checked strictly, then expanded by dateutil.

dateutil accepts rules that never produce an occurrence or that loop for a very long time
(``INTERVAL=0``, ``BYMONTH=13``), and extra lines such as ``DTSTART`` or ``EXDATE`` that change
what it returns.  Only a single ``RRULE`` value with sane parts gets through here.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timedelta
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


def check_rrule(text: str, start: datetime, zone: ZoneInfo) -> str | None:
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
    problem = _check_parts(parts)
    if problem:
        return problem
    rule = expand(value, start, zone)
    if rule.after(start, inc=True) is None or rule.between(start, start + FIRST_OCCURRENCE_WITHIN, inc=True) == []:
        return "the rule has no occurrence within five years of start"
    return None


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


def expand(value: str, start: datetime, zone: ZoneInfo) -> rrule:
    """The rule anchored at ``start`` in local wall time, so 22:00 stays 22:00 across DST changes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # dateutil's UNTIL/timezone remarks
        rule = rrulestr(value.removeprefix("RRULE:"), dtstart=start.astimezone(zone), forceset=False)
    assert isinstance(rule, rrule)
    return rule
