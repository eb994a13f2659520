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


def _with_snapshot(site: Path) -> Path:
    config = site / "statuspage.toml"
    text = config.read_text(encoding="utf-8").replace("[tickets]\n", '[tickets]\nsnapshot = "tickets.public.json"\n')
    config.write_text(text, encoding="utf-8")
    return site


def _tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_ci_deployment_builds_from_the_snapshot_what_the_server_builds_from_the_database(
    site_factory: SiteFactory, tmp_path: Path
) -> None:
    """snapshot → commit → clean clone → build, with real git; no private row or column anywhere in the clone."""
    import subprocess

    from conftest import NOW, git, incident

    site = _with_snapshot(
        site_factory(
            incidents=[incident(extra="tickets: [1, 3]")],
            tickets=[
                ticket(1, title="Login <button> does nothing", reporter_name="Canary Reporter"),
                ticket(2, public=0, title="Private canary title", reporter_email="canary@private.example"),
                ticket(
                    3, status="evaluating", evaluated_at="2026-11-21T10:00:00+01:00", reporter_phone="+421 999 CANARY"
                ),
            ],
        )
    )
    (site / ".gitignore").write_text("/content/tickets.db\n/build/\n/.build*\n", encoding="utf-8")
    server = run("build", "--site", str(site), "--out", str(tmp_path / "server"), "--now", NOW, "--no-git-provenance")
    assert server.exit_code == 0, server.output

    assert run("tickets", "snapshot", "--site", str(site)).exit_code == 0
    git(site, "init", "-q")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "Content and the public tickets snapshot")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(site), str(clone))
    assert not (clone / "content" / "tickets.db").exists()
    ci = run("build", "--site", str(clone), "--out", str(tmp_path / "ci"), "--now", NOW, "--no-git-provenance")
    assert ci.exit_code == 0, ci.output

    assert _tree(tmp_path / "ci") == _tree(tmp_path / "server")
    canaries = (
        "Canary Reporter",
        "canary@private.example",
        "CANARY",
        "Private canary title",
        "reporter_",
        "Reporter 1",
    )
    objects = git(clone, "rev-list", "--all", "--objects").split()
    history = b"".join(
        subprocess.run(["git", "cat-file", "-p", name], cwd=clone, capture_output=True, timeout=60).stdout
        for name in objects
        if len(name) == 40
    )
    assert b"Login <button> does nothing" in history  # the public title is there, as written
    for canary in canaries:
        assert canary.encode() not in history, canary
        assert not any(canary.encode() in data for data in _tree(tmp_path / "ci").values()), canary


def test_a_build_without_database_or_snapshot_names_the_database(site_factory: SiteFactory) -> None:
    site = _with_snapshot(site_factory(tickets=[ticket(1)]))
    (site / "content" / "tickets.db").unlink()
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert "tickets.db: tickets database not found" in result.output


def test_a_snapshot_that_is_not_one_is_a_clean_error(site_factory: SiteFactory) -> None:
    site = _with_snapshot(site_factory(tickets=[ticket(1)]))
    (site / "content" / "tickets.db").unlink()
    for text, message in (
        ("{", "the tickets snapshot is not valid JSON"),
        ('{"format": "other"}', "not a tickets snapshot"),
        ('{"format": "statuspage-tickets-snapshot", "version": 1, "tickets": [{"id": 1, "reporter_name": "x"}]}',
         "ticket 1 of the snapshot has unknown fields: reporter_name"),
    ):  # fmt: skip
        (site / "tickets.public.json").write_text(text, encoding="utf-8")
        result = run("check", "--site", str(site))
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
