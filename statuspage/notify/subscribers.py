"""E-mail subscribers, kept in the ``[notify] state`` SQLite file beside the outbox.

A subscriber is an address, a language and the components they want (none listed: all). Double
opt-in: a new address gets a confirmation token and hears nothing until it is confirmed (one
never confirmed is deleted after ``UNCONFIRMED_KEPT``, by the next subscription); every
address has an unsubscribe token, put in each mail's one-click unsubscribe link. Removing an
address deletes its row: nothing about a former subscriber is kept.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path

from ..errors import StatuspageError
from ..i18n import site_languages
from ..model import Config
from .store import open_state, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the outbox names recipients by it
    email TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    components TEXT NOT NULL DEFAULT '[]',
    confirm_token TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    bounced_at TEXT
);
CREATE INDEX IF NOT EXISTS subscribers_confirmed ON subscribers (confirmed_at);
"""

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a path, less its angle brackets
# Deliberately plain: one @, a dotted domain of letters, digits and hyphens, no quoting, no
# comments, no IP literals. What a subscribe form should accept; anything stranger is refused.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"  # the local part: dot-atom characters
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"  # a domain name with a top level
)
TOKEN_BYTES = 24
# How long an address nobody confirmed is kept: anyone can type anyone's address into the form, and
# the confirmation mail promises nothing more to a reader who ignores it.  Long enough for a site
# without the endpoint, whose operator confirms the replies by hand.
UNCONFIRMED_KEPT = timedelta(days=30)


class SubscriberError(StatuspageError):
    """Bad input for a subscriber (an address, a language, a component id), said in one line."""


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    language: str
    components: tuple[str, ...]  # () = every component
    confirm_token: str
    unsubscribe_token: str
    created_at: str
    confirmed_at: str | None
    bounced_at: str | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def wants(self, components: Iterable[str]) -> bool:
        """Whether an event about these components is for this subscriber (one with none: for all)."""
        components = tuple(components)
        return not self.components or not components or bool(set(self.components) & set(components))


def connect(path: Path) -> sqlite3.Connection:
    """The state file (``store.open_state``), with the subscribers' table made if it is not there yet."""
    db = open_state(path)
    with transaction(db):
        ensure_schema(db)
    return db


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables if missing; safe to call on every open, by every process, and inside a transaction.

    One statement at a time: ``executescript`` would commit the outbox's open transaction first.
    """
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def normalise_email(text: str) -> str:
    """The address as stored: trimmed, lower case (one subscriber per mailbox), checked."""
    address = text.strip().lower()
    if not address:
        raise SubscriberError("an e-mail address is required")
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.match(address) or ".." in address:
        raise SubscriberError(f"{text.strip()!r} is not an e-mail address this page can send to")
    try:
        Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise SubscriberError(f"{text.strip()!r} is not an e-mail address this page can send to") from exc
    return address


def check_language(config: Config, language: str | None) -> str:
    """One of the site's languages; none given: the site language."""
    if language is None or language == "":
        return config.language
    languages = site_languages(config)
    if language not in languages:
        raise SubscriberError(f"language must be one of {', '.join(languages)}, not {language!r}")
    return language


def check_components(config: Config, components: Sequence[str]) -> tuple[str, ...]:
    """Known component ids, each once, in the order of the configuration; none: every component."""
    known = [component.id for component in config.components]
    unknown = [cid for cid in components if cid not in known]
    if unknown:
        raise SubscriberError(f"unknown component {unknown[0]!r}; the components are: {', '.join(known)}")
    return tuple(cid for cid in known if cid in components)


def _row(row: tuple[object, ...]) -> Subscriber:
    (sid, email, language, components, confirm_token, unsubscribe_token, created, confirmed, bounced) = row
    return Subscriber(
        id=int(str(sid)),
        email=str(email),
        language=str(language),
        components=tuple(json.loads(str(components))),
        confirm_token=str(confirm_token),
        unsubscribe_token=str(unsubscribe_token),
        created_at=str(created),
        confirmed_at=None if confirmed is None else str(confirmed),
        bounced_at=None if bounced is None else str(bounced),
    )


_COLUMNS = "id, email, language, components, confirm_token, unsubscribe_token, created_at, confirmed_at, bounced_at"


def find(db: sqlite3.Connection, *, email: str | None = None, sid: int | None = None) -> Subscriber | None:
    if email is not None:
        row = db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE email = ?", (email,)).fetchone()
    else:
        row = db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE id = ?", (sid,)).fetchone()
    return None if row is None else _row(row)


def all_subscribers(db: sqlite3.Connection) -> list[Subscriber]:
    return [_row(row) for row in db.execute(f"SELECT {_COLUMNS} FROM subscribers ORDER BY email")]


def recipients(db: sqlite3.Connection, components: Iterable[str]) -> list[Subscriber]:
    """Confirmed subscribers whose mail is not bouncing and who want news of these components."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM subscribers WHERE confirmed_at IS NOT NULL AND bounced_at IS NULL ORDER BY id"
    )
    components = tuple(components)
    return [subscriber for subscriber in map(_row, rows) if subscriber.wants(components)]


def subscribe(
    db: sqlite3.Connection, email: str, language: str, components: tuple[str, ...], now: datetime
) -> tuple[Subscriber, bool]:
    """Add an address (already checked) or take the new choices of one not yet confirmed.

    Returns the subscriber and whether a confirmation should be sent: yes for a new or still
    unconfirmed address (the same token again, so an earlier mail's link still works), no for a
    confirmed one, whose choices a stranger who knows the address must not change.  A bounced
    one (its mailbox refused a mail for good) starts over, unconfirmed: it gets nothing anyway, and
    its owner, who asks again since the mail stopped, can have it back by confirming.
    """
    with transaction(db):
        db.execute(
            "DELETE FROM subscribers WHERE confirmed_at IS NULL AND created_at < ?",
            ((now - UNCONFIRMED_KEPT).isoformat(timespec="seconds"),),
        )
        existing = find(db, email=email)
        if existing is not None and existing.confirmed and existing.bounced_at is None:
            return existing, False
        if existing is not None and existing.bounced_at is not None:
            db.execute("UPDATE subscribers SET confirmed_at = NULL, bounced_at = NULL WHERE id = ?", (existing.id,))
            # The outbox disabled the mailbox when it bounced (``outbox.Outbox._disable``).
            db.execute("DELETE FROM outbox_disabled WHERE channel = 'email' AND target = ?", (str(existing.id),))
        if existing is not None:  # asked again: the link is good for another while
            db.execute(
                "UPDATE subscribers SET language = ?, components = ?, created_at = ? WHERE id = ?",
                (language, json.dumps(list(components)), now.isoformat(timespec="seconds"), existing.id),
            )
        else:
            db.execute(
                "INSERT INTO subscribers (email, language, components, confirm_token, unsubscribe_token, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    email,
                    language,
                    json.dumps(list(components)),
                    secrets.token_urlsafe(TOKEN_BYTES),
                    secrets.token_urlsafe(TOKEN_BYTES),
                    now.isoformat(timespec="seconds"),
                ),
            )
    found = find(db, email=email)
    assert found is not None
    return found, True


def confirm(db: sqlite3.Connection, email_or_token: str, now: datetime) -> Subscriber | None:
    """Confirm by address (the operator) or by the mailed token (the subscriber); None if neither is known.

    Confirming twice keeps the first time: a link clicked again says "confirmed" and changes nothing.
    """
    key = email_or_token.strip()
    column = "email" if "@" in key else "confirm_token"
    if column == "email":
        key = key.lower()
    with transaction(db):
        db.execute(
            f"UPDATE subscribers SET confirmed_at = ? WHERE {column} = ? AND confirmed_at IS NULL",
            (now.isoformat(timespec="seconds"), key),
        )
    row = db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE {column} = ?", (key,)).fetchone()
    return None if row is None else _row(row)


def by_unsubscribe_token(db: sqlite3.Connection, token: str) -> Subscriber | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE unsubscribe_token = ?", (token,)).fetchone()
    return None if row is None else _row(row)


def remove(db: sqlite3.Connection, *, email: str | None = None, unsubscribe_token: str | None = None) -> bool:
    """Delete a subscriber by address or by unsubscribe token; whether there was one."""
    with transaction(db):
        if email is not None:
            cursor = db.execute("DELETE FROM subscribers WHERE email = ?", (email.strip().lower(),))
        else:
            cursor = db.execute("DELETE FROM subscribers WHERE unsubscribe_token = ?", (unsubscribe_token,))
    return cursor.rowcount > 0


def mark_bounced(db: sqlite3.Connection, sid: int, now: datetime) -> None:
    """The mail server refused the address for good: send it nothing more (``list`` shows it)."""
    with transaction(db):
        db.execute("UPDATE subscribers SET bounced_at = ? WHERE id = ?", (now.isoformat(timespec="seconds"), sid))
