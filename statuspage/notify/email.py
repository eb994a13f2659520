"""The e-mail channel: one mail per event to each confirmed subscriber who wants it.

``plan`` writes each subscriber's mail in their language when the event is found and the outbox
stores it, so a retry sends the same words and the same Message-ID. ``send`` looks the
subscriber up again first: one who unsubscribed (or whose address bounced) after the event was
planned gets nothing. Which events are mailed, and why component changes are not, is in
``letters.SUBJECTS``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ..errors import StatuspageError
from ..model import Config
from .channel import Delivery, DeliveryFailed, Event
from .letters import Letter, confirmation_letter, email_message, event_letter
from .smtp import Sender, send_message, smtp_server
from .subscribers import Subscriber, ensure_schema, find, mark_bounced, recipients


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EmailChannel:
    """The ``email`` channel of the outbox (``channel.Channel``)."""

    name = "email"

    def __init__(self, config: Config, clock: Callable[[], datetime] = _utc_now) -> None:
        self.config = config
        self.clock = clock
        self.sender: Sender | None = None  # made at the first send: planning needs no SMTP settings

    def plan(self, event: Event, db: sqlite3.Connection) -> Sequence[Delivery]:
        ensure_schema(db)
        deliveries = []
        for subscriber in recipients(db, event.components):
            letter = event_letter(self.config, event, subscriber)
            if letter is None:
                return []  # a kind of event that is not mailed (component.changed)
            body = {"subscriber": subscriber.id, **letter.as_body()}
            deliveries.append(Delivery(event.id, self.name, str(subscriber.id), body))
        return deliveries

    def send(self, delivery: Delivery, db: sqlite3.Connection) -> None:
        ensure_schema(db)
        subscriber = find(db, sid=int(delivery.body["subscriber"]))
        letter = Letter.from_body(delivery.body)
        if not _still_wanted(subscriber, letter):
            return  # unsubscribed or bouncing since: nothing to deliver, and nothing to retry
        assert subscriber is not None
        try:
            self._sender().send(email_message(self.config, letter, subscriber.email, self.clock()))
        except DeliveryFailed as failure:
            if failure.permanent:
                mark_bounced(db, subscriber.id, self.clock())
            raise

    def _sender(self) -> Sender:
        if self.sender is None:
            try:
                self.sender = Sender(smtp_server(self.config.notify))
            except StatuspageError as exc:  # a setting or the password missing: say so, and retry later
                raise DeliveryFailed(str(exc), whole_channel=True) from exc
        return self.sender


def _still_wanted(subscriber: Subscriber | None, letter: Letter) -> bool:
    return (
        subscriber is not None
        and subscriber.confirmed
        and subscriber.bounced_at is None
        and subscriber.unsubscribe_token == letter.unsubscribe_token
    )


def email_channel(config: Config) -> EmailChannel | None:
    """The channel when ``[notify]`` says how to send mail (``smtp_url`` and ``email_from``); else None."""
    if not config.notify.smtp_url or not config.notify.email_from:
        return None
    return EmailChannel(config)


def send_confirmation(config: Config, subscriber: Subscriber, now: datetime) -> None:
    """Mail the confirmation link now, not through the outbox: the person is waiting for it.

    Raises ``DeliveryFailed`` when it did not go; the subscriber stays unconfirmed and asking
    again sends the same link.
    """
    letter = confirmation_letter(config, subscriber)
    try:
        server = smtp_server(config.notify)
    except StatuspageError as exc:
        raise DeliveryFailed(str(exc)) from exc
    send_message(server, email_message(config, letter, subscriber.email, now))
