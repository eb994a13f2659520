"""Uptime per component over the last 90 days, computed from incident durations.

Like Atlassian Statuspage, a major outage counts fully as downtime, a partial outage counts
30 %, and degraded performance or maintenance does not count.  Overlapping incidents on one
component count once, at the heavier weight.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..clock import local_midnight
from .status import ComponentStatus

DAYS = 90
WEIGHTS = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.0,
}


@dataclass(frozen=True)
class Outage:
    start: datetime
    end: datetime  # already capped at now for ongoing incidents
    status: ComponentStatus


@dataclass(frozen=True)
class Day:
    date: date
    uptime: float  # 0.0–1.0 of the day (of its elapsed part, for today)
    worst: ComponentStatus  # worst incident status that touched the day; OPERATIONAL if none
    downtime_seconds: float


@dataclass(frozen=True)
class Uptime:
    percent: float  # over the whole period, 0–100
    days: tuple[Day, ...]  # oldest first, today last


def _weighted_seconds(outages: list[Outage], start: datetime, end: datetime) -> tuple[float, ComponentStatus]:
    """Weighted downtime within [start, end) with overlaps counted once at the heaviest weight."""
    points = {start, end}
    touching = [o for o in outages if o.start < end and o.end > start]
    for outage in touching:
        points.add(max(outage.start, start))
        points.add(min(outage.end, end))
    edges = sorted(points)
    total = 0.0
    for left, right in zip(edges, edges[1:], strict=False):
        weight = max((WEIGHTS[o.status] for o in touching if o.start <= left and o.end >= right), default=0.0)
        total += weight * (right - left).total_seconds()
    worst = max((o.status for o in touching), key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)
    return total, worst


def uptime(outages: list[Outage], now: datetime, zone: ZoneInfo) -> Uptime:
    """The last ``DAYS`` local days, today included up to ``now``."""
    today = now.astimezone(zone).date()
    first = local_midnight(today - timedelta(days=DAYS - 1), zone)
    # Years of history end before the period: left out once rather than passed over day by day.
    outages = sorted((o for o in outages if o.end > first), key=lambda o: o.start)
    starts = [o.start for o in outages]
    days: list[Day] = []
    down_total = 0.0
    day_start = first
    while day_start <= now:
        day = day_start.astimezone(zone).date()
        day_end = min(local_midnight(day + timedelta(days=1), zone), now)
        # Only outages that start before the day ends can touch it.
        candidates = outages[: bisect_left(starts, day_end)]
        seconds, worst = _weighted_seconds([o for o in candidates if o.end > day_start], day_start, day_end)
        length = (day_end - day_start).total_seconds()
        days.append(Day(day, 1.0 - seconds / length if length else 1.0, worst, seconds))
        down_total += seconds
        day_start = local_midnight(day + timedelta(days=1), zone)
    period = (now - first).total_seconds()
    percent = 100.0 * (1.0 - down_total / period) if period > 0 else 100.0
    return Uptime(percent, tuple(days))
