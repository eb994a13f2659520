"""The support desk's commands (``statuspage tickets ...``), in-process on real SQLite files.

Every subcommand, the schema migrations, status moves with and without --force, validation in
check's own words, and import that writes every row or none.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import REPO, maintenance, run, ticket

from statuspage.desk.schema import TICKET_COLUMN_NAMES, TICKETS_TABLE
from statuspage.sources.site import load_site
from statuspage.state import Reason, derive

SiteFactory = Callable[..., Path]
NOW = "2026-11-25T12:00:00+01:00"
LATER = "2026-11-25T15:30:00+01:00"
BAD_SEVERITY = "unknown severity 'urgent' (expected critical | major | minor)"


# ---------------------------------------------------------------------------------------- helpers


def desk(site: Path, *args: str) -> Result:
    """``statuspage tickets ARGS --site SITE``; a traceback fails the calling test."""
    return run("tickets", *args, "--site", str(site))


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def failed(result: Result) -> list[str]:
    """The error lines of a command that must fail cleanly: exit 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()


def db_of(site: Path) -> Path:
    return site / "content" / "tickets.db"


def rows(site: Path, table: str = "tickets") -> list[dict[str, Any]]:
    connection = sqlite3.connect(db_of(site))
    connection.row_factory = sqlite3.Row
    found = [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    connection.close()
    return found


def row(site: Path, ticket_id: int) -> dict[str, Any]:
    return next(found for found in rows(site) if found["id"] == ticket_id)


def dump(site: Path) -> list[str]:
    """Everything in the database, as SQL: equal dumps mean nothing was written."""
    connection = sqlite3.connect(db_of(site))
    lines = list(connection.iterdump())
    connection.close()
    return lines


@pytest.fixture
def site(site_factory: SiteFactory) -> Path:
    """A site with one maintenance window and two tickets, initialised for the desk."""
    made = site_factory(maintenance=[maintenance()], tickets=[ticket(1), ticket(2, components='["api"]')])
    ok(desk(made, "init"))
    return made


def add(site: Path, *args: str) -> Result:
    base = ["add", "--title", "Login fails", "--severity", "major", "--channel", "chat", "--now", NOW]
    return desk(site, *base, *args)


# ---------------------------------------------------------------------------------------- init


def test_init_creates_the_database_in_wal_mode_and_is_idempotent(site_factory: SiteFactory) -> None:
    made = site_factory()
    db_of(made).unlink()
    first = ok(desk(made, "init"))
    assert "Created" in first and "create_tickets, create_status_history" in first
    second = ok(desk(made, "init"))
    assert "up to date" in second
    connection = sqlite3.connect(db_of(made))
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = connection.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
    connection.close()
    assert applied == [("create_tickets",), ("create_status_history",)]
    assert ok(run("check", "--site", str(made))).startswith("OK")


def test_init_on_the_example_database_keeps_every_row(tmp_path: Path) -> None:
    example = tmp_path / "example"
    shutil.copytree(REPO / "content", example / "content")
    shutil.copy(REPO / "statuspage.toml", example)
    before = rows(example)
    ok(desk(example, "init"))
    ok(desk(example, "init"))
    assert rows(example) == before
    assert ok(run("check", "--site", str(example))).startswith("OK")


def test_init_adds_the_columns_an_older_table_lacks(site_factory: SiteFactory) -> None:
    made = site_factory()
    db_of(made).unlink()
    connection = sqlite3.connect(db_of(made))
    with connection:
        connection.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT, severity TEXT, status TEXT)")
        connection.execute("INSERT INTO tickets VALUES (5, 'Old one', 'minor', 'reported')")
    connection.close()
    ok(desk(made, "init"))
    assert sorted(row(made, 5)) == sorted(TICKET_COLUMN_NAMES)
    assert row(made, 5)["title"] == "Old one" and row(made, 5)["public"] == 1


def test_the_schema_in_code_is_the_one_in_tickets_sql() -> None:
    sql = (REPO / "content" / "tickets.sql").read_text(encoding="utf-8")
    assert sql.startswith(TICKETS_TABLE)


def test_writes_need_an_initialised_database(site_factory: SiteFactory) -> None:
    made = site_factory(tickets=[ticket(1)])
    assert failed(add(made)) == [
        f"Error: {db_of(made)}: the schema is not up to date "
        "(pending: create_tickets, create_status_history); run: statuspage tickets init"
    ]


def test_a_missing_database_or_config_is_a_clean_error(site_factory: SiteFactory, tmp_path: Path) -> None:
    made = site_factory()
    db_of(made).unlink()
    assert "statuspage tickets init" in failed(desk(made, "list"))[0]
    assert "statuspage.toml: not found" in failed(desk(tmp_path / "nowhere", "list"))[0]
    db_of(made).write_text("not a database, just text\n" * 200)
    assert failed(desk(made, "init")) == [f"Error: {db_of(made)}: file is not a database"]


def test_db_option_overrides_the_config(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "desk.db"
    ok(desk(site, "init", "--db", str(other)))
    ok(add(site, "--db", str(other)))
    assert json.loads(ok(desk(site, "list", "--json", "--db", str(other))))[0]["title"] == "Login fails"
    assert len(rows(site)) == 2  # the configured database is untouched


# ---------------------------------------------------------------------------------------- add


def test_add_records_a_reported_ticket_and_its_first_step(site: Path) -> None:
    out = ok(add(site, "--component", "web", "--component", "api", "--reporter-email", "a@example.com"))
    assert out == "Added ticket 3\n"
    added = row(site, 3)
    assert added["status"] == "reported" and added["reported_at"] == NOW and added["public"] == 1
    assert added["components"] == '["web","api"]'
    assert added["reporter_email"] == "a@example.com"
    (step,) = [s for s in rows(site, "status_history") if s["ticket_id"] == 3]
    assert (step["previous"], step["status"], step["changed_at"], step["via"]) == (None, "reported", NOW, "add")
    assert ok(run("check", "--site", str(site))).startswith("OK")


def test_add_with_an_id_private_and_a_time_without_offset(site: Path) -> None:
    ok(add(site, "--id", "1042", "--private", "--reported-at", "2026-07-01T10:00", "--maintenance", "upgrade"))
    added = row(site, 1042)
    assert added["public"] == 0
    assert added["reported_at"] == "2026-07-01T10:00:00+02:00"  # the site zone's summer offset, stored
    assert added["maintenance"] == "upgrade"
    assert failed(add(site, "--id", "1042")) == [f"Error: {db_of(site)}: ticket 1042 already exists"]


def test_add_requires_title_severity_and_channel(site: Path) -> None:
    result = desk(site, "add", "--title", "x", "--severity", "major")
    assert result.exit_code == 2 and "--channel" in result.output


ADD_CASES = [
    pytest.param(["--severity", "urgent"], {"severity": "urgent"}, id="severity"),
    pytest.param(["--channel", "fax"], {"channel": "fax"}, id="channel"),
    pytest.param(["--component", "nope"], {"components": '["nope"]'}, id="component"),
    pytest.param(["--maintenance", "no-such-window"], {"maintenance": "no-such-window"}, id="maintenance"),
    pytest.param(["--reported-at", "last tuesday"], {"reported_at": "last tuesday"}, id="time"),
    pytest.param(["--title", "   "], {"title": "   "}, id="blank-title"),
]


@pytest.mark.parametrize(("options", "columns"), ADD_CASES)
def test_add_refuses_what_check_refuses_in_checks_words(
    site: Path, site_factory: SiteFactory, options: list[str], columns: dict[str, Any]
) -> None:
    before = dump(site)
    desk_lines = failed(add(site, "--id", "17", *options))
    assert dump(site) == before
    checked = site_factory(maintenance=[maintenance()], tickets=[ticket(17, **columns)])
    check_lines = failed(run("check", "--site", str(checked)))
    assert [line.split(": ticket 17: ", 1)[1] for line in desk_lines[:-1]] == [
        line.split(": ticket 17: ", 1)[1] for line in check_lines[:-1]
    ]
    assert desk_lines[0].startswith(f"{db_of(site)}: ticket 17: ")


# ---------------------------------------------------------------------------------------- status moves


def move(site: Path, ticket_id: int, status: str, *args: str, now: str = LATER) -> Result:
    return desk(site, "update", str(ticket_id), "--status", status, "--now", now, *args)


def test_each_step_forward_records_its_time(site: Path) -> None:
    ok(move(site, 1, "evaluating", now="2026-11-25T13:00:00+01:00"))
    assert row(site, 1)["evaluated_at"] is None  # evaluation has started, not ended
    out = ok(move(site, 1, "fixing", now="2026-11-25T14:00:00+01:00"))
    assert "status evaluating → fixing" in out and "evaluated_at - → 2026-11-25T14:00:00+01:00" in out
    ok(move(site, 1, "resolved", now="2026-11-26T09:00:00+01:00"))
    final = row(site, 1)
    assert (final["status"], final["evaluated_at"], final["resolved_at"]) == (
        "resolved",
        "2026-11-25T14:00:00+01:00",
        "2026-11-26T09:00:00+01:00",
    )
    steps = [(s["previous"], s["status"], s["changed_at"]) for s in rows(site, "status_history") if s["ticket_id"] == 1]
    assert steps == [
        ("reported", "evaluating", "2026-11-25T13:00:00+01:00"),
        ("evaluating", "fixing", "2026-11-25T14:00:00+01:00"),
        ("fixing", "resolved", "2026-11-26T09:00:00+01:00"),
    ]


def test_skipping_forward_is_allowed_and_an_explicit_time_wins(site: Path) -> None:
    ok(move(site, 1, "fixing", "--evaluated-at", "2026-11-25T09:00"))
    assert row(site, 1)["evaluated_at"] == "2026-11-25T09:00:00+01:00"
    ok(move(site, 2, "resolved"))
    assert (row(site, 2)["evaluated_at"], row(site, 2)["resolved_at"]) == (None, LATER)


def test_moving_back_needs_force_and_undoes_the_later_steps(site: Path) -> None:
    ok(move(site, 1, "fixing"))
    ok(move(site, 1, "resolved"))
    before = dump(site)
    (error,) = failed(move(site, 1, "fixing"))
    assert error == (
        "Error: ticket 1: moving back from resolved to fixing needs --force "
        "(the process runs reported → evaluating → fixing → resolved)"
    )
    assert dump(site) == before
    ok(move(site, 1, "fixing", "--force"))
    assert (row(site, 1)["status"], row(site, 1)["evaluated_at"], row(site, 1)["resolved_at"]) == (
        "fixing",
        LATER,
        None,
    )
    ok(move(site, 1, "evaluating", "--force"))
    assert row(site, 1)["evaluated_at"] is None
    forced = [s["forced"] for s in rows(site, "status_history") if s["ticket_id"] == 1]
    assert forced == [0, 0, 1, 1]


def test_update_changes_columns_without_a_move(site: Path) -> None:
    out = ok(desk(site, "update", "1", "--severity", "critical", "--private", "--component", "cdn"))
    assert out.startswith("Updated ticket 1: severity major → critical")
    assert (row(site, 1)["severity"], row(site, 1)["public"], row(site, 1)["components"]) == ("critical", 0, '["cdn"]')
    assert [s["ticket_id"] for s in rows(site, "status_history")] == []  # no step, no history
    assert ok(desk(site, "update", "1", "--severity", "critical")) == "Ticket 1: nothing changed\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "open"], "unknown status 'open' (expected reported | evaluating | fixing | resolved)"),
        (["--status", "evaluating", "--evaluated-at", "2026-11-19T08:00"], "evaluated_at is before reported_at"),
        (["--status", "fixing", "--evaluated-at", "soon"], "evaluated_at: bad time 'soon'"),
    ],
)
def test_update_refuses_a_row_check_would_refuse(site: Path, args: list[str], message: str) -> None:
    before = dump(site)
    lines = failed(desk(site, "update", "1", *args))
    assert lines[0].startswith(f"{db_of(site)}: ticket 1: {message}")
    assert dump(site) == before


def test_update_of_a_missing_ticket_or_with_nothing_to_do(site: Path) -> None:
    assert failed(desk(site, "update", "99", "--status", "fixing")) == [f"Error: {db_of(site)}: ticket 99 not found"]
    assert failed(desk(site, "update", "1")) == ["Error: nothing to update: give --status or a column to change"]


# ---------------------------------------------------------------------------------------- link


def test_link_makes_the_ticket_wait_for_the_innovation(site: Path) -> None:
    ok(move(site, 1, "fixing", "--evaluated-at", "2026-11-20T09:00"))
    ok(desk(site, "link", "1", "--maintenance", "upgrade"))
    state = derive(load_site(site), datetime_of(NOW)).tickets_by_id[1]
    assert state.reason is Reason.WAITING and state.waiting_for is not None
    ok(desk(site, "link", "1", "--unlink"))
    assert row(site, 1)["maintenance"] is None
    assert derive(load_site(site), datetime_of(NOW)).tickets_by_id[1].reason is Reason.OVERDUE


def test_link_to_a_missing_window_is_refused(site: Path) -> None:
    lines = failed(desk(site, "link", "1", "--maintenance", "nope"))
    assert lines[0] == f"{db_of(site)}: ticket 1: maintenance 'nope' not found in content/maintenance"
    assert desk(site, "link", "1").exit_code == 2
    assert desk(site, "link", "1", "--maintenance", "upgrade", "--unlink").exit_code == 2


@pytest.fixture
def dated_site(site_factory: SiteFactory) -> Path:
    """Maintenance files named the way ``statuspage new`` names them: ``<date>-<slug of the title>``."""
    made = site_factory(
        maintenance=[
            maintenance("2026-11-21-prihlasenie-zlyhava"),
            maintenance("2026-12-05-siet"),
            maintenance("2026-12-12-siet"),
            maintenance("2026-12-19-sietovy-prvok"),
        ],
        tickets=[ticket(1)],
    )
    ok(desk(made, "init"))
    return made


def test_link_accepts_the_unambiguous_tail_of_a_dated_slug(dated_site: Path) -> None:
    """The tail is what people remember of a slug; the full one is stored and said."""
    text = ok(desk(dated_site, "link", "1", "--maintenance", "prihlasenie-zlyhava"))
    assert row(dated_site, 1)["maintenance"] == "2026-11-21-prihlasenie-zlyhava"
    assert text.strip() == "Updated ticket 1: maintenance - → 2026-11-21-prihlasenie-zlyhava"


def test_add_takes_the_tail_too(dated_site: Path) -> None:
    added = ["add", "--title", "T", "--severity", "minor", "--channel", "chat", "--now", NOW, "--maintenance"]
    ok(desk(dated_site, *added, "sietovy-prvok"))
    assert row(dated_site, 2)["maintenance"] == "2026-12-19-sietovy-prvok"
    assert "matches 2 files" in failed(desk(dated_site, *added, "siet"))[0]


def test_link_with_an_ambiguous_tail_lists_the_candidates(dated_site: Path) -> None:
    before = dump(dated_site)
    lines = failed(desk(dated_site, "link", "1", "--maintenance", "siet"))
    assert lines == [
        "Error: maintenance 'siet' matches 2 files in content/maintenance: 2026-12-05-siet, 2026-12-12-siet; "
        "give the full slug"
    ]
    assert dump(dated_site) == before


def test_link_to_a_misspelt_slug_suggests_the_closest(dated_site: Path) -> None:
    lines = failed(desk(dated_site, "link", "1", "--maintenance", "prihlasenie-zlyhav"))
    assert lines[0] == (
        f"{db_of(dated_site)}: ticket 1: maintenance 'prihlasenie-zlyhav' not found in content/maintenance; "
        "did you mean 2026-11-21-prihlasenie-zlyhava?"
    )


def datetime_of(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


# ---------------------------------------------------------------------------------------- list and show


def test_list_prints_a_table_and_filters_by_status(site: Path) -> None:
    ok(move(site, 2, "evaluating"))
    table = ok(desk(site, "list")).splitlines()
    assert table[0].split() == ["id", "status", "severity", "public", "reported_at", "title"]
    assert [line.split()[:2] for line in table[1:]] == [["1", "reported"], ["2", "evaluating"]]
    only = ok(desk(site, "list", "--status", "evaluating")).splitlines()
    assert [line.split()[0] for line in only[1:]] == ["2"]
    assert ok(desk(site, "list", "--status", "resolved")) == "No tickets.\n"
    assert failed(desk(site, "list", "--status", "open"))[0].startswith("Error: unknown status 'open'")


def test_list_json_is_valid_json_with_every_column(site: Path) -> None:
    listed = json.loads(ok(desk(site, "list", "--json")))
    assert [item["id"] for item in listed] == [1, 2]
    assert list(listed[0]) == list(TICKET_COLUMN_NAMES)
    assert listed[1]["components"] == ["api"]
    assert listed[0]["reporter_email"] == "reporter1@example.com"  # for desk staff


def test_show_prints_every_column_and_the_history(site: Path) -> None:
    ok(move(site, 1, "fixing"))
    text = ok(desk(site, "show", "1"))
    assert "title             Ticket 1" in text
    assert "reporter_email    reporter1@example.com  (private)" in text
    assert f"{LATER}  reported → fixing  (update at {LATER})" in text
    assert failed(desk(site, "show", "9")) == [f"Error: {db_of(site)}: ticket 9 not found"]


def test_show_prints_the_sentence_visitors_read(site: Path, tmp_path: Path) -> None:
    """The "why still open" sentence is the one of the built api/known-issues.json, word for word."""
    ok(move(site, 1, "fixing", "--evaluated-at", "2026-11-25T09:00"))
    ok(desk(site, "link", "2", "--maintenance", "upgrade"))
    ok(run("build", "--site", str(site), "--out", str(tmp_path / "out"), "--now", NOW))
    published = json.loads((tmp_path / "out" / "api" / "known-issues.json").read_text(encoding="utf-8"))
    sentences = {issue["id"]: issue["explanation"] for issue in published["known_issues"]}
    for ticket_id in (1, 2):
        text = ok(desk(site, "show", str(ticket_id), "--now", NOW))
        assert f"on the site (sk)  {sentences[ticket_id]}" in text.splitlines(), text


def test_show_says_a_private_ticket_is_not_on_the_site(site: Path) -> None:
    ok(desk(site, "update", "1", "--private"))
    text = ok(desk(site, "show", "1", "--now", NOW))
    assert "on the site       not published: the ticket is private" in text.splitlines(), text


def test_show_says_why_a_ticket_is_left_out(site: Path) -> None:
    connection = sqlite3.connect(db_of(site))
    with connection:
        connection.execute("UPDATE tickets SET components = ? WHERE id = 1", ['["gone"]'])
    connection.close()
    text = ok(desk(site, "show", "1", "--now", NOW))
    assert "on the site       left out: unknown component 'gone'" in text.splitlines(), text


# ---------------------------------------------------------------------------------------- import


CSV_HEADER = "id,title,severity,channel,status,components,reported_at,evaluated_at,public,reporter_name\n"
GOOD_CSV = (
    CSV_HEADER
    + '10,Slow images,minor,email,reported,"[""cdn""]",2026-11-24T10:00,,1,Jana\n'
    + '11,"API 500, sometimes",major,phone,fixing,"[""api""]",2026-11-24T11:00:00+01:00,2026-11-24T12:00,1,\n'
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_csv(site: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "export.csv", GOOD_CSV)
    assert ok(desk(site, "import", str(file), "--now", NOW)) == f"Imported {file}: 2 added, 0 replaced\n"
    first, second = row(site, 10), row(site, 11)
    assert first["reported_at"] == "2026-11-24T10:00:00+01:00" and first["evaluated_at"] is None
    assert first["reporter_name"] == "Jana" and second["reporter_name"] is None
    assert second["title"] == "API 500, sometimes" and second["evaluated_at"] == "2026-11-24T12:00:00+01:00"
    imported = [(s["ticket_id"], s["status"], s["via"]) for s in rows(site, "status_history")]
    assert imported == [(10, "reported", "import"), (11, "fixing", "import")]
    assert ok(run("check", "--site", str(site))).startswith("OK")


@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "object"])
def test_import_json(site: Path, tmp_path: Path, wrapped: bool) -> None:
    items = [
        {
            "id": 20,
            "title": "Chat drops",
            "severity": "critical",
            "channel": "chat",
            "status": "reported",
            "components": ["web", "cdn"],
            "reported_at": "2026-11-24T10:00:00+01:00",
            "public": True,
        },
    ]
    file = write(tmp_path / "export.json", json.dumps({"tickets": items} if wrapped else items))
    ok(desk(site, "import", str(file)))
    assert (row(site, 20)["components"], row(site, 20)["public"]) == ('["web","cdn"]', 1)


HELPDESK_CSV = (
    "Number,Subject,Priority,Via,State,reported_at,evaluated_at,resolved_at\n"
    "40,Login fails,Urgent,Chat,Closed,2026-11-24T10:00,2026-11-24T11:00,2026-11-24T12:00\n"
    "41,Slow search,Low,E-mail,New,2026-11-24T12:00,,\n"
    "42,Broken link,minor,chat,reported,2026-11-24T13:00,,\n"
)
HELPDESK_COLUMNS = ["--map", "Number=id", "--map", "Subject=title", "--map", "Priority=severity"]
HELPDESK_COLUMNS += ["--map", "Via=channel", "--map", "State=status"]


def test_import_maps_helpdesk_values(site: Path, tmp_path: Path) -> None:
    """A helpdesk's own words (Urgent, Closed) become the ticket values; values not named pass as they are."""
    file = write(tmp_path / "helpdesk.csv", HELPDESK_CSV)
    unmapped = failed(desk(site, "import", str(file), *HELPDESK_COLUMNS))
    assert any(
        line.endswith("ticket 40: unknown severity 'Urgent' (expected critical | major | minor)") for line in unmapped
    )
    values = ["--map-value", "severity:Urgent=critical", "--map-value", "severity:Low=minor"]
    values += ["--map-value", "channel:Chat=chat", "--map-value", "channel:E-mail=email"]
    values += ["--map-value", "status:Closed=resolved", "--map-value", "status:New=reported"]
    ok(desk(site, "import", str(file), *HELPDESK_COLUMNS, *values, "--now", NOW))
    imported = [(r["severity"], r["channel"], r["status"]) for r in (row(site, 40), row(site, 41), row(site, 42))]
    assert imported == [("critical", "chat", "resolved"), ("minor", "email", "reported"), ("minor", "chat", "reported")]


def test_import_maps_json_values_of_any_type(site: Path, tmp_path: Path) -> None:
    tickets = [{"id": 50, "title": "T", "severity": 1, "channel": "chat", "status": "reported"}]
    tickets[0]["reported_at"] = "2026-11-24T10:00"
    file = write(tmp_path / "helpdesk.json", json.dumps(tickets))
    ok(desk(site, "import", str(file), "--map-value", "severity:1=critical"))
    assert row(site, 50)["severity"] == "critical"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param(
            "sevrity:Urgent=critical",
            "Error: --map-value 'sevrity:Urgent=critical': 'sevrity' is not a ticket column (id, title, ",
            id="unknown-field",
        ),
        pytest.param(
            "Urgent=critical",
            "Error: --map-value 'Urgent=critical': expected COLUMN:FILE_VALUE=TICKET_VALUE",
            id="no-field",
        ),
        pytest.param(
            "severity:Urgent",
            "Error: --map-value 'severity:Urgent': expected COLUMN:FILE_VALUE=TICKET_VALUE",
            id="no-value",
        ),
        pytest.param(
            "maintenance:x=y",
            "Error: --map-value 'maintenance:x=y': the file has no column that is read as 'maintenance'",
            id="field-not-in-file",
        ),
    ],
)
def test_bad_value_maps_are_clean_errors(site: Path, tmp_path: Path, option: str, message: str) -> None:
    file = write(tmp_path / "helpdesk.csv", HELPDESK_CSV)
    before = dump(site)
    lines = failed(desk(site, "import", str(file), *HELPDESK_COLUMNS, "--map-value", option))
    assert lines[0].startswith(message), lines
    assert dump(site) == before


def test_a_value_mapped_twice_is_an_error(site: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "helpdesk.csv", HELPDESK_CSV)
    twice = ["--map-value", "severity:Urgent=critical", "--map-value", "severity:Urgent=major"]
    lines = failed(desk(site, "import", str(file), *HELPDESK_COLUMNS, *twice))
    assert lines == ["Error: --map-value 'severity:Urgent=major': 'Urgent' of severity is already mapped to 'critical'"]


def test_import_maps_and_drops_columns(site: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path / "helpdesk.csv",
        "Number,Subject,Priority,channel,status,reported_at,Assignee\n"
        "30,Printer on fire,critical,letter,reported,2026-11-24,Bob\n",
    )
    lines = failed(desk(site, "import", str(file)))
    assert (
        f"{file}:1: unknown column 'Number' (name it with --map Number=COLUMN, or drop it with --map Number=)" in lines
    )
    mapping = ["--map", "Number=id", "--map", "Subject=title", "--map", "Priority=severity", "--map", "Assignee="]
    ok(desk(site, "import", str(file), *mapping))
    assert (row(site, 30)["title"], row(site, 30)["severity"]) == ("Printer on fire", "critical")
    assert failed(desk(site, "import", str(file), "--map", "Subject"))[0].startswith("Error: --map 'Subject'")
    assert "is not a ticket column" in failed(desk(site, "import", str(file), "--map", "Subject=headline"))[0]


BAD_IMPORTS = [
    pytest.param(
        "bad.csv",
        GOOD_CSV + "12,Third,urgent,chat,reported,,2026-11-24T10:00,,1,\n",
        [f"{{file}}:4: ticket 12: {BAD_SEVERITY}"],
        id="bad-severity-on-row-4",
    ),
    pytest.param(
        "bad.csv",
        CSV_HEADER + '13,"Two\nlines",minor,chat,reported,,2026-11-24,,1,\n14,,minor,chat,fixing,,2026-11-24,,2,\n',
        [
            "{file}:4: ticket 14: public must be 0 or 1",
            "{file}:4: ticket 14: status fixing needs evaluated_at (the fix window counts from it)",
            "{file}:4: ticket 14: title is required",
        ],
        id="every-problem-of-a-row-after-a-multiline-cell",
    ),
    pytest.param(
        "bad.csv",
        GOOD_CSV + "10,Again,minor,chat,reported,,2026-11-24,,1,\n",
        ["{file}:4: ticket 10: appears again (first on row 2)"],
        id="duplicate-id",
    ),
    pytest.param(
        "bad.csv",
        CSV_HEADER + "1,Exists,minor,chat,reported,,2026-11-24,,1,\n",
        ["{file}:2: ticket 1: already in the database (use --replace to update it)"],
        id="existing-id",
    ),
    pytest.param(
        "bad.csv",
        CSV_HEADER + "abc,Text id,minor,chat,reported,,2026-11-24,,1,\n",
        ["{file}:2: ticket 'abc': id must be a whole number (INTEGER PRIMARY KEY)"],
        id="text-id",
    ),
    pytest.param(
        "bad.csv",
        CSV_HEADER + '15,Nowhere,minor,chat,reported,"[""mail""]",2026-11-24,,1,\n',
        ["{file}:2: ticket 15: unknown component 'mail'"],
        id="unknown-component",
    ),
    pytest.param(
        "bad.csv",
        CSV_HEADER + "16,x,minor,chat,reported,,2026-11-24,,1,,extra\n",
        ["{file}:2: more cells than the header has columns"],
        id="extra-cell",
    ),
    pytest.param(
        "bad.json",
        '[{"id": 40, "title": "ok", "severity": "minor", "channel": "chat", "status": "reported",'
        ' "reported_at": "2026-11-24"}, {"id": 41, "title": "bad", "severity": "minor", "channel": "pigeon",'
        ' "status": "reported", "reported_at": "2026-11-24"}]',
        ["{file}:2: ticket 41: unknown channel 'pigeon' (expected chat | email | phone | letter)"],
        id="json-item-2",
    ),
    pytest.param("bad.json", '[{"id": 1,\n "title": }]', ["{file}:2: not valid JSON: Expecting value"], id="bad-json"),
    pytest.param("bad.json", '[{"id": 42}, "text"]', ["{file}:2: expected an object"], id="json-not-object"),
    pytest.param(
        "bad.json",
        '{"rows": []}',
        ['Error: {file}: expected a list of tickets, or {{"tickets": [...]}}'],
        id="json-shape",
    ),
    pytest.param(
        "bad.txt", "id\n1\n", ["Error: {file}: unknown format '.txt'; expected a .csv or .json file"], id="format"
    ),
    pytest.param("bad.csv", "", ["Error: {file}: empty file; expected a header line with column names"], id="empty"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_IMPORTS)
def test_a_bad_import_writes_nothing(site: Path, tmp_path: Path, name: str, text: str, expected: list[str]) -> None:
    file = write(tmp_path / name, text)
    before = dump(site)
    lines = failed(desk(site, "import", str(file)))
    problems = [line for line in lines if not line.endswith("found")]
    assert problems == [line.format(file=file) for line in expected]
    assert dump(site) == before


def test_import_not_utf8_is_a_clean_error(site: Path, tmp_path: Path) -> None:
    file = tmp_path / "latin1.csv"
    file.write_bytes(CSV_HEADER.encode() + "10,Žltý,minor,chat,reported,,2026-11-24,,1,\n".encode("cp1250"))
    assert "not UTF-8 text" in failed(desk(site, "import", str(file)))[0]


def test_import_replace_updates_only_the_files_columns(site: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "status.csv", "id,status,evaluated_at\n1,fixing,2026-11-24T09:00\n")
    ok(desk(site, "import", str(file), "--replace", "--now", NOW))
    replaced = row(site, 1)
    assert (replaced["status"], replaced["evaluated_at"]) == ("fixing", "2026-11-24T09:00:00+01:00")
    assert (replaced["title"], replaced["reporter_email"]) == ("Ticket 1", "reporter1@example.com")  # kept
    assert [(s["previous"], s["status"]) for s in rows(site, "status_history")] == [("reported", "fixing")]


# ---------------------------------------------------------------------------------------- export


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_export_round_trips_through_import(tmp_path: Path, site_factory: SiteFactory, kind: str) -> None:
    example = tmp_path / "example"
    shutil.copytree(REPO / "content", example / "content")
    shutil.copy(REPO / "statuspage.toml", example)
    ok(desk(example, "init"))
    exported = ok(desk(example, "export", "--format", kind))
    fresh = tmp_path / "fresh"
    shutil.copytree(example, fresh)
    db_of(fresh).unlink()
    ok(desk(fresh, "init"))
    file = write(tmp_path / f"tickets.{kind}", exported)
    ok(desk(fresh, "import", str(file)))
    assert rows(fresh) == rows(example)
    assert ok(desk(fresh, "export", "--format", kind)) == exported


def test_export_public_only_leaves_out_private_rows_and_columns(site: Path, tmp_path: Path) -> None:
    ok(desk(site, "update", "2", "--private"))
    exported = list(csv.DictReader(io.StringIO(ok(desk(site, "export", "--format", "csv", "--public-only")))))
    assert [item["id"] for item in exported] == ["1"]
    assert not any(name.startswith("reporter_") for name in exported[0])
    out = tmp_path / "all.csv"
    assert ok(desk(site, "export", "-o", str(out))) == f"Exported 2 tickets to {out}\n"
    assert out.read_text(encoding="utf-8").startswith("id,title,description,")  # CSV from the file's suffix
