"""Messages for people's chats (Slack, Discord, Microsoft Teams) made from an event's Statuspage payload.

Titles and update texts come from content files and tickets: they are untrusted and shown as
written.  Each format has its own way to keep them so: Slack's ``plain_text`` objects and its
three mrkdwn escapes, Discord's backslash escapes with mentions turned off, and Teams' Adaptive
Card ``TextRun``, which has no markup at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..explain import N_, _t, labels
from ..i18n import format_time
from .channel import Event

Json = dict[str, Any]

HEADLINES = {
    "incident.opened": N_("New incident"),
    "incident.updated": N_("Incident update"),
    "incident.resolved": N_("Incident resolved"),
    "maintenance.announced": N_("Maintenance scheduled"),
    "maintenance.started": N_("Maintenance started"),
    "maintenance.completed": N_("Maintenance completed"),
    "maintenance.cancelled": N_("Maintenance cancelled"),
    "component.changed": N_("Component status changed"),
}
COMPONENT_STATUS = {
    "operational": N_("Operational"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "major_outage": N_("Major outage"),
    "under_maintenance": N_("Under maintenance"),
}
# Colours by what happened: red for trouble, green when it is over, blue for planned work.
COLOURS = {
    "incident.opened": 0xD93F0B,
    "incident.updated": 0xE99695,
    "incident.resolved": 0x2DA44E,
    "maintenance.announced": 0x1F6FEB,
    "maintenance.started": 0x1F6FEB,
    "maintenance.completed": 0x2DA44E,
    "maintenance.cancelled": 0x8C959F,
    "component.changed": 0xBF8700,
}
SLACK_TEXT_MAX, SLACK_HEADER_MAX = 3000, 150
DISCORD_TITLE_MAX, DISCORD_DESCRIPTION_MAX, DISCORD_FIELD_MAX = 256, 4096, 1024


@dataclass(frozen=True)
class Message:
    """What every chat message says, as plain (unescaped) text."""

    headline: str  # "New incident"
    title: str  # the incident's, window's or component's name
    status: str  # its status, in words
    text: str  # the update the event is about, or the change of a component
    components: str  # the names of the components it affects, comma-separated
    when: str  # ISO 8601, for machines (Discord shows it in the reader's zone)
    url: str
    link: str  # "View on the status page"
    colour: int


def local_time(when: str, zone: ZoneInfo | None, language: str) -> str:
    """An ISO 8601 time as the site writes times, e.g. ``20. 11. 2026 9:30 SEČ``; as it is without a zone."""
    if zone is None:
        return when
    try:
        return format_time(datetime.fromisoformat(when), zone, language)
    except ValueError:
        return when


def message(event: Event, language: str) -> Message:
    """The event's message in ``language`` (its payload in that language, else the site language's)."""
    payload = event.payloads.get(language) or next(iter(event.payloads.values()))
    url = event.urls.get(language, event.url)
    names = labels(language)
    link = _t(language, "View on the status page")
    if "component" in payload:
        component, change = payload["component"], payload["component_update"]
        old = _t(language, COMPONENT_STATUS.get(change["old_status"], change["old_status"]))
        new = _t(language, COMPONENT_STATUS.get(change["new_status"], change["new_status"]))
        return Message(
            _t(language, HEADLINES[event.kind]), component["name"], new, f"{old} → {new}", component["name"],
            change["created_at"], url, link, COLOURS[event.kind],
        )  # fmt: skip
    item = payload["incident"]
    kind = "maintenance" if event.kind.startswith("maintenance.") else "incident"
    status = names[kind].get(item["status"], item["status"])
    updates = item.get("incident_updates") or []
    text = updates[0]["body"] if updates else ""
    components = ", ".join(component["name"] for component in item.get("components", []))
    when = (updates[0]["created_at"] if updates and event.kind != "maintenance.cancelled" else None) or item[
        "updated_at"
    ]
    return Message(
        _t(language, HEADLINES[event.kind]), item["name"], status, text, components, when, url, link,
        COLOURS[event.kind],
    )  # fmt: skip


# --- Slack -----------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's mrkdwn escapes: only ``&``, ``<`` and ``>`` (which would make links and mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> Json:
    """Text Slack shows as it is: no mrkdwn, no mentions, no ``:emoji:`` codes turned into pictures."""
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": False}


def slack(event: Event, language: str, zone: ZoneInfo | None = None) -> Json:
    """An incoming-webhook message: Block Kit blocks, with ``text`` as the notification's fallback."""
    said = message(event, language)
    when = local_time(said.when, zone, language)
    fallback = f"{said.headline}: {said.title} ({said.status})"
    fields = [f"*{slack_escape(_t(language, 'Status'))}:* {slack_escape(said.status)}"]
    if said.components:
        fields.append(f"*{slack_escape(_t(language, 'Affected components'))}:* {slack_escape(said.components)}")
    blocks: list[Json] = [
        {"type": "header", "text": _plain(f"{said.headline}: {said.title}", SLACK_HEADER_MAX)},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": _clip(field, 2000)} for field in fields]},
    ]
    if said.text:
        blocks.append({"type": "section", "text": _plain(said.text, SLACK_TEXT_MAX)})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"<{said.url}|{slack_escape(said.link)}> · {slack_escape(when)}",
                }
            ],
        }
    )
    return {"text": slack_escape(_clip(fallback, SLACK_TEXT_MAX)), "blocks": blocks, "unfurl_links": False}


# --- Discord ---------------------------------------------------------------------------------------

_DISCORD_MARKUP = re.compile(r"([\\*_~`|>#\[\]()<-])")


def discord_escape(text: str) -> str:
    """Discord markdown shown as written: every markup character backslash-escaped, and no mention can form."""
    escaped = _DISCORD_MARKUP.sub(r"\\\1", text)
    return escaped.replace("@", "@\u200b")  # a zero-width space: @everyone, @here, <@id> stay text


def discord(event: Event, language: str, zone: ZoneInfo | None = None) -> Json:
    """An execute-webhook body: one embed; ``allowed_mentions`` empty, so nothing in it pings anyone."""
    said = message(event, language)
    fields = [{"name": discord_escape(_t(language, "Status")), "value": discord_escape(said.status), "inline": True}]
    if said.components:
        fields.append(
            {
                "name": discord_escape(_t(language, "Affected components")),
                "value": _clip(discord_escape(said.components), DISCORD_FIELD_MAX),
                "inline": True,
            }
        )
    return {
        "content": "",
        "allowed_mentions": {"parse": []},
        "embeds": [
            {
                "title": _clip(discord_escape(f"{said.headline}: {said.title}"), DISCORD_TITLE_MAX),
                "url": said.url,
                "description": _clip(discord_escape(said.text), DISCORD_DESCRIPTION_MAX),
                "color": said.colour,
                "timestamp": said.when,
                "fields": fields,
            }
        ],
    }


# --- Microsoft Teams (Workflows) -------------------------------------------------------------------


def _run(text: str, **style: Any) -> Json:
    return {"type": "TextRun", "text": text, **style}


def teams(event: Event, language: str, zone: ZoneInfo | None = None) -> Json:
    """A Workflows ("When a Teams webhook request is received") message holding one Adaptive Card.

    Untrusted text goes only into ``TextRun``s of ``RichTextBlock``s, which Teams never reads as markdown.
    """
    said = message(event, language)
    facts = [{"title": _t(language, "Status"), "value": said.status}]
    if said.components:
        facts.append({"title": _t(language, "Affected components"), "value": said.components})
    facts.append({"title": _t(language, "Time"), "value": local_time(said.when, zone, language)})
    body: list[Json] = [
        {"type": "RichTextBlock", "inlines": [_run(said.headline, weight="Bolder", color="Accent")]},
        {"type": "RichTextBlock", "inlines": [_run(said.title, weight="Bolder", size="Large")]},
        {"type": "FactSet", "facts": facts},
    ]
    if said.text:
        body.append({"type": "RichTextBlock", "inlines": [_run(said.text)]})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": said.link, "url": said.url}],
                },
            }
        ],
    }
