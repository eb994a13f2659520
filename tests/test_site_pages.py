"""The site's own words: pages from content/pages (the support page among them) and [wording].

A site made by ``init`` says nothing that only the example operator could say; the example says
its own process in its own pages and words; a site adds pages, translates them and rewords our
sentences without forking a template, and every mistake in doing so is a ``path:line`` error.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import DEFAULT_CONFIG, NOW, REPO, maintenance, run, ticket, write_tickets

from statuspage.web.preview import create_preview_app

# What the example operator says of itself (SPEC §11), in English and Slovak: no default may say it.
OPERATORS_OWN = (
    "costlier",
    "publishing network administrator",
    "service innovation",
    "municipal office",
    "notary",
    "call the administrator",
    "administrator",
    "nákladnejš",
    "administrátor",
    "inováci",
    "mestskom zastupiteľstve",
    "notár",
    "správca webového rozhrania",
)


def build(site: Path, out: Path) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


def page(out: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((out / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def operator_phrases(out: Path) -> dict[str, list[str]]:
    """Every file of the output that says one of ``OPERATORS_OWN``, and what it says."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".json", ".rss", ".atom", ".ics", ".txt", ".xml", ".svg"}:
            text = path.read_text(encoding="utf-8").lower()
            said = [phrase for phrase in OPERATORS_OWN if phrase in text]
            if said:
                found[str(path.relative_to(out))] = said
    return found


OVERDUE = ticket(7, status="fixing", evaluated_at="2026-11-20T09:00:00+01:00", title="Overdue one")
WAITING = ticket(8, status="fixing", evaluated_at="2026-11-24T09:00:00+01:00", maintenance="upgrade")


# ---------------------------------------------------------------------------------------- neutral defaults


@pytest.mark.parametrize("language", ["en", "sk"])
def test_a_new_site_says_nothing_only_the_example_operator_would(
    tmp_path: Path, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime.fromisoformat(NOW).timestamp())))  # content dated then
    site = tmp_path / "site"
    assert run("init", str(site), "--language", language).exit_code == 0
    support = (site / "content" / "pages" / "support.md").read_text(encoding="utf-8")
    assert "<!-- channels -->" in support  # the starter page shows the operator where the channels go
    # With every channel set and a ticket in every state, so that every sentence is shown somewhere.
    config = (site / "statuspage.toml").read_text(encoding="utf-8")
    config = config.replace("# chat_url", "chat_url").replace("# phone", "phone").replace("# address", "address")
    (site / "statuspage.toml").write_text(config, encoding="utf-8")
    slug = next((site / "content" / "maintenance").glob("*.md")).stem
    rows = [
        ticket(1, components='["web"]'),
        ticket(2, components='["web"]', status="evaluating"),
        {**OVERDUE, "components": '["api"]'},
        {**WAITING, "components": '["api"]', "maintenance": slug},
        ticket(5, components='["api"]', status="fixing", evaluated_at="2026-11-25T08:00:00+01:00"),
    ]
    (site / "tickets.db").unlink()
    write_tickets(site / "tickets.db", rows)
    out = build(site, tmp_path / "out")
    assert operator_phrases(out) == {}
    for prefix in ("", "en/", "sk/"):
        if (out / prefix / "support").is_dir():
            assert page(out, prefix + "support").select("ol.channels > li")  # the channels are there
    explanations = [
        item["explanation"] for item in json.loads((out / "api/known-issues.json").read_bytes())["known_issues"]
    ]
    assert len(explanations) == 5 and all(explanations), explanations


def test_a_site_without_a_support_page_gets_ours_in_every_language(site_factory, tmp_path: Path) -> None:
    out = build(site_factory(languages=["sk", "en"]), tmp_path / "out")
    assert page(out, "support").h1.get_text() == "Nahláste problém"
    assert page(out, "en/support").h1.get_text() == "Report a problem"
    assert operator_phrases(out) == {}


# ---------------------------------------------------------------------------------------- the example's own words


def test_the_example_support_page_carries_the_source_documents_process(example_build: Path) -> None:
    slovak = " ".join(page(example_build, "support").get_text(" ", strip=True).split())
    for phrase in (
        "Prehodnotenie a konzultácia",
        "Odstraňovanie technických chýb a nedostatkov",
        "administrátor publikačnej siete",
        "inovácie služieb",
        "overiť na mestskom zastupiteľstve alebo u notára",
        "hoci nákladnejší",
        "Telefonická konzultácia s administrátorom",
        "väčšinou 24–72 hodín, zriedka dlhšie",
    ):
        assert phrase in slovak, phrase
    english = " ".join(page(example_build, "en/support").get_text(" ", strip=True).split())
    for phrase in (
        "Evaluation and consultation",
        "Fixing technical errors and shortcomings",
        "publishing network administrator",
        "service innovation",
        "certified at the municipal office or by a notary",
        "though costlier",
        "Phone consultation with the administrator",
        "mostly 24–72 hours, rarely longer",
    ):
        assert phrase in english, phrase
    # The channels stay [support]'s, between the text above them and the text below.
    support = page(example_build, "en/support")
    order = [element.name for element in support.main.find_all(["h2"])]
    assert support.select_one("ol.channels") is not None and order[0] == "h2"
    assert support.find("meta", attrs={"name": "description"})["content"].startswith("How to report a problem")


def test_the_example_overdue_and_waiting_sentences_are_its_own(example_build: Path) -> None:
    known = json.loads((example_build / "api/known-issues.json").read_bytes())["known_issues"]
    english = json.loads((example_build / "en/api/known-issues.json").read_bytes())["known_issues"]
    assert any("inovácia služieb" in item["explanation"] for item in known)
    assert any("service innovation" in item["explanation"] for item in english)
    overdue = [item for item in english if item["overdue"]]
    assert overdue and all("Please call the administrator at +421 2 123 456 78" in i["explanation"] for i in overdue)


def test_the_example_has_an_accessibility_statement_in_both_languages(example_build: Path) -> None:
    for prefix, title, label, words in (
        (
            "",
            "Vyhlásenie o prístupnosti",
            "Prístupnosť",
            ("WCAG 2.1", "EN 301 549", "axe-core", "320 px", "7. decembra 2026"),
        ),
        (
            "en/",
            "Accessibility statement",
            "Accessibility",
            ("WCAG 2.1", "EN 301 549", "axe-core", "320 px", "7 December 2026"),
        ),
    ):
        statement = page(example_build, prefix + "accessibility")
        assert statement.h1.get_text() == title
        text = " ".join(statement.get_text(" ", strip=True).split())
        assert all(word in text for word in words), prefix
        nav = [a.get_text() for a in page(example_build, prefix.rstrip("/") or ".").select("nav[aria-label] a")]
        assert label in nav
        # Reporting a barrier leads to the support page, which exists.
        report = statement.select_one('main a[href="../support/index.html"]')
        assert report is not None and (example_build / prefix / "support" / "index.html").is_file()


# ---------------------------------------------------------------------------------------- pages a site adds

PAGE = (
    "---\ntitle: Terms of service\nnav: Terms\norder: 2\ndescription: What we promise.\n---\nWe promise **little**.\n"
)
PAGE_SK = "---\ntitle: Obchodné podmienky\nnav: Podmienky\n---\nSľubujeme **málo**.\n"
OTHER = "---\ntitle: About us\norder: 1\n---\nWho we are.\n"
HIDDEN = "---\ntitle: Imprint\nnav: false\n---\nExample Ltd.\n"


def test_a_page_is_published_in_every_language_with_its_link_in_the_navigation(site_factory, tmp_path: Path) -> None:
    files = {
        "content/pages/terms.md": PAGE,
        "content/pages/terms.sk.md": PAGE_SK,
        "content/pages/about.md": OTHER,
        "content/pages/imprint.md": HIDDEN,
    }
    out = build(site_factory(languages=["en", "sk"], files=files), tmp_path / "out")
    english, slovak = page(out, "terms"), page(out, "sk/terms")
    assert english.h1.get_text() == "Terms of service" and english.main.strong.get_text() == "little"
    assert slovak.h1.get_text() == "Obchodné podmienky" and slovak.main.strong.get_text() == "málo"
    assert english.find("meta", attrs={"name": "description"})["content"] == "What we promise."
    assert slovak.find("meta", attrs={"name": "description"})["content"] == "What we promise."  # inherited
    untranslated = page(out, "sk/about")
    assert untranslated.h1.get_text() == "About us" and untranslated.html["lang"] == "sk"
    assert untranslated.select_one("main article")["lang"] == "en"  # its words are in the site's language
    assert not english.select_one("main article").has_attr("lang") and not slovak.select_one("main article").has_attr(
        "lang"
    )
    for prefix, labels in (("", ["About us", "Terms"]), ("sk/", ["About us", "Podmienky"])):
        for path in ("", "history/", "terms/", "incidents/"):
            if path == "incidents/":
                continue
            links = page(out, prefix + path.rstrip("/") if prefix + path else ".").select("nav[aria-label] a")
            texts = [a.get_text() for a in links]
            assert texts[-2:] == labels, (prefix, path)  # after ours, by order
            assert "Imprint" not in texts
            for a in links[-2:]:  # each link leads to the page, from where it is
                folder = out / prefix / path
                assert (folder / a["href"]).resolve().is_file()
    assert page(out, "imprint").h1.get_text() == "Imprint"  # out of the navigation, still published
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for location in ("terms/", "sk/terms/", "about/", "sk/about/", "imprint/"):
        assert f"<loc>https://status.test/{location}</loc>" in sitemap


def test_the_support_page_takes_its_label_from_the_sites_page(site_factory, tmp_path: Path) -> None:
    support = "---\ntitle: Get help\nnav: Help\n---\nAbove.\n\n<!-- channels -->\n\nBelow the channels.\n"
    out = build(site_factory(languages=["en", "sk"], files={"content/pages/support.md": support}), tmp_path / "out")
    help_page = page(out, "support")
    assert help_page.h1.get_text() == "Get help"
    assert "Help" in [a.get_text() for a in help_page.select("nav[aria-label] a")]
    blocks = [element for element in help_page.main.children if getattr(element, "name", None)]
    names = [(block.name, block.get("class"), block.get_text(" ", strip=True)[:20]) for block in blocks]
    above = next(i for i, block in enumerate(blocks) if "Above." in block.get_text())
    channels = next(i for i, block in enumerate(blocks) if block.select_one("ol.channels"))
    below = next(i for i, block in enumerate(blocks) if "Below the channels." in block.get_text())
    assert above < channels < below, names
    # On the Slovak pages, the site's support page (not translated) in its own words, not ours.
    assert page(out, "sk/support").h1.get_text() == "Get help" and page(out, "sk/support").h1["lang"] == "en"
    assert not help_page.h1.has_attr("lang")


def test_markdown_in_pages_is_sanitised(site_factory, tmp_path: Path) -> None:
    evil = (
        "---\ntitle: Hello <script>alert(1)</script>\n---\n"
        "<script>alert(2)</script>\n\n[click](javascript:alert(3)) <img src=x onerror=alert(4)>\n"
        '<a href="javascript:alert(5)" onclick="alert(6)">x</a>\n'
    )
    out = build(site_factory(language="en", files={"content/pages/evil.md": evil}), tmp_path / "out")
    html = (out / "evil" / "index.html").read_text(encoding="utf-8")
    main = page(out, "evil").main
    assert main.h1.get_text() == "Hello <script>alert(1)</script>"  # a title is shown as written
    assert main.find("script") is None and "javascript:" not in str(main) and "onerror" not in html
    assert "onclick" not in html
    nav = [a.get_text() for a in page(out, "evil").select("nav[aria-label] a")]
    assert "Hello <script>alert(1)</script>" in nav


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("a.md", "---\ntitle: A\ncolour: red\n---\nx\n", 3, "unknown key 'colour'"),
        ("a.md", "---\nnav: A\n---\nx\n", 1, "missing required key 'title'"),
        ("a.md", "---\ntitle: A\norder: first\n---\nx\n", 3, "order must be a whole number"),
        ("a.md", "---\ntitle: A\nnav: true\n---\nx\n", 3, "nav is the page's label"),
        ("a.md", "---\ntitle: A\n---\nx\n\n<!-- channels -->\n", 6, "on the support page only"),
        ("support.md", "---\ntitle: A\norder: 3\n---\nx\n", 3, "the support page keeps its place"),
        ("history.md", "---\ntitle: A\n---\nx\n", None, "a page cannot be named 'history'"),
        ("en.md", "---\ntitle: A\n---\nx\n", None, "a page cannot be named 'en'"),
        ("a.de.md", "---\ntitle: A\n---\nx\n", None, "unknown translation language 'de'"),
        ("b.sk.md", "---\ntitle: B\n---\nx\n", None, "translation of b.md, which does not exist"),
        ("a.md", "title: A\n", 1, "missing front matter"),
    ],
)
def test_a_bad_page_is_a_path_line_error(
    site_factory, tmp_path: Path, name: str, text: str, line: int | None, message: str
) -> None:
    site = site_factory(language="en")
    out = build(site, tmp_path / "out")
    before = (out / "index.html").read_bytes()
    pages = site / "content" / "pages"
    pages.mkdir(parents=True)
    (pages / name).write_text(text, encoding="utf-8")
    if name == "b.sk.md":
        (pages / "a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    (pages / "ok.md").write_text("---\ntitle: OK\n---\nfine\n", encoding="utf-8")
    for command in ("check", "build"):
        args = [command, "--site", str(site)] + (["--out", str(out), "--now", NOW] if command == "build" else [])
        result = run(*args)
        assert result.exit_code == 1, result.output
        where = f"{site / 'content' / 'pages' / name}" + (f":{line}:" if line else ":")
        assert any(row.startswith(where) and message in row for row in result.output.splitlines()), result.output
        assert "Traceback" not in result.output
    assert (out / "index.html").read_bytes() == before and not (out / "ok").exists()


def test_a_translation_only_translates_text(site_factory) -> None:
    files = {"content/pages/a.md": "---\ntitle: A\n---\nx\n", "content/pages/a.sk.md": "---\norder: 4\n---\ny\n"}
    result = run("check", "--site", str(site_factory(language="en", files=files)))
    assert result.exit_code == 1
    assert "a.sk.md:2: order is set in" in result.output


# ---------------------------------------------------------------------------------------- [wording]

WORDING = """
[wording]
why_overdue = { en = "Late since {fix_by}!", sk = "Mešká od {fix_by}!" }
overdue_advice.en = "Ring {phone}, we have <b>news</b>."
why_waiting_scheduled = "Held for “{maintenance}” ({window}, {impact})."
support_phone = "Ring us."
channel_phone = { sk = "Telefonát" }
"""


def wording_site(site_factory, extra: str = WORDING) -> Path:
    config = DEFAULT_CONFIG.format(language="en").replace('language = "en"', 'languages = ["en", "sk"]', 1) + extra
    upgrade = maintenance(title="Upgrade <script>alert(1)</script> & co", start="2026-12-05T22:00:00+01:00")
    return site_factory(config=config, maintenance=[upgrade], tickets=[OVERDUE, WAITING])


def test_a_sentence_reworded_per_language_changes_pages_feeds_and_the_api(site_factory, tmp_path: Path) -> None:
    out = build(wording_site(site_factory), tmp_path / "out")
    english = {
        i["id"]: i["explanation"] for i in json.loads((out / "api/known-issues.json").read_bytes())["known_issues"]
    }
    slovak = {
        i["id"]: i["explanation"] for i in json.loads((out / "sk/api/known-issues.json").read_bytes())["known_issues"]
    }
    assert english[7].startswith("Late since ") and english[7].endswith("! Ring +421 2 000 000, we have <b>news</b>.")
    assert slovak[7].startswith("Mešká od ") and "Ring" not in slovak[7]  # our advice, in Slovak
    assert "technická podpora na čísle +421 2 000 000" in slovak[7]
    assert english[8].startswith("Held for “Upgrade <script>alert(1)</script> & co” (")
    assert slovak[8].startswith("Held for “Upgrade")  # one text for every language
    # Pages: the same words, every value and the site's text escaped.
    ticket_page = page(out, "known-issues/8")
    assert "Held for “Upgrade <script>alert(1)</script> & co”" in ticket_page.select_one("p.explanation").get_text()
    assert ticket_page.main.find("script") is None
    overdue = page(out, "known-issues/7").select_one("p.explanation")
    assert "we have <b>news</b>." in overdue.get_text() and overdue.find("b") is None
    for prefix, label, note in (("", "Phone", "Ring us."), ("sk/", "Telefonát", "Ring us.")):
        phone = page(out, prefix + "support").select_one("#channel-phone")
        assert phone.h3.get_text() == label and note in phone.get_text()
    assert page(out, "sk/known-issues/7").select_one("dl.facts").get_text().count("Live chat") == 1  # unchanged one
    # Feeds: the known-issues feed carries the same sentence.
    feed = feedparser.parse((out / "feeds/known-issues.atom").read_bytes())
    summaries = " ".join(
        entry.get("summary", "") + entry.get("content", [{}])[0].get("value", "") for entry in feed.entries
    )
    assert "Late since " in summaries and "Ring +421 2 000 000" in summaries
    slovak_feed = feedparser.parse((out / "sk/feeds/known-issues.atom").read_bytes())
    assert "Mešká od " in " ".join(entry.get("summary", "") for entry in slovak_feed.entries) + " ".join(
        entry.get("content", [{}])[0].get("value", "") for entry in slovak_feed.entries
    )
    assert "<script>" not in (out / "feeds/known-issues.atom").read_text(encoding="utf-8").replace("&lt;script&gt;", "")


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ('\n[wording]\nwhy_late = "x"\n', 3, "unknown key 'why_late' in [wording]"),
        ('\n[wording]\nwhy_overdue = "Late {fix_byy}"\n', 3, "unknown placeholder {fix_byy}"),
        ('\n[wording]\nwhy_overdue.en = "Late {fix_by!r}"\n', 3, "takes no format or conversion"),
        ('\n[wording]\nwhy_overdue = "Late {"\n', 3, "Single '{'"),
        ('\n[wording]\nwhy_overdue = { de = "Spät" }\n', 3, "unknown language 'de'"),
        ("\n[wording]\nwhy_overdue = 3\n", 3, "must be a string or a table"),
        ('\n[wording.why_overdue]\nen = "ok"\nsk = "{maintenance}"\n', 4, "unknown placeholder {maintenance}"),
        ('\n[wording]\nsupport_chat = "Chat at {chat_url} {address}"\n', 3, None),
    ],
)
def test_a_bad_sentence_is_a_path_line_error(site_factory, extra: str, line: int, message: str | None) -> None:
    config = DEFAULT_CONFIG.format(language="en") + extra
    site = site_factory(config=config)
    result = run("check", "--site", str(site))
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    configured = DEFAULT_CONFIG.count("\n") + line
    assert f"statuspage.toml:{configured}: " in result.output and message in result.output, result.output


def test_a_placeholder_for_a_channel_the_site_lacks_is_an_error(site_factory) -> None:
    config = DEFAULT_CONFIG.format(language="en").replace('phone = "+421 2 000 000"\n', "")
    result = run("check", "--site", str(site_factory(config=config + '\n[wording]\noverdue_advice = "Call {phone}"\n')))
    assert result.exit_code == 1 and "placeholder {phone} needs phone in [support]" in result.output


def test_without_a_phone_the_overdue_advice_names_the_e_mail(site_factory, tmp_path: Path) -> None:
    config = DEFAULT_CONFIG.format(language="en").replace('phone = "+421 2 000 000"\n', "")
    out = build(site_factory(config=config, tickets=[OVERDUE]), tmp_path / "out")
    (item,) = json.loads((out / "api/known-issues.json").read_bytes())["known_issues"]
    assert item["explanation"].endswith("write to technical support at help@example.test.")


# ---------------------------------------------------------------------------------------- serve


def test_serve_shows_a_page_and_follows_its_edits(site_factory) -> None:
    site = site_factory(languages=["en", "sk"], files={"content/pages/terms.md": PAGE})
    client = create_preview_app(site, now_option=NOW, provenance=False).test_client()
    assert BeautifulSoup(client.get("/terms/").data, "html.parser").h1.get_text() == "Terms of service"
    assert client.get("/sk/terms/").status_code == 200
    assert client.get("/nothing-here/").status_code == 404
    time.sleep(0.01)
    (site / "content" / "pages" / "terms.md").write_text(
        PAGE.replace("Terms of service", "New terms"), encoding="utf-8"
    )
    assert BeautifulSoup(client.get("/terms/").data, "html.parser").h1.get_text() == "New terms"


def test_every_first_path_segment_of_ours_is_a_reserved_page_name() -> None:
    from statuspage.sources.site import load_site
    from statuspage.sources.sitepages import RESERVED_NAMES
    from statuspage.state import derive
    from statuspage.web import create_app

    app = create_app(derive(load_site(REPO), datetime.fromisoformat(NOW)))
    firsts = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules() if "<name>" not in rule.rule}
    folders = {first for first in firsts if first and "." not in first and "<" not in first} - {"support"}
    assert folders <= RESERVED_NAMES, folders - RESERVED_NAMES


def test_every_sentence_a_site_can_change_is_documented_with_its_placeholders() -> None:
    from statuspage.wording import SENTENCES

    for doc in ("docs/authoring.md", "docs/theming.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        for key, sentence in SENTENCES.items():
            row = next((line for line in text.splitlines() if line.startswith(f"| `{key}` |")), None)
            assert row is not None, f"{doc} does not list the sentence {key}"
            for placeholder in sentence.placeholders:
                assert f"`{{{placeholder}}}`" in row, f"{doc}: {key} does not name {{{placeholder}}}"
