"""Property-based tests: any input gives a site or `path:line: message` problems, never a crash or a hang.

Hypothesis writes front matter, update headings, config files and ticket rows out of valid
pieces, wrong types and YAML/TOML/Unicode oddities.  Whatever it writes, loading either succeeds
(and then the whole build succeeds) or raises ValidationError whose every problem points at a
file of the site; any other exception is a bug.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from conftest import DEFAULT_CONFIG, NOW, make_site, ticket
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from statuspage.build import build_site
from statuspage.errors import ValidationError
from statuspage.sources.site import load_site

SETTINGS = settings(
    max_examples=40,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

YAML_SPECIALS = [
    "&anchor [1, 2, 3]",
    "*anchor",
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!custom tag",
    "[" * 200 + "]" * 200,
    "{a: {b: {c: {d: [1, {e: 2}]}}}}",
    "'unterminated",
    '"bad \\q escape"',
    "|\n  block\n  text",
    ">-\n  folded",
    "~",
    "null",
    "yes",
    "0x1F",
    "1e309",
    ".nan",
    "2026-13-45",
    "2026-11-20T25:61:00+01:00",
    "2026-03-29T02:30:00",
    "2026-10-25T02:30:00",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "- a\n- b",
    "x" * 20000,
    "مرحبا بالعالم",
    "\u202eevil\u202c",
    "\x00\x07",
    "web",
    "[web, api]",
    "[1042, abc]",
]
KEYS = ["title", "date", "resolved", "severity", "components", "tickets", "pin", "pin_until",
        "start", "end", "impact", "cancelled", "rrule", "unknown", "Title", ""]  # fmt: skip
STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem", "scheduled",
            "in_progress", "completed", "cancelled", "fixed", ""]  # fmt: skip

values = st.one_of(st.sampled_from(YAML_SPECIALS), st.text(max_size=40), st.integers().map(str))
front_matter = st.dictionaries(st.sampled_from(KEYS), values, max_size=9)
times = st.one_of(
    st.sampled_from(["2026-11-20T10:00+01:00", "2026-11-20 11:40", "2026-11-20", "2026-11-19T09:00Z"]),
    st.sampled_from(YAML_SPECIALS),
    st.text(max_size=20),
)
heading = st.builds(lambda t, s: f"## {t} {s}", times, st.sampled_from(STATUSES))
body_line = st.one_of(heading, st.text(max_size=60), st.sampled_from(["```", "~~~", "## Workaround", "---", "==="]))
bodies = st.lists(body_line, max_size=12).map("\n".join)
wrappers = st.sampled_from(["plain", "bom", "crlf", "cr", "no-front-matter", "unclosed", "empty"])


def document(fields: dict[str, str], body: str, wrapper: str) -> bytes:
    front = "\n".join(f"{key}: {value}" for key, value in fields.items())
    text = f"---\n{front}\n---\n{body}\n"
    if wrapper == "bom":
        text = "\ufeff" + text
    elif wrapper == "crlf":
        text = text.replace("\n", "\r\n")
    elif wrapper == "cr":
        text = text.replace("\n", "\r")
    elif wrapper == "no-front-matter":
        text = body
    elif wrapper == "unclosed":
        text = f"---\n{front}\n{body}"
    elif wrapper == "empty":
        text = ""
    return text.encode("utf-8", "surrogatepass")


def assert_site_or_problems(root: Path) -> None:
    """The property: a valid site builds; an invalid one reports problems inside the site."""
    try:
        load_site(root)
    except ValidationError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path.startswith(str(root)), problem
            assert problem.message.strip(), problem
            assert str(problem).startswith(problem.path + (f":{problem.line}: " if problem.line else ": "))
        return
    build_site(root, root / "build", NOW)
    assert (root / "build" / "index.html").is_file()


@SETTINGS
@given(fields=front_matter, body=bodies, wrapper=wrappers, kind=st.sampled_from(["incidents", "maintenance"]))
def test_any_content_file(fields: dict[str, str], body: str, wrapper: str, kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_site(Path(folder) / "site", tickets=[ticket(1042)])
        (root / "content" / kind / "item.md").write_bytes(document(fields, body, wrapper))
        assert_site_or_problems(root)


@SETTINGS
@given(body=bodies, severity=st.sampled_from(["none", "minor", "major", "critical"]))
def test_any_update_timeline(body: str, severity: str) -> None:
    fields = {"title": "T", "date": "2026-11-19T08:00+01:00", "severity": severity, "components": "[web]"}
    with tempfile.TemporaryDirectory() as folder:
        root = make_site(Path(folder) / "site")
        (root / "content" / "incidents" / "item.md").write_bytes(document(fields, body, "plain"))
        assert_site_or_problems(root)


config_values = st.one_of(
    st.text(max_size=30).map(lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(['"Europe/Bratislava"', '"Mars/Olympus"', '"sk"', '"de"', "true", "[1, 2]", "{a = 1}", '"',
                     '"https://status.test/"', '"javascript:alert(1)"', "1979-05-27T07:32:00Z", "inf", "nan"]),
)  # fmt: skip
config_keys = st.sampled_from(["title", "base_url", "language", "timezone", "id", "name", "group", "fix_hours_min",
                               "fix_hours_max", "db", "chat_url", "huors"])  # fmt: skip


@SETTINGS
@given(replacements=st.lists(st.tuples(config_keys, config_values), max_size=5), tail=st.text(max_size=30))
def test_any_config(replacements: list[tuple[str, str]], tail: str) -> None:
    lines = DEFAULT_CONFIG.format(language="sk").splitlines()
    for key, value in replacements:
        for index, line in enumerate(lines):
            if line.startswith(f"{key} ="):
                lines[index] = f"{key} = {value}"
                break
        else:
            lines.append(f"{key} = {value}")
    with tempfile.TemporaryDirectory() as folder:
        root = make_site(Path(folder) / "site", config="\n".join(lines) + "\n" + tail)
        assert_site_or_problems(root)


column_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=50),
    st.binary(max_size=20),
    st.sampled_from(["reported", "fixing", "resolved", "chat", "letter", "critical", '["web"]', '["nope"]', "[",
                     "2026-11-20T08:00:00+01:00", "2026-11-20", "upgrade", "x" * 70000, "\u202eRTL"]),
)  # fmt: skip
ticket_columns = st.sampled_from(["title", "description", "severity", "channel", "status", "components", "reported_at",
                                  "evaluated_at", "resolved_at", "maintenance", "public"])  # fmt: skip


@SETTINGS
@given(changes=st.dictionaries(ticket_columns, column_values, max_size=5))
def test_any_ticket_row(changes: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_site(Path(folder) / "site")
        connection = sqlite3.connect(root / "content" / "tickets.db")
        row = {**ticket(7), **changes}
        try:
            with connection:
                connection.execute(
                    f"INSERT INTO tickets ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
                )
        except sqlite3.IntegrityError:
            assume(False)  # the schema itself refuses the row (NOT NULL title)
        finally:
            connection.close()
        assert_site_or_problems(root)


# Prose with the characters status updates are made of, and every character that could start
# Markdown, spaces of every kind and line breaks, so both sides of the shortcut are explored.
PROSE = st.lists(
    st.sampled_from(
        list("abcxyzáäčľňôšťúýž ABC019.,;:!?'\"()/%@$€-+=#>*_`[]<>&|~^{}\\")
        + [" ", "  ", "    ", "\n", "\n\n", "\n \n", "\t", "\xa0", "\u2028", "\u3000", "1. ", "- ", "## ", "word "]
        + ["\n- ", "\n\n- ", "\n  - ", "-- "]  # lists, simple or not
    ),
    max_size=40,
).map("".join)


@given(PROSE)
@settings(max_examples=3000, deadline=None)
def test_plain_prose_shortcut_is_what_python_markdown_makes(text: str) -> None:
    from statuspage.markup import _converter, plain_paragraphs, render_markdown, sanitise

    made = plain_paragraphs(text)
    if made is not None and text.strip():
        assert made == _converter().reset().convert(text)
        assert sanitise(made) == made
        assert render_markdown(text) == render_markdown("\n" + text + "\n")  # a chunk cut from a timeline


def test_plain_prose_takes_the_shortcut() -> None:
    from statuspage.markup import plain_paragraphs

    assert plain_paragraphs("We found the cause.\nA fix is being deployed.\n\nNext update in 30 min.") == (
        "<p>We found the cause.\nA fix is being deployed.</p>\n<p>Next update in 30 min.</p>"
    )
    assert plain_paragraphs("Affected:\n\n- the API\n- the web\n\nFixed.") == (
        "<p>Affected:</p>\n<ul>\n<li>the API</li>\n<li>the web</li>\n</ul>\n<p>Fixed.</p>"
    )
    assert plain_paragraphs("**bold**") is None
    assert plain_paragraphs("- one\n\n- two") is None  # one loose list, of paragraphs
    assert plain_paragraphs("- one\nand more") is None  # a lazy line, part of the item
    assert plain_paragraphs("    \nWords") is None  # Markdown makes the first line a code block


# Long lines of every kind: multi-byte characters that a fold could cut, and the backslashes and
# carets that escape the character after them.
CONTENT_LINE = st.text(st.sampled_from([*'ab ,;:"\\^', "é", "ľ", "€", "😀", "\u3000"]), max_size=400)


@given(CONTENT_LINE)
@settings(max_examples=800, deadline=None)
def test_calendar_lines_are_folded_as_icalendar_folds_them(line: str) -> None:
    from icalendar.parser import Contentline

    from statuspage.outputs.calendar import fold

    assert fold(line.encode()) == Contentline(line).to_ical()
