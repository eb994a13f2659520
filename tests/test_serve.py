"""``statuspage serve``: the live preview answers every page and file the build writes."""

from __future__ import annotations

import json
import posixpath
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, maintenance, run, ticket

from statuspage.sources.site import load_site
from statuspage.state import derive
from statuspage.web import create_app, site_urls
from statuspage.web.preview import create_preview_app

LATER = "2026-12-05T23:00:00+01:00"  # inside the example maintenance window of the test site


def urls(site: Path, now: str) -> list[str]:
    """Every URL the build writes for this site, as paths."""
    state = derive(load_site(site), datetime.fromisoformat(now))
    app = create_app(state)
    with app.test_request_context():
        from flask import url_for

        return [url_for(endpoint, **values) for endpoint, values in site_urls(state)]


def test_serve_answers_every_page_and_file_of_the_example_site() -> None:
    client = create_preview_app(REPO, now_option=NOW, provenance=False).test_client()
    paths = urls(REPO, NOW)
    kinds = {Path(path).suffix or "/" for path in paths}
    assert {"/", ".json", ".rss", ".atom", ".ics", ".svg", ".txt", ".xml", ".html"} <= kinds
    for path in paths:
        with client.get(path) as response:  # a static file is streamed: close it
            assert response.status_code == 200, path
            assert response.data, path


def test_preview_serves_every_language_where_the_build_puts_it() -> None:
    """English under /en/, and the language switch (which links to the frozen files' names) leads there."""
    client = create_preview_app(REPO, now_option=NOW, provenance=False).test_client()
    slovak = client.get("/incidents/2026-11-21-prihlasenie-zlyhava/")
    switch = BeautifulSoup(slovak.data, "html.parser").select_one('.languages a[hreflang="en"]')["href"]
    english = client.get(posixpath.normpath(posixpath.join("/incidents/2026-11-21-prihlasenie-zlyhava/", switch)))
    assert english.status_code == 200
    page = BeautifulSoup(english.data, "html.parser")
    assert page.html["lang"] == "en" and page.h1.get_text() == "Login failing for some users"


def test_preview_shows_the_same_pages_as_the_build(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()], maintenance=[maintenance(extra="tickets: [1]")], tickets=[ticket(1)])
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    client = create_preview_app(site, now_option=NOW).test_client()
    live = json.loads(client.get("/api/v2/summary.json").data)
    built = json.loads((out / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    assert live["components"] == built["components"] and live["status"] == built["status"]
    page = BeautifulSoup(client.get("/maintenance/upgrade/").data, "html.parser")
    assert page.h1.get_text() == "Network innovation"


def test_preview_reloads_changed_content_and_database(site_factory) -> None:
    site = site_factory(incidents=[incident(title="Before")], tickets=[ticket(1, title="Old ticket")])
    app = create_preview_app(site, now_option=NOW)
    client = app.test_client()
    assert b"Before" in client.get("/incidents/outage/").data
    assert b"Before" in client.get("/incidents/outage/").data
    assert app.wsgi_app.reloads == 1  # type: ignore[attr-defined]  # unchanged sources are not read again
    _, text = incident(title="After")
    (site / "content" / "incidents" / "outage.md").write_text(text, encoding="utf-8")
    assert b"After" in client.get("/incidents/outage/").data
    import sqlite3

    desk = sqlite3.connect(site / "content" / "tickets.db")
    with desk:
        desk.execute("UPDATE tickets SET title = 'New ticket' WHERE id = 1")
    desk.close()
    assert b"New ticket" in client.get("/known-issues/1/").data


def test_preview_follows_the_clock_across_a_state_change(site_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --now the state is derived again once the next state change has passed."""
    import statuspage.web.preview as preview

    site = site_factory(maintenance=[maintenance(components="[web]")])
    clock = [datetime.fromisoformat(NOW)]
    monkeypatch.setattr(preview, "wall_clock", lambda: clock[0])
    client = create_preview_app(site).test_client()

    def web() -> str:
        summary = json.loads(client.get("/api/v2/summary.json").data)
        return next(c["status"] for c in summary["components"] if c["id"] == "web")

    assert web() == "operational"
    clock[0] = datetime.fromisoformat(LATER)
    assert web() == "under_maintenance"


def test_invalid_sources_show_the_problems_not_a_traceback(site_factory) -> None:
    site = site_factory(incidents=[incident()])
    client = create_preview_app(site, now_option=NOW).test_client()
    assert client.get("/").status_code == 200
    (site / "content" / "incidents" / "outage.md").write_text("---\ntitle: <b>x</b>\n---\n", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 500
    items = [li.get_text() for li in BeautifulSoup(response.data, "html.parser").select("li")]
    assert any(item.startswith(f"{site / 'content' / 'incidents' / 'outage.md'}:1: ") for item in items)
    assert b"<b>x</b>" not in response.data
    _, text = incident()
    (site / "content" / "incidents" / "outage.md").write_text(text, encoding="utf-8")
    assert client.get("/").status_code == 200


def test_missing_page_is_the_sites_404(site_factory) -> None:
    client = create_preview_app(site_factory(), now_option=NOW).test_client()
    response = client.get("/incidents/nothing-here/")
    assert response.status_code == 404
    assert BeautifulSoup(response.data, "html.parser").html["lang"] == "sk"


def test_serve_command_rejects_bad_options_cleanly(site_factory, tmp_path: Path) -> None:
    result = run("serve", "--site", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "not a directory" in result.output
    result = run("serve", "--site", str(site_factory()), "--now", "yesterday")
    assert result.exit_code == 1 and "--now" in result.output
