"""When an incident or maintenance window was announced, and its dates as a reader may show them.

A build publishes nothing dated after its clock: feed readers, calendars and Statuspage clients
sort by these dates, and a date ahead of the clock pins an entry to the top or breaks a client.
"""

from __future__ import annotations

from datetime import datetime

from ..state import IncidentState, MaintenanceState

Story = IncidentState | MaintenanceState


def announced_at(item: Story, now: datetime) -> datetime:
    """The moment the item became public, never after ``now``.

    Its first update posted by ``now``; else the first commit of its file; else its start, once
    that has passed (an incident is shown from its start); else ``now``: a window written without
    a ``scheduled`` update is announced by the build that publishes it.
    """
    work = item.incident if isinstance(item, IncidentState) else item.maintenance
    posted = [update.time for update in work.updates if update.time <= now]
    if posted:
        return min(posted)
    if item.publication is not None:
        return item.publication.published
    return min(work.start, now)


def seen_changed_at(item: Story, now: datetime) -> datetime:
    """The item's last change, or its announcement while nothing about it has happened yet."""
    return item.changed_at if item.changed_at <= now else announced_at(item, now)
