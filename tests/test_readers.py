"""Real readers read it right: newsboat, feedparser, Mozilla's ical.js, khal's stack, Statuspage clients.

Each test drives a program nobody here wrote on the example site and on a generated site whose
windows and incidents lack updates, announce themselves later than the build's clock, or recur
without end across daylight-saving changes.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from calendar import timegm
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
from conftest import NOW, REPO, incident, maintenance, run
from dateutil.rrule import rrulestr

CLOCK = datetime.fromisoformat(NOW)
NODE_TOOLS = REPO / "tests" / "js"
TEST_BASE = "https://status.test/"


def need(program: str | None, what: str) -> str:
    """The program's path; a skip on a developer's machine without it, a failure in CI (.ci/run installs it)."""
    if program is None or not Path(program).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed; .ci/run installs it")
        pytest.skip(f"{what} is not installed")
    return program


def need_module(name: str, what: str) -> ModuleType:
    """The imported module; a skip without it on a developer's machine, a failure in CI (a test extra)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed; pip install -e '.[test]' installs it")
        pytest.skip(f"{what} is not installed")


def build(site: Path, out: Path) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dated_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of a few hundred incidents, with the items real readers tripped on."""
    from conftest import make_site

    root = tmp_path_factory.mktemp("dated")
    incidents = [
        incident(
            f"old-{number}",
            title=f"Old outage {number}",
            date=f"2026-{1 + number % 10:02d}-{1 + number % 27:02d}T{number % 24:02d}:15:00+01:00",
            resolved=f"2026-{1 + number % 10:02d}-{1 + number % 27:02d}T{number % 24:02d}:45:00+01:00",
            severity="minor",
        )
        for number in range(300)
    ]
    incidents.append(
        incident("quiet", title="Ongoing without updates", date="2026-11-25T09:00:00+01:00", body="Slow.\n")
    )
    windows = [
        # Announced in the file, but by an update dated after the build's clock.
        maintenance(
            "later",
            title="Announced later",
            start="2026-12-10T22:00:00+01:00",
            end="2026-12-11T02:00:00+01:00",
            body="Later.\n\n## 2026-11-30T10:00+01:00 scheduled\nWe will upgrade.\n",
        ),
        # No update at all.
        maintenance("bare", title="No update", start="2027-01-15T22:00:00+01:00", end="2027-01-16T01:00:00+01:00"),
        # Open-ended, weekly across every daylight-saving change to come.
        maintenance(
            "weekly",
            title="Weekly backup",
            start="2026-11-01T03:00:00+01:00",
            end="2026-11-01T03:30:00+01:00",
            extra="rrule: FREQ=WEEKLY;BYDAY=SU",
            body="Backup.\n\n## 2026-10-20T10:00+02:00 scheduled\nEvery Sunday.\n",
        ),
        # A summer window in a later year: its offset comes from a later daylight-saving onset.
        maintenance(
            "summer",
            title="Summer work",
            start="2028-07-08T22:00:00+02:00",
            end="2028-07-09T02:00:00+02:00",
            body="Summer.\n\n## 2026-11-20T10:00+01:00 scheduled\nNext summer.\n",
        ),
    ]
    site = make_site(root / "site", incidents=incidents, maintenance=windows)
    return build(site, root / "build")


def feeds(out: Path, *suffixes: str) -> list[Path]:
    return sorted(path for path in (out / "feeds").rglob("*") if path.suffix in suffixes)


def builds(example_build: Path, dated_build: Path) -> list[tuple[Path, str]]:
    return [(example_build, "https://status.example.sk/"), (dated_build, TEST_BASE)]


# --- feedparser, strict ---------------------------------------------------------------------------


def test_feedparser_reads_typed_html_the_site_link_and_no_future_date(example_build: Path, dated_build: Path) -> None:
    for out, base in builds(example_build, dated_build):
        for path in feeds(out, ".rss", ".atom"):
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            own = base + path.relative_to(out).as_posix()
            assert parsed.feed.link == base, (path, parsed.feed.link)  # "open website" opens the site
            assert [link.href for link in parsed.feed.links if link.rel == "self"] == [own], path
            clock = CLOCK.timestamp()
            # dict.get: feedparser's own lookup warns when it maps a missing "updated" to "published".
            assert timegm(dict.get(parsed.feed, "updated_parsed")) <= clock, path
            for entry in parsed.entries:
                assert entry.content[0].type == "text/html", (path, entry.id, entry.content[0].type)
                assert "<p>" in entry.content[0].value or "<" not in entry.content[0].value, (path, entry.id)
                for name in ("updated_parsed", "published_parsed"):
                    assert timegm(dict.get(entry, name) or time.gmtime(0)) <= clock, (path, entry.id, name)
                assert dict.get(entry, "published_parsed"), (path, entry.id)


def test_json_feed_beside_every_feed_has_the_same_entries(example_build: Path, dated_build: Path) -> None:
    for out, base in builds(example_build, dated_build):
        for path in feeds(out, ".atom"):
            document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            assert document["version"] == "https://jsonfeed.org/version/1.1"
            assert document["home_page_url"] == base
            assert document["feed_url"] == base + path.with_suffix(".json").relative_to(out).as_posix()
            atom = feedparser.parse(path.read_bytes())
            assert [item["id"] for item in document["items"]] == [entry.id for entry in atom.entries], path
            for item in document["items"]:
                assert datetime.fromisoformat(item["date_modified"]) <= CLOCK, (path, item["id"])


# --- newsboat ------------------------------------------------------------------------------------


def test_newsboat_shows_html_not_tags_and_opens_the_site(
    example_build: Path, dated_build: Path, tmp_path: Path
) -> None:
    """newsboat, run headless (``-x reload``), keeps what it will show in its cache database."""
    newsboat = need(shutil.which("newsboat"), "newsboat (Debian package)")
    for number, (out, base) in enumerate(builds(example_build, dated_build)):
        home = tmp_path / f"newsboat{number}"
        home.mkdir()
        paths = feeds(out, ".rss", ".atom")
        (home / "urls").write_text("".join(f"{path.as_uri()}\n" for path in paths), encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")
        done = subprocess.run(
            [
                newsboat,
                "-u",
                str(home / "urls"),
                "-c",
                str(home / "cache.db"),
                "-C",
                str(home / "config"),
                "-x",
                "reload",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "HOME": str(home)},
        )
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(home / "cache.db") as cache:
            sites = dict(cache.execute("SELECT rssurl, url FROM rss_feed"))
            items = cache.execute("SELECT feedurl, guid, content FROM rss_item").fetchall()
        assert set(sites) == {path.as_uri() for path in paths}
        assert set(sites.values()) == {base}, sites
        assert len(items) > 20
        for feed_url, guid, content in items:
            assert "&lt;p&gt;" not in content and "&lt;/" not in content, (feed_url, guid, content[:200])
        assert any("<p>" in content for _, _, content in items)


# --- the Statuspage API, read by Statuspage clients from PyPI ------------------------------------


def api_times(value: object) -> Iterator[tuple[str, str]]:
    """Every ``*_at``/``scheduled_*`` time in a JSON document, with its key."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str) and (key.endswith("_at") or key.startswith("scheduled_")):
                yield key, inner
            else:
                yield from api_times(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from api_times(inner)


def test_api_dates_nothing_after_the_clock_and_every_item_has_an_update(dated_build: Path) -> None:
    for path in sorted((dated_build / "api" / "v2").rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for key, value in api_times(document):
            if key not in ("scheduled_for", "scheduled_until"):  # when the work is planned, not a record
                assert datetime.fromisoformat(value) <= CLOCK, (path.name, key, value)
        for name in ("incidents", "scheduled_maintenances"):
            for item in document.get(name, []):
                assert item["incident_updates"], (path.name, item["id"])
                created = datetime.fromisoformat(item["created_at"])
                assert all(datetime.fromisoformat(u["created_at"]) >= created for u in item["incident_updates"])
    upcoming = json.loads((dated_build / "api" / "v2" / "scheduled-maintenances" / "upcoming.json").read_text())
    by_id = {item["id"]: item for item in upcoming["scheduled_maintenances"]}
    assert {"later", "bare", "summer", "weekly"} <= set(by_id)
    assert [u["status"] for u in by_id["bare"]["incident_updates"]] == ["scheduled"]
    assert by_id["summer"]["started_at"] == by_id["summer"]["created_at"] == "2026-11-20T10:00:00.000+01:00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The build served over HTTP on 127.0.0.1, as a client would fetch a status page."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_arez_typed_client_reads_the_summary(example_build: Path, dated_build: Path) -> None:
    """aRez's typed StatusPage client (PyPI) reads every incident and window with its latest update."""
    statuspage = need_module("arez.statuspage", "aRez (PyPI, a test extra)")

    async def read(url: str):  # noqa: ANN202 - aRez's own type
        async with statuspage.StatusPage(url, loop=asyncio.get_running_loop()) as page:
            return await page.get_status()

    for out, _ in builds(example_build, dated_build):
        summary = json.loads((out / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
        with served(out) as url:
            status = asyncio.run(read(url))
        assert [i.id for i in status.incidents] == [i["id"] for i in summary["incidents"]]
        assert [m.id for m in status.maintenances] == [m["id"] for m in summary["scheduled_maintenances"]]
        clock = CLOCK.astimezone(UTC).replace(tzinfo=None)  # aRez gives naive UTC
        for item in [*status.incidents, *status.maintenances]:
            assert item.last_update.description
            assert item.created_at <= clock and item.updated_at <= clock, item.name
        assert status.components


def test_prometheus_exporter_reads_the_summary(dated_build: Path, tmp_path: Path) -> None:
    """statuspage-prometheus-exporter (PyPI) run once: its metrics show our status, components and items."""
    need_module("statuspage_prometheus_exporter", "statuspage-prometheus-exporter (PyPI, a test extra)")
    exporter = [sys.executable, "-c", "from statuspage_prometheus_exporter.status_monitoring import main; main()"]
    summary = json.loads((dated_build / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    with served(dated_build) as url:
        (tmp_path / "services.json").write_text(
            json.dumps({"ours": {"url": f"{url}/api/v2/summary.json", "name": "Ours"}}), encoding="utf-8"
        )
        metrics = tmp_path / "metrics.prom"
        env = {
            **os.environ,
            "RUN_MODE": "once",
            "SERVICES_JSON_PATH": str(tmp_path / "services.json"),
            "METRICS_TEXTFILE_PATH": str(metrics),
        }
        done = subprocess.run(exporter, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = metrics.read_text(encoding="utf-8")
    assert 'statuspage_probe_check{service_name="Ours"} 1.0' in text
    assert 'statuspage_service_status{service_name="Ours"} 0.0' in text  # an incident is ongoing
    for component in summary["components"]:
        if not component["group"]:
            assert f'component_name="{component["name"]}"' in text
    assert 'incident_id="quiet"' in text
    for window in ("later", "bare", "weekly", "summer"):
        assert f'maintenance_id="{window}"' in text
    for window in summary["scheduled_maintenances"]:  # its schedule labels are ours
        assert f'scheduled_start="{window["scheduled_for"]}"'.replace(".000", "") in text.replace(".000", "")


# --- calendars: Mozilla's ical.js and the Python icalendar stack ----------------------------------


def zoneinfo_occurrences(event: icalendar.Event, until_year: int) -> list[str]:
    """The event's starts as the IANA zone puts them: RFC 5545's wall times, each resolved by zoneinfo."""
    start = event.decoded("dtstart")
    zone = ZoneInfo(str(event["dtstart"].params["TZID"]))
    local = start.replace(tzinfo=None)
    if "rrule" in event:
        rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=local)
        starts = rule.between(local, datetime(until_year, 1, 1), inc=True)  # noqa: DTZ001 - wall times
    else:
        starts = [local]
    return [moment.replace(tzinfo=zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for moment in starts]


def test_icaljs_resolves_every_occurrence_as_the_iana_zone(
    example_build: Path, dated_build: Path, tmp_path: Path
) -> None:
    """Mozilla's ical.js (npm) knows only our VTIMEZONE: every start of every window is the instant zoneinfo gives."""
    node = need(shutil.which("node"), "node (Debian package nodejs)")
    need(str(NODE_TOOLS / "node_modules" / "ical.js" / "package.json"), "ical.js (npm ci in tests/js)")
    until = CLOCK.year + 8  # past the last year any of our time zone definitions names
    calendars = [*(example_build / "calendar").rglob("*.ics"), *(dated_build / "calendar").rglob("*.ics")]
    for path in calendars:
        done = subprocess.run(
            [node, str(NODE_TOOLS / "occurrences.mjs"), str(path), str(until)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TZ": "UTC"},
        )
        assert done.returncode == 0, done.stderr
        theirs = json.loads(done.stdout)
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            ours = zoneinfo_occurrences(event, until)
            assert theirs[str(event["uid"])] == ours, (path.name, str(event["uid"]))


def test_calendars_are_dated_no_later_than_the_clock(dated_build: Path) -> None:
    for path in (dated_build / "calendar").rglob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            for name in ("dtstamp", "last-modified"):
                assert event.decoded(name) <= CLOCK, (path.name, str(event["uid"]), name)
        # The Python stack resolves the file's zone to the same offsets as the IANA zone.
        (timezone,) = calendar.walk("VTIMEZONE")
        zone = ZoneInfo(str(timezone["tzid"]))
        ours = timezone.to_tz()
        for year in range(CLOCK.year, CLOCK.year + 8):
            for month in (1, 4, 7, 10):
                moment = datetime(year, month, 15, 12)  # noqa: DTZ001 - a wall time in the zone
                assert ours.utcoffset(moment) == moment.replace(tzinfo=zone).utcoffset(), (path.name, moment)


# --- pages and sitemap: the Nu HTML checker and the sitemaps.org schema ----------------------------


def test_nu_html_checker_finds_no_error_on_any_page(example_build: Path, dated_build: Path) -> None:
    """The Nu HTML checker (npm vnu-jar, run on Debian's Java) on every page of both sites."""
    java = need(shutil.which("java"), "Java (Debian package default-jre-headless)")
    jar = need(
        str(NODE_TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"), "vnu-jar (npm ci in tests/js)"
    )
    pages = sorted(str(path) for out in (example_build, dated_build) for path in out.rglob("*.html"))
    assert len(pages) > 50
    done = subprocess.run(
        [java, "-jar", jar, "--errors-only", "--format", "json", *pages], capture_output=True, text=True, timeout=600
    )
    errors = [message for message in json.loads(done.stderr)["messages"] if message.get("type") != "info"]
    assert not errors, json.dumps(errors[:5], indent=1, ensure_ascii=False)
    assert done.returncode == 0


def test_sitemap_validates_against_the_sitemaps_org_schema(example_build: Path, dated_build: Path) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(REPO / "tests" / "schemas" / "sitemap.xsd")))
    for out, base in builds(example_build, dated_build):
        sitemap = etree.parse(str(out / "sitemap.xml"))
        assert schema.validate(sitemap), schema.error_log
        locations = sitemap.findall(".//{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
        assert locations and all(location.text.startswith(base) for location in locations)


def test_a_later_build_dates_an_unannounced_window_by_its_own_clock(site_factory, tmp_path: Path) -> None:
    """A window with no update and no git history is announced by the build: a rebuild an hour later
    into the same folder writes what a clean build at that hour writes, not the earlier build's dates."""
    site = site_factory(
        maintenance=[maintenance("bare", start="2027-01-15T22:00:00+01:00", end="2027-01-16T01:00:00+01:00")]
    )
    out = tmp_path / "out"
    build(site, out)
    later = "2026-11-25T13:00:00+01:00"
    for target in (out, tmp_path / "clean"):
        result = run("build", "--site", str(site), "--out", str(target), "--now", later)
        assert result.exit_code == 0, result.output
    for name in ("calendar/maintenance.ics", "feeds/maintenance.atom", "api/v2/scheduled-maintenances/upcoming.json"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    (event,) = icalendar.Calendar.from_ical((out / "calendar" / "maintenance.ics").read_bytes()).walk("VEVENT")
    assert event.decoded("dtstamp") == datetime.fromisoformat(later)


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tehran"])
def test_icaljs_agrees_with_the_iana_zone_in_other_zones(site_factory, tmp_path: Path, zone: str) -> None:
    """Northern and southern daylight-saving rules, and zones that dropped daylight saving time
    (a yearly rule written for them would run on for ever)."""
    from conftest import DEFAULT_CONFIG

    node = need(shutil.which("node"), "node (Debian package nodejs)")
    need(str(NODE_TOOLS / "node_modules" / "ical.js" / "package.json"), "ical.js (npm ci in tests/js)")
    weekly = maintenance(
        "weekly",
        start="2016-11-06T03:00:00",
        end="2016-11-06T03:30:00",
        extra="rrule: FREQ=WEEKLY;BYDAY=SU",
        body="Backup.\n\n## 2016-10-20T10:00 scheduled\nEvery Sunday.\n",
    )
    config = DEFAULT_CONFIG.format(language="en").replace('"Europe/Bratislava"', f'"{zone}"')
    site = site_factory(config=config, maintenance=[weekly])
    path = build(site, tmp_path / "out") / "calendar" / "maintenance.ics"
    until = CLOCK.year + 8
    done = subprocess.run(
        [node, str(NODE_TOOLS / "occurrences.mjs"), str(path), str(until)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (event,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert json.loads(done.stdout)[str(event["uid"])] == zoneinfo_occurrences(event, until)


def test_every_feed_names_the_websub_hub_when_one_is_configured(site_factory, tmp_path: Path) -> None:
    """WebSub: Atom and RSS carry <link rel="hub"> beside rel="self", JSON Feed its "hubs"; none without a hub."""
    import xml.etree.ElementTree as ET

    from conftest import DEFAULT_CONFIG, incident, run

    hub = "https://hub.example.net/"
    plain = site_factory(incidents=[incident()])
    with_hub = site_factory(
        incidents=[incident()],
        config=DEFAULT_CONFIG.format(language="sk") + f'\n[notify]\nwebsub_hub = "{hub}"\n',
    )
    for site, expected in ((plain, []), (with_hub, [hub])):
        out = tmp_path / f"out-{site.name}"
        result = run("build", "--site", str(site), "--out", str(out), "--now", "2026-11-25T12:00:00+01:00")
        assert result.exit_code == 0, result.output
        for path in sorted((out / "feeds").rglob("*.atom")) + sorted((out / "en" / "feeds").rglob("*.atom")):
            parsed = feedparser.parse(path.read_bytes())
            assert [link.href for link in parsed.feed.links if link.rel == "hub"] == expected, path
            assert [link.rel for link in parsed.feed.links].count("self") == 1, path
        for path in sorted((out / "feeds").rglob("*.rss")):
            channel = ET.fromstring(path.read_bytes()).find("channel")
            links = channel.findall("{http://www.w3.org/2005/Atom}link")
            assert [link.get("href") for link in links if link.get("rel") == "hub"] == expected, path
            assert channel.findtext("link").endswith("/"), path  # still the site, not the hub
        for path in sorted((out / "feeds").rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            assert [hub_["url"] for hub_ in document.get("hubs", [])] == expected, path
            assert all(hub_["type"] == "WebSub" for hub_ in document.get("hubs", []))


def test_a_websub_hub_that_is_not_an_address_is_a_config_error(site_factory) -> None:
    from conftest import DEFAULT_CONFIG, run

    site = site_factory(config=DEFAULT_CONFIG.format(language="sk") + '\n[notify]\nwebsub_hub = "hub.example.net"\n')
    result = run("check", "--site", str(site))
    assert result.exit_code == 1 and "websub_hub must be an absolute http(s) address" in result.output
