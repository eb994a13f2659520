"""Hostile text in every field of every input never reaches any output as markup that runs.

Each vector of tests/data/xss-vectors.txt is put into the titles, bodies and updates of an
incident, a maintenance window and a translation, and into a ticket's title and description.
One build then has every output parsed: HTML pages and feed content may hold only the allowed
tags and safe links; titles, JSON values and calendar text may hold no tags at all.
"""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import icalendar
import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
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
    return site_factory(incidents=incidents, maintenance=windows, tickets=tickets, files=translations)


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
        if script.string == LOCAL_TIME_SCRIPT and set(script.attrs) == {"data-label"} and script.parent.name == "body":
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


def check_text(value: str, where: str) -> None:
    """Plain text must not hold a single tag, even one that looks harmless."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)  # URLs are text too
        tags = BeautifulSoup(value, "html.parser").find_all(True)
    assert tags == [], f"{where}: markup in text {value[:120]!r}"


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
FEED_TEXT = {"{http://www.w3.org/2005/Atom}title", "title", "{http://www.w3.org/2005/Atom}name"}


def test_feeds(hostile_build: Path) -> None:
    for path in (hostile_build / "feeds").rglob("*.*"):
        where = str(path.relative_to(hostile_build))
        if path.suffix == ".json":  # JSON Feed: content_html is HTML, every other string plain text
            document = json.loads(path.read_text(encoding="utf-8"))
            for item in document["items"]:
                check_markup(item.pop("content_html"), ALLOWED_TAGS, where)
            for text in strings(document):
                check_text(text, where)
            continue
        for element in ET.fromstring(path.read_bytes()).iter():
            if element.tag in FEED_HTML and element.text:
                check_markup(element.text, ALLOWED_TAGS, where)
            elif element.tag in FEED_TEXT and element.text:
                check_text(element.text, where)


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def test_json(hostile_build: Path) -> None:
    for path in (hostile_build / "api").rglob("*.json"):
        for text in strings(json.loads(path.read_text(encoding="utf-8"))):
            check_text(text, str(path.relative_to(hostile_build)))


def test_calendars(hostile_build: Path) -> None:
    for path in (hostile_build / "calendar").rglob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            for name in ("SUMMARY", "DESCRIPTION", "CATEGORIES"):
                value = event.get(name)
                text = value.to_ical().decode() if hasattr(value, "to_ical") else str(value)
                check_text(text.replace("\\n", "\n").replace("\\,", ","), f"{path.name} {name}")


def test_status_txt_and_sitemap(hostile_build: Path) -> None:
    check_text((hostile_build / "status.txt").read_text(encoding="utf-8"), "status.txt")
    ET.fromstring((hostile_build / "sitemap.xml").read_bytes())


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


def test_the_text_check_catches_markup() -> None:
    with pytest.raises(AssertionError):
        check_text("harmless <b>bold</b>", "sample")
    check_text("icon < 16 px & text", "sample")
