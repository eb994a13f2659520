"""Periods in words: how long something lasted ("3 min", "2 h 5 min", "1 day 4 h", Slovak "1 deň 4 h"),
and the days and months the recent past and the history are listed by.

The two largest units only: a visitor wants to know whether it was minutes, hours or days, not
the seconds.  Hours and minutes are abbreviated the same in both languages; days are words, with
the language's plural forms from its catalog.  ``iso_duration`` gives the machine form for
``<time datetime>`` (HTML's duration string).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from babel.dates import format_date

from .i18n import translations


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is used."""
    return message


UNDER_A_MINUTE = N_("under a minute")


def _parts(delta: timedelta) -> tuple[int, int, int]:
    """Days, hours and minutes, rounded to the two units shown: minutes under a day, hours from a day on."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 24 * 60:
        hours = round(minutes / 60)
        return hours // 24, hours % 24, 0
    return 0, minutes // 60, minutes % 60


def format_duration(delta: timedelta, language: str) -> str:
    """``delta`` in words of ``language``, the two largest units."""
    catalog = translations(language)
    days, hours, minutes = _parts(delta)
    if days:
        text = catalog.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}
        return f"{text} {hours} h" if hours else text
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return catalog.gettext(UNDER_A_MINUTE)


def iso_duration(delta: timedelta) -> str:
    """The duration as HTML's ``<time datetime>`` takes it, to the minute: ``PT2H5M``, ``P1DT4H``."""
    days, hours, minutes = _parts(delta)
    if not (days or hours or minutes):
        return "PT0M"
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return ("P" + (f"{days}D" if days else "")) + (f"T{time}" if time else "")


_LONG_DAY = {"sk": "d. MMMM y", "en": "d MMMM y"}
_MONTH = {"sk": "LLLL y", "en": "LLLL y"}  # the month standing alone: Slovak "november 2026"


@lru_cache(maxsize=4096)
def format_long_day(day: date, language: str) -> str:
    """A day as a heading of the recent past: "25 November 2026", "25. novembra 2026"."""
    return format_date(day, _LONG_DAY.get(language, "d MMMM y"), locale=language)


@lru_cache(maxsize=4096)
def format_month(month: date, language: str) -> str:
    """A month as a heading of the history: "November 2026", "november 2026"."""
    return format_date(month, _MONTH.get(language, "LLLL y"), locale=language)
