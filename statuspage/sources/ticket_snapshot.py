"""The public tickets snapshot (SPEC §2): what a build reads where the helpdesk's database is not.

``statuspage tickets snapshot`` writes it from the database: public rows, public columns, the
values exactly as the database holds them, so a build from the snapshot is the build from the
database.  It is JSON, one ticket per line and sorted by id, so a commit of it reads as a
review of what changed on the site, and it carries no time of its own: an unchanged desk gives
an unchanged file.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMAT = "statuspage-tickets-snapshot"
VERSION = 1
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024  # far above any desk's public tickets; a bound on what is read


class SnapshotError(ValueError):
    """The file is not a snapshot this version can read; the message says why."""


def is_snapshot(path: Path) -> bool:
    """A snapshot is named ``*.json``; anything else is read as a SQLite database."""
    return path.suffix.lower() == ".json"


def dump_snapshot(rows: list[dict[str, object]]) -> str:
    """The snapshot's text: a header line, then one ticket a line, in the order given (the desk's: by id)."""
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows]
    head = json.dumps({"format": FORMAT, "version": VERSION}, sort_keys=True)[:-1]
    if not lines:
        return head + ', "tickets": []}\n'
    return head + ', "tickets": [\n' + ",\n".join(lines) + "\n]}\n"


def read_snapshot(path: Path, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The snapshot's rows as the database query would return them: ``columns`` in order, by id."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SNAPSHOT_BYTES + 1)
    except OSError as exc:
        raise SnapshotError(f"cannot read the tickets snapshot: {exc.strerror or exc}") from None
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise SnapshotError(f"the tickets snapshot is larger than {MAX_SNAPSHOT_BYTES // 1024 // 1024} MiB")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"the tickets snapshot is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"the tickets snapshot is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise SnapshotError("the tickets snapshot is nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(
            f'not a tickets snapshot (no "format": "{FORMAT}"); write one with: statuspage tickets snapshot'
        )
    if document.get("version") != VERSION:
        raise SnapshotError(
            f"tickets snapshot version {document.get('version')!r}; this statuspage reads version {VERSION}"
        )
    tickets = document.get("tickets")
    if not isinstance(tickets, list):
        raise SnapshotError('the tickets snapshot has no "tickets" list')
    rows = []
    for number, ticket in enumerate(tickets, start=1):
        if not isinstance(ticket, dict):
            raise SnapshotError(f"ticket {number} of the snapshot is not an object")
        where = f"ticket {ticket.get('id', number)!r} of the snapshot"
        unknown = sorted(set(ticket) - set(columns))
        if unknown:  # a private column must never have been written; refuse rather than guess
            raise SnapshotError(f"{where} has unknown fields: {', '.join(unknown)}")
        values = tuple(ticket.get(column) for column in columns)
        if not all(value is None or isinstance(value, (str, int)) for value in values):
            raise SnapshotError(f"{where} has a value that is not text or a number")
        rows.append(values)
    ids = [row[0] for row in rows]
    if len(set(map(repr, ids))) != len(ids):
        raise SnapshotError("the tickets snapshot lists a ticket id twice")
    return rows


def tickets_source(database: Path | None, snapshot: Path | None) -> Path | None:
    """The file a build reads tickets from: the database where it is, else the snapshot where that is.

    A server beside the helpdesk reads the live database; CI and Pages, which never have it,
    read the snapshot the desk committed or shipped.  With neither, the database is named, so
    the problem reported is the missing database.
    """
    if database is not None and database.exists():
        return database
    if snapshot is not None and snapshot.exists():
        return snapshot
    return database if database is not None else snapshot
