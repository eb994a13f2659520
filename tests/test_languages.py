"""Both UI languages complete and right: catalogs, Slovak plurals, and every page linked to its translation."""

from __future__ import annotations

import posixpath
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from conftest import REPO

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


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "pred 1 dňom"), (2, "pred 2 dňami"), (4, "pred 4 dňami"), (5, "pred 5 dňami"), (90, "pred 90 dňami")],
)
def test_slovak_plural_forms_of_the_uptime_legend(count: int, expected: str) -> None:
    assert translations("sk").ngettext("%(num)d day ago", "%(num)d days ago", count) % {"num": count} == expected
