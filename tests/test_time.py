"""Time zones: the DST gap and fold follow the documented rule, and every output time carries an offset."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, run

OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        # Spring gap: 02:30 does not exist on 29 March; it moves forward by the gap, to 03:30 CEST.
        ("2026-03-29T02:30:00", "2026-03-29T03:30:00.000+02:00"),
        # Autumn fold: 02:30 happens twice on 25 October; the first, still summer time, is meant.
        ("2026-10-25T02:30:00", "2026-10-25T02:30:00.000+02:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00.000+01:00"),  # an offset says which
        ("2026-11-20", "2026-11-20T00:00:00.000+01:00"),  # a bare date is local midnight
    ],
)
def test_local_times_in_the_dst_gap_and_fold(site_factory, tmp_path: Path, written: str, meant: str) -> None:
    site = site_factory(incidents=[incident(date=written, body="Text.\n")])
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    incidents = json.loads((out / "api" / "v2" / "incidents.json").read_text())["incidents"]
    assert incidents[0]["started_at"] == meant


DURATION = re.compile(r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?)?$")


def test_every_output_time_carries_an_offset(example_build: Path) -> None:
    for page in example_build.rglob("*.html"):
        for tag in BeautifulSoup(page.read_text(), "html.parser").find_all("time"):
            # An instant carries its offset; how long something lasted is an ISO 8601 duration.
            assert OFFSET.search(tag["datetime"]) or DURATION.match(tag["datetime"]), (page, tag)
    for path in example_build.rglob("*.json"):
        text = path.read_text()
        for value in re.findall(r'"(\d{4}-\d{2}-\d{2}T[^"]*)"', text):
            assert OFFSET.search(value), (path, value)
    for path in (example_build / "feeds").rglob("*.*"):
        for value in re.findall(r"<(?:updated|published)>([^<]+)<", path.read_text()):
            assert OFFSET.search(value), (path, value)
        for value in re.findall(r"<(?:pubDate|lastBuildDate)>([^<]+)<", path.read_text()):
            assert value.endswith(("+0000", "GMT", "+0100", "+0200")), (path, value)
    for path in (example_build / "calendar").rglob("*.ics"):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            for name in ("DTSTART", "DTEND"):
                assert event[name].params["TZID"] == "Europe/Bratislava"
            assert event.decoded("DTSTAMP").utcoffset().total_seconds() == 0


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_the_machine_time_zone_changes_nothing(tmp_path: Path) -> None:
    """The same build under TZ=UTC and under two other zones gives the same bytes."""
    digests = set()
    for zone in ("UTC", "America/New_York", "Asia/Kathmandu"):
        out = tmp_path / zone.replace("/", "-")
        done = subprocess.run(
            [sys.executable, "-m", "statuspage", "build", "--site", str(REPO), "--out", str(out), "--now", NOW],
            env={**os.environ, "TZ": zone},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        digests.add(tree_digest(out))
    assert len(digests) == 1


def test_fast_date_formatting_matches_babel() -> None:
    """Dates and clocks are formatted by day and by hand for speed: always as Babel formats them."""
    import random
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    from statuspage.i18n import _DATE, _DATE_TIME, _LONG_DATE, format_date, format_time

    rng = random.Random(3)
    for zone in (ZoneInfo("Europe/Bratislava"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")):
        for _ in range(400):
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 60 * 60 * 24 * 365 * 80))
            for language in ("sk", "en"):
                assert format_time(moment, zone, language, with_zone=False) == format_datetime(
                    moment, _DATE_TIME[language], tzinfo=zone, locale=language
                )
                assert format_date(moment, zone, language) == format_datetime(
                    moment, _DATE[language], tzinfo=zone, locale=language
                )
                assert format_date(moment, zone, language, long=True) == format_datetime(
                    moment, _LONG_DATE[language], tzinfo=zone, locale=language
                )
            zone_name = format_datetime(moment, "z", tzinfo=zone, locale="sk")
            assert format_time(moment, zone, "sk").endswith(" " + zone_name)
