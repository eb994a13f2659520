"""The recent past, day by day: what the front page lists below the current state.

Visitors come after trouble as often as during it; an incident resolved ten minutes ago must
not vanish from the front page.  Each of the last days (in the site's zone, today first) lists
every incident and every completed window of maintenance that was going on at some time that
day: a long one on each of its days, so that no day it was open claims to have been quiet.
Pure: a function of the derived state and ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..clock import local_midnight
from .durations import elapsed
from .maintenance import MaintenanceState, Phase, Window, past_occurrences

if TYPE_CHECKING:
    from . import IncidentState, SiteState

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class PastItem:
    """An incident or an occurrence of maintenance as a day of the recent past lists it."""

    kind: str  # "incident" or "maintenance"
    item: IncidentState | MaintenanceState
    start: datetime
    end: datetime | None  # None: still going on
    last_update: datetime

    @property
    def duration(self) -> timedelta | None:
        return elapsed(self.start, self.end) if self.end is not None else None


@dataclass(frozen=True)
class RecentDay:
    day: date
    items: tuple[PastItem, ...]  # the newest first


def recent_days(state: SiteState, days: int) -> tuple[RecentDay, ...]:
    """Today and the ``days - 1`` days before it, today first, each with what happened that day."""
    if days < 1:
        return ()
    zone, now = state.site.config.timezone, state.now
    today = now.astimezone(zone).date()
    starts = [local_midnight(today - timedelta(days=back), zone) for back in range(days)]  # today's first
    since = starts[-1]
    items = [_incident(s) for s in state.incidents if s.incident.start <= now and (s.ended_at or now) >= since]
    for window_state in state.maintenance:
        items += _maintenance(window_state, since, now, zone)
    result = []
    for number, begins in enumerate(starts):
        ends = starts[number - 1] if number else None  # today ends after now: whatever started by now is in it
        found = [item for item in items if (ends is None or item.start < ends) and (item.end or now) >= begins]
        found.sort(key=lambda item: (item.start, item.kind, item.item.slug), reverse=True)
        result.append(RecentDay(begins.astimezone(zone).date(), tuple(found)))
    return tuple(result)


def _incident(state: IncidentState) -> PastItem:
    return PastItem("incident", state, state.incident.start, state.ended_at, state.last_update)


def _maintenance(state: MaintenanceState, since: datetime, now: datetime, zone: ZoneInfo) -> list[PastItem]:
    """The window if it was completed since ``since``; for recurring work, each occurrence that was."""
    if state.phase is Phase.CANCELLED:
        return []
    found: list[PastItem] = []
    ended = state.ended_at
    current = state.window if ended is not None else None
    if current is not None and ended is not None and ended >= since:
        found.append(PastItem("maintenance", state, current.start, ended, state.last_update))
    if state.recurring:
        for window in past_occurrences(state.maintenance, since, now, zone):
            if window != current and window.start != (current.start if current else None):
                found.append(PastItem("maintenance", state, window.start, window.end, _posted_by(state, window)))
    return found


def _posted_by(state: MaintenanceState, window: Window) -> datetime:
    """The newest update posted during an occurrence, else its end (when it changed to completed)."""
    timeline = state.maintenance.timeline
    for time, _ in timeline[len(timeline) - state.posted :]:  # newest first
        if window.start <= time <= window.end:
            return time
    return window.end
