"""The recent past on the front page, the history by month, durations, social previews, llms.txt and the
Markdown alternates: sites built at several clocks, their pages parsed."""

from __future__ import annotations

import shutil
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import DEFAULT_CONFIG, NOW, REPO, incident, maintenance, make_site, run, tree
from markdown_it import MarkdownIt

from statuspage.build import build_site
from statuspage.clock import parse_time
from statuspage.outputs.headers import kind_of, rules_matching
from statuspage.periods import format_duration, iso_duration
from statuspage.state.durations import elapsed
from statuspage.web.preview import create_preview_app

ZONE = "Europe/Bratislava"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def build(site: Path, out: Path, now: str) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output
    return out


def recent(page: Path) -> dict[str, list[str]]:
    """The front page's recent past: each day's heading and the titles it lists (or its quiet sentence)."""
    section = soup(page).select_one("section.recent")
    assert section is not None
    days: dict[str, list[str]] = {}
    for heading in section.select("h3"):
        listed = heading.find_next_sibling()
        if listed.name == "ul":
            days[heading.get_text(strip=True)] = [a.get_text(strip=True) for a in listed.select("li > a")]
        else:
            days[heading.get_text(strip=True)] = [listed.get_text(strip=True)]
    return days


# --------------------------------------------------------------------------- the recent past


def test_an_incident_resolved_an_hour_ago_is_on_the_front_page_one_resolved_eight_days_ago_only_in_history(
    tmp_path: Path,
) -> None:
    site = make_site(
        tmp_path / "site",
        language="en",
        incidents=[
            incident(
                "fresh",
                title="Fresh outage",
                date="2026-11-25T09:00:00+01:00",
                resolved="2026-11-25T11:00:00+01:00",
                body="Fixed.\n",
            ),
            incident(
                "old",
                title="Old outage",
                date="2026-11-17T08:00:00+01:00",
                resolved="2026-11-17T10:30:00+01:00",
                body="Fixed.\n",
            ),
        ],
    )
    out = build(site, tmp_path / "out", NOW)  # 25 Nov, 12:00: an hour after "fresh" was resolved
    days = recent(out / "index.html")
    assert list(days) == [f"{day} November 2026" for day in range(25, 18, -1)]  # today and six days before
    assert days["25 November 2026"] == ["Fresh outage"]
    assert "Old outage" not in str(days)
    assert days["24 November 2026"] == ["No incidents reported."]
    item = soup(out / "index.html").select_one("section.recent li.past")
    assert "Duration: 2 h" in item.get_text(" ", strip=True)
    assert item.select_one("time[datetime=PT2H]").get_text() == "2 h"
    assert item.select_one("a")["href"] == "incidents/fresh/index.html"
    assert "Major" in item.get_text()
    last = [t for t in item.select("time[data-local]")][-1]
    assert last["datetime"] == "2026-11-25T11:00:00+01:00"  # no update after the resolution: the resolution

    history = soup(out / "history" / "index.html")
    entry = next(li for li in history.select("ul.history li") if "Old outage" in li.get_text())
    assert "Duration: 2 h 30 min" in entry.get_text(" ", strip=True)
    assert entry.select_one(".affects a").get_text() == "Web"
    assert "Duration" in soup(out / "incidents" / "old" / "index.html").select_one("dl.facts").get_text()


def test_a_quiet_week_says_so_every_day_in_both_languages(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", languages=["sk", "en"])
    out = build(site, tmp_path / "out", NOW)
    assert set(map(tuple, recent(out / "index.html").values())) == {("Žiadne nahlásené incidenty.",)}
    assert len(recent(out / "index.html")) == 7
    assert set(map(tuple, recent(out / "en" / "index.html").values())) == {("No incidents reported.",)}
    assert soup(out / "index.html").select_one("#recent-h").get_text() == "Posledných 7 dní"


def test_an_incident_spanning_days_is_on_each_and_ongoing_ones_say_so(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site",
        language="en",
        incidents=[
            incident(
                "long",
                title="Long one",
                date="2026-11-22T22:00:00+01:00",
                resolved="2026-11-24T01:00:00+01:00",
                body="Gone.\n",
            ),
            incident("now", title="Still going", date="2026-11-25T10:00:00+01:00", body="Going.\n"),
        ],
    )
    out = build(site, tmp_path / "out", NOW)
    days = recent(out / "index.html")
    assert [day for day, titles in days.items() if "Long one" in titles] == [
        "24 November 2026",
        "23 November 2026",
        "22 November 2026",
    ]
    assert days["25 November 2026"] == ["Still going"]
    going = soup(out / "index.html").select_one("section.recent li.past")
    assert "Ongoing" in going.get_text() and "Duration" not in going.get_text()
    long = next(li for li in soup(out / "index.html").select("section.recent li.past") if "Long one" in li.get_text())
    assert "1 day 3 h" in long.get_text()


def test_completed_maintenance_is_listed_on_each_day_it_ran(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site",
        language="en",
        maintenance=[
            maintenance("done", title="Done work", start="2026-11-23T22:00:00+01:00", end="2026-11-24T01:30:00+01:00"),
            maintenance("later", title="Later work"),  # upcoming: not the past
        ],
    )
    days = recent(build(site, tmp_path / "out", NOW) / "index.html")
    assert days["24 November 2026"] == days["23 November 2026"] == ["Done work"]
    assert days["22 November 2026"] == ["No incidents reported."]
    assert "Later work" not in str(days)


def test_recent_days_is_configurable_and_checked(tmp_path: Path) -> None:
    config = DEFAULT_CONFIG.format(language="en").replace(
        'timezone = "Europe/Bratislava"\n', f'timezone = "{ZONE}"\nrecent_days = 3\n'
    )
    site = make_site(tmp_path / "three", config=config)
    assert len(recent(build(site, tmp_path / "out3", NOW) / "index.html")) == 3
    none = make_site(tmp_path / "none", config=config.replace("recent_days = 3", "recent_days = 0"))
    assert soup(build(none, tmp_path / "out0", NOW) / "index.html").select_one("section.recent") is None

    bad = make_site(tmp_path / "bad", config=config.replace("recent_days = 3", 'recent_days = "week"'))
    result = run("build", "--site", str(bad), "--out", str(tmp_path / "outbad"), "--now", NOW)
    assert result.exit_code != 0
    line = config.splitlines().index("recent_days = 3") + 1
    assert f"statuspage.toml:{line}: recent_days must be a whole number of days" in result.output
    assert "Traceback" not in result.output


def test_a_rebuild_at_later_clocks_equals_a_clean_build(tmp_path: Path) -> None:
    """The front page's key holds the days it lists: a build a day later, and eight days later, moves
    them on (and the incident off the list) exactly as a clean build does."""
    site = make_site(
        tmp_path / "site",
        incidents=[
            incident(
                "a",
                title="Outage",
                date="2026-11-25T09:00:00+01:00",
                resolved="2026-11-25T11:00:00+01:00",
                body="Ok.\n",
            )
        ],
    )
    out = tmp_path / "out"
    for now in (NOW, "2026-11-25T23:59:00+01:00", "2026-11-26T00:01:00+01:00", "2026-12-03T12:00:00+01:00"):
        build_site(site, out, now, jobs=1)
        clean = tmp_path / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build_site(site, clean, now, jobs=1)
        assert tree(out) == tree(clean), now
    assert "Outage" not in str(recent(out / "index.html"))  # eight days on


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("minutes", "english", "slovak"),
    [
        (3, "3 min", "3 min"),
        (60, "1 h", "1 h"),
        (125, "2 h 5 min", "2 h 5 min"),
        (24 * 60 + 4 * 60, "1 day 4 h", "1 deň 4 h"),
        (2 * 24 * 60, "2 days", "2 dni"),
        (4 * 24 * 60 + 60, "4 days 1 h", "4 dni 1 h"),
        (5 * 24 * 60, "5 days", "5 dní"),
        (22 * 24 * 60, "22 days", "22 dní"),
        (0, "under a minute", "menej ako minútu"),
    ],
)
def test_durations_read_naturally_in_both_languages(minutes: int, english: str, slovak: str) -> None:
    delta = timedelta(minutes=minutes)
    assert format_duration(delta, "en") == english
    assert format_duration(delta, "sk") == slovak


def test_iso_durations() -> None:
    assert iso_duration(timedelta(hours=2, minutes=5)) == "PT2H5M"
    assert iso_duration(timedelta(days=1, hours=4, minutes=10)) == "P1DT4H"
    assert iso_duration(timedelta(days=3)) == "P3D"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Autumn: 02:00–03:00 happens twice.  Wall clock 01:30 → 03:30 is three real hours.
        ("2026-10-25T01:30:00", "2026-10-25T03:30:00", "3 h"),
        # Spring: 02:00–03:00 does not happen.  Wall clock 01:30 → 03:30 is one real hour.
        ("2026-03-29T01:30:00", "2026-03-29T03:30:00", "1 h"),
        # Across the autumn change, a day later: 25 real hours.
        ("2026-10-24T12:00:00", "2026-10-25T12:00:00", "1 day 1 h"),
    ],
)
def test_durations_across_dst_changes_count_real_time(tmp_path: Path, start: str, end: str, expected: str) -> None:
    """Times written without an offset are read in the site's zone; the duration is real elapsed time."""
    site = make_site(
        tmp_path / "site",
        language="en",
        incidents=[incident("dst", date=start, resolved=end, body="Fixed.\n")],
        maintenance=[maintenance("dst-work", start=start, end=end)],
    )
    out = build(site, tmp_path / "out", "2026-11-25T12:00:00+01:00")
    for path in ("incidents/dst/index.html", "maintenance/dst-work/index.html"):
        facts = soup(out / path).select_one("dl.facts")
        duration = next(dt for dt in facts.select("dt") if dt.get_text() == "Duration").find_next_sibling("dd")
        assert duration.get_text() == expected, path
    zone = __import__("zoneinfo").ZoneInfo(ZONE)
    real = elapsed(parse_time(start, zone), parse_time(end, zone))
    assert format_duration(real, "en") == expected
    # Subtracting wall clocks in one zone, as Python does for two datetimes sharing a ZoneInfo, would be wrong:
    wall = parse_time(end, zone).astimezone(zone) - parse_time(start, zone).astimezone(zone)
    assert wall != real or expected == "1 day 1 h" and wall == timedelta(days=1)


def test_elapsed_never_subtracts_wall_clocks() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE)
    start = datetime(2026, 10, 25, 1, 30, tzinfo=zone)
    end = datetime(2026, 10, 25, 3, 30, tzinfo=zone)
    assert end - start == timedelta(hours=2)  # Python's wall-clock arithmetic
    assert elapsed(start, end) == timedelta(hours=3)
    assert elapsed(start.astimezone(UTC), end) == timedelta(hours=3)


# --------------------------------------------------------------------------- the history


def test_the_history_is_grouped_by_month_and_links_month_to_month(tmp_path: Path) -> None:
    incidents = [
        incident(
            f"i{number}",
            title=f"Incident {number}",
            date=f"2026-{month:02d}-{day:02d}T10:00:00+01:00",
            resolved=f"2026-{month:02d}-{day:02d}T11:15:00+01:00",
            components="[web, api]",
            body="Fixed.\n",
        )
        for number, (month, day) in enumerate([(11, 3), (11, 2)] + [(10, d) for d in range(1, 21)] + [(8, 5)])
    ]
    site = make_site(tmp_path / "site", language="en", incidents=incidents)
    out = build(site, tmp_path / "out", NOW)
    first = soup(out / "history" / "index.html")
    months = [h.get_text() for h in first.select("section.month h2")]
    assert months == ["November 2026", "October 2026"]  # 20 entries a page: November's two and 18 of October's
    november = first.select_one("section.month")
    assert november.select_one("h2")["id"] == "m-2026-11"
    assert [a.get_text() for a in november.select("nav.months a")] == ["Older: October 2026"]
    assert november.select_one("nav.months a")["href"] == "#m-2026-10"
    entry = november.select_one("ul.history li")
    assert "Duration: 1 h 15 min" in entry.get_text(" ", strip=True)
    assert [a.get_text() for a in entry.select(".affects a")] == ["Web", "API"]
    october = first.select("section.month")[1]
    older = [a for a in october.select("nav.months a") if a.get_text().startswith("Older")][0]
    assert older["href"] == "page/2/index.html#m-2026-08"
    second = soup(out / "history" / "page" / "2" / "index.html")
    assert [h.get_text() for h in second.select("section.month h2")] == ["October 2026", "August 2026"]
    newer = second.select_one("section.month nav.months a")
    assert newer.get_text() == "Newer: November 2026" and newer["href"] == "../../index.html#m-2026-11"
    sk = soup(out / "sk" / "history" / "index.html") if (out / "sk").exists() else None
    if sk is not None:
        assert sk.select_one("section.month h2").get_text() == "november 2026"


# --------------------------------------------------------------------------- social previews and descriptions


def _meta(page: BeautifulSoup, name: str) -> str | None:
    tag = page.select_one(f'meta[property="{name}"], meta[name="{name}"]')
    return tag["content"] if tag is not None else None


def test_every_page_has_a_description_and_open_graph_tags_that_stay_true(example_build: Path) -> None:
    pages = [p for p in example_build.rglob("*.html")]
    assert len(pages) > 50
    for path in pages:
        page = soup(path)
        relative = path.relative_to(example_build).as_posix()
        for name in ("description", "og:title", "og:description", "og:image", "og:site_name", "twitter:card"):
            assert _meta(page, name), (relative, name)
        assert _meta(page, "og:description") == _meta(page, "description")
        assert _meta(page, "og:image").startswith("https://status.example.sk/")
        assert _meta(page, "twitter:card") == "summary_large_image"
        if relative != "404.html":
            url = _meta(page, "og:url")
            assert url == "https://status.example.sk/" + relative.removesuffix("index.html"), relative
    descriptions = {soup(p).select_one('meta[name="description"]')["content"] for p in pages}
    assert len(descriptions) > len(pages) / 2  # each page described, not one sentence for all


def test_the_front_pages_preview_is_the_same_whatever_the_status(tmp_path: Path) -> None:
    """A platform caches a preview for days: the front page's must not say how things are now."""
    site = make_site(
        tmp_path / "site",
        language="en",
        incidents=[
            incident("down", title="Down", severity="critical", date="2026-11-25T09:00:00+01:00", body="Down.\n")
        ],
    )
    during = soup(build(site, tmp_path / "during", NOW) / "index.html")
    (site / "content" / "incidents" / "down.md").unlink()
    calm = soup(build(site, tmp_path / "calm", NOW) / "index.html")
    for name in ("description", "og:title", "og:description", "twitter:description", "og:image"):
        assert _meta(during, name) == _meta(calm, name), name
    said = " ".join(_meta(calm, name) or "" for name in ("description", "og:title", "og:description"))
    for status in ("operational", "outage", "degraded", "Down"):
        assert status.lower() not in said.lower()


def test_an_items_preview_names_its_state_at_its_last_update(example_build: Path) -> None:
    page = soup(example_build / "en" / "incidents" / "2026-11-21-prihlasenie-zlyhava" / "index.html")
    assert _meta(page, "og:title").startswith("Login failing for some users")
    assert _meta(page, "og:type") == "article"
    assert _meta(page, "og:description").startswith("Resolved as of 22 Nov 2026, 09:15 CET.")
    assert _meta(page, "og:locale") == "en_US"
    assert _meta(soup(example_build / "index.html"), "og:locale") == "sk_SK"


def test_the_preview_image_is_a_1200_by_630_png(example_build: Path) -> None:
    data = (example_build / "static" / "preview.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1200, 630)
    assert kind_of("static/preview.png").content_type == "image/png"


# --------------------------------------------------------------------------- llms.txt and Markdown alternates

MARKDOWN = MarkdownIt("commonmark")


def _local(url: str, out: Path) -> Path:
    assert url.startswith("https://status.example.sk/"), url
    path = out / url.removeprefix("https://status.example.sk/")
    return path / "index.html" if url.endswith("/") else path


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_llms_txt_follows_the_format_and_its_links_resolve(example_build: Path, prefix: str) -> None:
    text = (example_build / prefix / "llms.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and lines[2].startswith("> ")
    tokens = MARKDOWN.parse(text)
    assert [t.tag for t in tokens if t.type == "heading_open"][0] == "h1"
    assert sum(t.type == "heading_open" and t.tag == "h1" for t in tokens) == 1
    links = [
        child.attrs["href"]
        for t in tokens
        if t.type == "inline"
        for child in t.children or []
        if child.type == "link_open"
    ]
    assert len(links) >= 10
    for url in links:
        assert _local(str(url), example_build).is_file(), url
    assert f"https://status.example.sk/{prefix}index.md" in links
    other = "https://status.example.sk/en/llms.txt" if not prefix else "https://status.example.sk/llms.txt"
    assert other in links


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_item_and_the_front_page_have_a_markdown_alternate_linked_from_the_html(
    example_build: Path, prefix: str
) -> None:
    root = example_build / prefix
    pages = [
        root / "index.html",
        *sorted((root / "incidents").glob("*/index.html")),
        *sorted((root / "maintenance").glob("*/index.html")),
    ]
    for page in pages:
        alternate = soup(page).select_one('link[rel="alternate"][type="text/markdown"]')
        assert alternate is not None, page
        target = (page.parent / alternate["href"]).resolve()
        assert target == (page.parent / "index.md").resolve()
        text = target.read_text(encoding="utf-8")
        tokens = MARKDOWN.parse(text)
        h1 = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
        assert len(h1) == 1, page
        title = soup(page).select_one("h1").get_text()
        inline = tokens[tokens.index(h1[0]) + 1]
        assert "".join(c.content for c in inline.children if c.type == "text") == title, page
    assert "## " in (root / "index.md").read_text(encoding="utf-8")


def test_untrusted_titles_and_text_stay_text_in_markdown(tmp_path: Path) -> None:
    evil = "# [click](https://evil.example) <script>x</script> *bold* `code` | a | 1. & &amp; ![i](x)"
    site = make_site(
        tmp_path / "site",
        language="en",
        incidents=[
            incident(
                "evil",
                title=f'"{evil}"',
                date="2026-11-25T09:00:00+01:00",
                body=(
                    "- list?\n\n1. one\n\n<b>bold</b> [x](https://evil.example)\n\n"
                    "## 2026-11-25T09:30+01:00 identified\n> quote [y](https://evil.example)\n"
                ),
            )
        ],
    )
    out = build(site, tmp_path / "out", NOW)
    for path in ("incidents/evil/index.md", "index.md"):
        html = BeautifulSoup(MARKDOWN.render((out / path).read_text(encoding="utf-8")), "html.parser")
        assert not html.select(
            'a[href^="https://evil"], script, img, code, em, strong:-soup-contains("bold"), table, blockquote, ol'
        )
    page = BeautifulSoup(MARKDOWN.render((out / "incidents/evil/index.md").read_text(encoding="utf-8")), "html.parser")
    assert page.select_one("h1").get_text() == evil
    assert len(page.select("h1")) == 1


def test_markdown_and_llms_txt_are_served_with_their_types() -> None:
    assert kind_of("incidents/x/index.md").content_type == "text/markdown; charset=utf-8"
    assert kind_of("en/index.md").content_type == "text/markdown; charset=utf-8"
    assert kind_of("llms.txt").content_type == "text/plain; charset=utf-8"
    prefixes = ["", "en/"]
    for url in (
        "/index.md",
        "/incidents/x/index.md",
        "/incidents/x/",
        "/incidents/x/index.html",
        "/en/maintenance/y/index.md",
        "/llms.txt",
        "/en/llms.txt",
    ):
        assert len(rules_matching(url, prefixes)) == 1, url


def test_the_sitemap_lists_pages_not_their_markdown(example_build: Path) -> None:
    sitemap = (example_build / "sitemap.xml").read_text(encoding="utf-8")
    assert "index.md" not in sitemap and "/incidents/" in sitemap


def test_serve_answers_the_markdown_as_markdown(example_build: Path) -> None:
    client = create_preview_app(REPO, now_option=NOW, provenance=False).test_client()
    for path in ("index.md", "en/index.md", "incidents/2026-11-21-prihlasenie-zlyhava/index.md", "llms.txt"):
        response = client.get("/" + path)
        assert response.status_code == 200, path
        assert response.data == (example_build / path).read_bytes(), path
        expected = "text/plain" if path.endswith(".txt") else "text/markdown"
        assert response.mimetype == expected, path
