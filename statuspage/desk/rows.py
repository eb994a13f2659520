"""A ticket row as the desk writes it: times stored with an offset, and checked as ``statuspage check`` would.

Rows stay dicts of column values here, because this is the edge where they meet SQLite, CSV and
JSON.  The checks are the build's own (``check_row``), plus what only the desk can check: rows
that are private now may be published later, so the desk checks every row, not only public ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import parse_time
from ..errors import Problem, ValidationError
from ..sources.tickets import MAX_TEXT, PRIVATE_COLUMNS, check_row, public_problem, reference_problems
from .schema import TICKET_COLUMN_NAMES
from .site import Desk

Row = dict[str, Any]
TIME_COLUMNS = ("reported_at", "evaluated_at", "resolved_at")


def stored_time(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the site zone's offset, to the second: what SPEC §6 asks the columns to hold."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def normalised_time(value: object, zone: ZoneInfo) -> object:
    """A readable time, given its offset; anything else is left for the row checks to name."""
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        return stored_time(parse_time(value, zone), zone)
    except ValueError:
        return value


def with_normalised_times(row: Mapping[str, Any], zone: ZoneInfo) -> Row:
    return {name: normalised_time(value, zone) if name in TIME_COLUMNS else value for name, value in row.items()}


def subject(ticket_id: object) -> str:
    """How messages name a row: ``ticket 17`` as in ``statuspage check``, or the odd id quoted."""
    if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
        return f"ticket {ticket_id}"
    return f"ticket {ticket_id!r}"


def row_problems(row: Mapping[str, Any], desk: Desk) -> list[str]:
    """Everything wrong with a row the desk is about to write, in check's words."""
    checked = check_row(row, desk.zone, desk.shown)
    problems = list(checked.problems)
    if message := public_problem(row.get("public")):
        problems.append(message)
    if checked.ticket is not None:
        ticket = checked.ticket
        problems += reference_problems(
            ticket.components, ticket.maintenance, desk.component_ids, desk.maintenance_slugs
        )
    for name in PRIVATE_COLUMNS:
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} must be text")
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(f"{name} is longer than {MAX_TEXT // 1024} KiB")
    return problems


def require_valid(row: Mapping[str, Any], desk: Desk) -> None:
    """Refuse a row with problems, reported as ``tickets.db: ticket 17: message`` like ``check`` does."""
    problems = row_problems(row, desk)
    if problems:
        where = f"{desk.shown}: {subject(row.get('id'))}"
        raise ValidationError([Problem(where, None, message) for message in problems])


def components_json(components: tuple[str, ...] | list[str]) -> str:
    """The components column as the desk writes it: a compact JSON array, like the example database's."""
    return json.dumps(list(components), ensure_ascii=False, separators=(",", ":"))


def decoded_components(raw: object) -> object:
    """The components column as a list for JSON output, when it is one; else the stored text as-is."""
    if not isinstance(raw, str):
        return raw
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return raw
    return value if isinstance(value, list) else raw


def full_row(row: Mapping[str, Any]) -> Row:
    """Every column in schema order, missing ones as NULL."""
    return {name: row.get(name) for name in TICKET_COLUMN_NAMES}
