"""The one place that knows what time it is, and how times written by people are read.

Everything else receives ``now`` as an argument, so that a build with ``--now`` or
``SOURCE_DATE_EPOCH`` is reproducible byte for byte.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .errors import StatuspageError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str, zone: tzinfo) -> datetime:
    """Read an ISO 8601 time; a time without an offset is in ``zone``, a bare date is midnight there.

    Raises ValueError with a message fit for a user.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    if _DATE_ONLY.match(value):
        day = date.fromisoformat(value)
        return localize(datetime.combine(day, time()), zone)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad time {value!r}: expected ISO 8601 like 2026-11-20T09:12:00+01:00") from None
    if parsed.tzinfo is None:
        return localize(parsed, zone)
    return parsed


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a wall-clock time.

    In the autumn fold the earlier of the two instants is taken (fold=0); a time in the spring gap
    is moved forward by the gap, as ``zoneinfo`` does.
    """
    return naive.replace(tzinfo=zone, fold=0)


def resolve_now(
    now_option: str | None, zone: tzinfo, environ: os._Environ[str] | dict[str, str] | None = None
) -> datetime:
    """The build's clock: ``--now`` if given, else ``SOURCE_DATE_EPOCH``, else the real time."""
    env = os.environ if environ is None else environ
    if now_option:
        try:
            return parse_time(now_option, zone)
        except ValueError as exc:
            raise StatuspageError(f"--now: {exc}") from None
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise StatuspageError(f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got {epoch!r}") from None
    return datetime.now(UTC)


def next_day(day_start: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight after ``day_start`` (days are 23 or 25 hours long across DST changes)."""
    local = day_start.astimezone(zone)
    return localize(datetime.combine(local.date() + timedelta(days=1), time()), zone)
