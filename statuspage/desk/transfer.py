"""Import from a helpdesk's CSV or JSON export, and export for one: all rows or none.

Row numbers in messages are the ones a person finds in the file: in a CSV the line a record
starts on (the header is line 1, so the first ticket is row 2, as in a spreadsheet); in JSON the
ticket's position in the list, the first being row 1.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..clock import resolve_now
from ..errors import Problem, StatuspageError, ValidationError
from ..sources.tickets import PUBLIC_COLUMNS
from ..terminal import visible_json
from .rows import (
    Row,
    components_json,
    decoded_components,
    full_row,
    row_problems,
    stored_time,
    subject,
    with_normalised_times,
)
from .schema import TICKET_COLUMN_NAMES
from .site import Desk
from .store import reading, record_step, writing

FORMATS = ("csv", "json")
INTEGER_COLUMNS = ("id", "public")


@dataclass(frozen=True)
class Record:
    """One ticket read from a file, with the row number messages point at."""

    row_number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class TicketFile:
    records: list[Record]
    columns: dict[str, int]  # every column name in the file, with the row it first appears on


# --------------------------------------------------------------------------- reading files


def parse_mapping(pairs: Iterable[str]) -> dict[str, str | None]:
    """``--map old=new`` options: the file's column ``old`` is the ticket column ``new``; ``old=`` drops it."""
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        old, equals, new = pair.partition("=")
        if not equals or not old.strip():
            raise StatuspageError(f"--map {pair!r}: expected FILE_COLUMN=TICKET_COLUMN")
        new = new.strip()
        if new and new not in TICKET_COLUMN_NAMES:
            raise StatuspageError(f"--map {pair!r}: {new!r} is not a ticket column ({', '.join(TICKET_COLUMN_NAMES)})")
        mapping[old.strip()] = new or None
    return mapping


ValueMap = dict[str, dict[str, str | None]]  # ticket column → the file's value → the ticket's value


def parse_value_mapping(pairs: Iterable[str]) -> ValueMap:
    """``--map-value column:FROM=TO`` options: the helpdesk's ``FROM`` in ``column`` is imported as ``TO``.

    ``column`` is a ticket column (after ``--map``); ``TO`` may be empty for no value (NULL).
    """
    values: ValueMap = {}
    for pair in pairs:
        column, colon, rest = pair.partition(":")
        old, equals, new = rest.rpartition("=")
        if not colon or not equals or not column.strip() or not old.strip():
            raise StatuspageError(f"--map-value {pair!r}: expected COLUMN:FILE_VALUE=TICKET_VALUE")
        column, old, new = column.strip(), old.strip(), new.strip()
        if column not in TICKET_COLUMN_NAMES:
            raise StatuspageError(
                f"--map-value {pair!r}: {column!r} is not a ticket column ({', '.join(TICKET_COLUMN_NAMES)})"
            )
        known = values.setdefault(column, {})
        if old in known and known[old] != (new or None):
            raise StatuspageError(f"--map-value {pair!r}: {old!r} of {column} is already mapped to {known[old]!r}")
        known[old] = new or None
    return values


def _value_map_problems(ticket_file: TicketFile, mapping: Mapping[str, str | None], values: ValueMap) -> None:
    """A value map for a column the file does not have maps nothing: most likely a typo, so it is refused."""
    read_as = {mapping.get(name, name) for name in ticket_file.columns}
    for column, pairs in values.items():
        if column not in read_as:
            old, new = next(iter(pairs.items()))
            raise StatuspageError(
                f"--map-value '{column}:{old}={new or ''}': the file has no column that is read as {column!r}"
            )


def read_ticket_file(path: Path) -> TicketFile:
    """Tickets from a .csv or .json file, values as the file has them."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise StatuspageError(f"{path}: unknown format {path.suffix!r}; expected a .csv or .json file")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # a CR inside a cell is the reporter's
            text = handle.read()
    except UnicodeDecodeError as error:
        raise StatuspageError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise StatuspageError(f"{path}: cannot read: {error.strerror}") from None
    return _csv_file(path, text) if kind == "csv" else _json_file(path, text)


def _csv_file(path: Path, text: str) -> TicketFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    problems: list[Problem] = []
    records = []
    try:
        header = next(reader, [])
        repeated = sorted({name for name in header if header.count(name) > 1})
        problems += [Problem(str(path), 1, f"column {name!r} appears twice in the header") for name in repeated]
        start = reader.line_num + 1
        for cells in reader:
            if len(cells) > len(header):
                problems.append(Problem(str(path), start, "more cells than the header has columns"))
            elif cells:  # a blank line is no ticket
                records.append(Record(start, {name: _cell(value) for name, value in zip(header, cells, strict=False)}))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(Problem(str(path), reader.line_num, f"not valid CSV: {error}"))
    if not header and not problems:
        raise StatuspageError(f"{path}: empty file; expected a header line with column names")
    _refuse(problems)
    return TicketFile(records, {name: 1 for name in header})


def _cell(value: str) -> str | None:
    """An empty CSV cell is NULL, as in the database; a formula that ``export`` made inert is read back as it was."""
    if value == "":
        return None
    if value.startswith("'") and _FORMULA.match(value, 1):
        return value[1:]
    return value


def _json_file(path: Path, text: str) -> TicketFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError([Problem(str(path), error.lineno, f"not valid JSON: {error.msg}")]) from None
    except RecursionError:
        raise StatuspageError(f"{path}: JSON nested too deeply to be a list of tickets") from None
    items = data.get("tickets") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise StatuspageError(f'{path}: expected a list of tickets, or {{"tickets": [...]}}')
    _refuse(
        [Problem(str(path), n, "expected an object") for n, item in enumerate(items, 1) if not isinstance(item, dict)]
    )
    records = [Record(number, dict(item)) for number, item in enumerate(items, start=1)]
    columns: dict[str, int] = {}
    for record in records:
        for name in record.values:
            columns.setdefault(name, record.row_number)
    return TicketFile(records, columns)


# --------------------------------------------------------------------------- file values to rows


def _column_problems(ticket_file: TicketFile, mapping: Mapping[str, str | None], path: Path) -> list[Problem]:
    """Unknown or doubled columns, once each: a typo must not drop a column silently."""
    problems = []
    targets: dict[str, str] = {}
    for name, first_row in ticket_file.columns.items():
        column = mapping.get(name, name)
        if column is None:
            continue
        if column not in TICKET_COLUMN_NAMES:
            hint = f"name it with --map {name}=COLUMN, or drop it with --map {name}="
            problems.append(Problem(str(path), first_row, f"unknown column {name!r} ({hint})"))
        elif column in targets:
            problems.append(
                Problem(str(path), first_row, f"{name!r} and {targets[column]!r} are both column {column!r}")
            )
        else:
            targets[column] = name
    return problems


def _mapped(record: Record, mapping: Mapping[str, str | None], values: ValueMap) -> Row:
    """The record's values under ticket column names, the helpdesk's values as ours, in the database's types."""
    mapped = ((mapping.get(name, name), value) for name, value in record.values.items())
    return {column: _coerced(column, _value(values, column, value)) for column, value in mapped if column is not None}


def _value(values: ValueMap, column: str, value: Any) -> Any:
    """``value`` as ``--map-value`` maps it; a value it does not name is kept, and checked as it is."""
    mapped = values.get(column)
    if not mapped or isinstance(value, bool) or not isinstance(value, str | int | float):
        return value
    key = value.strip() if isinstance(value, str) else str(value)
    return mapped.get(key, value)


def _coerced(column: str, value: Any) -> Any:
    """File values in the database's types: whole numbers for id and public, components as JSON text."""
    if column in INTEGER_COLUMNS:
        if isinstance(value, bool) and column == "public":
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
    if column == "components" and isinstance(value, list):
        return components_json(value)
    return value


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportResult:
    added: int
    replaced: int


def import_tickets(
    desk: Desk,
    path: Path,
    mapping_pairs: Sequence[str] = (),
    *,
    replace: bool = False,
    now_option: str | None = None,
    value_pairs: Sequence[str] = (),
) -> ImportResult:
    """Import every ticket of the file in one transaction, or none: any bad row rejects the whole file.

    A ticket whose id is already in the database is an error unless ``replace`` is set; then the
    file's columns overwrite it and the columns the file does not have keep their values.
    ``value_pairs`` (``--map-value``) turn the helpdesk's words into ours before the rows are checked.
    """
    mapping = parse_mapping(mapping_pairs)
    values = parse_value_mapping(value_pairs)
    ticket_file = read_ticket_file(path)
    now = stored_time(resolve_now(now_option, desk.zone), desk.zone)
    _refuse(_column_problems(ticket_file, mapping, path))
    _value_map_problems(ticket_file, mapping, values)
    mapped = [(record.row_number, _mapped(record, mapping, values)) for record in ticket_file.records]
    with writing(desk) as db:
        plans, problems = _plan_rows(db, desk, path, mapped, replace)
        _refuse(problems)  # raising inside the transaction rolls it back: nothing is written
        for row, before in plans:
            db.table("tickets").upsert(row, pk="id")
            if before is None or before["status"] != row["status"]:
                record_step(db, row, before["status"] if before else None, now, "import", forced=False)
    replaced = sum(1 for _, before in plans if before is not None)
    return ImportResult(added=len(plans) - replaced, replaced=replaced)


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _plan_rows(
    db: Database, desk: Desk, path: Path, mapped: list[tuple[int, Row]], replace: bool
) -> tuple[list[tuple[Row, Row | None]], list[Problem]]:
    """Each file row as the full row to write, beside the stored row it replaces; and every problem found."""
    ids = [row.get("id") for _, row in mapped if isinstance(row.get("id"), int)]
    stored = {
        row["id"]: row
        for chunk in (ids[start : start + 500] for start in range(0, len(ids), 500))
        for row in db.query(
            f"SELECT {', '.join(TICKET_COLUMN_NAMES)} FROM tickets WHERE id IN ({', '.join('?' for _ in chunk)})",
            chunk,
        )
    }
    first_seen: dict[object, int] = {}
    plans = []
    problems: list[Problem] = []
    for number, values in mapped:
        ticket_id = values.get("id")
        where = f"{subject(ticket_id)}: " if ticket_id is not None else ""
        before = stored.get(ticket_id) if isinstance(ticket_id, int) else None
        if ticket_id in first_seen:
            problems.append(Problem(str(path), number, f"{where}appears again (first on row {first_seen[ticket_id]})"))
            continue
        if ticket_id is not None:
            first_seen[ticket_id] = number
        if before is not None and not replace:
            problems.append(Problem(str(path), number, f"{where}already in the database (use --replace to update it)"))
            continue
        row = full_row({"public": 1, **(before or {}), **with_normalised_times(values, desk.zone)})
        problems += [Problem(str(path), number, where + message) for message in row_problems(row, desk)]
        plans.append((row, before))
    return plans, problems


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Export:
    text: str
    count: int


def export_tickets(desk: Desk, kind: str = "json", *, public_only: bool = False) -> Export:
    """Every ticket as CSV or JSON that ``import`` reads back.

    ``public_only`` keeps only public rows and public columns, what the site may publish, so the
    file can leave the desk without the reporters' details.
    """
    if kind not in FORMATS:
        raise StatuspageError(f"unknown export format {kind!r} (expected {' | '.join(FORMATS)})")
    columns = (*PUBLIC_COLUMNS, "public") if public_only else TICKET_COLUMN_NAMES
    where = "WHERE public = 1" if public_only else ""
    with reading(desk) as db:
        rows = list(db.query(f"SELECT {', '.join(columns)} FROM tickets {where} ORDER BY id"))  # noqa: S608
    return Export(_csv_text(rows, columns) if kind == "csv" else rows_json(rows), len(rows))


def rows_json(rows: list[Row]) -> str:
    """Rows as a JSON list, components as lists: for people and for ``import``."""
    shown = [{**row, "components": decoded_components(row.get("components"))} for row in rows]
    return visible_json(json.dumps(shown, ensure_ascii=False, indent=2)) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (``=HYPERLINK(...)``, DDE):
# OWASP's CSV injection advice is to make such a cell text with a leading single quote.  A cell
# that already starts with quotes before one of them gets one more, so ``import`` can take exactly
# one away from every such cell and read back what was exported, character for character.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def _csv_text(rows: list[Row], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    # Records end in CRLF (RFC 4180), which also makes the writer quote a cell holding a lone CR.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_inert_cell(row[name]) for name in columns])
    return buffer.getvalue()


def _inert_cell(value: object) -> object:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value
