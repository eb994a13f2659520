"""Oversized input is either handled in bounded time and memory or refused with a clear message."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import NOW, incident, run, ticket


def test_a_5_mb_markdown_file_is_refused_clearly(site_factory) -> None:
    slug, text = incident()
    site = site_factory(incidents=[(slug, text + "Lorem ipsum dolor sit amet. " * 190_000)])
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert f"{site}/content/incidents/outage.md: file is larger than 1024 KiB" in result.output
    assert "Traceback" not in result.output


def test_ten_thousand_updates_in_one_incident_build(site_factory, tmp_path: Path) -> None:
    start = datetime.fromisoformat("2026-11-20T10:00:00+01:00")
    updates = "".join(
        f"## {(start + timedelta(seconds=10 * step)).isoformat()} monitoring\nStill watching, step {step}.\n\n"
        for step in range(10_000)
    )
    site = site_factory(incidents=[incident(date="2026-11-20T09:00:00+01:00", body="Long.\n\n" + updates)])
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    page = BeautifulSoup((out / "incidents" / "outage" / "index.html").read_text(), "html.parser")
    assert len(page.select("ol.timeline > li")) == 10_000


def test_a_100_kb_ticket_title_is_refused_clearly(site_factory) -> None:
    site = site_factory(tickets=[ticket(17, title="x" * 100_000)])
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert f"{site}/content/tickets.db: ticket 17: title is longer than" in result.output


def test_a_long_ticket_title_is_refused_clearly(site_factory) -> None:
    site = site_factory(tickets=[ticket(17, title="x" * 5_000)])
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert "ticket 17: title is longer than 1000 characters" in result.output


def test_a_huge_ticket_description_is_refused_clearly(site_factory) -> None:
    site = site_factory(tickets=[ticket(17, description="y" * 100_000)])
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert "ticket 17: description is longer than 64 KiB" in result.output
