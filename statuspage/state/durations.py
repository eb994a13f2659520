"""How long something lasted: a difference of two instants, never of two wall clocks.

Every time inside the program is UTC (clock.parse_time), so a subtraction is real elapsed time,
across DST changes too.  The instants are converted again here all the same: Python subtracts
two datetimes that share a ``ZoneInfo`` by their wall clocks, which gains or loses the DST hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time from ``start`` to ``end``, whatever zones they carry."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def newest_posted(timeline: tuple[tuple[datetime, str], ...], posted: int) -> datetime | None:
    """The time of the newest of an item's ``posted`` oldest updates (``timeline`` is newest first)."""
    return timeline[len(timeline) - posted][0] if posted else None
