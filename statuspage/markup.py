"""The one sanitising path: Markdown to safe HTML (Python-Markdown, then nh3); titles as written; HTML's text."""

from __future__ import annotations

import html
import re
import signal
import threading
from functools import cache
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup

if TYPE_CHECKING:
    from markdown import Markdown

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


@cache
def _converter() -> Markdown:
    """One converter per process, reset between documents: building one costs more than converting."""
    from markdown import Markdown  # imported when first needed: a rebuild from the parse cache never is

    return Markdown(extensions=_EXTENSIONS, output_format="html")


# Characters XML 1.0 forbids (feeds, sitemaps): C0 controls except tab, line feed and carriage
# return, and the non-characters U+FFFE/U+FFFF.  They carry no meaning in a status text.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def without_control_characters(text: str) -> str:
    return FORBIDDEN_CHARACTERS.sub("", text)


def render_markdown(text: str) -> Markup:
    """Markdown source to sanitised HTML that is safe to insert into any page or feed.

    Python-Markdown takes time quadratic in the length of some texts (``[](`` or ``<a `` repeated:
    a minute for 64 KiB), so its work on one text is bounded (see ``_bounded_convert``); a text it
    would not finish in time is shown as written, escaped, in a ``<pre>``.
    """
    text = without_control_characters(text)
    if not text.strip():
        return Markup("")
    html = plain_paragraphs(text)
    if html is not None:  # nothing in it for the sanitiser to change (a test holds it to that)
        return Markup(html)
    converted = _bounded_convert(text)
    if converted is None:
        return Markup(f"<pre>{escape_text(text)}</pre>")
    return Markup(sanitise(converted).strip())


MAX_MARKDOWN = 64 * 1024  # characters of one text (a summary, an update, a description): pages of prose
CONVERT_SECONDS = 2.0  # Python-Markdown's time for one text, where it can be interrupted
_COSTLY_TAGS = 15_000_000  # see _looks_costly: `<a ` repeated over 7 KiB, a second or so
_COSTLY_LINKS = 5_000_000  # `[](` repeated over 4 KiB in one paragraph, half a second or so


class _OverBudget(BaseException):
    """Raised inside Python-Markdown by the timer; a BaseException so no ``except Exception`` keeps it."""


def escape_text(text: str) -> str:
    """The text as written, for inside an element."""
    return html.escape(text, quote=False)


def _looks_costly(text: str) -> bool:
    """Whether Python-Markdown would take quadratic time over this text, by the patterns known to do so.

    Each ``[`` may start a link whose end Python-Markdown looks for through the rest of its
    paragraph, and each ``<`` may start raw HTML it looks for through the rest of the text.  The
    products bound that work; ordinary texts, even long ones with many links, stay far below.
    """
    if text.count("<") * len(text) > _COSTLY_TAGS:
        return True
    return sum(block.count("[") * len(block) for block in text.split("\n\n")) > _COSTLY_LINKS


def _bounded_convert(text: str) -> str | None:
    """Python-Markdown's HTML for ``text``, or None where it would cost too much.

    Two bounds.  Texts matching the patterns known to be quadratic are not converted, whatever the
    thread, so the watch daemon and a build give the same page.  And in a process's main thread
    (a build, ``check``, the forked workers) a real-time timer interrupts the conversion after
    CONVERT_SECONDS, for patterns not known yet: a thread cannot be stopped from outside, and a
    subprocess per text would cost more than the conversion.  The timer is only used when no
    other SIGALRM handler or timer is in place, so it never disturbs one.
    """
    if len(text) > MAX_MARKDOWN or _looks_costly(text):
        return None
    timed = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not timed:
        return _converter().reset().convert(text)

    converting = [True]

    def over_budget(signum: int, frame: object) -> None:
        if converting[0]:  # a signal that comes once the conversion is over is ignored
            raise _OverBudget

    signal.signal(signal.SIGALRM, over_budget)
    try:
        signal.setitimer(signal.ITIMER_REAL, CONVERT_SECONDS)
        converted = _converter().reset().convert(text)
        converting[0] = False
        return converted
    except _OverBudget:
        _converter.cache_clear()  # interrupted anywhere: its state is not to be trusted
        return None
    finally:
        converting[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def sanitise(html: str) -> str:
    """Only the allowed tags, attributes and URL schemes survive."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


# Prose without any Markdown: no character that starts markup anywhere in a line, and no line
# that starts (or ends) like a block of its own, but for the items of simple lists.  Most status
# updates are just that.
_MARKUP_CHARACTERS = re.compile(r"[\\`*_\[\]<>&{}|~^\t\r\xa0]")  # and what HTML escapes: & < > and U+00A0
_BLOCK_START = re.compile(r"[\s#>+\-*:=0-9]")
_ITEM = "- "


def plain_paragraphs(text: str) -> str | None:
    """What Python-Markdown and the sanitiser make of plain prose (``<p>`` per paragraph), or None.

    Plain prose may hold simple lists too: blocks whose every line is an item (``- `` and plain
    words), each list apart from the next by a paragraph, as in "what we changed" or "affected".
    Converting and sanitising cost about a half millisecond a text, the bulk of loading a big
    site; this check and join cost a hundredth of that.  ``tests/test_properties.py`` holds it to
    Python-Markdown's output and to nh3 leaving it as it is.
    """
    if _MARKUP_CHARACTERS.search(text) or text.split("\n", 1)[0].isspace():
        return None  # (Markdown keeps a first line of spaces in the first block: a code block, or no list)
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip():
            if line.strip(" \t\r"):  # white space of another kind (a line separator...): Markdown's call
                return None
            if blocks[-1]:
                blocks.append([])
            continue
        words = line[len(_ITEM) :] if line.startswith(_ITEM) else line
        if _BLOCK_START.match(words) or line[-1].isspace():
            return None
        blocks[-1].append(line)
    html: list[str] = []
    after_list = False  # a list right after another (blank lines apart) is one loose list: Markdown's call
    for lines in blocks:
        items = [line[len(_ITEM) :] for line in lines if line.startswith(_ITEM)]
        if not items:
            if lines:
                html.append("<p>" + "\n".join(lines) + "</p>")
                after_list = False
        elif len(items) == len(lines) and not after_list:
            html.append("<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>")
            after_list = True
        else:  # a paragraph and items in one block: a lazy line, or no list at all
            return None
    return "\n".join(html)


_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_BLOCK_END = re.compile(r"</(p|li|h[2-6]|tr|blockquote|pre|dd|dt)>|<br\s*/?>", re.IGNORECASE)
# What a line of text shown as written must not carry: C0 and C1 controls and DEL.  Line breaks
# and tabs become spaces (``plain_line``); the rest is dropped, as XML 1.0 forbids most of it and
# a terminal would act on it.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def plain_text(markup: str) -> str:
    """The text that sanitised HTML (``render_markdown``'s) shows a reader, for JSON, calendars and feeds.

    Tags are removed (script and style with their content) and entities decoded exactly once, as
    a browser shows them: ``&amp;lt;b&amp;gt;`` in the HTML is the text ``&lt;b&gt;``.  The result
    is text, not markup; every output escapes it its own way.
    """
    text = _BLOCK_END.sub(lambda match: match.group(0) + "\n", without_control_characters(str(markup)))
    # nh3 parses as a browser does and writes the text back with HTML's escapes, undone once here.
    text = html.unescape(nh3.clean(text, tags=set()))
    return _BLANK_LINES.sub("\n\n", text).strip()


def plain_line(text: str) -> str:
    """A title as written, on one line: controls dropped, white space as single spaces.

    Never unescaped, never stripped of tags: ``Button <Save> does nothing`` stays exactly that,
    and each output escapes it for itself (Jinja, the XML writer, json, icalendar).
    """
    return " ".join(_CONTROLS.sub("", text).split())
