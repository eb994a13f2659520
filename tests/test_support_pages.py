"""The support desk's pages as a visitor sees them: support, known issues per component, tickets, front page.

Built sites parsed with BeautifulSoup; links are followed on disk, as a visitor opening the
build from a folder would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import DEFAULT_CONFIG, NOW, maintenance, run, ticket

SiteFactory = Callable[..., Path]
COMPONENTS = ("web", "api", "cdn")


def build(site: Path, out: Path) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


def page(out: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((out / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def target(out: Path, path: str, href: str) -> Path:
    """Where a relative link on ``path``'s page leads in the built folder."""
    return (out / path / urlsplit(href).path).resolve()


# ---------------------------------------------------------------------------------------- support page

CHANNEL_LINKS = {
    "chat": "https://example.test/chat",
    "email": "mailto:help@example.test",
    "phone": "tel:+4212000000",
}


@pytest.mark.parametrize("language", ["sk", "en"])
def test_support_page_links_every_configured_channel(site_factory: SiteFactory, tmp_path: Path, language: str) -> None:
    out = build(site_factory(language=language), tmp_path / "out")
    support = page(out, "support")
    assert support.html["lang"] == language
    channels = {item["id"].removeprefix("channel-"): item for item in support.select("ol.channels > li")}
    assert list(channels) == ["chat", "email", "phone", "letter"]
    for name, href in CHANNEL_LINKS.items():
        assert [a["href"] for a in channels[name].select("a")] == [href]
    assert channels["letter"].address.get_text() == "Example s.r.o., Hlavna 1, Bratislava"
    guide = {row.th.get_text(strip=True): [a["href"] for a in row.select("td a")] for row in support.select("tbody tr")}
    assert list(guide.values()) == [["#channel-chat", "#channel-phone"], ["#channel-email"], ["#channel-letter"]]
    text = support.get_text(" ", strip=True)
    assert "24–72" in text and "+421 2 000 000" in text
    operators_own = ("notár", "zastupiteľ", "nákladnejš", "notary", "municipal", "costlier")  # the example's words
    assert not [phrase for phrase in operators_own if phrase in text]
    english_heading = "Which channel for which severity"
    assert (english_heading in text) is (language == "en")


@pytest.mark.parametrize("language", ["sk", "en"])
def test_a_channel_missing_from_the_config_is_left_out(
    site_factory: SiteFactory, tmp_path: Path, language: str
) -> None:
    config = DEFAULT_CONFIG.format(language=language)
    config = config.replace('phone = "+421 2 000 000"\n', "").replace(
        'address = "Example s.r.o., Hlavna 1, Bratislava"\n', ""
    )
    out = build(site_factory(config=config), tmp_path / "out")
    support = page(out, "support")
    assert [item["id"] for item in support.select("ol.channels > li")] == ["channel-chat", "channel-email"]
    assert support.select("a[href^='tel:']") == [] and support.find("address") is None
    guide = [[a["href"] for a in row.select("td a")] for row in support.select("tbody tr")]
    assert guide == [["#channel-chat"], ["#channel-email"]]  # no phone in the urgent row, no letter row
    for anchor in support.select("a[href^='#channel-']"):
        assert support.find(id=anchor["href"][1:]) is not None


def test_support_page_without_any_channel_still_explains_the_process(site_factory: SiteFactory, tmp_path: Path) -> None:
    config = DEFAULT_CONFIG.format(language="en")
    start, end = config.index("[support]"), config.index("[sla]")
    out = build(site_factory(config=config[:start] + config[end:]), tmp_path / "out")
    support = page(out, "support")
    assert support.select("ol.channels") == [] and support.select("table") == []
    assert "What happens next" in support.get_text() and "24–72 hours" in support.get_text()


# ---------------------------------------------------------------------------------------- known issues per component


def ticket_site(site_factory: SiteFactory, language: str = "en") -> Path:
    tickets = [
        ticket(1, components='["web"]'),
        ticket(2, components='["web", "api"]', status="evaluating"),
        ticket(3, components='["api"]', status="fixing", evaluated_at="2026-11-24T10:00:00+01:00"),
        ticket(
            4, components='["web"]', status="fixing", evaluated_at="2026-11-20T09:00:00+01:00", maintenance="upgrade"
        ),
        ticket(5, components='["web"]', status="resolved", resolved_at="2026-11-21T10:00:00+01:00"),
        ticket(6, components='["api"]', public=0),
    ]
    return site_factory(maintenance=[maintenance()], tickets=tickets, language=language)


def listed(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Group heading id → ticket numbers under it."""
    return {
        section.h2["id"]: [a.get_text().split()[0] for a in section.select("li.ticket p:first-child > a")]
        for section in soup.select("section[aria-labelledby^='group-']")
    }


def test_each_component_has_a_static_known_issues_page(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory), tmp_path / "out")
    assert listed(page(out, "known-issues")) == {
        "group-waiting": ["#4"],
        "group-fixing": ["#3"],
        "group-evaluating": ["#2"],
        "group-reported": ["#1"],
    }
    assert listed(page(out, "known-issues/components/web")) == {
        "group-waiting": ["#4"],
        "group-evaluating": ["#2"],
        "group-reported": ["#1"],
    }
    assert listed(page(out, "known-issues/components/api")) == {"group-fixing": ["#3"], "group-evaluating": ["#2"]}
    cdn = page(out, "known-issues/components/cdn")
    assert listed(cdn) == {}
    assert "No known issues are open for this component." in cdn.get_text()
    assert cdn.h1.get_text() == "Known issues: CDN" and cdn.title.get_text().startswith("Known issues: CDN")


def test_the_filter_links_every_component_page_with_its_count(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory), tmp_path / "out")
    for path in ("known-issues", *(f"known-issues/components/{cid}" for cid in COMPONENTS)):
        soup = page(out, path)
        links = soup.select("nav.filter a")
        assert [a.get_text() for a in links] == ["All components", "Web", "API", "CDN"]
        counts = [a.find_next_sibling("span").get_text() for a in links]
        assert counts == ["(4)", "(3)", "(2)", "(0)"]
        for link in links:
            assert target(out, path, link["href"]).is_file(), link["href"]
        current = [a.get_text() for a in links if a.get("aria-current") == "page"]
        assert current == (["All components"] if path == "known-issues" else [soup.h1.get_text().split(": ")[1]])


def test_component_known_issues_pages_are_in_the_sitemap(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory), tmp_path / "out")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for cid in COMPONENTS:
        assert f"https://status.test/known-issues/components/{cid}/" in sitemap


def test_component_known_issues_page_in_slovak(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory, "sk"), tmp_path / "out")
    cdn = page(out, "known-issues/components/cdn")
    assert cdn.h1.get_text() == "Známe problémy: CDN"
    assert "Pre tento komponent nie sú otvorené žiadne známe problémy." in cdn.get_text()
    assert cdn.select_one("nav.filter")["aria-label"] == "Filtrovať podľa komponentu"


# ---------------------------------------------------------------------------------------- ticket page and front page


def test_ticket_page_shows_lifecycle_innovation_and_explanation(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory), tmp_path / "out")
    waiting = page(out, "known-issues/4")
    assert "stays open on purpose" in waiting.select_one("p.explanation").get_text()
    steps = [item.get_text(" ", strip=True).split(":")[0] for item in waiting.select("ol.timeline li")]
    assert steps == ["Reported", "Evaluated", "Fix expected with the maintenance"]
    work = waiting.select_one("section[aria-labelledby='work-h'] a")
    assert work.get_text() == "Network innovation" and target(out, "known-issues/4", work["href"]).is_file()
    fixing = page(out, "known-issues/3")
    assert [item.get_text(" ", strip=True).split(":")[0] for item in fixing.select("ol.timeline li")] == [
        "Reported",
        "Evaluated",
        "Fix window",
    ]
    resolved = page(out, "known-issues/5")
    assert resolved.select("ol.timeline li")[-1].get_text().startswith("Resolved")


def test_front_page_counts_open_known_issues(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory, "sk"), tmp_path / "out")
    front = page(out, ".")
    section = front.select_one("section[aria-labelledby='known-h']")
    assert "4 známe problémy sú otvorené." in section.get_text()
    assert len(section.select("li.ticket")) == 4


def test_pages_frozen_after_the_404_page_link_relatively(site_factory: SiteFactory, tmp_path: Path) -> None:
    out = build(ticket_site(site_factory), tmp_path / "out")
    for path in ("known-issues/components/web", "known-issues/1", "components/web"):
        hrefs = [a["href"] for a in page(out, path).select("a[href]")]
        assert not [href for href in hrefs if href.startswith("https://status.test/")], path
    not_found = BeautifulSoup((out / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert not_found.select_one("a[href^='https://status.test/']") is not None  # any depth: absolute on purpose
