"""Why each open known issue is still open, and when its fix is expected (SPEC §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ..model import Sla, Ticket, TicketStatus
from .maintenance import MaintenanceState, last_change


class Reason(Enum):
    """The explanation a visitor reads, as a kind; the sentence is written per language later."""

    WAITING = "waiting"  # stays open on purpose until a linked innovation completes
    OVERDUE = "overdue"  # fixing, past evaluated_at + fix_hours_max: call the administrator
    FIXING = "fixing"  # fixing, expected within the fix window
    EVALUATING = "evaluating"  # being evaluated and consulted with the reporter
    REPORTED = "reported"  # received, waiting for evaluation and consultation
    RESOLVED = "resolved"


@dataclass(frozen=True)
class TicketState:
    ticket: Ticket
    reason: Reason
    waiting_for: MaintenanceState | None
    expected_fix_from: datetime | None
    expected_fix_by: datetime | None
    maintenance: tuple[MaintenanceState, ...]  # every linked window, from either side
    incidents: tuple[str, ...]  # slugs of incidents that list this ticket
    changed_at: datetime  # the last instant, up to now, at which its state or explanation changed

    @property
    def open(self) -> bool:
        return self.reason is not Reason.RESOLVED

    @property
    def overdue(self) -> bool:
        return self.reason is Reason.OVERDUE


def ticket_state(
    ticket: Ticket,
    linked: tuple[MaintenanceState, ...],
    incidents: tuple[str, ...],
    sla: Sla,
    now: datetime,
) -> TicketState:
    """Decide the reason; an innovation still ahead wins over the fix clock.

    A ticket that waits for scheduled work is not overdue: it stays open on purpose, and its fix
    is expected with the window.  Linked work that is completed or cancelled no longer explains
    anything, so the ticket falls back to its own status.
    """
    fix_from = fix_by = None
    if ticket.evaluated_at is not None:
        fix_from = ticket.evaluated_at + timedelta(hours=sla.fix_hours_min)
        fix_by = ticket.evaluated_at + timedelta(hours=sla.fix_hours_max)
    steps = [ticket.reported_at, ticket.evaluated_at, ticket.resolved_at, *(window.changed_at for window in linked)]
    instants = [moment for moment in steps if moment is not None]

    def state(
        reason: Reason, waiting: MaintenanceState | None, start: datetime | None, end: datetime | None
    ) -> TicketState:
        overdue_since = [end] if reason is Reason.OVERDUE and end is not None else []
        changed = last_change([*instants, *overdue_since], now)
        return TicketState(ticket, reason, waiting, start, end, linked, incidents, changed)

    if ticket.status is TicketStatus.RESOLVED:
        return state(Reason.RESOLVED, None, fix_from, fix_by)
    ahead = [window for window in linked if window.phase.active]
    if ahead:
        # Several windows ahead: the ticket is open until the last of them has ended.
        waiting = max(ahead, key=lambda window: (window.window.end, window.slug))
        return state(Reason.WAITING, waiting, waiting.window.start, waiting.window.end)
    if ticket.status is TicketStatus.FIXING:
        assert fix_by is not None  # validation requires evaluated_at for fixing tickets
        return state(Reason.OVERDUE if now >= fix_by else Reason.FIXING, None, fix_from, fix_by)
    return state(Reason.EVALUATING if ticket.status is TicketStatus.EVALUATING else Reason.REPORTED, None, None, None)


# Reasons in the order the known-issues page groups them.
REASON_ORDER = (Reason.WAITING, Reason.FIXING, Reason.OVERDUE, Reason.EVALUATING, Reason.REPORTED)
