"""Text for the terminal: untrusted text made safe to print (its control characters shown, never
obeyed), and counts that read as English (``1 incident``, ``2 incidents``)."""

from __future__ import annotations

import re

# C0 controls but line feed and tab, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
# and the bidirectional overrides and isolates that reorder what is shown around them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with each control character written as a Python escape (``\\x1b``, ``\\u202e``), so a
    reporter's title can neither drive the terminal (colours, titles, hyperlinks, cursor moves)
    nor hide what it says; nothing is dropped silently."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_json(text: str) -> str:
    """JSON text with the control characters ``json.dumps`` leaves raw (DEL, C1, bidi controls) as ``\\uXXXX``.

    They can only stand inside strings, where the escape means the same character: parsed, the
    JSON is unchanged, and printed, it cannot drive a terminal.
    """
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 incident``, ``2 incidents``: the command line speaks English, whose plural starts at 2."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
