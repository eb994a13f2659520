"""The desk's reads and writes: each command is one transaction, committed whole or not at all.

Writes take the write lock up front (``BEGIN IMMEDIATE``) and wait up to BUSY_TIMEOUT_SECONDS for
another writer, so two desk commands never interleave.  In WAL mode, which ``init`` switches on,
readers such as ``statuspage build`` never block them, and they never block a build.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..clock import resolve_now
from ..errors import Problem, StatuspageError, ValidationError
from ..model import TicketStatus
from ..sources.tickets import connect_read_only
from .lifecycle import plan_move, step_time
from .rows import Row, components_json, full_row, require_valid, stored_time, with_normalised_times
from .schema import HISTORY_TABLE, TICKET_COLUMN_NAMES, migrate, pending_migrations
from .site import Desk

BUSY_TIMEOUT_SECONDS = 5.0
STATUS_CHOICES = " | ".join(status.value for status in TicketStatus)


# --------------------------------------------------------------------------- connections


def _database_error(desk: Desk, error: sqlite3.Error) -> StatuspageError:
    return StatuspageError(f"{desk.shown}: {error}")


@contextmanager
def writing(desk: Desk) -> Iterator[Database]:
    """One write transaction on an initialised database; any exception rolls all of it back."""
    if not desk.db_path.is_file():
        raise StatuspageError(f"{desk.shown}: not found; create it with: statuspage tickets init")
    connection = sqlite3.connect(desk.db_path, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db = Database(connection)
        pending = pending_migrations(db)
        if pending:
            raise StatuspageError(
                f"{desk.shown}: the schema is not up to date (pending: {', '.join(pending)}); "
                "run: statuspage tickets init"
            )
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            connection.rollback()
            raise
        connection.execute("COMMIT")
        _into_the_database_file(connection)
    except sqlite3.Error as error:
        raise _database_error(desk, error) from None
    finally:
        connection.close()


def _into_the_database_file(connection: sqlite3.Connection) -> None:
    """Copy the WAL's commits into the database file itself, so the file alone has the change.

    SQLite does that when the last connection closes; with ``serve`` or ``watch`` holding one
    open, a commit would stay in the ``-wal`` file, which a copy, a backup or ``git commit -a``
    misses.  A reader in the middle of a read only delays this up to the busy timeout; if it
    still cannot finish, the commit is safe in the WAL and the next write or close moves it.
    """
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


@contextmanager
def reading(desk: Desk) -> Iterator[Database]:
    """A read-only snapshot: listing and exporting never change the file, whatever else runs."""
    if not desk.db_path.is_file():
        raise StatuspageError(f"{desk.shown}: not found; create it with: statuspage tickets init")
    try:
        connection = connect_read_only(desk.db_path)
    except sqlite3.Error as error:
        raise _database_error(desk, error) from None
    try:
        connection.execute("BEGIN")
        yield Database(connection)
    except sqlite3.Error as error:
        raise _database_error(desk, error) from None
    finally:
        connection.close()


# --------------------------------------------------------------------------- init


@dataclass(frozen=True)
class InitResult:
    created: bool
    applied: list[str]


def init_database(desk: Desk) -> InitResult:
    """Create the file if needed, apply pending migrations and switch to WAL; safe to run again."""
    created = not desk.db_path.exists()
    desk.db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Database(sqlite3.connect(desk.db_path, timeout=BUSY_TIMEOUT_SECONDS)) as db:
            applied = migrate(db)
            db.enable_wal()  # the build reads while the desk writes; neither waits for the other
    except sqlite3.Error as error:
        raise _database_error(desk, error) from None
    return InitResult(created, applied)


# --------------------------------------------------------------------------- rows


def _existing(db: Database, ticket_id: int) -> Row | None:
    found = list(db.query(f"SELECT {', '.join(TICKET_COLUMN_NAMES)} FROM tickets WHERE id = ?", [ticket_id]))
    return found[0] if found else None


def _require(db: Database, desk: Desk, ticket_id: int) -> Row:
    row = _existing(db, ticket_id)
    if row is None:
        raise StatuspageError(f"{desk.shown}: ticket {ticket_id} not found")
    return row


def record_step(
    db: Database, row: Mapping[str, Any], previous: object, recorded_at: str, via: str, forced: bool
) -> None:
    """One line of the status history: the step the row is now at, and when it happened."""
    db.table(HISTORY_TABLE).insert(
        {
            "ticket_id": row["id"],
            "previous": previous,
            "status": row["status"],
            "changed_at": step_time(row, recorded_at),
            "recorded_at": recorded_at,
            "forced": int(forced),
            "via": via,
        }
    )


def add_ticket(desk: Desk, fields: Mapping[str, Any], now_option: str | None = None) -> int:
    """A new ticket in status ``reported``; ``fields`` are column values (components as a list).

    Without an ``id`` the next free number is taken inside the write transaction, so two desks
    adding at once never get the same one.  Returns the ticket's id.
    """
    now = stored_time(resolve_now(now_option, desk.zone), desk.zone)
    given = _with_full_slug(desk, fields)
    components = given.pop("components", ())
    row = full_row({"status": "reported", "reported_at": now, "public": 1, **given})
    row["components"] = components_json(components)
    row = with_normalised_times(row, desk.zone)
    with writing(desk) as db:
        if row["id"] is None:
            row["id"] = next(db.query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM tickets"))["next"]
        elif _existing(db, row["id"]) is not None:
            raise StatuspageError(f"{desk.shown}: ticket {row['id']} already exists")
        require_valid(row, desk)
        db.table("tickets").insert(row)
        record_step(db, row, None, now, "add", forced=False)
    return int(row["id"])


def _with_full_slug(desk: Desk, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with a maintenance slug's tail made the full slug (see ``Desk.maintenance_slug``)."""
    given = dict(fields)
    slug = given.get("maintenance")
    if isinstance(slug, str):
        given["maintenance"] = desk.maintenance_slug(slug) or slug  # one that fits nothing is refused by the checks
    return given


@dataclass(frozen=True)
class Update:
    ticket_id: int
    changed: dict[str, tuple[Any, Any]]  # column → (before, after), only columns that changed


def update_ticket(
    desk: Desk,
    ticket_id: int,
    fields: Mapping[str, Any],
    *,
    status: str | None = None,
    force: bool = False,
    now_option: str | None = None,
) -> Update:
    """Move a ticket along the process and/or change columns; explicit times win over the move's defaults."""
    if status is None and not fields:
        raise StatuspageError("nothing to update: give --status or a column to change")
    now = stored_time(resolve_now(now_option, desk.zone), desk.zone)
    given = dict(fields)
    if "components" in given:
        given["components"] = components_json(given["components"])
    with writing(desk) as db:
        before = _require(db, desk, ticket_id)
        after = dict(before)
        forced = False
        if status is not None:
            try:
                move = plan_move(before, TicketStatus(status), now, force=force)
            except ValueError:
                after["status"] = status  # not a status at all: the row check names it in check's words
            else:
                after.update(move.changes)
                forced = move.backwards
        after.update(with_normalised_times(given, desk.zone))
        require_valid(after, desk)
        changed = {name: (before[name], after[name]) for name in TICKET_COLUMN_NAMES if before[name] != after[name]}
        if changed:
            db.table("tickets").update(ticket_id, {name: value for name, (_, value) in changed.items()})
        if "status" in changed:
            record_step(db, after, before["status"], now, "update", forced)
    return Update(ticket_id, changed)


def link_ticket(desk: Desk, ticket_id: int, maintenance: str | None) -> Update:
    """Let a ticket wait for a maintenance window (or for none), named by its slug or its slug's tail.

    The full slug is stored, as the build and ``check`` read it; a name that fits no file is
    refused with the slugs it may be a misspelling of.
    """
    slug = None if maintenance is None else desk.maintenance_slug(maintenance)
    if maintenance is not None and slug is None:
        with reading(desk) as db:
            _require(db, desk, ticket_id)  # a missing ticket is the first thing to say
        closest = desk.closest_maintenance(maintenance)
        hint = f"; did you mean {' or '.join(closest)}?" if closest else ""
        where = f"{desk.shown}: ticket {ticket_id}"
        message = f"maintenance {maintenance!r} not found in content/maintenance{hint}"
        raise ValidationError([Problem(where, None, message)])
    return update_ticket(desk, ticket_id, {"maintenance": slug})


def list_tickets(desk: Desk, status: str | None = None) -> list[Row]:
    """Every row, private columns included, by id; optionally only one status."""
    if status is not None and status not in {member.value for member in TicketStatus}:
        raise StatuspageError(f"unknown status {status!r} (expected {STATUS_CHOICES})")
    where, params = ("WHERE status = ?", [status]) if status is not None else ("", [])
    with reading(desk) as db:
        return list(db.query(f"SELECT {', '.join(TICKET_COLUMN_NAMES)} FROM tickets {where} ORDER BY id", params))


@dataclass(frozen=True)
class TicketRecord:
    row: Row
    history: list[Row]  # oldest first; empty for databases that never ran ``init``


def show_ticket(desk: Desk, ticket_id: int) -> TicketRecord:
    """One row with every column, and its status history."""
    with reading(desk) as db:
        row = _require(db, desk, ticket_id)
        history: list[Row] = []
        if db.table(HISTORY_TABLE).exists():
            history = list(
                db.query(f"SELECT * FROM {HISTORY_TABLE} WHERE ticket_id = ? ORDER BY id", [ticket_id])  # noqa: S608
            )
        return TicketRecord(row, history)
