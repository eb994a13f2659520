"""Webhook channels: ``[[notify.webhooks]]`` endpoints of one format each, and the POST that reaches them.

The ``statuspage`` format sends the event's Atlassian Statuspage body as it is, signed per the
Standard Webhooks specification (``webhook-id`` = the delivery's id, the same on every retry;
``webhook-timestamp`` of this attempt; ``webhook-signature``) with the secret named by
``secret_env``.  Slack, Discord and Teams get messages for people (``chat.py``); those skip a
component change that an incident or maintenance event of the same publication already tells of.
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from standardwebhooks import Webhook

from .. import __version__
from ..clock import wall_clock
from ..model import WebhookTarget
from .channel import EVENT_KINDS, Delivery, DeliveryFailed, Event
from .chat import discord, slack, teams
from .outbox import delivery_id

TIMEOUT = 15.0  # seconds for one POST (Statuspage's receivers must answer within 30)
USER_AGENT = f"statuspage-static/{__version__} (+notifications)"
FORMATTERS: dict[str, Callable[[Event, str, ZoneInfo | None], Mapping[str, Any]]] = {
    "slack": slack,
    "discord": discord,
    "teams": teams,
}


def target_key(target: WebhookTarget) -> str:
    """How deliveries name the endpoint: its address, or ``$VARIABLE`` when the address is a secret."""
    return target.url if target.url is not None else f"${target.url_env}"


class WebhookChannel:
    """Every ``[[notify.webhooks]]`` endpoint of one format."""

    def __init__(
        self,
        format_: str,
        targets: Sequence[WebhookTarget],
        language: str,
        zone: ZoneInfo | None = None,
        *,
        environ: Mapping[str, str] = os.environ,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.format, self.language, self.zone = format_, language, zone
        self.name = f"webhook:{format_}"
        self.targets = {target_key(target): target for target in targets}
        self.environ, self.clock = environ, clock

    def plan(self, event: Event, db: sqlite3.Connection) -> Sequence[Delivery]:
        if event.kind not in EVENT_KINDS or (self.format != "statuspage" and event.cause is not None):
            return []
        if self.format == "statuspage":
            body: Mapping[str, Any] = event.payloads.get(self.language) or next(iter(event.payloads.values()))
        else:
            body = FORMATTERS[self.format](event, self.language, self.zone)
        return [
            Delivery(event.id, self.name, key, body)
            for key, target in self.targets.items()
            if not target.components or set(target.components) & set(event.components)
        ]

    def send(self, delivery: Delivery, db: sqlite3.Connection) -> None:
        target = self.targets.get(delivery.target)
        if target is None:
            raise DeliveryFailed(f"{delivery.target} is no longer in [[notify.webhooks]]")
        url = target.url if target.url is not None else self._environment(target.url_env or "", "address")
        data = json.dumps(delivery.body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if self.format == "statuspage":
            identifier = delivery_id(delivery.event_id, delivery.channel, delivery.target)
            moment = self.clock()
            headers["webhook-id"] = identifier
            headers["webhook-timestamp"] = str(int(moment.timestamp()))
            if target.secret_env is not None:
                secret = self._environment(target.secret_env, "signing secret")
                try:
                    signer = Webhook(secret)
                except Exception as error:  # not base64, or empty: the library's own exceptions
                    raise DeliveryFailed(f"${target.secret_env} is not a Standard Webhooks secret: {error}") from None
                headers["webhook-signature"] = signer.sign(identifier, moment, data.decode())  # the same UTF-8 bytes
        post(url, data, headers)

    def _environment(self, name: str, what: str) -> str:
        value = self.environ.get(name, "")
        if not value:
            raise DeliveryFailed(f"the environment variable {name} (the webhook's {what}) is not set")
        return value


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure, as Statuspage counts it: a POST is never silently turned into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def post(url: str, data: bytes, headers: Mapping[str, str], *, timeout: float = TIMEOUT) -> None:
    """POST ``data``; a 2xx answer is success, 410 Gone a permanent failure, anything else one to retry."""
    shown = _shown(url)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        # Said without the address: one read from the environment is a secret (urllib would quote it whole).
        raise DeliveryFailed(f"{shown}: not an http(s) address")
    request = urllib.request.Request(url, data=data, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"{shown}: {reason}") from None
    if 200 <= status < 300:
        return
    raise DeliveryFailed(f"{shown} answered HTTP {status}", permanent=status == 410)


def _shown(url: str) -> str:
    """The address without its user, path and query, which may hold a token (Slack, Discord, Teams)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the address"
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}"
