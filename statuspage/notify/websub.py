"""WebSub: tell the hub named in every feed (``[notify] websub_hub``) that a feed changed, so it pushes it.

The publisher's ping of WebSub (W3C Recommendation, section 7) is a form POST of
``hub.mode=publish`` and ``hub.url=<the feed>``; the hub then fetches the feed and delivers it to
its subscribers.  Pings go through the outbox like every message: retried until the hub takes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from urllib.parse import urlencode

from .channel import Delivery, Event
from .events import FEED_CHANGED
from .webhooks import USER_AGENT, post


class WebSubChannel:
    name = "websub"

    def __init__(self, hub: str) -> None:
        self.hub = hub

    def plan(self, event: Event, db: sqlite3.Connection) -> Sequence[Delivery]:
        if event.kind != FEED_CHANGED:
            return []
        return [Delivery(event.id, self.name, self.hub, {"hub.mode": "publish", "hub.url": event.url})]

    def send(self, delivery: Delivery, db: sqlite3.Connection) -> None:
        data = urlencode({key: str(value) for key, value in delivery.body.items()}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        post(delivery.target, data, headers)
