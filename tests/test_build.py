"""The frozen site as a visitor and a web server see it: files, links, privacy and reproducibility."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, maintenance, run, ticket, tree

from statuspage.web.app import LOCAL_TIME_SCRIPT


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def example_tickets() -> list[tuple[int, int, str]]:
    connection = sqlite3.connect(REPO / "content" / "tickets.db")
    rows = connection.execute("SELECT id, public, status FROM tickets ORDER BY id").fetchall()
    connection.close()
    return rows


# --- Every page type for every item -------------------------------------------------------------


def test_example_site_has_every_page_type(example_build: Path) -> None:
    incidents = [p.stem for p in (REPO / "content" / "incidents").glob("*.md") if "." not in p.stem]
    windows = [p.stem for p in (REPO / "content" / "maintenance").glob("*.md") if "." not in p.stem]
    assert len(incidents) >= 8 and len(windows) >= 5
    expected = ["index.html", "known-issues/index.html", "history/index.html", "support/index.html"]
    expected += [f"incidents/{slug}/index.html" for slug in incidents]
    expected += [f"maintenance/{slug}/index.html" for slug in windows]
    expected += [f"components/{cid}/index.html" for cid in ("web", "api", "cdn", "auth", "mail", "support-chat")]
    expected += [f"known-issues/{tid}/index.html" for tid, public, _ in example_tickets() if public == 1]
    missing = [name for name in expected if not (example_build / name).is_file()]
    assert not missing


def test_example_front_page_shows_state(example_build: Path) -> None:
    page = soup(example_build / "index.html")
    assert page.html["lang"] == "sk"
    assert len(page.find_all("h1")) == 1
    text = page.get_text(" ", strip=True)
    # The example has an ongoing minor incident, so the overall indicator is "minor".
    assert page.select_one("section.banner.indicator-minor") is not None
    assert "Rozpadnuté rozloženie" in text or page.select_one("li.incident") is not None
    open_public = [tid for tid, public, status in example_tickets() if public == 1 and status != "resolved"]
    links = {a["href"] for a in page.select("ul.tickets a")}
    assert links and all(href.startswith("known-issues/") for href in links)
    assert str(len(open_public)) in page.select_one("#known-h").find_next("p").get_text()


def test_known_issues_page_explains_every_open_public_ticket(example_build: Path) -> None:
    page = soup(example_build / "known-issues" / "index.html")
    listed = {
        int(a["href"].split("/")[0]): a.find_parent("li").select_one(".explanation").get_text(strip=True)
        for a in page.select("li.ticket a")
    }
    open_public = {tid for tid, public, status in example_tickets() if public == 1 and status != "resolved"}
    assert set(listed) == open_public
    assert all(listed.values())


# --- Links ---------------------------------------------------------------------------------------


def internal_targets(root: Path) -> list[tuple[Path, str]]:
    found = []
    for page in root.rglob("*.html"):
        for tag in soup(page).find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src")
            if not url:
                continue
            parts = urlsplit(url)
            if parts.scheme or url.startswith("#"):
                continue
            found.append((page, unquote(parts.path)))
    return found


def test_no_broken_internal_link(example_build: Path) -> None:
    targets = internal_targets(example_build)
    assert len(targets) > 100
    broken = []
    for page, path in targets:
        assert not path.startswith("/"), f"{page}: absolute link {path} breaks under a sub-path"
        target = (page.parent / path).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{page.relative_to(example_build)} -> {path}")
    assert not broken


def test_links_between_items_exist(example_build: Path) -> None:
    """Incidents link their tickets and components; tickets link their innovation."""
    page = soup(example_build / "incidents" / "2026-11-25-rozlozenie-v-starsich-prehliadacoch" / "index.html")
    hrefs = [a["href"] for a in page.find_all("a")]
    assert any("known-issues/10" in href for href in hrefs)
    assert any("components/web" in href for href in hrefs)
    waiting = soup(example_build / "known-issues" / "1062" / "index.html")
    assert any("maintenance/2026-11-23-inovacia-publikacnej-siete" in a["href"] for a in waiting.find_all("a"))


# --- Privacy -------------------------------------------------------------------------------------

CANARIES = {
    "reporter_name": "CANARY-NAME-7f3a",
    "reporter_email": "canary-7f3a@example.com",
    "reporter_phone": "+421-CANARY-7f3a",
    "reporter_address": "CANARY street 7f3a",
}


def test_private_tickets_and_columns_never_reach_the_output(site_factory, tmp_path: Path) -> None:
    tickets = [
        ticket(1, title="Public open issue", **CANARIES),
        ticket(2, title="Public fixed", status="resolved", resolved_at="2026-11-21T10:00:00+01:00", **CANARIES),
        ticket(3, title="SECRET-TITLE-7f3a", description="SECRET-DESC-7f3a", public=0, **CANARIES),
        ticket(4, title="SECRET-TITLE-2-7f3a", status="fixing", evaluated_at="2026-11-10T10:00:00+01:00", public=0),
    ]
    site = site_factory(incidents=[incident(extra="tickets: [1, 2]")], tickets=tickets)
    out = tmp_path / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    blob = b"".join(path.read_bytes() for path in out.rglob("*") if path.is_file())
    for canary in [*CANARIES.values(), "SECRET-TITLE-7f3a", "SECRET-DESC-7f3a", "SECRET-TITLE-2-7f3a"]:
        assert canary.encode() not in blob
    assert not (out / "known-issues" / "3").exists() and not (out / "known-issues" / "4").exists()
    # Counts only count public tickets: one open public ticket.
    front = soup(out / "index.html")
    assert front.select("ul.tickets li.ticket").__len__() == 1


# --- Untrusted text ------------------------------------------------------------------------------


def test_ticket_text_cannot_inject_html(site_factory, tmp_path: Path) -> None:
    hostile = ticket(
        1,
        title='Login <script>alert("t")</script><img src=x onerror=alert(1)> fails <b>now</b>',
        description='[click](javascript:alert(1)) <a href="https://ok.test" onclick="x()">ok</a> <style>body{}</style>',
    )
    site = site_factory(
        incidents=[incident(extra="tickets: [1]", body="<script>alert(2)</script>\n\n[x](javascript:alert(3))\n")],
        tickets=[hostile],
    )
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    for page in out.rglob("*.html"):
        parsed = soup(page)
        assert [script.string for script in parsed.find_all("script")] == [LOCAL_TIME_SCRIPT], page  # ours only
        assert not parsed.find_all("style"), page
        assert not parsed.find_all("img"), page
        for tag in parsed.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), (page, tag)
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), (page, tag)
    title = soup(out / "known-issues" / "1" / "index.html").h1.get_text()
    assert title == '#1 Login <script>alert("t")</script><img src=x onerror=alert(1)> fails <b>now</b>'  # as written


# --- Reproducibility and the output directory -----------------------------------------------------


def test_same_sources_and_now_give_byte_identical_trees(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("build", "--site", str(REPO), "--out", str(first), "--now", NOW).exit_code == 0
    assert run("build", "--site", str(REPO), "--out", str(second), "--now", NOW).exit_code == 0
    assert tree(first) == tree(second)


def test_source_date_epoch_fixes_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795604400")  # 2026-11-25T11:00:00Z = NOW
    assert run("build", "--site", str(REPO), "--out", str(tmp_path / "epoch")).exit_code == 0
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert run("build", "--site", str(REPO), "--out", str(tmp_path / "now"), "--now", NOW).exit_code == 0
    assert tree(tmp_path / "epoch") == tree(tmp_path / "now")


def test_rebuild_replaces_the_whole_output(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident("first"), incident("second")])
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    assert (out / "incidents" / "second" / "index.html").is_file()
    (site / "content" / "incidents" / "second.md").unlink()
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    assert not (out / "incidents" / "second").exists()
    assert not list(tmp_path.glob(".out.tmp-*")) and not list(tmp_path.glob(".out.old-*"))


def test_build_does_not_change_the_tickets_database(site_factory, tmp_path: Path) -> None:
    site = site_factory(tickets=[ticket(1)])
    db = site / "content" / "tickets.db"
    before = db.read_bytes()
    assert run("build", "--site", str(site), "--out", str(tmp_path / "out"), "--now", NOW).exit_code == 0
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["incidents", "maintenance", "tickets.db"]


def test_other_site_directory_builds_with_default_out(site_factory) -> None:
    site = site_factory(
        incidents=[incident()],
        maintenance=[maintenance(extra="tickets: [1]")],
        tickets=[ticket(1)],
        language="en",
    )
    result = run("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 0, result.output
    out = site / "build"
    page = soup(out / "maintenance" / "upgrade" / "index.html")
    assert page.html["lang"] == "en"
    assert page.h1.get_text() == "Network innovation"
    explanation = soup(out / "known-issues" / "1" / "index.html").select_one(".explanation").get_text()
    assert "Network innovation" in explanation and "stays open on purpose" in explanation


def test_build_py_is_the_build_command(tmp_path: Path) -> None:
    """The program leaves at once after a build (``cli._leave_now``): its output, piped, is all there."""
    out = tmp_path / "out"

    def build_py() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "build.py", "--out", str(out), "--now", NOW],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ},
            timeout=120,
        )

    completed = build_py()
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"Built {len(tree(out))} files into {out}\n"
    again = build_py()
    assert (again.returncode, again.stdout) == (0, f"Nothing changed: {len(tree(out))} files in {out}\n")
    same = tmp_path / "same"
    assert run("build", "--site", str(REPO), "--out", str(same), "--now", NOW).exit_code == 0
    assert tree(out) == tree(same)


def test_the_program_leaves_cleanly_without_stdout_and_under_a_profiler(tmp_path: Path) -> None:
    """The quick exit after a build (``cli._leave_now``) survives a closed stdout, and steps aside
    for a profiler, whose report is written at exit."""
    out, profile = tmp_path / "out", tmp_path / "build.prof"
    closed = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m statuspage build --out "{out}" --now {NOW} >&-'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (closed.returncode, closed.stderr) == (0, "")
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "statuspage", "build", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert profiled.returncode == 0, profiled.stderr
    assert profile.stat().st_size > 0


def test_version_and_help() -> None:
    assert run("--version").output.startswith("statuspage, version ")
    for command in ("build", "check"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--site" in result.output


def test_example_tickets_db_matches_its_sql_source() -> None:
    """content/tickets.db is generated from content/tickets.sql by tools/make_example_db.py."""
    expected = sqlite3.connect(":memory:")
    expected.executescript((REPO / "content" / "tickets.sql").read_text(encoding="utf-8"))
    actual = sqlite3.connect(REPO / "content" / "tickets.db")
    query = "SELECT * FROM tickets ORDER BY id"
    assert actual.execute(query).fetchall() == expected.execute(query).fetchall()
    schema = "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    assert actual.execute(schema).fetchall() == expected.execute(schema).fetchall()


def test_a_component_page_lists_its_newest_items_and_links_to_the_rest(site_factory, tmp_path: Path) -> None:
    incidents = [
        incident(f"i-{n:02d}", title=f"Incident {n}", date=f"2026-10-{n + 1:02d}T09:00:00+02:00", body="Down.\n")
        for n in range(25)
    ]
    tickets = [ticket(n, components='["web"]') for n in range(1, 24)]
    site = site_factory(incidents=incidents, tickets=tickets)
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    page = BeautifulSoup((out / "components" / "web" / "index.html").read_text(encoding="utf-8"), "html.parser")
    incident_links = [a["href"] for a in page.select("#incidents-h ~ ul a")]
    assert len(incident_links) == 20 and "../../incidents/i-24/index.html" in incident_links  # the newest
    assert "../../incidents/i-00/index.html" not in incident_links
    assert page.select_one('a[href="../../history/index.html"]') is not None
    assert len(page.select("#tickets-h ~ ul li.ticket")) == 20
    more = page.select_one('a[href="../../known-issues/components/web/index.html"]')
    assert more is not None and "23" in more.get_text()
