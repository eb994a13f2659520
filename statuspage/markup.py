"""The one path from untrusted Markdown to safe HTML: Python-Markdown, then nh3 with an allow-list."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

# Only structure and emphasis survive; no attribute can carry script or style, and links may
# only point at web, mail or phone addresses.  Images are left out on purpose: a ticket's image
# would make every visitor's browser call a third party.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str) -> Markup:
    """Markdown source to sanitised HTML that is safe to insert into any page or feed."""
    if not text.strip():
        return Markup("")
    html = markdown.markdown(text, extensions=_EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean.strip())
