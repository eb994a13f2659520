"""Both UI languages complete and right: catalogs, Slovak plurals, and every page linked to its translation."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, run, ticket, tree

from statuspage.i18n import translations

TRANSLATIONS = REPO / "statuspage" / "translations"
BASE_URL = "https://status.example.sk/"  # the example's base_url


def catalog(path: Path, locale: str | None = None):  # noqa: ANN201 - babel's Catalog
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_ui_string_has_a_slovak_translation() -> None:
    slovak = catalog(TRANSLATIONS / "sk" / "LC_MESSAGES" / "messages.po", "sk")
    template = catalog(TRANSLATIONS / "messages.pot")
    untranslated = []
    for message in template:
        if not message.id:
            continue
        translated = slovak.get(message.id)
        strings = translated.string if translated else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(forms):
            untranslated.append(message.id)
    assert not untranslated, f"not translated into Slovak: {untranslated}"
    assert slovak.num_plurals == 3


def test_the_message_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Re-extracting (the command in babel.cfg) finds exactly the messages of messages.pot."""
    fresh = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_"]
    command += ["-k", "_t:2", "--no-location", "--sort-output", "--omit-header", "-o", str(fresh), "."]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    extracted = {message.id for message in catalog(fresh) if message.id}
    committed = {message.id for message in catalog(TRANSLATIONS / "messages.pot") if message.id}
    assert extracted - committed == set(), "new UI strings: run the extract and update commands of babel.cfg"
    assert committed - extracted == set(), "stale UI strings: run the extract and update commands of babel.cfg"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 známy problém je otvorený."),
        (2, "2 známe problémy sú otvorené."),
        (4, "4 známe problémy sú otvorené."),
        (5, "5 známych problémov je otvorených."),
        (0, "0 známych problémov je otvorených."),
        (22, "22 známych problémov je otvorených."),
    ],
)
def test_slovak_plural_forms_on_the_front_page(count: int, expected: str) -> None:
    sentence = translations("sk").ngettext("%(num)d known issue is open.", "%(num)d known issues are open.", count)
    assert sentence % {"num": count} == expected


def test_front_page_dates_are_localised(example_build: Path) -> None:
    slovak = BeautifulSoup((example_build / "index.html").read_text(encoding="utf-8"), "html.parser")
    english = BeautifulSoup((example_build / "en" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert slovak.select_one("#overall + p time").get_text() == "25. 11. 2026 12:00 SEČ"
    assert english.select_one("#overall + p time").get_text() == "25 Nov 2026, 12:00 CET"
    assert english.html["lang"] == "en" and slovak.html["lang"] == "sk"


def pages(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.html") if path.name != "404.html")


def test_every_page_links_to_its_translation(example_build: Path) -> None:
    """The switch links relatively to the same page in the other language, and hreflang alternates absolutely."""
    sk_pages = [p for p in pages(example_build) if not p.relative_to(example_build).parts[0] == "en"]
    assert len(sk_pages) > 30
    for page in sk_pages:
        relative = page.relative_to(example_build).as_posix()
        for here, there, language in ((relative, "en/" + relative, "en"), ("en/" + relative, relative, "sk")):
            assert (example_build / there).is_file(), f"{here}: no {there}"
            html = BeautifulSoup((example_build / here).read_text(encoding="utf-8"), "html.parser")
            switch = html.select_one(f'.languages a[hreflang="{language}"]')
            assert switch is not None, f"{here}: no link to {language}"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), switch["href"]))
            assert target == there, f"{here}: the {language} link goes to {target}"
            alternates = {link["hreflang"]: link["href"] for link in html.select('link[rel="alternate"][hreflang]')}
            directory = there.removesuffix("index.html")
            assert alternates[language] == BASE_URL + directory, here
            assert alternates["x-default"] == alternates["sk"]
            assert (
                html.select_one(".languages [aria-current]").get_text()
                == {"sk": "English", "en": "Slovenčina"}[language]
            )


def test_the_404_page_links_to_each_language_absolutely(example_build: Path) -> None:
    html = BeautifulSoup((example_build / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert html.select_one('.languages a[hreflang="en"]')["href"] == BASE_URL + "en/"
    assert not html.select('link[rel="alternate"][hreflang]')
    assert all(urlsplit(a["href"]).scheme for a in html.select("header a"))


# ------------------------------------------------------------------------- the languages built

# Letters of Slovak that English never has, and Slovak words a page could leak without them.
SLOVAK_LETTERS = re.compile("[áäčďéíĺľňóôŕšťúýžÁÄČĎÉÍĹĽŇÓÔŔŠŤÚÝŽ]")
SLOVAK_WORDS = re.compile(r"\b(?:Slovencina|sluzieb|alebo|nahlasen\w*|podpor[ay]|inovaci\w*|stav)\b", re.IGNORECASE)


def test_a_site_made_by_init_in_english_has_no_trace_of_slovak(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795604400")  # NOW: init dates its examples around it
    site, out = tmp_path / "site", tmp_path / "out"
    assert run("init", str(site), "--language", "en").exit_code == 0
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output

    assert not (out / "sk").exists() and not (out / "en").exists()  # one language, at the root
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.suffix == ".png":  # the preview image has no words
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(out)
        assert not SLOVAK_LETTERS.search(text), f"{where}: {SLOVAK_LETTERS.search(text)}"
        assert not SLOVAK_WORDS.search(text), f"{where}: {SLOVAK_WORDS.search(text)}"
        assert "/sk/" not in text and "hreflang" not in text, where
    for page in pages(out):
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert html.html["lang"] == "en"
        assert not html.select(".languages"), f"{page}: a language switch with nothing to switch to"
    assert {urlsplit(loc).path.split("/")[1] for loc in xml_locations(out / "sitemap.xml")} <= {
        "",
        "known-issues",
        "support",
        "subscribe",
        "history",
        "components",
        "incidents",
        "maintenance",
    }


def xml_locations(sitemap: Path) -> list[str]:
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return [loc.text or "" for loc in ElementTree.parse(sitemap).getroot().iter(f"{namespace}loc")]


def test_a_site_in_one_language_has_no_switch_and_no_alternates(site_factory: Callable[..., Path], tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    site = site_factory(incidents=[incident()], tickets=[ticket(1)])  # language = "sk" alone
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    assert not (out / "en").exists()
    for page in [*pages(out), out / "404.html"]:
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert not html.select('link[rel="alternate"][hreflang]'), page
        assert not html.select(".languages"), page
    assert all("/en/" not in loc for loc in xml_locations(out / "sitemap.xml"))
    assert "/en/" not in (out / "_headers").read_text(encoding="utf-8")


def test_the_first_of_languages_is_at_the_root(site_factory: Callable[..., Path], tmp_path) -> None:  # noqa: ANN001
    """``languages`` alone is enough; ``language`` may be left out."""
    out = tmp_path / "out"
    site = site_factory(incidents=[incident()], language="en", languages=["en", "sk"])
    assert "language =" not in (site / "statuspage.toml").read_text(encoding="utf-8")
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    root = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    slovak = BeautifulSoup((out / "sk" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert root.html["lang"] == "en" and slovak.html["lang"] == "sk"
    assert root.select_one('.languages a[hreflang="sk"]')["href"] == "sk/index.html"
    assert {link["hreflang"] for link in root.select('link[rel="alternate"][hreflang]')} == {"en", "sk", "x-default"}


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_language_without_a_catalog_is_refused_with_what_ships(
    site_factory: Callable[..., Path], tmp_path: Path, command: str
) -> None:
    site = site_factory(incidents=[incident()], language="en", languages=["en", "sk"])
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    before = tree(out)
    config = site / "statuspage.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"sk"]', '"de"]'), encoding="utf-8")
    arguments = ["--out", str(out), "--now", NOW] if command == "build" else []
    result = run(command, "--site", str(site), *arguments)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line = next(
        n for n, text in enumerate((site / "statuspage.toml").read_text().splitlines(), 1) if "languages" in text
    )
    expected = (
        f"{site}/statuspage.toml:{line}: no catalog for language 'de': statuspage ships sk, en; "
        "a new language needs a catalog of the UI's sentences added to statuspage (see docs/authoring.md, Languages)"
    )
    assert expected in result.stderr.splitlines()
    assert tree(out) == before  # the previous output untouched


def test_the_docs_say_how_to_add_a_language() -> None:
    """The refusal sends the operator to docs/authoring.md's Languages section: it must say how."""
    authoring = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = authoring.split("\n## Languages", 1)[1].split("\n## ", 1)[0]
    assert "messages.po" in section and "pybabel init" in section


# ----------------------------------------------------------------------- names per language

TRANSLATED_CONFIG = """\
[site]
title = {{ en = "Service status", sk = "Stav služieb" }}
base_url = "https://status.test/"
languages = {languages}
timezone = "Europe/Bratislava"

[[components]]
id = "web"
name = {{ en = "Website", sk = "Webová stránka" }}
group = {{ en = "Public services", sk = "Verejné služby" }}
description = {{ en = "Where you manage your account." }}

[[components]]
id = "api"
name = "API"
group = "Public services"

[tickets]
db = "content/tickets.db"
"""


def test_a_language_a_name_leaves_out_shows_the_first_languages_text(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    """The group's Slovak text, given on one member, serves the others; the description falls back to English."""
    site = site_factory(incidents=[incident()], config=TRANSLATED_CONFIG.format(languages='["en", "sk"]'))
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    english = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    slovak = BeautifulSoup((out / "sk" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [h.get_text() for h in english.select("#components-h ~ h3")] == ["Public services"]
    assert [h.get_text() for h in slovak.select("#components-h ~ h3")] == ["Verejné služby"]
    assert [a.get_text() for a in slovak.select(".component-head a")] == ["Webová stránka", "API"]
    assert slovak.title.get_text() == "Stav služieb" and english.title.get_text() == "Service status"
    component = BeautifulSoup((out / "sk" / "components" / "web" / "index.html").read_text("utf-8"), "html.parser")
    assert "Where you manage your account." in component.main.get_text()  # no Slovak text: the first language's


def test_a_group_given_two_texts_in_one_language_is_refused(site_factory: Callable[..., Path]) -> None:
    config = TRANSLATED_CONFIG.format(languages='["en", "sk"]').replace(
        'group = "Public services"', 'group = { en = "Public services", sk = "Služby" }'
    )
    site = site_factory(config=config)
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    line = config.splitlines().index('group = { en = "Public services", sk = "Služby" }') + 1
    assert (
        f"{site}/statuspage.toml:{line}: group 'Public services' is 'Verejné služby' in 'sk' on component 'web' "
        "but 'Služby' here: a group is one heading"
    ) in result.stderr.splitlines()


ENGLISH_NAMES = {
    "web": "Web interface",
    "api": "API",
    "cdn": "Content delivery network (CDN)",
    "auth": "Sign-in and accounts",
    "mail": "E-mail delivery",
    "support-chat": "Support live chat",
}
SLOVAK_NAMES = {
    "web": "Webové rozhranie",
    "api": "API",
    "cdn": "Publikačná sieť (CDN)",
    "auth": "Prihlasovanie a účty",
    "mail": "Odosielanie e-mailov",
    "support-chat": "Live chat podpory",
}
TITLES = {"": "Stav služieb Example", "en/": "Example service status"}


@pytest.mark.parametrize(("prefix", "names"), [("", SLOVAK_NAMES), ("en/", ENGLISH_NAMES)])
def test_the_example_shows_each_languages_names_in_every_output(
    example_build: Path, prefix: str, names: dict[str, str]
) -> None:
    import feedparser
    import icalendar

    root = example_build / prefix
    title = TITLES[prefix]
    front = BeautifulSoup((root / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert front.title.get_text() == front.h1.get_text() == title
    assert [a.get_text() for a in front.select(".component-head a")] == list(names.values())
    for page in ("subscribe/index.html", "known-issues/index.html", "history/index.html", "404.html"):
        if page == "404.html" and prefix:
            continue  # one 404 page, in the first language, for any path
        html = BeautifulSoup((root / page).read_text(encoding="utf-8"), "html.parser")
        assert html.title.get_text().endswith(f" · {title}"), page
        assert html.select_one(".site-title").get_text().strip() == title, page
    subscribe = (root / "subscribe" / "index.html").read_text(encoding="utf-8")
    known = BeautifulSoup((root / "known-issues" / "index.html").read_text(encoding="utf-8"), "html.parser")
    for cid, name in names.items():
        assert name in subscribe
        component = BeautifulSoup((root / "components" / cid / "index.html").read_text("utf-8"), "html.parser")
        assert component.h1.get_text() == name and component.title.get_text() == f"{name} · {title}"
        feed = feedparser.parse((root / "feeds" / "components" / f"{cid}.atom").read_bytes())
        assert feed.feed.title == f"{title}: {name}"
        assert json.loads((root / "feeds" / "components" / f"{cid}.json").read_text("utf-8"))["title"] == (
            f"{title}: {name}"
        )
        calendar = icalendar.Calendar.from_ical((root / "calendar" / "components" / f"{cid}.ics").read_bytes())
        assert str(calendar["X-WR-CALNAME"]) == f"{title}: {name}"
        assert json.loads((root / "api" / "badges" / f"{cid}.json").read_text("utf-8"))["label"] == name
        assert f">{name}<" in (root / "badges" / f"{cid}.svg").read_text(encoding="utf-8").replace("&amp;", "&")
    assert {a.get_text() for a in known.select("main li a[href*='known-issues/components/']")} <= set(names.values())
    assert feedparser.parse((root / "feeds" / "all.atom").read_bytes()).feed.title.startswith(f"{title}: ")
    summary = json.loads((root / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["page"]["name"] == title
    listed = {c["id"]: c["name"] for c in summary["components"] if not c["group"]}
    assert {cid: listed[cid] for cid in names} == names or set(listed.values()) == set(names.values())
    groups = [c["name"] for c in summary["components"] if c["group"]]
    assert groups == (
        ["Verejné služby", "Účty a notifikácie", "Technická podpora"]
        if prefix == ""
        else ["Public services", "Accounts and notifications", "Technical support"]
    )
    affected = [
        c["name"] for incident in summary["incidents"] for c in incident["components"]
    ]  # the incidents' components too
    assert affected and set(affected) <= set(names.values())
    calendar = icalendar.Calendar.from_ical((root / "calendar" / "maintenance.ics").read_bytes())
    descriptions = " ".join(str(event["DESCRIPTION"]) for event in calendar.walk("VEVENT"))
    assert names["cdn"] in descriptions
    status = (root / "status.txt").read_text(encoding="utf-8").splitlines()
    for cid, name in names.items():
        assert any(line.startswith(f"{cid}: ") and f"({name}: " in line for line in status), cid


def test_check_warns_of_a_translation_into_a_language_not_built(site_factory: Callable[..., Path]) -> None:
    """Sites were built in every shipped language before ``languages``: a translation left unshown is named."""
    translation = "---\ntitle: Web outage\n---\nIn English.\n"
    site = site_factory(incidents=[incident("outage")], files={"content/incidents/outage.en.md": translation})
    result = run("check", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {site}/content/incidents/outage.en.md:1: a translation into 'en', which the site does not build: "
        "add it to [site] languages to publish it"
    ) in result.stderr.splitlines()
    config = site / "statuspage.toml"
    config.write_text(config.read_text().replace('language = "sk"', 'languages = ["sk", "en"]'), encoding="utf-8")
    assert "warning" not in run("check", "--site", str(site)).stderr


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "pred 1 dňom"), (2, "pred 2 dňami"), (4, "pred 4 dňami"), (5, "pred 5 dňami"), (90, "pred 90 dňami")],
)
def test_slovak_plural_forms_of_the_uptime_legend(count: int, expected: str) -> None:
    assert translations("sk").ngettext("%(num)d day ago", "%(num)d days ago", count) % {"num": count} == expected
