"""The future instants at which what a visitor sees changes without any source changing.

A static page is only right until the next of these: a maintenance window starts or ends, an
update dated ahead becomes visible, a pin expires, a ticket's fix window opens or it becomes
overdue.  ``watch`` rebuilds exactly then, and ``serve`` re-derives then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import local_midnight
from . import SiteState

RESOLVED_TICKET_DAYS = 7  # a resolved ticket stays in the known-issues feed this long, as "resolved"


def state_change_instants(state: SiteState) -> list[datetime]:
    """Every instant after ``state.now`` at which ``derive`` may give a different answer, soonest first.

    Pure: it reads only the derived state.  Recurring windows contribute the occurrences the state
    knows about (the current one and the next few); after a rebuild the list moves on with them.
    Local midnight is included too, since the 90-day uptime bars and "today" move on then.
    """
    now = state.now
    moments: set[datetime] = set()
    for incident_state in state.incidents:
        incident = incident_state.incident
        moments.update((incident.start, *(time for time, _ in incident.timeline)))
        if incident.resolved is not None:
            moments.add(incident.resolved)
        if incident.pin and incident.pin_until is not None:
            moments.add(incident.pin_until)
    for window_state in state.maintenance:
        work = window_state.maintenance
        moments.update((work.start, work.end, *(time for time, _ in work.timeline)))
        for window in (window_state.window, *window_state.next_windows):
            moments.update((window.start, window.end))
    for ticket_state in state.tickets:
        ticket = ticket_state.ticket
        for moment in (ticket.reported_at, ticket.evaluated_at, ticket.resolved_at):
            if moment is not None:
                moments.add(moment)
        if ticket.resolved_at is not None:
            moments.add(ticket.resolved_at + timedelta(days=RESOLVED_TICKET_DAYS))
        for moment in (ticket_state.expected_fix_from, ticket_state.expected_fix_by):
            if moment is not None:
                moments.add(moment)
    zone = state.site.config.timezone
    moments.add(local_midnight(now.astimezone(zone).date() + timedelta(days=1), zone))
    return sorted(moment for moment in moments if moment > now)
