"""The site's own pages from ``content/pages/<name>.md`` (SPEC §2 and §8): the support page's prose and any other.

A page is front matter (``title``, optionally ``nav``, ``order`` and ``description``) and
Markdown, sanitised like an incident's.  Translations sit beside it as ``<name>.<lang>.md``.
The support page (``support.md``) wraps the channels of ``[support]``, which stay structured
data: a line ``<!-- channels -->`` marks where they go.  A site without ``support.md`` gets ours,
shipped in ``site_template/<lang>/support.md`` (the same file ``statuspage init`` writes), whose
words are true for any operator.
"""

from __future__ import annotations

from datetime import UTC
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from markupsafe import Markup

from ..config import LANGUAGES
from ..errors import Collector
from ..i18n import SOURCE_LANGUAGE
from ..markup import MAX_MARKDOWN, render_markdown
from ..model import Origin, PageText, SitePage
from .content import _code_lines, _discover, _read
from .frontmatter import Document, FieldReader, split_document

PAGE_KEYS = ("title", "nav", "order", "description")
TRANSLATED_KEYS = ("title", "nav", "description")  # a translation translates text: the order is the original's
SUPPORT = "support"
CHANNELS_MARK = "<!-- channels -->"
# First path segments the site's other files take: a page there would overwrite them, or be overwritten.
RESERVED_NAMES = frozenset(
    {"incidents", "maintenance", "known-issues", "components", "history", "subscribe", "feeds", "calendar", "api"}
    | {"static", "index", "404", "badges", "_headers", *LANGUAGES}
)
BUNDLED = resources.files("statuspage") / "site_template"
_NO_ZONE = UTC  # pages have no times: FieldReader's zone is never used


def load_pages(folder: Path, problems: Collector) -> tuple[SitePage, ...]:
    """The pages in ``folder`` (``<site>/content/pages``), by name, with ours standing in for a missing support page."""
    pages: list[SitePage] = []
    for source in _discover(folder, problems):
        if source.slug in RESERVED_NAMES:
            problems.add(
                source.shown, None, f"a page cannot be named {source.slug!r}: the site's own files use /{source.slug}/"
            )
            continue
        found = _load_page(source.slug, source.shown, sorted(source.translations.items()), problems)
        if found is not None:
            pages.append(found)
    if not any(page.name == SUPPORT for page in pages):
        pages.append(bundled_support_page())
    return tuple(sorted(pages, key=lambda page: page.name))


@cache
def bundled_support_page() -> SitePage:
    """Our support page: in English, translated into every other language we ship (read once: it never changes)."""
    problems = Collector()
    original = _parse(SUPPORT, _bundled_text(SOURCE_LANGUAGE), f"site_template/{SOURCE_LANGUAGE}/support.md", problems)
    assert original is not None, problems.problems  # shipped with statuspage: a problem is ours
    page, _ = original
    translations = []
    for language in LANGUAGES:
        if language != SOURCE_LANGUAGE:
            text = _translation(page, _bundled_text(language), f"site_template/{language}/support.md", problems)
            assert text is not None, problems.problems
            translations.append((language, text))
    return SitePage(
        page.name, page.original, page.in_nav, page.order, page.origin, tuple(sorted(translations)), bundled=True
    )


def _bundled_text(language: str) -> str:
    return (BUNDLED / language / "support.md").read_text(encoding="utf-8")


def _load_page(name: str, shown: str, translations: list[tuple[str, str]], problems: Collector) -> SitePage | None:
    read = _read(shown, problems)
    if read is None:
        return None
    parsed = _parse(name, read[0], shown, problems)
    texts = []
    for language, path in translations:
        written = _read(path, problems)
        if written is not None and parsed is not None:
            text = _translation(parsed[0], written[0], path, problems)
            if text is not None:
                texts.append((language, text))
    if parsed is None or parsed[1] < len(problems.problems):
        return None
    page = parsed[0]
    return SitePage(page.name, page.original, page.in_nav, page.order, page.origin, tuple(texts))


def _parse(name: str, text: str, shown: str, problems: Collector) -> tuple[SitePage, int] | None:
    """The page without translations, and the number of problems once it was read."""
    doc = split_document(shown, text, problems)
    if doc is None:
        return None
    fields = FieldReader(doc, _NO_ZONE, problems)
    fields.check_keys(PAGE_KEYS)
    title = fields.plain("title", required=True)
    in_nav, nav = _nav(doc, fields)
    order = _order(doc, fields)
    if name == SUPPORT and (order is not None or not in_nav):
        key = "order" if order is not None else "nav"
        fields.error(key, "the support page keeps its place in the navigation: set only its label (nav: Label)")
    description = fields.plain("description")
    body, after = _body(name, doc, problems)
    if title is None:
        return None
    original = PageText(title, nav, description, body, after)
    return SitePage(name, original, in_nav, order, Origin(shown, 1)), len(problems.problems)


def _translation(page: SitePage, text: str, shown: str, problems: Collector) -> PageText | None:
    """A translation's words; what it leaves out (a key, or the whole text) is the original's."""
    doc = split_document(shown, text, problems)
    if doc is None:
        return None
    fields = FieldReader(doc, _NO_ZONE, problems)
    for key in doc.fields:
        if key == "order":
            fields.error(key, f"order is set in {page.origin.path}; a translation only translates text")
    fields.check_keys(PAGE_KEYS)
    title = fields.plain("title")
    in_nav, nav = _nav(doc, fields)
    if "nav" in doc.fields and in_nav != page.in_nav:
        fields.error("nav", f"nav: false is set in {page.origin.path}; a translation only translates text")
    description = fields.plain("description")
    body, after = _body(page.name, doc, problems)
    original = page.original
    if not body and not after:  # no text of its own: the original's
        body, after = original.body, original.after
    return PageText(
        title or original.title,
        nav if nav is not None else original.nav,
        description or original.description,
        body,
        after,
    )


def _nav(doc: Document, fields: FieldReader) -> tuple[bool, str | None]:
    """``nav``: the label in the navigation, or ``false`` to leave the page out of it."""
    found = doc.fields.get("nav")
    if found is not None and isinstance(found[0], yaml.ScalarNode) and found[0].tag == "tag:yaml.org,2002:bool":
        if found[0].value.lower() in ("true", "yes", "on", "y"):
            fields.error("nav", "nav is the page's label in the navigation, or false to leave it out")
            return True, None
        return False, None
    return True, fields.plain("nav")


def _order(doc: Document, fields: FieldReader) -> int | None:
    found = doc.fields.get("order")
    if found is None:
        return None
    node = found[0]
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:int":
        fields.error("order", "order must be a whole number (pages with a lower one come first)")
        return None
    try:
        return int(node.value.replace("_", ""))
    except ValueError:
        fields.error("order", "order must be a whole number (pages with a lower one come first)")
        return None


def _body(name: str, doc: Document, problems: Collector) -> tuple[Markup, Markup]:
    """The page's HTML, cut at ``<!-- channels -->`` on the support page: the text above the channels and below."""
    lines = doc.body.split("\n")
    code = _code_lines(lines)
    marks = [index for index, line in enumerate(lines) if index not in code and line.strip() == CHANNELS_MARK]
    for index in marks[1:] if name == SUPPORT else marks:
        where = "once" if name == SUPPORT else "on the support page only (content/pages/support.md)"
        problems.add(doc.path, doc.body_line + index, f"{CHANNELS_MARK} marks where the channels go: {where}")
    if len(doc.body) > MAX_MARKDOWN:
        problems.add(doc.path, doc.body_line, f"text is longer than {MAX_MARKDOWN // 1024} KiB")
        return Markup(), Markup()
    if name != SUPPORT or not marks:
        return render_markdown(doc.body), Markup()
    cut = marks[0]
    return render_markdown("\n".join(lines[:cut])), render_markdown("\n".join(lines[cut + 1 :]))
