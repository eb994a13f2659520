"""Reporters' rows never stop a build (SPEC §6): a bad row is left out, a link to an unpublished ticket dropped.

Real site directories, a real SQLite database written the way a helpdesk writes it, the real CLI
(the desk's in its own process) and real incremental rebuilds into the same output.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, maintenance, run, ticket

from statuspage.watch import Watcher, WatchSettings

OUTAGE = "Payments are down for everyone"


def known_issue_ids(out: Path) -> list[int]:
    issues = json.loads((out / "api" / "known-issues.json").read_text(encoding="utf-8"))["known_issues"]
    return [issue["id"] for issue in issues]


def sql(db: Path, statement: str, *values: object) -> None:
    """Write as a helpdesk would, in its own connection."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(statement, values)
    connection.close()


def files_holding(out: Path, text: str) -> list[str]:
    return sorted(
        str(path.relative_to(out)) for path in out.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    )


BAD_ROWS = [
    pytest.param({"title": "x" * 1500}, "title is longer than 1000 characters", id="title-over-the-limit"),
    pytest.param({"title": "y" * 70_000}, "title is longer than 64 KiB", id="title-huge"),
    pytest.param({"status": "open"}, "unknown status 'open'", id="unknown-status"),
    pytest.param({"components": '["mail"]'}, "unknown component 'mail'", id="unknown-component"),
    pytest.param({"maintenance": "gone"}, "maintenance 'gone' not found", id="missing-maintenance"),
    pytest.param({"public": 2}, "public must be 0 or 1", id="public-flag"),
    pytest.param({"reported_at": "yesterday"}, "reported_at: bad time 'yesterday'", id="bad-time"),
]


@pytest.mark.parametrize(("overrides", "phrase"), BAD_ROWS)
def test_a_bad_row_is_left_out_and_the_outage_still_published(
    site_factory, tmp_path: Path, overrides: dict[str, object], phrase: str
) -> None:
    site = site_factory(
        incidents=[incident("payments", title=OUTAGE, severity="critical")],
        tickets=[ticket(1), ticket(17, **overrides)],
    )
    db = site / "content" / "tickets.db"
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert f"warning: {db}: ticket 17: {phrase}" in result.stderr
    assert "the ticket is left out" in result.stderr
    assert OUTAGE in (out / "incidents" / "payments" / "index.html").read_text(encoding="utf-8")
    assert known_issue_ids(out) == [1]
    assert not (out / "known-issues" / "17").exists()
    assert (out / "known-issues" / "1" / "index.html").is_file()

    checked = run("check", "--site", str(site))
    assert checked.exit_code == 1
    assert f"{db}: ticket 17: {phrase}" in checked.stderr.splitlines()[0]


def test_a_title_that_is_not_utf_8_leaves_only_its_row_out(site_factory, tmp_path: Path) -> None:
    site = site_factory(
        incidents=[incident("payments", title=OUTAGE)], tickets=[ticket(1), ticket(17), ticket(18), ticket(19)]
    )
    db = site / "content" / "tickets.db"
    sql(db, "UPDATE tickets SET public = CAST(x'31ff' AS TEXT) WHERE id = 19")
    sql(db, "UPDATE tickets SET title = CAST(x'4f6b20fffe' AS TEXT) WHERE id = 17")
    sql(db, "UPDATE tickets SET description = CAST(x'c328' AS TEXT) WHERE id = 18")
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert f"warning: {db}: ticket 17: title is not valid UTF-8 text; the ticket is left out" in result.stderr
    assert f"warning: {db}: ticket 18: description is not valid UTF-8 text; the ticket is left out" in result.stderr
    assert f"warning: {db}: ticket 19: public must be 0 or 1; the ticket is left out" in result.stderr
    assert known_issue_ids(out) == [1]
    checked = run("check", "--site", str(site))
    assert checked.exit_code == 1
    assert f"{db}: ticket 17: title is not valid UTF-8 text" in checked.stderr
    assert "Traceback" not in checked.output


def test_a_title_of_markup_only_is_published_as_written(site_factory, tmp_path: Path) -> None:
    site = site_factory(tickets=[ticket(17, title="<b></b>")])
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    page = BeautifulSoup((out / "known-issues" / "17" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.h1.get_text() == "#17 <b></b>"


def test_every_build_with_a_bad_row_warns_again(site_factory, tmp_path: Path) -> None:
    """A build that left a row out is never skipped as 'nothing changed', so its warning is never lost."""
    site = site_factory(tickets=[ticket(1), ticket(17, status="open")])
    out = tmp_path / "out"
    for _ in range(2):
        result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
        assert result.exit_code == 0, result.output
        assert "ticket 17: unknown status 'open'" in result.stderr
        assert result.stdout.startswith("Built ")


def test_links_to_tickets_that_are_not_published_are_dropped(site_factory, tmp_path: Path) -> None:
    site = site_factory(
        incidents=[incident("x", extra="tickets: [1, 2, 3, 99]")],
        tickets=[ticket(1), ticket(2, public=0, title="Private words"), ticket(3, severity="blocker")],
    )
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    shown = f"{site}/content/incidents/x.md:6"
    for why in ("ticket 2 is private", "ticket 3 is left out (see its problems)", "ticket 99 is not in the tickets"):
        assert any(
            line.startswith(f"warning: {shown}: {why}") and line.endswith("; the link to it is left out")
            for line in result.stderr.splitlines()
        ), result.stderr
    page = BeautifulSoup((out / "incidents" / "x" / "index.html").read_text(encoding="utf-8"), "html.parser")
    linked = {match[1] for a in page.find_all("a") if (match := re.search(r"known-issues/(\d+)/", a["href"]))}
    assert linked == {"1"}
    assert files_holding(out, "Private words") == []


# --------------------------------------------------------------------------- making a ticket private

SECRET_TITLE = "Checkout crashes when the voucher field holds 7f3a9c"
SECRET_DESCRIPTION = "Reporter's own steps mentioning 1b2e8d"


def desk(*args: str) -> subprocess.CompletedProcess[str]:
    """The desk's command in a process of its own, as desk staff run it."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "statuspage", "tickets", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_making_a_linked_ticket_private_takes_it_off_the_site_at_the_next_build(
    site_factory, tmp_path: Path, jobs: str
) -> None:
    site = site_factory(
        incidents=[incident("payments", title=OUTAGE, extra="tickets: [17]")],
        maintenance=[maintenance("upgrade", extra="tickets: [17]", components="[web]")],
        tickets=[
            ticket(1),
            ticket(17, title=SECRET_TITLE, description=SECRET_DESCRIPTION, maintenance="upgrade"),
        ],
    )
    out = tmp_path / "out"

    def build() -> str:
        result = run("build", "--site", str(site), "--out", str(out), "--now", NOW, "--jobs", jobs)
        assert result.exit_code == 0, result.output
        return result.stderr

    assert build() == ""
    assert files_holding(out, "7f3a9c") and files_holding(out, "1b2e8d")
    assert 17 in known_issue_ids(out)

    assert desk("init", "--site", str(site)).returncode == 0  # the desk's own tables, once
    changed = desk("update", "17", "--private", "--site", str(site))
    assert changed.returncode == 0, changed.stderr

    warnings = build()  # the same output folder and caches: an incremental rebuild
    assert "ticket 17 is private; the link to it is left out" in warnings
    for needle in ("7f3a9c", "1b2e8d", "known-issues/17"):
        assert files_holding(out, needle) == [], needle
    assert known_issue_ids(out) == [1]
    assert not (out / "known-issues" / "17").exists()
    payments = BeautifulSoup((out / "incidents" / "payments" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert payments.h1 is not None and OUTAGE in payments.h1.get_text()

    build()  # and again, from the caches only
    assert files_holding(out, "7f3a9c") == []

    published = desk("update", "17", "--public", "--site", str(site))
    assert published.returncode == 0, published.stderr
    assert build() == ""
    assert 17 in known_issue_ids(out) and files_holding(out, "7f3a9c")


# --------------------------------------------------------------------------- watch


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def watch_log() -> Iterator[_Log]:
    handler = _Log()
    logger = logging.getLogger("statuspage.watch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.05)


def test_watch_publishes_a_new_outage_beside_a_bad_row_and_logs_the_row(
    site_factory, tmp_path: Path, watch_log: _Log
) -> None:
    site = site_factory(tickets=[ticket(1)])
    out = tmp_path / "build"
    watcher = Watcher(WatchSettings(site_dir=site, out=out, interval=0.3, debounce=0.1, provenance=False))
    watcher.start()
    try:
        db = site / "content" / "tickets.db"
        sql(db, "UPDATE tickets SET title = ? WHERE id = 1", "z" * 1500)
        slug, text = incident("payments", title=OUTAGE, severity="critical")
        (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
        page = out / "incidents" / "payments" / "index.html"
        wait_for(lambda: page.is_file() and OUTAGE in page.read_text(encoding="utf-8"), timeout=10)
        wait_for(lambda: any("ticket 1: title is longer" in line for line in watch_log.lines), timeout=5)
    finally:
        watcher.stop()
    logged = [line for line in watch_log.lines if "ticket 1: title is longer" in line]
    assert logged[0].startswith(f"WARNING {db}: ticket 1: title is longer than 1000 characters")
    assert known_issue_ids(out) == []
