"""What the visitor's browser gets: the front page in one round trip, nothing from elsewhere, status by shape."""

from __future__ import annotations

import base64
import gzip
import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from statuspage.web.app import LOCAL_TIME_SCRIPT, content_security_policy, script_hash

BUDGET = 14 * 1024  # bytes, gzip: what fits in the first TCP round trip (10 segments of ~1.4 KB)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def subresources(html: BeautifulSoup) -> list[str]:
    """Every URL the page makes the browser fetch by itself: stylesheets, scripts, icons, images."""
    urls = [link["href"] for link in html.select("link[href]") if {"stylesheet", "icon"} & set(link.get("rel", []))]
    urls += [tag["src"] for tag in html.select("script[src], img[src], source[src], iframe[src]")]
    return urls


def test_the_front_page_fits_in_one_round_trip(example_build: Path) -> None:
    page = example_build / "index.html"
    html = soup(page)
    total = len(gzip.compress(page.read_bytes(), 9, mtime=0))
    for url in subresources(html):
        if url.startswith("data:"):
            continue  # inside the page already
        total += len(gzip.compress((example_build / url).read_bytes(), 9, mtime=0))
    assert total <= BUDGET, f"front page with its subresources: {total} bytes gzip, budget {BUDGET}"
    assert not html.select("link[rel=preload], link[rel=preconnect], link[href*='font']")


def test_no_page_loads_anything_from_another_site(example_build: Path) -> None:
    for page in sorted(example_build.rglob("*.html")):
        relative = page.relative_to(example_build).as_posix()
        for url in subresources(soup(page)):
            parts = urlsplit(url)
            if page.name == "404.html":  # shown at any path, so its links are absolute, to base_url
                assert url.startswith(("https://status.example.sk/", "data:")), (relative, url)
                continue
            assert parts.scheme in ("", "data"), (relative, url)
            if not parts.scheme:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), parts.path))
                assert (example_build / target).is_file(), (relative, url)


@pytest.mark.parametrize("name", ["index.html", "en/index.html", "support/index.html", "404.html"])
def test_the_policy_allows_exactly_the_inline_script(example_build: Path, name: str) -> None:
    html = soup(example_build / name)
    policy = html.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
    scripts = html.select("script")
    assert scripts and all(not script.get("src") for script in scripts)
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.string.encode()).digest()).decode() + "'"
        for script in scripts
    }
    directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("script-src"))
    assert set(directive.split()[1:]) == hashes


def test_status_is_told_by_text_and_shape_not_colour_alone(example_build: Path) -> None:
    html = soup(example_build / "index.html")
    badges = html.select(".components .status")
    assert len(badges) == 6
    for badge in badges:
        assert badge.get_text(strip=True), badge
        assert badge.select_one("i[aria-hidden=true]") is not None  # the shape, drawn by the stylesheet
    assert html.select_one(".banner h2").get_text(strip=True)  # the overall status, in words
    css = (example_build / "static" / "style.css").read_text(encoding="utf-8")
    for status in ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"):
        assert f".status-{status} i" in css, status  # every status has its own shape
    assert "prefers-color-scheme: dark" in css and "@media print" in css and ":focus-visible" in css


def test_uptime_bars_are_static_svg_with_text(example_build: Path) -> None:
    html = soup(example_build / "index.html")
    bars = html.select(".components svg.bar[role=img]")
    assert len(bars) == 6
    for bar in bars:
        assert "90" in bar["aria-label"] and "%" in bar["aria-label"]
    bad_days = html.select(".components svg.bar rect")
    assert bad_days and all(rect.select_one("title").get_text() for rect in bad_days)
    assert all(rect.select_one("title").get_text() in rect.find_parent("svg")["aria-label"] for rect in bad_days)


def test_english_pages_show_the_english_translation(example_build: Path) -> None:
    incident = "incidents/2026-11-21-prihlasenie-zlyhava/index.html"
    assert soup(example_build / "en" / incident).h1.get_text() == "Login failing for some users"
    assert soup(example_build / incident).h1.get_text() != "Login failing for some users"
    front = soup(example_build / "en" / "index.html")
    assert "Login failing for some users" in front.get_text()  # the pinned incident, by its English title


def test_every_time_is_machine_readable(example_build: Path) -> None:
    """An instant with its offset, or how long something lasted as an ISO 8601 duration ("PT2H5M")."""
    duration = re.compile(r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?)?$")
    for name in ("index.html", "en/index.html", "incidents/2026-11-21-prihlasenie-zlyhava/index.html"):
        times = soup(example_build / name).select("time")
        assert times and all(duration.match(t["datetime"]) or t["datetime"][-6] in "+-" for t in times), name


def test_the_documented_header_policy_is_the_pages_policy() -> None:
    """docs/security.md and deploy.md give the policy for HTTP headers: it must allow the same script."""
    policy = content_security_policy((script_hash(LOCAL_TIME_SCRIPT),))
    for doc in ("docs/security.md", "docs/deploy.md", "docs/examples/nginx-status.conf"):
        text = (REPO / doc).read_text(encoding="utf-8")
        assert policy in text, f"{doc}: the Content-Security-Policy differs from the pages' (web/app.py)"
