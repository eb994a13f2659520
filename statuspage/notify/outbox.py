"""The outbox: events and their deliveries, stored before anything is sent, sent until they go through.

``record`` compares the output with the facts of the last notified one and stores, in one
transaction, the new events, every delivery the channels plan for them, and the new facts.  A
run killed before that commit leaves the old facts, so the next run finds the same events again;
a run killed after it finds the deliveries waiting.  Event and delivery ids are deterministic, so
nothing is stored, and so sent, twice.

``send_due`` sends each waiting delivery whose time has come.  A failure is logged and kept, with
its error, for another try after a pause that doubles each time up to a cap; an endpoint that
answers that it is gone for good (HTTP 410) is disabled and its deliveries dropped, with a log
line saying so.  A delivery is marked sent only after the receiver acknowledged it: a run killed
in between sends it once more (at least once), with the same id, so the receiver can tell.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from ..clock import wall_clock
from .channel import Channel, Delivery, DeliveryFailed, Event
from .events import FEED_CHANGED, changes, facts, feed_changes
from .published import Published
from .store import transaction

log = logging.getLogger("statuspage.notify")

FIRST_RETRY, MAX_RETRY = 30.0, 3600.0  # seconds before the first retry of a failed delivery; doubled up to this
ERROR_LENGTH = 500  # characters of a failure's message kept with the delivery
KEEP_FINISHED = timedelta(days=30)  # how long a sent (or dropped) delivery and its event's payloads are kept


def delivery_id(event_id: str, channel: str, target: str) -> str:
    """The same for every attempt (sent as ``webhook-id``), and for the same event, channel and recipient."""
    return "msg_" + hashlib.sha256("\x1f".join((event_id, channel, target)).encode()).hexdigest()[:32]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@dataclass
class Recorded:
    """What ``record`` found: whether it only took the baseline, the new events and the deliveries they made."""

    baseline: bool = False
    events: list[Event] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def news(self) -> list[Event]:
        """The events for people (not the feed changes a WebSub hub is told of)."""
        return [event for event in self.events if event.kind != FEED_CHANGED]


@dataclass(frozen=True)
class Attempt:
    """One send: the delivery, and its error (None: it went through)."""

    delivery: Delivery
    error: str | None = None
    permanent: bool = False


class _DryRun(Exception):
    """Rolls back what a dry run stored."""


class Outbox:
    def __init__(
        self,
        db: sqlite3.Connection,
        channels: Sequence[Channel],
        feed_channels: Sequence[Channel] = (),
        *,
        clock: Callable[[], datetime] = wall_clock,
        first_retry: float = FIRST_RETRY,
        max_retry: float = MAX_RETRY,
    ) -> None:
        self.db, self.channels, self.feed_channels = db, list(channels), list(feed_channels)
        self.clock, self.first_retry, self.max_retry = clock, first_retry, max_retry

    # --- recording ---------------------------------------------------------------------------------

    def record(self, published: Published, *, dry_run: bool = False) -> Recorded:
        """Store the events since the last notified output, their deliveries and the new facts, all at once."""
        found = Recorded()
        try:
            with transaction(self.db):
                row = self.db.execute("SELECT facts, recorded_at FROM outbox_published WHERE id = 1").fetchone()
                now = _stamp(self.clock())
                if row is None:
                    found.baseline = True  # the first run: what is published now is not news
                else:
                    before = json.loads(row[0])
                    for event in changes(before, published):
                        self._store(event, self.channels, now, found)
                    if self.feed_channels:  # else there is nobody to tell; the new digests are kept all the same
                        for event in feed_changes(before, published, since=row[1]):
                            self._store(event, self.feed_channels, now, found)
                self.db.execute(
                    "INSERT INTO outbox_published (id, facts, recorded_at) VALUES (1, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET facts = excluded.facts, recorded_at = excluded.recorded_at",
                    (json.dumps(facts(published), sort_keys=True), now),
                )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return found

    def _store(self, event: Event, channels: Sequence[Channel], now: str, found: Recorded) -> None:
        stored = self.db.execute(
            "INSERT OR IGNORE INTO outbox_events (id, kind, subject, event, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (event.id, event.kind, event.subject, json.dumps(asdict(event), sort_keys=True), now),
        )
        if stored.rowcount == 0:
            return  # recorded by an earlier run: its deliveries are stored already
        found.events.append(event)
        for channel in channels:
            for delivery in channel.plan(event, self.db):
                if self._disabled(delivery):
                    continue
                self.db.execute(
                    "INSERT OR IGNORE INTO outbox_deliveries"
                    " (id, event_id, channel, target, body, next_try, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        delivery_id(event.id, delivery.channel, delivery.target),
                        event.id,
                        delivery.channel,
                        delivery.target,
                        json.dumps(delivery.body),  # in its own order: Statuspage's meta, page, incident
                        now,
                        now,
                    ),
                )
                found.deliveries.append(delivery)

    def _disabled(self, delivery: Delivery) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM outbox_disabled WHERE channel = ? AND target = ?", (delivery.channel, delivery.target)
        ).fetchone()
        return row is not None

    # --- sending -----------------------------------------------------------------------------------

    def due(self, *, everything: bool = False) -> list[tuple[str, Delivery, int]]:
        """Waiting deliveries whose time has come (``everything``: regardless of their pause), oldest first.

        An endpoint's deliveries go in the order they were recorded: one behind a delivery still
        waiting for its retry is not due before it.
        """
        rows = self.db.execute(
            "SELECT id, event_id, channel, target, body, attempts, next_try FROM outbox_deliveries"
            " WHERE state = 'pending' ORDER BY rowid"
        ).fetchall()
        now = self.clock()
        waiting: set[tuple[str, str]] = set()
        found: list[tuple[str, Delivery, int]] = []
        for identifier, event, channel, target, body, attempts, next_try in rows:
            if (channel, target) in waiting:
                continue
            if not everything and datetime.fromisoformat(next_try) > now:
                waiting.add((channel, target))
                continue
            found.append((identifier, Delivery(event, channel, target, json.loads(body)), attempts))
        return found

    def next_due(self) -> datetime | None:
        """When a waiting delivery is next due, if any waits: the earliest of each endpoint's first one."""
        rows = self.db.execute(
            "SELECT channel, target, next_try FROM outbox_deliveries WHERE state = 'pending' ORDER BY rowid"
        ).fetchall()
        first: dict[tuple[str, str], str] = {}
        for channel, target, next_try in rows:
            first.setdefault((channel, target), next_try)
        return min((datetime.fromisoformat(moment) for moment in first.values()), default=None)

    def send_due(self, *, everything: bool = False, stop: Callable[[], bool] = lambda: False) -> list[Attempt]:
        """Send what is due; each outcome is stored as soon as it is known, so a kill loses at most one."""
        by_name: Mapping[str, Channel] = {channel.name: channel for channel in [*self.channels, *self.feed_channels]}
        attempts: list[Attempt] = []
        # An endpoint that just failed is not tried again in this run: its later deliveries wait as long
        # as the one that failed (a hub that is down costs one timeout, not one per feed), and so
        # never overtake it.
        # A channel that failed as a whole (the mail server away) is not tried for its other recipients
        # either: a server that does not answer costs one timeout, not one per subscriber.
        down: dict[tuple[str, str], tuple[datetime, str]] = {}
        for identifier, delivery, tried in self.due(everything=everything):
            if stop():
                break
            endpoint = (delivery.channel, delivery.target)
            if endpoint in down or (delivery.channel, "") in down:
                until, error = down.get(endpoint) or down[(delivery.channel, "")]
                self._postpone(identifier, until, f"not tried: the delivery before it failed: {error}")
                continue
            if self._disabled(delivery):
                self._finish(identifier, "dropped", "its endpoint was disabled")
                continue
            channel = by_name.get(delivery.channel)
            if channel is None:
                self._failed(identifier, tried, f"no channel {delivery.channel!r} is configured now")
                log.warning("delivery %s: channel %s is not configured; kept for retry", identifier, delivery.channel)
                continue
            try:
                channel.send(delivery, self.db)
            except DeliveryFailed as failure:
                attempts.append(Attempt(delivery, str(failure), failure.permanent))
                if failure.permanent:
                    self._disable(delivery, str(failure))
                else:
                    pause = self._failed(identifier, tried, str(failure))
                    down[(delivery.channel, "") if failure.whole_channel else endpoint] = (
                        self.clock() + pause,
                        str(failure),
                    )
                    log.warning(
                        "delivery %s (%s) failed: %s; retry in %s", identifier, delivery.channel, failure, pause
                    )
                continue
            except Exception as error:  # a bug or an unforeseen error of a channel: kept and retried like a failure
                log.exception("delivery %s (%s) failed unexpectedly", identifier, delivery.channel)
                attempts.append(Attempt(delivery, f"{type(error).__name__}: {error}"))
                self._failed(identifier, tried, f"{type(error).__name__}: {error}")
                continue
            with transaction(self.db):
                self.db.execute(
                    "UPDATE outbox_deliveries SET state = 'sent', attempts = attempts + 1, sent_at = ?,"
                    " last_error = NULL WHERE id = ?",
                    (_stamp(self.clock()), identifier),
                )
            attempts.append(Attempt(delivery))
        return attempts

    def _failed(self, identifier: str, tried: int, error: str) -> timedelta:
        pause = timedelta(seconds=min(self.max_retry, self.first_retry * 2**tried))
        with transaction(self.db):
            self.db.execute(
                "UPDATE outbox_deliveries SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE id = ?",
                (_stamp(self.clock() + pause), error[:ERROR_LENGTH], identifier),
            )
        return pause

    def _postpone(self, identifier: str, until: datetime, reason: str) -> None:
        with transaction(self.db):
            self.db.execute(
                "UPDATE outbox_deliveries SET next_try = max(next_try, ?), last_error = ? WHERE id = ?",
                (_stamp(until), reason[:ERROR_LENGTH], identifier),
            )

    def _finish(self, identifier: str, state: str, error: str) -> None:
        with transaction(self.db):
            self.db.execute(
                "UPDATE outbox_deliveries SET state = ?, last_error = ? WHERE id = ?",
                (state, error[:ERROR_LENGTH], identifier),
            )

    def _disable(self, delivery: Delivery, reason: str) -> None:
        """The endpoint is gone: no more deliveries to it, now or later (until a run without it in [notify])."""
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO outbox_disabled (channel, target, reason, disabled_at) VALUES (?, ?, ?, ?)",
                (delivery.channel, delivery.target, reason[:ERROR_LENGTH], _stamp(self.clock())),
            )
            dropped = self.db.execute(
                "UPDATE outbox_deliveries SET state = 'disabled', last_error = ? WHERE channel = ? AND target = ?"
                " AND state = 'pending'",
                (reason[:ERROR_LENGTH], delivery.channel, delivery.target),
            ).rowcount
        log.error(
            "%s endpoint %s disabled: %s; %d waiting deliveries dropped",
            delivery.channel,
            delivery.target,
            reason,
            dropped,
        )

    def forget_finished(self, older_than: timedelta = KEEP_FINISHED) -> int:
        """Delete deliveries finished (sent, dropped, disabled) longer ago than ``older_than``; their number.

        Without it the state file only grows: each mail's whole text, a WebSub ping per feed per
        publication.  An event keeps its row, and so its id, so that the same change found again
        (an incident taken down and put back) is still not sent twice; only its payloads go.  A
        feed change's id holds when it was found and never comes back: its row goes too.  Waiting
        deliveries are never forgotten.
        """
        cutoff = _stamp(self.clock() - older_than)
        unsent = "NOT EXISTS (SELECT 1 FROM outbox_deliveries WHERE event_id = outbox_events.id)"
        with transaction(self.db):
            forgotten = self.db.execute(
                "DELETE FROM outbox_deliveries WHERE state != 'pending' AND coalesce(sent_at, created_at) < ?",
                (cutoff,),
            ).rowcount
            self.db.execute(
                f"DELETE FROM outbox_events WHERE kind = ? AND recorded_at < ? AND {unsent}", (FEED_CHANGED, cutoff)
            )
            self.db.execute(
                f"UPDATE outbox_events SET event = '{{}}' WHERE event != '{{}}' AND recorded_at < ? AND {unsent}",
                (cutoff,),
            )
        return forgotten

    def forget_disabled(self, configured: set[tuple[str, str]]) -> None:
        """Forget that an endpoint was disabled once it is no longer configured: put back, it is sent to again.

        E-mail recipients are not in the configuration: a bounced subscriber is removed and added again.
        """
        rows = self.db.execute("SELECT channel, target FROM outbox_disabled WHERE channel != 'email'").fetchall()
        gone = [(channel, target) for channel, target in rows if (channel, target) not in configured]
        if gone:
            with transaction(self.db):
                self.db.executemany("DELETE FROM outbox_disabled WHERE channel = ? AND target = ?", gone)
            for channel, target in gone:
                log.info("%s endpoint %s is no longer configured: no longer disabled", channel, target)

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM outbox_deliveries GROUP BY state").fetchall()
        return {state: number for state, number in rows}
