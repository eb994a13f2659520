"""What the outbox and its channels share: an event, a delivery, and the two calls of a channel.

The outbox (``outbox.py``) turns each new event into deliveries by asking every channel to
``plan`` them, stores them, and later asks the channel to ``send`` each one until it is sent,
retrying with back-off. A channel never keeps state of its own beyond what it stores through the
connection it is given (subscribers live in the same SQLite file as the outbox).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# The kinds of SPEC §12, as the events table stores them.
EVENT_KINDS = (
    "incident.opened",
    "incident.updated",
    "incident.resolved",
    "maintenance.announced",
    "maintenance.started",
    "maintenance.completed",
    "maintenance.cancelled",
    "component.changed",
)


@dataclass(frozen=True)
class Event:
    """Something a subscriber should hear about, found by comparing two published states.

    ``id`` is deterministic (the same change always gives the same id), so a rebuild, a restart or
    a second ``notify`` finds the event already stored and sends nothing again.
    ``payloads`` holds, per built language, the Atlassian Statuspage webhook body for the event
    (``meta``, ``page`` and ``incident`` or ``component`` with ``component_update``), made from
    that language's published API files: every channel formats from it, never from the sources.
    """

    id: str
    kind: str
    subject: str  # the incident or maintenance slug, or the component id
    components: tuple[str, ...]  # the component ids it affects, for per-component filters
    payloads: Mapping[str, Mapping[str, Any]]  # language → Statuspage-shaped webhook body
    url: str  # the absolute address of the page that shows it (site language)
    urls: Mapping[str, str] = field(default_factory=dict)  # language → that language's page
    # A component change that an incident or maintenance event of the same publication explains
    # (a new incident turns its components red): that event's id.  Messages for people skip such
    # events, since the incident's message names its components; the statuspage webhook sends them.
    cause: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient: what ``plan`` returns and ``send`` is given back.

    ``target`` names the recipient (a webhook's URL, a subscriber's id) so that the outbox can
    disable an endpoint that is gone; ``body`` is JSON-able and is stored as it is, so a retry after
    a restart sends exactly what the first attempt sent.
    """

    event_id: str
    channel: str  # "webhook:statuspage", "webhook:slack", ..., "email"
    target: str
    body: Mapping[str, Any]


class DeliveryFailed(Exception):
    """A send that did not go through; ``permanent`` (an HTTP 410, an address the server refuses
    for good) disables the target instead of retrying.  ``whole_channel`` says the failure is not
    the recipient's but the channel's (the mail server away): every recipient of the channel would
    fail the same way, so the outbox tries none of the others in this run."""

    def __init__(self, message: str, *, permanent: bool = False, whole_channel: bool = False) -> None:
        super().__init__(message)
        self.permanent, self.whole_channel = permanent, whole_channel


class Channel(Protocol):
    """A way of telling people: webhooks of each format, e-mail."""

    name: str

    def plan(self, event: Event, db: sqlite3.Connection) -> Sequence[Delivery]:
        """The deliveries this event needs on this channel (none when no recipient wants it)."""
        ...

    def send(self, delivery: Delivery, db: sqlite3.Connection) -> None:
        """Deliver once; raise ``DeliveryFailed`` if it did not go through."""
        ...
