"""The tickets database's schema and its migrations, kept in code and applied in order, each once.

sqlite-utils' ``Migrations`` records every applied step in ``_sqlite_migrations``, inside the
step's own transaction, so ``statuspage tickets init`` can run any number of times, on a new file,
on the example database, or on a helpdesk's older table.  New steps go at the end; applied steps
are never edited, because databases in the field have already run them.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from ..errors import StatuspageError

MIGRATION_SET = "statuspage-tickets"

# SPEC §6, column by column; the CREATE TABLE below is built from this and matches content/tickets.sql.
TICKET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "INTEGER PRIMARY KEY"),
    ("title", "TEXT NOT NULL"),
    ("description", "TEXT"),
    ("severity", "TEXT"),
    ("channel", "TEXT"),
    ("status", "TEXT"),
    ("components", "TEXT"),
    ("reported_at", "TEXT"),
    ("evaluated_at", "TEXT"),
    ("resolved_at", "TEXT"),
    ("maintenance", "TEXT"),
    ("public", "INTEGER NOT NULL DEFAULT 1"),
    ("reporter_name", "TEXT"),
    ("reporter_email", "TEXT"),
    ("reporter_phone", "TEXT"),
    ("reporter_address", "TEXT"),
)
TICKET_COLUMN_NAMES = tuple(name for name, _ in TICKET_COLUMNS)
TICKETS_TABLE = "CREATE TABLE tickets (\n" + ",\n".join(f"  {name} {kind}" for name, kind in TICKET_COLUMNS) + "\n);"
HISTORY_TABLE = "status_history"

migrations = Migrations(MIGRATION_SET)


@migrations()
def create_tickets(db: Database) -> None:
    """The SPEC table; an older table made by a helpdesk gets the columns it lacks, its rows untouched."""
    table = db.table("tickets")
    if not table.exists():
        db.execute(TICKETS_TABLE)
        return
    present = set(table.columns_dict)
    if "id" not in present:
        raise StatuspageError("table 'tickets' has no id column; it cannot be migrated, only recreated")
    for name, kind in TICKET_COLUMNS:
        if name in present:
            continue
        # ALTER TABLE cannot add NOT NULL without a default; title's presence is checked per row instead.
        if name == "public":
            table.add_column(name, "INTEGER", not_null_default=1)
        else:
            table.add_column(name, kind.split()[0])


@migrations()
def create_status_history(db: Database) -> None:
    """Every status step with its time, including when evaluation started, which has no column of its own."""
    db.table(HISTORY_TABLE).create(
        {
            "id": int,
            "ticket_id": int,
            "previous": str,  # the status left; NULL when the ticket was added
            "status": str,  # the status entered
            "changed_at": str,  # when the step happened (reported_at, evaluated_at, resolved_at or now)
            "recorded_at": str,  # when the desk wrote it
            "forced": int,  # 1 when --force moved the ticket back
            "via": str,  # add, update or import
        },
        pk="id",
        not_null=["ticket_id", "status", "changed_at", "recorded_at", "forced", "via"],
    )
    db.table(HISTORY_TABLE).create_index(["ticket_id"])


def pending_migrations(db: Database) -> list[str]:
    """Names of the steps this database has not run yet (read-only)."""
    return [migration.name for migration in migrations.pending(db)]


def migrate(db: Database) -> list[str]:
    """Apply every pending step, each in its own transaction; returns the names applied."""
    pending = pending_migrations(db)
    migrations.apply(db)
    return pending
