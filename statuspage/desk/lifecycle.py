"""Status moves of the support process (SPEC §11): reported → evaluating → fixing → resolved.

Moving forward is always allowed, skipping steps too (a clear report may go straight to fixing),
and records the time of the step: entering ``fixing`` sets ``evaluated_at`` (the fix window counts
from it), entering ``resolved`` sets ``resolved_at``.  Moving back needs ``force`` and clears the
times of the steps it undoes, so a re-opened ticket never shows a fix window or a resolution it
no longer has.  The move is pure: the store applies it and records it in the status history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StatuspageError
from ..model import TicketStatus

PROCESS = (TicketStatus.REPORTED, TicketStatus.EVALUATING, TicketStatus.FIXING, TicketStatus.RESOLVED)
PROCESS_TEXT = " → ".join(status.value for status in PROCESS)


@dataclass(frozen=True)
class StatusMove:
    previous: TicketStatus | None  # None when the stored status is not a step of the process
    status: TicketStatus
    changes: dict[str, str | None]  # columns the move sets
    backwards: bool


def _step(status: TicketStatus | None) -> int:
    return -1 if status is None else PROCESS.index(status)


def _stored_status(value: object) -> TicketStatus | None:
    try:
        return TicketStatus(value)
    except ValueError:
        return None


def plan_move(row: Mapping[str, Any], target: TicketStatus, now: str, *, force: bool) -> StatusMove:
    """The columns that moving ``row`` to ``target`` sets; ``now`` is already a stored time."""
    previous = _stored_status(row.get("status"))
    backwards = _step(target) < _step(previous)
    if backwards and not force:
        assert previous is not None
        raise StatuspageError(
            f"ticket {row.get('id')}: moving back from {previous.value} to {target.value} needs --force "
            f"(the process runs {PROCESS_TEXT})"
        )
    changes: dict[str, str | None] = {"status": target.value}
    if backwards and _step(target) < _step(TicketStatus.FIXING) and row.get("evaluated_at"):
        changes["evaluated_at"] = None  # evaluated again before the next fix window
    if backwards and _step(target) < _step(TicketStatus.RESOLVED) and row.get("resolved_at"):
        changes["resolved_at"] = None  # re-opened
    if target is TicketStatus.FIXING and not row.get("evaluated_at"):
        changes["evaluated_at"] = now
    if target is TicketStatus.RESOLVED and not row.get("resolved_at"):
        changes["resolved_at"] = now
    return StatusMove(previous, target, changes, backwards)


def step_time(row: Mapping[str, Any], now: str) -> str:
    """When the row's current step happened, for the status history: its own column where it has one."""
    column = {"reported": "reported_at", "fixing": "evaluated_at", "resolved": "resolved_at"}.get(
        str(row.get("status"))
    )
    value = row.get(column) if column else None
    return value if isinstance(value, str) and value else now
