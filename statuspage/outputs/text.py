"""Plain-text views of rendered Markdown, for calendars, JSON bodies and status.txt."""

from __future__ import annotations

import html
import re

import nh3

_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_BLOCK_END = re.compile(r"</(p|li|h[2-6]|tr|blockquote|pre|dd|dt)>|<br\s*/?>", re.IGNORECASE)


def plain_text(markup: str) -> str:
    """Sanitised HTML to readable text: block ends become line breaks, every tag goes."""
    with_breaks = _BLOCK_END.sub(lambda match: match.group(0) + "\n", str(markup))
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    return _BLANK_LINES.sub("\n\n", text).strip()
