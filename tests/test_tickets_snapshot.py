"""The public tickets snapshot (SPEC §2): written by the desk, safe to commit, read by a build without the database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from conftest import run, ticket

from statuspage.sources.ticket_snapshot import FORMAT
from statuspage.sources.tickets import PRIVATE_COLUMNS, PUBLIC_COLUMNS

SiteFactory = Callable[..., Path]
CANARIES = ("Reporter", "reporter", "+421 900", "Private street")


def _desk_site(site_factory: SiteFactory) -> Path:
    return site_factory(
        tickets=[
            ticket(1, title="Login <button> does nothing"),
            ticket(2, public=0, title="A private ticket", description="Private details"),
            ticket(3, status="evaluating", evaluated_at="2026-11-21T10:00:00+01:00", components='["web", "api"]'),
        ]
    )


def test_the_snapshot_holds_public_rows_and_public_columns_only(site_factory: SiteFactory, tmp_path: Path) -> None:
    site = _desk_site(site_factory)
    target = tmp_path / "tickets.public.json"
    result = run("tickets", "snapshot", "--site", str(site), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert f"Wrote 2 public tickets to {target}" in result.stdout

    text = target.read_text(encoding="utf-8")
    assert not any(canary in text for canary in CANARIES)
    assert "A private ticket" not in text and "Private details" not in text
    document = json.loads(text)
    assert document["format"] == FORMAT and document["version"] == 1
    assert [row["id"] for row in document["tickets"]] == [1, 3]
    assert all(set(row) == set(PUBLIC_COLUMNS) for row in document["tickets"])
    assert not any(column in text for column in PRIVATE_COLUMNS)
    # The values exactly as the database holds them, so a build reads the same rows from either.
    connection = sqlite3.connect(site / "content" / "tickets.db")
    stored = connection.execute(f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM tickets WHERE public = 1 ORDER BY id")
    assert [tuple(row[name] for name in PUBLIC_COLUMNS) for row in document["tickets"]] == stored.fetchall()
    # One ticket a line, so a commit of it reviews as the tickets that changed.
    assert sum(1 for line in text.splitlines() if line.startswith('{"channel"')) == 2


def test_the_snapshot_changes_only_when_public_tickets_change(site_factory: SiteFactory, tmp_path: Path) -> None:
    site = _desk_site(site_factory)
    assert run("tickets", "init", "--site", str(site)).exit_code == 0  # the desk's schema, for its writes
    target = tmp_path / "snapshot.json"
    assert run("tickets", "snapshot", "--site", str(site), "-o", str(target)).exit_code == 0
    first = target.read_bytes()
    private_edit = run("tickets", "update", "2", "--site", str(site), "--reporter-phone", "+421 911 111 111")
    assert private_edit.exit_code == 0, private_edit.output
    assert run("tickets", "snapshot", "--site", str(site), "-o", str(target)).exit_code == 0
    assert target.read_bytes() == first  # no time of its own, and the private edit is not in it
    assert run("tickets", "update", "1", "--site", str(site), "--title", "Renamed").exit_code == 0
    assert run("tickets", "snapshot", "--site", str(site), "-o", str(target)).exit_code == 0
    assert "Renamed" in target.read_text(encoding="utf-8")


def test_a_row_the_build_would_leave_out_is_left_out_and_named(site_factory: SiteFactory, tmp_path: Path) -> None:
    site = site_factory(tickets=[ticket(1), ticket(2, severity="urgent")])
    target = tmp_path / "snapshot.json"
    result = run("tickets", "snapshot", "--site", str(site), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "ticket 2: unknown severity 'urgent'" in result.stderr and "left out" in result.stderr
    assert [row["id"] for row in json.loads(target.read_text(encoding="utf-8"))["tickets"]] == [1]


def test_the_snapshot_path_comes_from_the_config_or_is_asked_for(site_factory: SiteFactory) -> None:
    site = _desk_site(site_factory)
    missing = run("tickets", "snapshot", "--site", str(site))
    assert missing.exit_code == 1 and "set [tickets] snapshot" in missing.output
    config = site / "statuspage.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("[tickets]\n", '[tickets]\nsnapshot = "tickets.public.json"\n'),
        encoding="utf-8",
    )
    assert run("tickets", "snapshot", "--site", str(site)).exit_code == 0
    assert (site / "tickets.public.json").is_file()
    wrong = run("tickets", "snapshot", "--site", str(site), "-o", str(site / "snapshot.db"))
    assert wrong.exit_code == 1 and "a snapshot is a .json file" in wrong.output
