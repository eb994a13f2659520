"""Where each maintenance window stands at ``now``: its occurrences, phase and announced status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from ..model import Maintenance, MaintenanceStatus, Update
from ..recurrence import Recurrence
from .durations import elapsed, newest_posted
from .publication import Publication, publication

SHOWN_OCCURRENCES = 12  # upcoming occurrences of a recurring window listed on its page


class Phase(Enum):
    UPCOMING = "upcoming"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Upcoming or in progress: the work is still ahead, so linked tickets wait for it."""
        return self in (Phase.UPCOMING, Phase.IN_PROGRESS)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class MaintenanceState:
    maintenance: Maintenance
    phase: Phase
    status: MaintenanceStatus  # what Statuspage calls the window's status
    window: Window  # the occurrence in progress, else the next one, else the last one
    next_windows: tuple[Window, ...]  # for recurring work: occurrences after ``window``
    recurring: bool
    changed_at: datetime  # the last instant, up to now, at which what a visitor sees changed
    publication: Publication | None = None  # from git, when the site is a repository
    posted: int = 0  # how many of its updates are posted by now: its oldest ones

    @property
    def slug(self) -> str:
        return self.maintenance.slug

    @property
    def ended_at(self) -> datetime | None:
        """When its current (or last) occurrence ended, if it is completed: at a ``completed`` update
        posted since it started (early, or late after an overrun), else at its planned end."""
        if self.phase is not Phase.COMPLETED:
            return None
        timeline = self.maintenance.timeline
        for time, status in timeline[len(timeline) - self.posted :]:  # the posted ones, newest first
            if status == MaintenanceStatus.COMPLETED.value and time >= self.window.start:
                return time
        return self.window.end

    @property
    def duration(self) -> timedelta | None:
        """How long the work lasted, once completed."""
        ended = self.ended_at
        return elapsed(self.window.start, ended) if ended is not None else None

    @property
    def last_update(self) -> datetime:
        """The time of the newest update posted by now, else the window's start."""
        return newest_posted(self.maintenance.timeline, self.posted) or self.window.start


def recurrence(item: Maintenance, zone: ZoneInfo) -> Recurrence | None:
    """The window's RFC 5545 rule (already checked when the file was read), in local wall time."""
    return Recurrence(item.rrule, item.start, zone) if item.rrule is not None else None


def _occurrence(start: datetime, duration: timedelta) -> Window:
    """One occurrence, in UTC: it lasts as long as the first in real time, across DST changes too."""
    begin = start.astimezone(UTC)
    return Window(begin, begin + duration)


def _current_window(item: Maintenance, rule: Recurrence | None, now: datetime) -> tuple[Window, tuple[Window, ...]]:
    """The occurrence in progress, else the next, else the last; and up to SHOWN_OCCURRENCES after it."""
    duration = item.end - item.start
    if rule is None:
        return Window(item.start, item.end), ()
    started = rule.before(now, inc=True)
    upcoming = rule.after(now)
    if started is not None and now < _occurrence(started, duration).end:
        current = _occurrence(started, duration)
    elif upcoming is not None:
        current = _occurrence(upcoming, duration)
    else:
        current = _occurrence(started or item.start, duration)
    following: list[Window] = []
    moment = rule.after(current.start)
    while moment is not None and len(following) < SHOWN_OCCURRENCES:
        following.append(_occurrence(moment, duration))
        moment = rule.after(moment)
    return current, tuple(following)


def _announced(updates: tuple[Update, ...], since: datetime, now: datetime) -> MaintenanceStatus | None:
    """The status of the newest update posted for this occurrence and not in the future."""
    for update in updates:  # newest first
        if update.time <= now:
            return MaintenanceStatus(update.status) if update.time >= since else None
    return None


def maintenance_state(item: Maintenance, now: datetime, zone: ZoneInfo) -> MaintenanceState:
    """Phase by time, unless the window is cancelled or its newest update says otherwise.

    - ``cancelled: true`` or a ``cancelled`` update: cancelled.
    - a ``completed`` update posted since the window's start ends it early;
    - an ``in_progress``/``verifying`` update starts it early, or keeps a one-off window in
      progress past its end (an overrun) until a ``completed`` update is posted.
    """
    rule = recurrence(item, zone)
    window, following = _current_window(item, rule, now)
    recurring = rule is not None
    newest = next((u for u in item.updates if u.time <= now), None)
    posted = [update.time for update in item.updates]
    count = sum(1 for time in posted if time <= now)
    if item.cancelled or (newest is not None and newest.status == MaintenanceStatus.CANCELLED.value):
        changed = last_change([*posted, window.start], now)
        return MaintenanceState(
            item,
            Phase.CANCELLED,
            MaintenanceStatus.CANCELLED,
            window,
            following,
            recurring,
            changed,
            publication(item.provenance, now),
            count,
        )

    if window.contains(now):
        phase = Phase.IN_PROGRESS
    elif now < window.start:
        phase = Phase.UPCOMING
    else:
        phase = Phase.COMPLETED
    # An update speaks for the occurrence it was posted for: after the previous one ended.
    since = datetime.min.replace(tzinfo=UTC)
    if rule is not None:
        previous = rule.before(window.start)
        if previous is not None:
            since = _occurrence(previous, item.end - item.start).end
    announced = _announced(item.updates, since, now)

    if announced is MaintenanceStatus.COMPLETED and phase is Phase.IN_PROGRESS:
        phase = Phase.COMPLETED
        if following:  # this occurrence is done early; the next one is what lies ahead
            phase, window, following = Phase.UPCOMING, following[0], following[1:]
    elif announced in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING):
        if phase is Phase.UPCOMING or (phase is Phase.COMPLETED and not recurring):
            phase = Phase.IN_PROGRESS

    if phase is Phase.IN_PROGRESS:
        status = (
            MaintenanceStatus.VERIFYING if announced is MaintenanceStatus.VERIFYING else MaintenanceStatus.IN_PROGRESS
        )
    elif phase is Phase.UPCOMING:
        status = MaintenanceStatus.SCHEDULED
    else:
        status = MaintenanceStatus.COMPLETED
    changed = last_change([*posted, window.start, window.end, since], now)
    return MaintenanceState(
        item, phase, status, window, following, recurring, changed, publication(item.provenance, now), count
    )


def last_change(instants: list[datetime], now: datetime) -> datetime:
    """The latest of ``instants`` that has happened; if none has, the earliest one.

    Feeds and calendars use it as "updated": it depends only on the content and ``now``, so a
    rebuild with nothing new gives the same value.
    """
    known = [moment for moment in instants if moment.year > 1]
    past = [moment for moment in known if moment <= now]
    return max(past) if past else min(known)


PAST_OCCURRENCES = 200  # at most this many ended occurrences of one rule are looked back at


def past_occurrences(item: Maintenance, since: datetime, now: datetime, zone: ZoneInfo) -> list[Window]:
    """A recurring window's occurrences that ended between ``since`` and ``now``, newest first."""
    rule = recurrence(item, zone)
    if rule is None or item.cancelled:
        return []
    duration = item.end - item.start
    found: list[Window] = []
    moment = rule.before(now, inc=True)
    while moment is not None and len(found) < PAST_OCCURRENCES:
        occurrence = _occurrence(moment, duration)
        if occurrence.end < since:
            break
        if occurrence.end <= now:
            found.append(occurrence)
        moment = rule.before(moment)
    return found
