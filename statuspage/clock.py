"""The one place that knows what time it is, and how times written by people are read.

Everything else receives ``now`` as an argument, so that a build with ``--now`` or
``SOURCE_DATE_EPOCH`` is reproducible byte for byte.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from .errors import StatuspageError

MIN_YEAR, MAX_YEAR = 1970, 2999  # beyond these a typo is far likelier than a real event
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str, zone: tzinfo) -> datetime:
    """Read an ISO 8601 time as UTC; without an offset it is in ``zone``, a bare date is midnight there.

    Every time inside the program is UTC: Python compares and subtracts two datetimes that share
    a ``ZoneInfo`` by wall clock, which would lose or gain the DST hour.  Zones are applied only
    for display and for recurrence rules.  Raises ValueError with a message fit for a user.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    try:
        if _DATE_ONLY.match(value):
            parsed = datetime.combine(date.fromisoformat(value), time())
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad time {value!r}: expected ISO 8601 like 2026-11-20T09:12:00+01:00") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"time {value!r} is outside the years {MIN_YEAR}–{MAX_YEAR}")
    if parsed.tzinfo is None:
        parsed = localize(parsed, zone)
    return parsed.astimezone(UTC)


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


def wall_clock() -> datetime:
    """The real time, ignoring ``SOURCE_DATE_EPOCH``: ``watch`` and ``serve`` follow the real clock."""
    return datetime.now(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) a local day begins; days are 23 or 25 hours long across DST changes."""
    return localize(datetime.combine(day, time()), zone).astimezone(UTC)
