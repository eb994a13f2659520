"""Hostile text in every field of every input never reaches any output as markup that runs.

Each vector of tests/data/xss-vectors.txt is put into the titles, bodies and updates of an
incident, a maintenance window and a translation, and into a ticket's title and description.
One build then has every output parsed: HTML pages and feed content may hold only the allowed
tags and safe links.  A title is shown as written in every output: each output's own parser
(BeautifulSoup, feedparser, json, icalendar) gives back exactly the text the reporter wrote,
``Button <Save> does nothing`` or text entity-encoded eight times alike, never stripped or decoded.
Text made from a Markdown body (JSON, calendars) is the text its HTML shows.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import icalendar
import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, maintenance, run, ticket

from statuspage.markup import ALLOWED_TAGS
from statuspage.web.app import LOCAL_TIME_SCRIPT

VECTORS = [
    line.replace("\\n", "\n")
    for line in (REPO / "tests" / "data" / "xss-vectors.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]
PAGE_TAGS = {
    "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "section", "article", "footer",
    "span", "time", "address", "h1", "code", "strong", "p", "ul", "ol", "li", "a", "dl", "dt", "dd", "table",
    "thead", "tbody", "tr", "th", "td", "h2", "h3", "div", "i", "svg", "rect",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "data", "srcdoc", "poster"}
SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
_CONTROL = re.compile(r"[\x00-\x20]+")


def yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string


def hostile_site(site_factory) -> Path:
    incidents, windows, tickets, translations = [], [], [], {}
    for number, vector in enumerate(VECTORS):
        body = f"{vector}\n\n## 2026-11-20T10:00+01:00 identified\n{vector}\n"
        incidents.append(incident(f"i{number}", title=yaml_string(f"I{number} {vector}"), body=body))
        windows.append(
            maintenance(
                f"m{number}",
                title=yaml_string(f"M{number} {vector}"),
                body=f"{vector}\n\n## 2026-11-20T10:00+01:00 scheduled\n{vector}\n",
            )
        )
        tickets.append(ticket(number + 1, title=f"T{number} {vector}", description=vector, maintenance=f"m{number}"))
        english_title = yaml_string(f"E{number} {vector}")
        translations[f"content/incidents/i{number}.en.md"] = f"---\ntitle: {english_title}\n---\n{body}"
    return site_factory(
        incidents=incidents, maintenance=windows, tickets=tickets, files=translations, languages=["sk", "en"]
    )


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_site

    root = tmp_path_factory.mktemp("hostile")
    counter = iter(range(10))
    site = hostile_site(lambda **kwargs: make_site(root / f"site{next(counter)}", **kwargs))
    out = root / "out"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


def test_corpus_is_large_enough() -> None:
    assert len(VECTORS) >= 60


def check_url(value: str, where: str) -> None:
    squeezed = _CONTROL.sub("", value).lower()
    scheme = squeezed.split(":", 1)[0] if ":" in squeezed.split("/", 1)[0] else ""
    assert scheme in SAFE_SCHEMES, f"{where}: unsafe URL {value!r}"


def check_markup(html: str, allowed_tags: set[str], where: str) -> None:
    """Only allowed tags; no event handlers, inline styles or unsafe URLs.

    Our own two exceptions are taken out first, exactly as the templates write them: the local-time
    script (the CSP allows it by hash) and the empty ``data:,`` favicon.
    """
    parsed = BeautifulSoup(html, "html.parser")
    for script in parsed.find_all("script"):
        if script.string == LOCAL_TIME_SCRIPT and set(script.attrs) == {"data-label"} and script.parent.name == "head":
            script.decompose()
    for icon in parsed.select('link[rel="icon"][href="data:,"]'):
        icon.decompose()
    html = str(parsed)
    for tag in parsed.find_all(True):
        assert tag.name in allowed_tags, f"{where}: <{tag.name}> {str(tag)[:120]}"
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), f"{where}: {name} on <{tag.name}>"
            assert name.lower() != "style", f"{where}: style on <{tag.name}>"
            if name.lower() in URL_ATTRIBUTES:
                check_url(value if isinstance(value, str) else " ".join(value), where)
        if tag.name == "meta":
            assert tag.get("http-equiv", "").lower() in ("", "content-security-policy"), where
        if tag.name == "link":
            assert set(tag.get("rel", [])) & {"stylesheet", "alternate"}, where
    assert "<script" not in html.lower(), f"{where}: raw <script"


def test_html_pages(hostile_build: Path) -> None:
    pages = list(hostile_build.rglob("*.html"))
    assert len(pages) > 3 * len(VECTORS)
    for page in pages:
        check_markup(page.read_text(encoding="utf-8"), PAGE_TAGS | ALLOWED_TAGS, str(page.relative_to(hostile_build)))


def test_hostile_text_is_still_shown(hostile_build: Path) -> None:
    """Sanitising keeps the words: a harmless part of each title survives."""
    page = BeautifulSoup((hostile_build / "incidents" / "i0" / "index.html").read_text(), "html.parser")
    assert page.h1.get_text().startswith("I0")
    listing = (hostile_build / "known-issues" / "index.html").read_text()
    assert all(f"T{number} " in listing or f"T{number}<" in listing for number in range(len(VECTORS)))


FEED_HTML = {
    "{http://www.w3.org/2005/Atom}content",
    "{http://www.w3.org/2005/Atom}summary",
    "description",
    "{http://purl.org/rss/1.0/modules/content/}encoded",
}


def test_feeds(hostile_build: Path) -> None:
    for path in (hostile_build / "feeds").rglob("*.*"):
        where = str(path.relative_to(hostile_build))
        if path.suffix == ".json":  # JSON Feed: content_html is HTML; titles are text (test below)
            document = json.loads(path.read_text(encoding="utf-8"))
            for item in document["items"]:
                check_markup(item["content_html"], ALLOWED_TAGS, where)
            continue
        for element in ET.fromstring(path.read_bytes()).iter():
            if element.tag in FEED_HTML and element.text:
                check_markup(element.text, ALLOWED_TAGS, where)


def as_written(text: str) -> str:
    """A title as every output must show it: the text itself, on one line (white space runs as one space)."""
    return " ".join(text.split())


TITLES = {kind: [as_written(f"{kind}{n} {vector}") for n, vector in enumerate(VECTORS)] for kind in "IMTE"}


def page(build: Path, *parts: str) -> BeautifulSoup:
    return BeautifulSoup((build.joinpath(*parts) / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_titles_are_shown_as_written_in_html(hostile_build: Path) -> None:
    for number in range(len(VECTORS)):
        for kind, parts in (
            ("I", ("incidents", f"i{number}")),
            ("M", ("maintenance", f"m{number}")),
            ("E", ("en", "incidents", f"i{number}")),
        ):
            shown = page(hostile_build, *parts)
            assert shown.h1.get_text() == TITLES[kind][number], parts
            assert shown.title.get_text().startswith(TITLES[kind][number] + " · "), parts
        ticket_page = page(hostile_build, "known-issues", str(number + 1))
        assert ticket_page.h1.get_text() == f"#{number + 1} {TITLES['T'][number]}"
    listing = page(hostile_build, "known-issues").get_text()
    assert all(title in listing for title in TITLES["T"])


def test_titles_are_shown_as_written_in_feeds(hostile_build: Path) -> None:
    """Every entry title is the title written (plus our own affixes), as the feed's XML carries it and as
    feedparser reads it.

    RSS does not say whether a title is text or HTML, and feedparser guesses HTML when a title looks like a
    well-formed fragment of allowed tags (then it sanitises it): for those, the XML text itself is checked.
    Atom says it (type text), and there feedparser must give the title back exactly.
    """
    forms = {
        "incidents": set(TITLES["I"]),
        "maintenance": set(TITLES["M"]),
        "known-issues": {f"#{number + 1} {title}" for number, title in enumerate(TITLES["T"])},
    }
    for name, expected in forms.items():
        for kind in ("rss", "atom"):
            data = (hostile_build / "feeds" / f"{name}.{kind}").read_bytes()
            written = [
                element.text
                for element in ET.fromstring(data).iter()
                if element.tag in ("title", "{http://www.w3.org/2005/Atom}title") and element.text in expected
            ]
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (name, kind, parsed.get("bozo_exception"))
            assert parsed.entries and len(written) == len(parsed.entries), (name, kind)
            for entry, title in zip(parsed.entries, written, strict=True):
                if kind == "atom" or entry.title_detail.type == "text/plain":
                    assert entry.title_detail.type == "text/plain", (name, kind)
                    assert entry.title == title, (name, kind, entry.title)
        feed = json.loads((hostile_build / "feeds" / f"{name}.json").read_text(encoding="utf-8"))
        titles = [item["title"] for item in feed["items"]]  # JSON Feed titles are plain text
        assert titles and set(titles) <= expected, name
    updates = feedparser.parse((hostile_build / "feeds" / "updates.atom").read_bytes())
    written = set(TITLES["I"]) | set(TITLES["M"])
    assert updates.entries
    for entry in updates.entries:
        assert entry.title.rpartition(": ")[0] in written, entry.title


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def read_json(build: Path, *parts: str) -> dict:
    return json.loads(build.joinpath(*parts).read_text(encoding="utf-8"))


def shown_text(html) -> str:  # noqa: ANN001 - a BeautifulSoup element
    """The text a reader sees in an element, white space runs as one space."""
    return " ".join(html.get_text("").split())


def details(shown: BeautifulSoup) -> str:
    """The shown text of a page's body (its Details section), without the heading."""
    section = shown.select_one('section[aria-labelledby="details-h"]')
    section.h2.decompose()
    return shown_text(section)


def test_titles_are_shown_as_written_in_json(hostile_build: Path) -> None:
    issues = read_json(hostile_build, "api", "known-issues.json")["known_issues"]
    assert {issue["id"]: issue["title"] for issue in issues} == {n + 1: t for n, t in enumerate(TITLES["T"])}
    for parts, key, kind in (
        (("api", "v2", "incidents.json"), "incidents", "I"),
        (("api", "v2", "scheduled-maintenances.json"), "scheduled_maintenances", "M"),
        (("en", "api", "v2", "incidents.json"), "incidents", "E"),
    ):
        names = [item["name"] for item in read_json(hostile_build, *parts)[key]]
        assert len(names) >= 50 and set(names) <= set(TITLES[kind]), parts


def test_update_bodies_in_json_are_the_text_their_pages_show(hostile_build: Path) -> None:
    """Made from the rendered Markdown once: what a visitor reads, not decoded any further."""
    for item in read_json(hostile_build, "api", "v2", "incidents.json")["incidents"]:
        number = TITLES["I"].index(item["name"])
        shown = page(hostile_build, "incidents", f"i{number}").select("ol.timeline > li")
        assert len(shown) == len(item["incident_updates"]) == 1
        shown[0].select_one("p.update-head").decompose()
        assert " ".join(item["incident_updates"][0]["body"].split()) == shown_text(shown[0]), item["name"]


def test_titles_are_shown_as_written_in_calendars(hostile_build: Path) -> None:
    calendar = icalendar.Calendar.from_ical((hostile_build / "calendar" / "maintenance.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert sorted(str(event["SUMMARY"]) for event in events) == sorted(TITLES["M"])
    for event in events:
        number = TITLES["M"].index(str(event["SUMMARY"]))
        body = details(page(hostile_build, "maintenance", f"m{number}"))
        assert body in " ".join(str(event["DESCRIPTION"]).split()), event["SUMMARY"]


def test_status_txt_badges_and_sitemap_carry_no_reporters_text(hostile_build: Path) -> None:
    for name in ("status.txt", "badge.svg", "api/badge.json", "sitemap.xml", "robots.txt"):
        text = (hostile_build / name).read_text(encoding="utf-8")
        assert "alert(" not in text and "onerror" not in text, name
    ET.fromstring((hostile_build / "sitemap.xml").read_bytes())
    ET.fromstring((hostile_build / "badge.svg").read_bytes())


@pytest.mark.parametrize("levels", range(1, 9))
def test_entity_encoded_text_keeps_its_levels(hostile_build: Path, levels: int) -> None:
    """Text entity-encoded ``levels`` times: a title keeps every level; a body's text is what its page shows.

    The page shows one level less than the Markdown source (Markdown writes the entities, the
    browser decodes them once), and so do JSON and calendars: never fewer, so at no depth does
    decoding turn the words into a tag that was not shown as text on the page too.
    """
    amp = "&" + "amp;" * (levels - 1)
    vector = f"{amp}lt;img src=x onerror=alert({levels}){amp}gt;"
    number = VECTORS.index(vector)
    issues = read_json(hostile_build, "api", "known-issues.json")["known_issues"]
    assert next(issue["title"] for issue in issues if issue["id"] == number + 1) == f"T{number} {vector}"
    events = icalendar.Calendar.from_ical((hostile_build / "calendar" / "maintenance.ics").read_bytes()).walk("VEVENT")
    assert f"M{number} {vector}" in [str(event["SUMMARY"]) for event in events]
    for kind in ("rss", "atom"):
        entries = feedparser.parse((hostile_build / "feeds" / f"incidents.{kind}").read_bytes()).entries
        assert f"I{number} {vector}" in [entry.title for entry in entries]

    one_less = "&" + "amp;" * (levels - 2) if levels > 1 else ""
    expected_body = (
        f"{one_less}lt;img src=x onerror=alert({levels}){one_less}gt;"
        if levels > 1
        else (f"<img src=x onerror=alert({levels})>")
    )
    incidents = read_json(hostile_build, "api", "v2", "incidents.json")["incidents"]
    item = next(item for item in incidents if item["name"] == f"I{number} {vector}")
    assert item["incident_updates"][0]["body"] == expected_body
    assert details(page(hostile_build, "incidents", f"i{number}")) == expected_body
    html = (hostile_build / "incidents" / f"i{number}" / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<p onclick="x()">x</p>',
        '<p style="color:red">x</p>',
        "<script>x</script>",
        "<img src=x>",
        '<meta http-equiv="refresh" content="0">',
    ],
)
def test_the_checks_themselves_catch_injections(html: str) -> None:
    with pytest.raises(AssertionError):
        check_markup(html, PAGE_TAGS | ALLOWED_TAGS, "sample")
