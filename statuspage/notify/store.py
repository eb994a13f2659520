"""The notification state file (``[notify] state``): one SQLite database for the outbox and subscribers.

It lives outside git and outside the output: it holds who is told what, and what is still to be
sent.  The outbox's tables are named ``outbox_*``; e-mail subscribers keep tables of their own in
the same file.  Transactions are explicit (``transaction``), so that the events of a publication,
their deliveries and the new baseline are stored together or not at all.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import StatuspageError

BUSY_TIMEOUT_MS = 30_000  # the sign-up endpoint and a CLI may write while notify runs

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_published (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    facts TEXT NOT NULL,          -- JSON: what the last notified output published (events.Facts)
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    event TEXT NOT NULL,          -- JSON of the Event, payloads included
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_deliveries (
    id TEXT PRIMARY KEY,          -- sent as webhook-id: the same for every attempt
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    body TEXT NOT NULL,           -- JSON, sent as stored
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'disabled', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT NOT NULL,       -- ISO 8601 UTC: not before then
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_deliveries_due ON outbox_deliveries (state, next_try);
CREATE TABLE IF NOT EXISTS outbox_disabled (
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    disabled_at TEXT NOT NULL,
    PRIMARY KEY (channel, target)
);
"""


def open_state(path: Path) -> sqlite3.Connection:
    """The state database, created if missing, in WAL mode so that readers never wait for the outbox."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        with transaction(db):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
    except (OSError, sqlite3.Error) as error:
        raise StatuspageError(f"[notify] state {path}: {error}") from None
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error; inside an open transaction, only that one."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def exclusive(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """One ``notify`` run at a time per state file (``watch`` and cron may overlap): a lock beside it.

    Yields False when ``wait`` is off and another run holds it.  The lock is the operating
    system's: a run killed with -9 leaves nothing behind that blocks the next one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
