"""UI languages: gettext catalogs (``translations/<lang>/LC_MESSAGES/messages.po``) and local time formats.

Message ids are the English text.  Catalogs are read straight from the ``.po`` files, so a fresh
checkout needs no compile step.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale, localedata
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from .errors import Problem
from .model import Config, Site

SOURCE_LANGUAGE = "en"
AUTONYMS = {"sk": "Slovenčina", "en": "English"}  # each language's name in itself, for the switch


def site_languages(config: Config) -> list[str]:
    """The languages the site is built in (``[site] languages``), the one published at the root first.

    Only those: a site in one language has no other language's pages, switch or alternates.
    """
    return list(config.built_languages)


def unbuilt_translations(site: Site) -> list[Problem]:
    """Translations into a shipped language the site does not build: valid, but shown nowhere.

    Before ``[site] languages`` every shipped language was built; a site that relied on that
    is told where its translations went.
    """
    built = set(site_languages(site.config))
    items = [*site.incidents, *site.maintenance]
    return [
        Problem(
            translation.origin.path,
            translation.origin.line,
            f"a translation into {language!r}, which the site does not build: add it to [site] languages to publish it",
        )
        for item in items
        for language, translation in sorted(item.translations.items())
        if language not in built
    ]


def language_prefixes(config: Config) -> list[str]:
    """Where each language's pages live below the site root: ``""`` for the site language, ``"en/"``…"""
    return [language_prefix(config, language) for language in site_languages(config)]


def language_prefix(config: Config, language: str) -> str:
    return "" if language == config.language else f"{language}/"


def load_locale_data(config: Config) -> None:
    """Read the CLDR data (dates, numbers) of every site language now; Babel keeps it for the process.

    A build reads it while it waits for its fingerprint, before it forks the processes that
    render: else each of them would read it for itself (a few hundredths of a second each).
    """
    for language in site_languages(config):
        localedata.load(str(Locale.parse(language)))


_DATE_TIME = {"sk": "d. M. y H:mm", "en": "d MMM y, HH:mm"}
_DATE = {"sk": "d. M. y", "en": "d MMM y"}
_LONG_DATE = {"sk": "d. MMMM y", "en": "d MMMM y"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for ``language``; English is the source language and needs none."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    po = resources.files("statuspage") / "translations" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


# Our date-and-time patterns as (date part, separator, hour format): the date part is formatted
# by Babel once per day, the clock by hand, since a big site has tens of thousands of instants.
_CLOCKS = {"d. M. y H:mm": ("d. M. y", " ", "{:d}"), "d MMM y, HH:mm": ("d MMM y", ", ", "{:02d}")}


def _format(moment: datetime, pattern: str, zone: ZoneInfo, language: str) -> str:
    """Babel's ``format_datetime``, remembered per day and instant: it dominated big builds."""
    if moment.tzinfo is None:  # naive: Babel reads it as UTC; not worth a cache entry
        return format_datetime(moment, pattern, tzinfo=zone, locale=language)
    clock = _CLOCKS.get(pattern)
    if clock is not None:
        local = moment.astimezone(zone)
        day = _format_day_pattern(local.date(), clock[0], language)
        return f"{day}{clock[1]}{clock[2].format(local.hour)}:{local.minute:02d}"
    if pattern in _DATE.values() or pattern in _LONG_DATE.values():
        return _format_day_pattern(moment.astimezone(zone).date(), pattern, language)
    # Keyed by the exact instant: aware datetimes in one zone compare equal across a DST fold.
    return _format_instant(moment.timestamp(), pattern, zone, language)


@lru_cache(maxsize=65536)
def _format_day_pattern(day: date, pattern: str, language: str) -> str:
    return babel_format_date(day, pattern, locale=language)


@lru_cache(maxsize=200_000)
def _format_instant(timestamp: float, pattern: str, zone: ZoneInfo, language: str) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, zone), pattern, tzinfo=zone, locale=language)


def zone_name(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """The zone's short name in the language: SEČ/SELČ in Slovak, CET/CEST in English."""
    local = moment.astimezone(zone)
    if language != "sk":
        return local.tzname() or ""
    key = (zone, language, local.tzname(), local.utcoffset())  # Babel's name, asked once per offset and abbreviation
    name = _ZONE_NAMES.get(key)
    if name is None:
        name = _ZONE_NAMES[key] = _format_instant(moment.timestamp(), "z", zone, language)
    return name


_ZONE_NAMES: dict[tuple[object, ...], str] = {}


def format_time(moment: datetime, zone: ZoneInfo, language: str, *, with_zone: bool = True) -> str:
    text = _format(moment, _DATE_TIME[language], zone, language)
    return f"{text} {zone_name(moment, zone, language)}" if with_zone else text


def format_date(moment: datetime, zone: ZoneInfo, language: str, *, long: bool = False) -> str:
    pattern = (_LONG_DATE if long else _DATE)[language]
    return _format(moment, pattern, zone, language)


@lru_cache(maxsize=8192)
def format_day(day: date, language: str) -> str:
    """A calendar day, for uptime bars and history headings."""
    return babel_format_date(day, _DATE[language], locale=language)


def format_window(start: datetime, end: datetime, zone: ZoneInfo, language: str) -> str:
    """A window in one phrase, the end's date left out when it is the same day."""
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    first = format_time(start, zone, language, with_zone=False)
    last = (
        _format(end, "H:mm" if language == "sk" else "HH:mm", zone, language)
        if same_day
        else format_time(end, zone, language, with_zone=False)
    )
    return f"{first} – {last} {zone_name(start, zone, language)}"


@lru_cache(maxsize=65536)
def format_percent(value: float, language: str) -> str:
    """Uptime with as many decimals as it takes to not round a bad day up to 100 %."""
    return format_decimal(min(value, 99.99) if value < 100 else 100, format="0.##", locale=language) + " %"
