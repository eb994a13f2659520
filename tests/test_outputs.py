"""Feeds, calendars, the Statuspage-compatible JSON and the small files, read by real parsers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import icalendar
import jsonschema
import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, maintenance, run, ticket

from statuspage.explain import explanation
from statuspage.sources.site import load_site
from statuspage.state import derive

BASE = "https://status.test/"
STATUSPAGE_SCHEMA = json.loads((REPO / "tests" / "schemas" / "statuspage-v2.schema.json").read_text())
KNOWN_ISSUES_SCHEMA = json.loads((REPO / "docs" / "schemas" / "known-issues.schema.json").read_text())


def build(site: Path, out: Path, now: str = NOW) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output
    return out


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def api_schema(name: str) -> dict:
    return {**STATUSPAGE_SCHEMA, "$ref": f"#/$defs/{name}"}


# --- Feeds ---------------------------------------------------------------------------------------


def test_every_feed_of_the_example_parses_cleanly(example_build: Path) -> None:
    feeds = sorted((example_build / "feeds").rglob("*.*"))
    names = {path.relative_to(example_build / "feeds").as_posix() for path in feeds}
    for name in ("all", "incidents", "maintenance", "known-issues", "updates"):
        assert {f"{name}.rss", f"{name}.atom", f"{name}.json"} <= names
    for cid in ("web", "api", "cdn", "auth", "mail", "support-chat"):
        assert {f"components/{cid}.rss", f"components/{cid}.atom", f"components/{cid}.json"} <= names
    for path in feeds:
        if path.suffix == ".json":  # JSON Feed: tests/test_readers.py reads it beside its Atom twin
            continue
        parsed = parse_feed(path)
        assert parsed.feed.get("language", "sk").startswith("sk") or parsed.feed.get("language") is None
        for entry in parsed.entries:
            assert entry.link.startswith("https://status.example.sk/"), (path, entry.link)
            assert entry.id
    assert parse_feed(example_build / "feeds" / "all.atom").entries
    assert parse_feed(example_build / "feeds" / "known-issues.rss").entries


def test_rss_and_atom_carry_the_same_entries(example_build: Path) -> None:
    for name in ("all", "incidents", "maintenance", "known-issues", "updates"):
        rss = parse_feed(example_build / "feeds" / f"{name}.rss")
        atom = parse_feed(example_build / "feeds" / f"{name}.atom")
        assert [e.id for e in rss.entries] == [e.id for e in atom.entries]


def test_feed_ids_are_stable_and_an_update_moves_updated(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident("outage"), incident("other", title="Other", severity="minor")])
    first = build(site, tmp_path / "one")
    before = {e.id: e for e in parse_feed(first / "feeds" / "incidents.atom").entries}
    updates_before = parse_feed(first / "feeds" / "updates.atom").entries

    path = site / "content" / "incidents" / "outage.md"
    path.write_text(path.read_text() + "\n## 2026-11-20T11:00+01:00 resolved\nFixed.\n", encoding="utf-8")
    second = build(site, tmp_path / "two")
    after = {e.id: e for e in parse_feed(second / "feeds" / "incidents.atom").entries}
    updates_after = parse_feed(second / "feeds" / "updates.atom").entries

    assert set(before) == set(after) == {BASE + "incidents/outage/", BASE + "incidents/other/"}
    changed = BASE + "incidents/outage/"
    assert after[changed].updated_parsed > before[changed].updated_parsed
    other = BASE + "incidents/other/"
    assert after[other].updated == before[other].updated
    new_ids = {e.id for e in updates_after} - {e.id for e in updates_before}
    assert len(new_ids) == 1 and new_ids.pop().startswith(changed + "#update-")
    # The anchor of an update exists on the incident's page.
    anchor = next(e.id for e in updates_after if "resolved" in e.id).split("#", 1)[1]
    page = BeautifulSoup((second / "incidents" / "outage" / "index.html").read_text(), "html.parser")
    assert page.find(id=anchor) is not None


EARLY = "2026-09-01T08:00:00+02:00"


def _ticket_site(site_factory, language: str) -> Path:
    tickets = [
        ticket(1, status="reported"),
        ticket(2, status="evaluating"),
        ticket(3, status="fixing", evaluated_at="2026-11-24T10:00:00+01:00"),
        ticket(4, status="fixing", reported_at=EARLY, evaluated_at="2026-11-10T10:00:00+01:00"),
        ticket(5, status="fixing", reported_at=EARLY, evaluated_at="2026-11-10T10:00:00+01:00", maintenance="upgrade"),
        ticket(6, status="resolved", resolved_at="2026-11-23T10:00:00+01:00"),
        ticket(7, status="resolved", reported_at=EARLY, resolved_at="2026-10-01T10:00:00+01:00"),
        ticket(8, status="reported", public=0),
    ]
    return site_factory(maintenance=[maintenance()], tickets=tickets, language=language)


@pytest.mark.parametrize("language", ["sk", "en"])
def test_known_issues_feed_explains_every_open_public_ticket(site_factory, tmp_path: Path, language: str) -> None:
    site = _ticket_site(site_factory, language)
    out = build(site, tmp_path / "out")
    state = derive(load_site(site), datetime.fromisoformat(NOW))
    for kind in ("rss", "atom"):
        entries = {e.id: e for e in parse_feed(out / "feeds" / f"known-issues.{kind}").entries}
        # Open tickets 1-5 and ticket 6, resolved two days ago; not the old one, never the private one.
        assert set(entries) == {f"{BASE}known-issues/{n}/" for n in (1, 2, 3, 4, 5, 6)}
        for number in (1, 2, 3, 4, 5, 6):
            sentence = explanation(state.tickets_by_id[number], state.site.config, language)
            text = BeautifulSoup(entries[f"{BASE}known-issues/{number}/"].content[0].value, "html.parser").get_text()
            assert sentence in text
    waiting = entries[f"{BASE}known-issues/5/"]
    assert "Network innovation" in waiting.content[0].value and "+421 2 000 000" not in waiting.content[0].value
    overdue = BeautifulSoup(entries[f"{BASE}known-issues/4/"].content[0].value, "html.parser").get_text()
    assert "+421 2 000 000" in overdue
    if language == "en":
        assert "stays open on purpose" in waiting.content[0].value
        assert "overdue" in overdue


def test_ticket_entry_updated_moves_when_its_state_changes(site_factory, tmp_path: Path) -> None:
    site = site_factory(tickets=[ticket(1, status="fixing", evaluated_at="2026-11-22T10:00:00+01:00")])
    in_window = parse_feed(build(site, tmp_path / "a", "2026-11-24T12:00:00+01:00") / "feeds" / "known-issues.atom")
    same = parse_feed(build(site, tmp_path / "b", "2026-11-25T09:00:00+01:00") / "feeds" / "known-issues.atom")
    overdue = parse_feed(build(site, tmp_path / "c", "2026-11-25T12:00:00+01:00") / "feeds" / "known-issues.atom")
    assert in_window.entries[0].updated == same.entries[0].updated
    assert overdue.entries[0].updated_parsed > same.entries[0].updated_parsed


# --- Calendars -----------------------------------------------------------------------------------


def _events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert calendar.walk("VTIMEZONE"), "times need their zone's definition"
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_calendar_events_cancelled_and_recurring(site_factory, tmp_path: Path) -> None:
    site = site_factory(
        maintenance=[
            maintenance("upgrade"),
            maintenance("dropped", extra="cancelled: true"),
            maintenance(
                "weekly",
                start="2026-11-01T03:00:00+01:00",
                end="2026-11-01T03:30:00+01:00",
                components="[api]",
                extra="rrule: FREQ=WEEKLY;BYDAY=SU;COUNT=8",
            ),
        ]
    )
    out = build(site, tmp_path / "out")
    events = _events(out / "calendar" / "maintenance.ics")
    assert set(events) == {"upgrade@status.test", "dropped@status.test", "weekly@status.test"}
    assert str(events["dropped@status.test"]["STATUS"]) == "CANCELLED"
    assert str(events["upgrade@status.test"]["STATUS"]) == "CONFIRMED"
    rule = events["weekly@status.test"]["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["COUNT"] == [8]
    start = events["upgrade@status.test"].decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Bratislava"
    assert start.isoformat() == "2026-12-05T22:00:00+01:00"
    assert events["upgrade@status.test"]["DTSTART"].params["TZID"] == "Europe/Bratislava"
    # Per component: only the windows on that component.
    assert set(_events(out / "calendar" / "components" / "api.ics")) == {"weekly@status.test"}
    assert set(_events(out / "calendar" / "components" / "cdn.ics")) == {"upgrade@status.test", "dropped@status.test"}


def test_calendar_uid_stable_and_sequence_bumped_by_an_update(site_factory, tmp_path: Path) -> None:
    announced = "We upgrade the network.\n\n## 2026-11-15T10:00+01:00 scheduled\nAnnounced.\n"
    site = site_factory(maintenance=[maintenance("upgrade", body=announced)])
    first = _events(build(site, tmp_path / "a") / "calendar" / "maintenance.ics")["upgrade@status.test"]
    path = site / "content" / "maintenance" / "upgrade.md"
    text = (
        path.read_text().replace("2026-12-05T22:00:00", "2026-12-12T22:00:00").replace("2026-12-06T02", "2026-12-13T02")
    )
    path.write_text(text + "\n## 2026-11-24T10:00+01:00 scheduled\nMoved by a week.\n", encoding="utf-8")
    second = _events(build(site, tmp_path / "b") / "calendar" / "maintenance.ics")["upgrade@status.test"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second.decoded("DTSTART").day == 12
    assert second.decoded("DTSTAMP") > first.decoded("DTSTAMP")


# --- Statuspage v2 JSON --------------------------------------------------------------------------

API_FILES = {
    "summary.json": "summary.json",
    "status.json": "status.json",
    "components.json": "components.json",
    "incidents.json": "incidents.json",
    "incidents/unresolved.json": "incidents.json",
    "scheduled-maintenances.json": "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json": "scheduled-maintenances.json",
    "scheduled-maintenances/active.json": "scheduled-maintenances.json",
}


@pytest.mark.parametrize(("name", "shape"), sorted(API_FILES.items()))
def test_api_files_have_the_statuspage_shape(example_build: Path, name: str, shape: str) -> None:
    data = json.loads((example_build / "api" / "v2" / name).read_text(encoding="utf-8"))
    jsonschema.validate(data, api_schema(shape))


def test_api_values_follow_the_derived_state(example_build: Path) -> None:
    api = example_build / "api" / "v2"
    summary = json.loads((api / "summary.json").read_text())
    state = derive(load_site(REPO), datetime.fromisoformat(NOW))
    assert summary["status"]["indicator"] == state.indicator.value == "minor"
    statuses = {c["id"]: c["status"] for c in summary["components"] if not c["group"]}
    assert statuses == {c.component.id: c.status.value for c in state.components}
    assert statuses["cdn"] == "under_maintenance" and statuses["web"] == "degraded_performance"
    groups = [c for c in summary["components"] if c["group"]]
    assert {g["name"] for g in groups} == {"Verejné služby", "Účty a notifikácie", "Technická podpora"}
    for group in groups:
        members = [c for c in summary["components"] if c.get("group_id") == group["id"]]
        assert [m["id"] for m in members] == group["components"]
    assert [i["id"] for i in summary["incidents"]] == [s.slug for s in state.ongoing_incidents]
    unresolved = json.loads((api / "incidents" / "unresolved.json").read_text())["incidents"]
    assert all(i["status"] not in ("resolved", "postmortem") and i["resolved_at"] is None for i in unresolved)
    active = json.loads((api / "scheduled-maintenances" / "active.json").read_text())["scheduled_maintenances"]
    upcoming = json.loads((api / "scheduled-maintenances" / "upcoming.json").read_text())["scheduled_maintenances"]
    assert {m["status"] for m in active} <= {"in_progress", "verifying"} and active
    assert {m["status"] for m in upcoming} == {"scheduled"}
    assert all(m["scheduled_for"] < m["scheduled_until"] for m in active + upcoming)
    every = json.loads((api / "scheduled-maintenances.json").read_text())["scheduled_maintenances"]
    assert "2026-12-06-inovacia-live-chatu" not in {m["id"] for m in every}  # cancelled: calendar only
    incident_list = json.loads((api / "incidents.json").read_text())["incidents"]
    first = incident_list[0]
    assert first["shortlink"].startswith("https://status.example.sk/incidents/")
    assert first["incident_updates"] and all(u["incident_id"] == first["id"] for u in first["incident_updates"])


def test_known_issues_json(example_build: Path) -> None:
    data = json.loads((example_build / "api" / "known-issues.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, KNOWN_ISSUES_SCHEMA)
    state = derive(load_site(REPO), datetime.fromisoformat(NOW))
    assert [item["id"] for item in data["known_issues"]] == [t.ticket.id for t in state.open_tickets]
    by_id = {item["id"]: item for item in data["known_issues"]}
    for ticket_state in state.open_tickets:
        item = by_id[ticket_state.ticket.id]
        assert item["overdue"] is ticket_state.overdue
        assert item["waiting_for"] == (ticket_state.waiting_for.slug if ticket_state.waiting_for else None)
        assert item["explanation"] == explanation(ticket_state, state.site.config, "sk")
        assert item["url"] == f"https://status.example.sk/known-issues/{ticket_state.ticket.id}/"
    assert any(item["overdue"] for item in data["known_issues"])
    assert any(item["waiting_for"] for item in data["known_issues"])


# --- Badges, text, sitemap, robots, 404, alternates ----------------------------------------------


def test_badges_and_status_txt(example_build: Path) -> None:
    svg = ET.fromstring((example_build / "badge.svg").read_text(encoding="utf-8"))
    assert svg.tag.endswith("svg") and svg.get("role") == "img" and "status" in svg.get("aria-label")
    endpoint = json.loads((example_build / "api" / "badge.json").read_text())
    assert endpoint["schemaVersion"] == 1 and endpoint["label"] == "status" and endpoint["color"] == "yellow"
    web = json.loads((example_build / "api" / "badges" / "web.json").read_text())
    assert web["label"] == "Webové rozhranie" and web["color"] == "yellow"
    ET.fromstring((example_build / "badges" / "cdn.svg").read_text(encoding="utf-8"))
    lines = (example_build / "status.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("status: minor ")
    assert "web: degraded_performance (Webové rozhranie: Znížený výkon)" in lines
    assert len(lines) == 7


def test_sitemap_lists_every_page_and_robots_points_at_it(example_build: Path) -> None:
    root = ET.fromstring((example_build / "sitemap.xml").read_bytes())
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    pages = {str(p.relative_to(example_build)) for p in example_build.rglob("index.html")}
    listed = {urlsplit(loc).path.lstrip("/") + "index.html" for loc in locations}
    assert listed == pages
    assert "404" not in " ".join(locations)
    robots = (example_build / "robots.txt").read_text()
    assert "Sitemap: https://status.example.sk/sitemap.xml" in robots


def test_404_page_links_work_from_any_depth(example_build: Path) -> None:
    page = BeautifulSoup((example_build / "404.html").read_text(), "html.parser")
    for tag in page.find_all(["a", "link"]):
        href = tag["href"]
        assert urlsplit(href).scheme in ("https", "tel", "mailto") or href.startswith("#") or href == "data:,", href
        if urlsplit(href).scheme == "https":
            assert href.startswith("https://status.example.sk/"), href


def test_every_page_advertises_its_feeds(example_build: Path) -> None:
    for path in example_build.rglob("*.html"):
        page = BeautifulSoup(path.read_text(), "html.parser")
        types = {link.get("type") for link in page.find_all("link", rel="alternate")}
        assert {"application/atom+xml", "application/rss+xml"} <= types, path
    component = BeautifulSoup((example_build / "components" / "web" / "index.html").read_text(), "html.parser")
    assert any("feeds/components/web.atom" in link["href"] for link in component.find_all("link", rel="alternate"))


def test_subscribe_page_lists_every_feed_and_calendar(example_build: Path) -> None:
    page = BeautifulSoup((example_build / "subscribe" / "index.html").read_text(), "html.parser")
    addresses = {code.get_text() for code in page.find_all("code")}
    for path in (example_build / "feeds").rglob("*.*"):
        assert "https://status.example.sk/" + path.relative_to(example_build).as_posix() in addresses
    for path in (example_build / "calendar").rglob("*.ics"):
        assert "https://status.example.sk/" + path.relative_to(example_build).as_posix() in addresses


# --- A real calendar program ---------------------------------------------------------------------

KHAL_CONFIG = """\
[calendars]
[[maintenance]]
path = {path}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Europe/Bratislava
default_timezone = Europe/Bratislava
[default]
default_calendar = maintenance
"""


def khal_or_skip() -> str:
    found = shutil.which("khal")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("khal is not installed; .ci/run installs it")
        pytest.skip("khal (Debian package) is not installed")
    return found


def test_calendar_imports_into_khal(site_factory, tmp_path: Path) -> None:
    """khal, a real calendar program, imports the file and expands recurring windows across DST."""
    khal = khal_or_skip()
    site = site_factory(
        maintenance=[
            maintenance("upgrade"),
            maintenance(
                "dropped", start="2026-12-10T22:00:00+01:00", end="2026-12-10T23:00:00+01:00", extra="cancelled: true"
            ),
            maintenance(
                "weekly",
                start="2026-10-18T22:00:00+02:00",
                end="2026-10-18T23:00:00+02:00",
                components="[api]",
                extra="rrule: FREQ=WEEKLY;BYDAY=SU;COUNT=3",
            ),
        ]
    )
    out = build(site, tmp_path / "out")
    calendar_dir = tmp_path / "khal" / "calendar"
    calendar_dir.mkdir(parents=True)
    config = tmp_path / "khal" / "config"
    config.write_text(KHAL_CONFIG.format(path=calendar_dir), encoding="utf-8")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "khal" / "data"), "TZ": "Europe/Bratislava"}

    def khal_run(*args: str) -> str:
        done = subprocess.run([khal, "-c", str(config), *args], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    khal_run("import", "--batch", str(out / "calendar" / "maintenance.ics"))
    listing = khal_run("list", "--format", "{start} {end} {title} {status}", "--day-format", "", "2026-10-01", "90d")
    lines = [line.strip() for line in listing.splitlines() if line.strip()]
    # Three occurrences at 22:00 local, before and after the change from CEST to CET on 25 Oct.
    assert [line[:16] for line in lines if line.startswith(("2026-10-18", "2026-10-25", "2026-11-01"))] == [
        "2026-10-18 22:00",
        "2026-10-25 22:00",
        "2026-11-01 22:00",
    ], lines
    assert any(line.startswith("2026-12-05 22:00 2026-12-06 02:00 Network innovation") for line in lines), lines
    assert any("2026-12-10 22:00" in line and "CANCELLED" in line for line in lines), lines
