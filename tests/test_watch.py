"""``statuspage watch``: real scheduler, real site directory, real SQLite and git, real clock.

The time-based tests write content relative to the real clock and observe ``build/`` from
outside, the way a web server would serve it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, incident, maintenance, ticket

from statuspage.sources.changes import ChangeDetector, describe_changes
from statuspage.sources.site import load_site
from statuspage.state import derive
from statuspage.state.instants import state_change_instants
from statuspage.watch import Watcher, WatchSettings, parse_duration

FAR = 3600.0  # a poll interval long enough that polling cannot be what rebuilds


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def web_status(out: Path) -> str | None:
    """The web component's status in summary.json, or None while nothing is built yet."""
    try:
        summary = json.loads((out / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return next(c["status"] for c in summary["components"] if c["id"] == "web")


def front_indicator(out: Path) -> str | None:
    try:
        page = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    except OSError:
        return None
    banner = page.select_one("section.banner")
    assert banner is not None
    return next(c for c in banner["class"] if c.startswith("indicator-"))


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> float:
    """Seconds until ``condition`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started


class Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def watch_log() -> Iterator[Log]:
    handler = Log()
    logger = logging.getLogger("statuspage.watch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def running() -> Iterator[Callable[..., Watcher]]:
    """Start watchers in this process; each is stopped at the end of the test."""
    started: list[Watcher] = []

    def start(site: Path, out: Path, **settings: object) -> Watcher:
        options = {"interval": FAR, "debounce": 0.1, "provenance": False, **settings}
        watcher = Watcher(WatchSettings(site_dir=site, out=out, **options))  # type: ignore[arg-type]
        watcher.start()
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


# --- Exactly on time ------------------------------------------------------------------------------


def test_maintenance_switches_on_and_off_exactly_on_time(site_factory, tmp_path: Path, running, watch_log) -> None:
    start = datetime.fromtimestamp(math.ceil(time.time()) + 3, UTC)
    end = start + timedelta(seconds=3)
    site = site_factory(maintenance=[maintenance(start=iso(start), end=iso(end), components="[web]")])
    out = tmp_path / "build"
    running(site, out)  # polling every hour: only the clock can rebuild
    assert web_status(out) == "operational" and front_indicator(out) == "indicator-none"

    seen: list[tuple[float, str | None, str | None]] = []
    deadline = end.timestamp() + 1.5
    while time.time() < deadline:
        seen.append((time.time(), web_status(out), front_indicator(out)))
        time.sleep(0.02)

    began = next(t for t, status, _ in seen if status == "under_maintenance")
    ended = next(t for t, status, _ in seen if t > began and status == "operational")
    assert start.timestamp() <= began < start.timestamp() + 1.0
    assert end.timestamp() <= ended < end.timestamp() + 1.0
    shown = {indicator for t, _, indicator in seen if start.timestamp() + 0.5 < t < end.timestamp() - 0.2}
    assert shown == {"indicator-maintenance"}
    assert seen[-1][1:] == ("operational", "indicator-none")
    reasons = [line for line in watch_log.lines if line.startswith("built ")]
    assert len(reasons) == 3, watch_log.text()  # start, window start, window end: nothing else
    assert "(start)" in reasons[0] and all("(state changes at " in line for line in reasons[1:])
    assert "component web: operational → under_maintenance" in reasons[1]


# --- Sources changing -----------------------------------------------------------------------------


def test_content_change_is_live_within_the_poll_interval(site_factory, tmp_path: Path, running, watch_log) -> None:
    site = site_factory(incidents=[incident(title="First title")])
    out = tmp_path / "build"
    running(site, out, interval=0.5)
    page = out / "incidents" / "outage" / "index.html"
    assert "First title" in page.read_text(encoding="utf-8")
    _, text = incident(title="Second title")
    (site / "content" / "incidents" / "outage.md").write_text(text, encoding="utf-8")
    took = wait_for(lambda: "Second title" in page.read_text(encoding="utf-8"), timeout=5)
    assert took < 0.5 + 1.0  # the interval, the debounce and one small build
    wait_for(lambda: "content/incidents/outage.md changed" in watch_log.text(), timeout=2)  # logged just after the swap


def test_ticket_update_is_live_within_the_poll_interval(site_factory, tmp_path: Path, running, watch_log) -> None:
    site = site_factory(tickets=[ticket(1, status="reported")])
    out = tmp_path / "build"
    running(site, out, interval=0.5)

    def reason() -> str:
        issues = json.loads((out / "api" / "known-issues.json").read_text(encoding="utf-8"))["known_issues"]
        return issues[0]["status"] if issues else ""

    assert reason() == "reported"
    helpdesk = sqlite3.connect(site / "content" / "tickets.db")  # the desk writes as usual
    with helpdesk:
        helpdesk.execute(
            "UPDATE tickets SET status = 'evaluating', evaluated_at = '2026-11-20T09:00:00+01:00' WHERE id = 1"
        )
    helpdesk.close()
    took = wait_for(lambda: reason() == "evaluating", timeout=5)
    assert took < 0.5 + 1.0
    wait_for(lambda: "tickets database changed" in watch_log.text(), timeout=2)  # logged just after the swap


def test_bad_content_keeps_the_last_good_output_until_fixed(site_factory, tmp_path: Path, running, watch_log) -> None:
    site = site_factory(incidents=[incident(title="Good title")])
    out = tmp_path / "build"
    running(site, out, interval=0.3)
    page = out / "incidents" / "outage" / "index.html"
    source = site / "content" / "incidents" / "outage.md"
    source.write_text("---\ntitle: Broken\ndate: not a time\nseverity: major\ncomponents: [web]\n---\n", "utf-8")
    wait_for(lambda: "failed" in watch_log.text(), timeout=5)
    time.sleep(0.5)  # no retry loop: one failure, then quiet until the next change
    failures = [line for line in watch_log.lines if "failed" in line]
    assert len(failures) == 1
    assert f"{source}:3: " in watch_log.text()  # the problem, as path:line
    assert "Good title" in page.read_text(encoding="utf-8")

    _, fixed = incident(title="Fixed title")
    source.write_text(fixed, encoding="utf-8")
    wait_for(lambda: "Fixed title" in page.read_text(encoding="utf-8"), timeout=5)


def test_git_pull_follows_the_content_repository(site_factory, tmp_path: Path, running, watch_log) -> None:
    origin = site_factory(incidents=[incident(title="Before the push")])
    git = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    git["GIT_COMMITTER_EMAIL"] = "t@t"

    def run_git(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=git, check=True, capture_output=True)

    run_git(origin, "init", "-q", "-b", "main")
    run_git(origin, "add", "-A")
    run_git(origin, "commit", "-q", "-m", "first")
    server = tmp_path / "server"
    run_git(tmp_path, "clone", "-q", str(origin), str(server))
    out = tmp_path / "www"
    running(server, out, git_pull=True, pull_every=0.5)
    page = out / "incidents" / "outage" / "index.html"
    assert "Before the push" in page.read_text(encoding="utf-8")

    _, text = incident(title="After the push")
    (origin / "content" / "incidents" / "outage.md").write_text(text, encoding="utf-8")
    run_git(origin, "commit", "-q", "-am", "second")
    wait_for(lambda: "After the push" in page.read_text(encoding="utf-8"), timeout=8)
    wait_for(lambda: "git pull:" in watch_log.text(), timeout=2)


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_watch_command_exits_cleanly_on_signals(site_factory, tmp_path: Path, sent: signal.Signals) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "build"
    process = subprocess.Popen(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out), "--interval", "1h"],
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()  # reads until the process exits, so the test never blocks on the pipe
    try:
        wait_for(lambda: any(" built " in line for line in lines), timeout=30)
        process.send_signal(sent)
        process.wait(timeout=20)
    finally:
        process.kill()
        reader.join(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
    log = "".join(lines)
    assert process.returncode == 0, log
    assert "stopped after 1 builds" in log and "Traceback" not in log
    assert (out / "index.html").is_file()


def test_stop_returns_promptly_even_during_a_build(site_factory, tmp_path: Path) -> None:
    """APScheduler's shutdown(wait=True) deadlocks with a job that reschedules; stop must not."""
    site = site_factory(incidents=[incident()])
    for attempt in range(8):
        watcher = Watcher(WatchSettings(site, tmp_path / "build", interval=0.05, debounce=0.01, provenance=False))
        watcher.start()
        _, text = incident(title=f"Title {attempt}")
        (site / "content" / "incidents" / "outage.md").write_text(text, encoding="utf-8")
        time.sleep(0.04 * attempt)  # stop at a different point of the check, debounce and build each time
        stopping = threading.Thread(target=watcher.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=10)
        assert not stopping.is_alive(), f"stop() hung (attempt {attempt})"


def test_unusable_output_directory_is_a_clean_error(site_factory) -> None:
    site = site_factory()
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(site / "content")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "refusing to replace" in result.stderr and "Traceback" not in result.stderr


# --- The instants, the change detector and the options ---------------------------------------------


def test_state_change_instants_cover_every_kind_of_change(site_factory) -> None:
    site = site_factory(
        incidents=[
            incident("pinned", resolved="2026-11-24T10:00:00+01:00", extra="pin: true\npin_until: 2026-11-26T12:00"),
            incident("later", date="2026-11-20T09:00:00+01:00", body="## 2026-11-25T15:00+01:00 identified\nSoon.\n"),
        ],
        maintenance=[
            maintenance("once", start="2026-11-25T22:00:00+01:00", end="2026-11-26T02:00:00+01:00"),
            maintenance(
                "weekly",
                start="2026-11-01T03:00:00+01:00",
                end="2026-11-01T04:00:00+01:00",
                extra="rrule: FREQ=WEEKLY;COUNT=10",
            ),
        ],
        tickets=[ticket(1, status="fixing", evaluated_at="2026-11-24T12:00:00+01:00")],
    )
    now = datetime.fromisoformat(NOW)
    instants = state_change_instants(derive(load_site(site), now))
    assert instants == sorted(set(instants)) and all(moment > now for moment in instants)
    expected = [
        "2026-11-25T15:00:00+01:00",  # an update dated ahead becomes visible
        "2026-11-25T22:00:00+01:00",  # window start
        "2026-11-26T02:00:00+01:00",  # window end
        "2026-11-26T12:00:00+01:00",  # pin_until
        "2026-11-25T12:00:00+01:00",  # ticket fix window opens: evaluated_at + 24 h — not after now
        "2026-11-27T12:00:00+01:00",  # ticket overdue: evaluated_at + 72 h
        "2026-11-29T03:00:00+01:00",  # next weekly occurrence starts
        "2026-11-29T04:00:00+01:00",  # ... and ends
        "2026-12-06T03:00:00+01:00",  # the one after
        "2026-11-26T00:00:00+01:00",  # local midnight: the uptime bars move on
    ]
    for text in expected:
        moment = datetime.fromisoformat(text)
        assert (moment in instants) == (moment > now), text


def test_instants_are_what_derive_reacts_to(site_factory) -> None:
    """Just before each instant the state is as before; at it, it may differ; between two, never."""
    site = load_site(site_factory(maintenance=[maintenance(start="2026-11-25T13:00:00+01:00")]))
    now = datetime.fromisoformat(NOW)
    first = state_change_instants(derive(site, now))[0]
    assert first == datetime.fromisoformat("2026-11-25T13:00:00+01:00")
    before = derive(site, first - timedelta(microseconds=1))
    at = derive(site, first)
    assert before.maintenance[0].phase.value == "upcoming" and at.maintenance[0].phase.value == "in_progress"


def test_change_detector_sees_files_and_commits_from_other_connections(site_factory) -> None:
    site = site_factory(incidents=[incident()], tickets=[ticket(1)])
    detector = ChangeDetector(site)
    try:
        first = detector.snapshot()
        assert detector.snapshot() == first
        (site / "content" / "incidents" / ".outage.md.swp").write_text("editor noise", encoding="utf-8")
        (site / "content" / "incidents" / "outage.md~").write_text("a backup", encoding="utf-8")
        (site / "content" / ".drafts").mkdir()
        (site / "content" / ".drafts" / "later.md").write_text("in a hidden folder", encoding="utf-8")
        assert detector.snapshot() == first
        assert set(first.files) == {"statuspage.toml", "content/incidents/outage.md"}  # the database apart
        db = site / "content" / "tickets.db"
        helpdesk = sqlite3.connect(db)
        helpdesk.execute("PRAGMA journal_mode=WAL")
        second = detector.snapshot()
        with helpdesk:
            helpdesk.execute("UPDATE tickets SET title = 'Same size' WHERE id = 1")
        third = detector.snapshot()
        assert third != second and describe_changes(second, third) == ["tickets database changed"]
        helpdesk.close()
        (site / "content" / "incidents" / "new.md").write_text("x", encoding="utf-8")
        fourth = detector.snapshot()
        assert "content/incidents/new.md added" in describe_changes(third, fourth)
        (site / "static").mkdir()
        (site / "static" / "theme.css").write_text("body { margin: 0 }", encoding="utf-8")
        assert "static/theme.css added" in describe_changes(fourth, detector.snapshot())
    finally:
        detector.close()


@pytest.mark.parametrize(
    ("text", "seconds"), [("2s", 2), ("500ms", 0.5), ("1m", 60), ("1h", 3600), ("1.5", 1.5), (" 10S ", 10)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0s", "-1m", "2d"])
def test_bad_durations_are_clean_errors(text: str, site_factory) -> None:
    with pytest.raises(ValueError, match="duration|more than zero"):
        parse_duration(text)
