"""Known-issue tickets from the support desk's SQLite database (SPEC §6).

The database is opened read-only and read inside one transaction, so a helpdesk writing at the
same time is never blocked for long and never seen half-way.  Only public rows and public
columns are ever selected: private data cannot leak from a query that never asked for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path

from ..clock import parse_time
from ..errors import Collector, Problem
from ..markup import plain_line, render_markdown
from ..model import Channel, Origin, Ticket, TicketSeverity, TicketStatus
from .cache import ParseCache, load_all
from .digests import zone_identity
from .ticket_snapshot import SnapshotError, is_snapshot, read_snapshot

PUBLIC_COLUMNS = (
    "id",
    "title",
    "description",
    "severity",
    "channel",
    "status",
    "components",
    "reported_at",
    "evaluated_at",
    "resolved_at",
    "maintenance",
)
PRIVATE_COLUMNS = ("reporter_name", "reporter_email", "reporter_phone", "reporter_address")
MAX_TEXT = 64 * 1024  # characters of a description; larger is refused, not published
MAX_TITLE = 1000  # characters of a title


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open the database so that this process cannot change it, whatever it runs."""
    uri = path.resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=10, isolation_level=None)
    connection.execute("PRAGMA query_only = ON")
    return connection


@dataclass(frozen=True)
class TicketRows:
    """The valid public tickets, the rows left out and why, and the ids of all rows.

    A public row that fails validation is left out of the site, never a reason to refuse a build
    (SPEC §6): ``left_out`` says why, and the ids let links tell 'private' or 'left out' from 'missing'.
    """

    tickets: list[Ticket]
    public_ids: set[object]  # every row not marked private (public = 0): published unless left out
    private_ids: set[object]
    left_out: tuple[Problem, ...] = ()


def load_tickets(
    path: Path, shown: str, zone: tzinfo, problems: Collector, cache: ParseCache | None = None, jobs: int = 1
) -> TicketRows:
    """Read public tickets; private rows are read only as ids.

    ``problems`` gets what stops the whole database being read; a row that fails its checks is
    left out and named in the result's ``left_out`` instead.  With a ``cache``, an unchanged
    database is not read at all, and in a changed one only the rows that changed are checked and
    rendered again; ``jobs`` processes check many of them.
    """
    cache = cache or ParseCache.disabled()
    if is_snapshot(path):
        return _load_snapshot(path, shown, zone, problems, cache, jobs)
    before = len(problems.problems)
    if not path.is_file():
        problems.add(shown, None, "tickets database not found (set [tickets] db in statuspage.toml)")
        return TicketRows([], set(), set())
    try:
        connection = connect_read_only(path)
    except sqlite3.Error as exc:
        problems.add(shown, None, f"cannot open the tickets database: {exc}")
        return TicketRows([], set(), set())
    whole = _database_key(path, shown, zone, cache)
    found = cache.get_many([whole])[0] if whole is not None else None
    if isinstance(found, TicketRows):
        connection.close()
        cache.keep(ticket.source_key for ticket in found.tickets)  # the rows' entries, for the next change
        return found
    try:
        connection.execute("BEGIN")  # one snapshot for both queries
        columns = {row[1] for row in connection.execute("PRAGMA table_info(tickets)")}
        if not columns:
            problems.add(shown, None, "no table 'tickets' in the database")
            return TicketRows([], set(), set())
        missing = [name for name in (*PUBLIC_COLUMNS, "public") if name not in columns]
        if missing:
            problems.add(shown, None, f"table 'tickets' lacks column(s): {', '.join(missing)}")
            return TicketRows([], set(), set())
        query = f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM tickets WHERE public = 1 ORDER BY id"  # noqa: S608
        try:
            rows = connection.execute(query).fetchall()
        except sqlite3.OperationalError:
            # Text that is not UTF-8 fails the whole query: read it again keeping the bad bytes
            # (as lone surrogates), so that only the rows holding them are left out.
            connection.text_factory = _undecoded_text
            rows = connection.execute(query).fetchall()
        # Every row's id and flag, streamed: a desk keeps years of mostly private tickets.  A flag
        # that is text is read whatever its bytes: it is named as a bad flag, never fails the read.
        connection.text_factory = _undecoded_text
        flag_problems: list[tuple[object, str]] = []
        private: set[object] = set()
        public_ids: set[object] = set()
        for ticket_id, public in connection.execute("SELECT id, public FROM tickets ORDER BY id"):
            if message := public_problem(public):
                flag_problems.append((ticket_id, message))
            (private if public == 0 else public_ids).add(ticket_id)
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        problems.add(shown, None, f"cannot read the tickets database: {exc}")
        return TicketRows([], set(), set())
    finally:
        connection.close()
    left_out = Collector()
    for ticket_id, message in flag_problems:
        left_out.add(f"{shown}: ticket {ticket_id}", None, message)
    tickets = _parsed_rows(rows, shown, zone, cache, left_out, jobs)
    result = TicketRows(tickets, public_ids, private, tuple(left_out.problems))
    # Kept whole (rows left out included) only if the database could be read and is still what
    # the key says was read.
    if (
        whole is not None
        and len(problems.problems) == before
        and _database_key(path, shown, zone, cache, again=True) == whole
    ):
        cache.put(whole, result)
    return result


def _undecoded_text(data: bytes) -> str:
    """SQLite text as Python text, with bytes that are not UTF-8 kept as lone surrogates for the checks to name."""
    return data.decode("utf-8", "surrogateescape")


def _load_snapshot(
    path: Path, shown: str, zone: tzinfo, problems: Collector, cache: ParseCache, jobs: int
) -> TicketRows:
    """Public tickets from the snapshot the desk wrote: the same rows, checked and rendered the same way.

    A snapshot holds no private rows, so a link to a private ticket is dropped as a missing one.
    A row that fails its checks is left out, as from the database.
    """
    try:
        rows = read_snapshot(path, PUBLIC_COLUMNS)
    except SnapshotError as exc:
        problems.add(shown, None, str(exc))
        return TicketRows([], set(), set())
    left_out = Collector()
    tickets = _parsed_rows(rows, shown, zone, cache, left_out, jobs)
    return TicketRows(tickets, {row[0] for row in rows}, set(), tuple(left_out.problems))


def _parsed_rows(
    rows: list[tuple[object, ...]], shown: str, zone: tzinfo, cache: ParseCache, left_out: Collector, jobs: int
) -> list[Ticket]:
    """The rows (public columns, in order) as tickets, each parsed once per content; failing ones go to ``left_out``."""
    keys = [row_key(shown, zone, row) for row in rows]

    def parse(index: int, collected: Collector) -> Ticket | None:
        ticket = _ticket(dict(zip(PUBLIC_COLUMNS, rows[index], strict=True)), shown, zone, collected)
        return replace(ticket, source_key=keys[index]) if ticket is not None else None

    lookup = keys if cache.enabled else [None] * len(keys)
    return load_all(range(len(rows)), lookup, parse, lambda _: True, cache, left_out, jobs)


def row_key(shown: str, zone: tzinfo, row: tuple[object, ...]) -> str:
    """A ticket's source key: the digest of its row's public values, the zone and the database's name."""
    text = repr((zone_identity(zone), shown, row))
    return "row:" + hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=32).hexdigest()


def _database_key(path: Path, shown: str, zone: tzinfo, cache: ParseCache, *, again: bool = False) -> str | None:
    """The key of all that is read from the database: its bytes and its WAL's, by their digests.

    None without a cache, and while a rollback journal exists: the file may be half-written then.
    ``again`` looks at the files anew, not as when the load first looked.
    """
    if not cache.enabled or os.path.exists(f"{path}-journal"):
        return None
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"tickets\0{zone_identity(zone)}\0{shown}\0".encode("utf-8", "surrogateescape"))
    for suffix in ("", "-wal"):
        content = cache.file_digest(f"{path}{suffix}", again=again)
        if content is None and (suffix == "" or os.path.exists(f"{path}{suffix}")):
            return None  # unreadable
        digest.update(content or b"(none)")
    return "tickets:" + digest.hexdigest()


@dataclass(frozen=True)
class RowCheck:
    """One row read as a ticket, or the reasons it cannot be one (messages without a location)."""

    ticket: Ticket | None
    problems: tuple[str, ...]


def check_row(row: Mapping[str, object], zone: tzinfo, shown: str = "tickets") -> RowCheck:
    """The checks ``statuspage check`` runs on a public row, for any writer of rows.

    The support desk validates what it is about to write with this, so a row the desk accepts is
    one the build accepts, with the same messages.  Columns missing from ``row`` count as NULL.
    """
    collected = Collector()
    ticket = _ticket({name: row.get(name) for name in PUBLIC_COLUMNS}, shown, zone, collected)
    return RowCheck(ticket, tuple(problem.message for problem in collected.problems))


def public_problem(value: object) -> str | None:
    """``public`` decides whether a row is published at all, so anything but 0 or 1 is refused."""
    if isinstance(value, bool) or value not in (0, 1):
        return "public must be 0 or 1"
    return None


def reference_problems(
    components: tuple[str, ...],
    maintenance: str | None,
    component_ids: Collection[str],
    maintenance_slugs: Collection[str],
) -> list[str]:
    """What a ticket names that the site does not have: components from the config, maintenance files."""
    found = [f"unknown component {component!r}" for component in components if component not in component_ids]
    if maintenance is not None and maintenance not in maintenance_slugs:
        found.append(f"maintenance {maintenance!r} not found in content/maintenance")
    return found


def _ticket(row: dict[str, object], shown: str, zone: tzinfo, problems: Collector) -> Ticket | None:
    ticket_id = row["id"]
    where = f"{shown}: ticket {ticket_id}"
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        problems.add(f"{shown}: ticket {ticket_id!r}", None, "id must be a whole number (INTEGER PRIMARY KEY)")
        return None
    before = len(problems.problems)

    def error(message: str) -> None:
        problems.add(where, None, message)

    def text(name: str, required: bool) -> str | None:
        value = row[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                error(f"{name} is required")
            return None
        if not isinstance(value, str):
            error(f"{name} must be text")
            return None
        if not _is_unicode(value):
            error(f"{name} is not valid UTF-8 text")
            return None
        if len(value) > MAX_TEXT:
            error(f"{name} is longer than {MAX_TEXT // 1024} KiB")
            return None
        return value.strip()

    def choice(name: str, enum):  # type: ignore[no-untyped-def]
        value = text(name, True)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            error(f"unknown {name} {value!r} (expected {' | '.join(m.value for m in enum)})")
            return None

    def time(name: str, required: bool) -> datetime | None:
        value = text(name, required)
        if value is None:
            return None
        try:
            return parse_time(value, zone)
        except ValueError as exc:
            error(f"{name}: {exc}")
            return None

    title = text("title", True)
    if title is not None:
        if len(title) > MAX_TITLE:
            error(f"title is longer than {MAX_TITLE} characters")
        title = plain_line(title) or None  # as written: every output escapes it its own way
        if title is None:
            error("title has no printable text")
    description = text("description", False)
    severity = choice("severity", TicketSeverity)
    channel = choice("channel", Channel)
    status = choice("status", TicketStatus)
    reported_at = time("reported_at", True)
    evaluated_at = time("evaluated_at", False)
    resolved_at = time("resolved_at", False)
    maintenance = text("maintenance", False)
    components = _components(row["components"], error)

    if status is TicketStatus.FIXING and evaluated_at is None:
        error("status fixing needs evaluated_at (the fix window counts from it)")
    if status is TicketStatus.RESOLVED and resolved_at is None:
        error("status resolved needs resolved_at")
    if reported_at and evaluated_at and evaluated_at < reported_at:
        error("evaluated_at is before reported_at")
    if reported_at and resolved_at and resolved_at < reported_at:
        error("resolved_at is before reported_at")
    if len(problems.problems) > before:
        return None
    assert title and severity and channel and status and reported_at
    return Ticket(
        id=ticket_id,
        title=title,
        description=render_markdown(description or ""),
        severity=severity,
        channel=channel,
        status=status,
        components=components,
        reported_at=reported_at,
        evaluated_at=evaluated_at,
        resolved_at=resolved_at,
        maintenance=maintenance,
        origin=Origin(where),
    )


def _is_unicode(text: str) -> bool:
    """False for text holding lone surrogates: bytes that were not UTF-8 (``_undecoded_text``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _components(raw: object, error) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    if raw is None or raw == "":
        return ()
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError as exc:
        error(f"components is not valid JSON: {exc.msg} at character {exc.pos}")
        return ()
    except RecursionError:
        error("components is nested too deeply to be a list of component ids")
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        error('components must be a JSON array of component ids, like ["web", "api"]')
        return ()
    return tuple(dict.fromkeys(value))
