"""What a subscriber reads: the confirmation mail and one mail per event, as text and as HTML.

Everything shown comes from the event's Statuspage-shaped payload in the subscriber's language
(the published API's words, never the sources), so a mail says what the page says. Titles and
update texts are untrusted: the HTML escapes them and the whole body then goes through the
site's sanitiser (nh3, ``markup.sanitise``), so a mail can carry no more than a page can.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup, escape

from ..explain import N_, _t, component_status_label, labels
from ..i18n import format_window
from ..markup import plain_line, sanitise
from ..model import Config
from ..state.status import ComponentStatus
from .channel import Event
from .subscribers import Subscriber

# The subject of each kind of event's mail. A component.changed event caused by an incident or
# maintenance event (``Event.cause``: the incident opened, the window started) gets no mail of its
# own: that event's mail already names the components, and a new incident is one mail, not one
# per component it changes. A change with no such cause (an incident's severity edited without a
# new update) is mailed on its own, per component.
SUBJECTS = {
    "incident.opened": N_("Incident: %(title)s"),
    "incident.updated": N_("Update: %(title)s"),
    "incident.resolved": N_("Resolved: %(title)s"),
    "maintenance.announced": N_("Planned maintenance: %(title)s"),
    "maintenance.started": N_("Maintenance started: %(title)s"),
    "maintenance.completed": N_("Maintenance completed: %(title)s"),
    "maintenance.cancelled": N_("Maintenance cancelled: %(title)s"),
    "component.changed": N_("%(title)s: %(status)s"),
}


@dataclass(frozen=True)
class Letter:
    """A mail's words, made when it is planned and stored with the delivery, so a retry sends the same."""

    subject: str
    text: str
    html: str
    message_id: str
    unsubscribe_token: str | None = None  # a mail to a subscriber carries the one-click unsubscribe headers

    def as_body(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "message_id": self.message_id,
            "unsubscribe_token": self.unsubscribe_token,
        }

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Letter:
        return cls(
            subject=str(body["subject"]),
            text=str(body["text"]),
            html=str(body["html"]),
            message_id=str(body["message_id"]),
            unsubscribe_token=body.get("unsubscribe_token"),
        )


def endpoint_url(config: Config, name: str, **query: str) -> str | None:
    """An address of the sign-up endpoint (``signup_url`` + ``confirm``...), or None without one."""
    base = config.notify.signup_url
    if not base:
        return None
    base = base if base.endswith("/") else base + "/"
    return base + name + ("?" + urlencode(query) if query else "")


def sender(config: Config) -> Address:
    """``email_from`` as an address (display name and mailbox)."""
    name, mailbox = parseaddr(config.notify.email_from or "")
    user, _, domain = mailbox.partition("@")
    return Address(display_name=name, username=user, domain=domain)


def mailto_unsubscribe(config: Config, token: str) -> str:
    return f"mailto:{sender(config).addr_spec}?subject={quote('unsubscribe ' + token)}"


def unsubscribe_headers(config: Config, token: str) -> dict[str, str]:
    """RFC 2369's List-Unsubscribe and, with an https endpoint, RFC 8058's one-click POST."""
    links = []
    https = endpoint_url(config, "unsubscribe", token=token)
    if https is not None:
        links.append(f"<{https}>")
    links.append(f"<{mailto_unsubscribe(config, token)}>")
    headers = {"List-Unsubscribe": ", ".join(links)}
    if https is not None and urlsplit(https).scheme == "https":  # RFC 8058 asks for an https URI
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _message_id(config: Config, *parts: str) -> str:
    """The same for the same mail to the same subscriber, so a retry is recognisably the same mail."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    domain = sender(config).domain or urlsplit(config.base_url).hostname or "localhost"
    return f"<{digest}@{domain}>"


def _components_phrase(config: Config, subscriber: Subscriber) -> str:
    if not subscriber.components:
        return _t(subscriber.language, "all components")
    names = {component.id: component.name_in(subscriber.language) for component in config.components}
    return ", ".join(names.get(cid, cid) for cid in subscriber.components)


def _html_document(language: str, subject: str, fragment: str) -> str:
    """A whole HTML document around a sanitised body: nothing but what the site itself allows."""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n<body>\n{sanitise(fragment)}\n</body></html>\n"
    )


def _footer(config: Config, subscriber: Subscriber) -> tuple[list[str], list[Markup]]:
    """Why the reader gets this mail and how to stop it, as text lines and HTML paragraphs."""
    language = subscriber.language
    why = _t(language, "You receive this because you subscribed to %(site)s for %(components)s.") % {
        "site": config.title_in(language),
        "components": _components_phrase(config, subscriber),
    }
    text = ["-- ", why]
    html = [Markup("<hr>"), Markup("<p>%s</p>") % why]
    link = endpoint_url(config, "unsubscribe", token=subscriber.unsubscribe_token)
    if link is not None:
        text.append(_t(language, "Unsubscribe: %(url)s") % {"url": link})
        html.append(Markup('<p><a href="%s">%s</a></p>') % (link, _t(language, "Unsubscribe")))
    address = sender(config).addr_spec
    by_mail = _t(language, "Or send an e-mail to %(address)s with the subject “%(subject)s”.") % {
        "address": address,
        "subject": f"unsubscribe {subscriber.unsubscribe_token}",
    }
    text.append(by_mail)
    html.append(Markup("<p>%s</p>") % by_mail)
    return text, html


def _item(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    item = payload.get("incident") or payload.get("scheduled_maintenance")
    if not isinstance(item, Mapping):
        raise ValueError("the event's payload has no incident")
    return item


def _window(item: Mapping[str, Any], config: Config, language: str) -> str | None:
    start, end = item.get("scheduled_for"), item.get("scheduled_until")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    return format_window(datetime.fromisoformat(start), datetime.fromisoformat(end), config.timezone, language)


def event_letter(config: Config, event: Event, subscriber: Subscriber) -> Letter | None:
    """The mail about an incident or maintenance event for one subscriber; None for kinds not mailed."""
    subject_format = SUBJECTS.get(event.kind)
    if subject_format is None or (event.kind == "component.changed" and event.cause is not None):
        return None
    language = subscriber.language
    payload = event.payloads.get(language) or event.payloads[config.language]
    url = event.urls.get(language, event.url)
    if event.kind == "component.changed":
        return _component_letter(config, event, subscriber, payload, url)
    item = _item(payload)
    title = plain_line(str(item.get("name", "")))
    subject = f"[{plain_line(config.title_in(language))}] " + _t(language, subject_format) % {"title": title}
    kind = "maintenance" if event.kind.startswith("maintenance.") else "incident"
    updates = item.get("incident_updates") or []
    latest = updates[0] if updates and isinstance(updates[0], Mapping) else {}
    status = str(latest.get("status") or item.get("status") or "")
    if event.kind == "maintenance.cancelled":
        status = "cancelled"
    status_label = labels(language)[kind].get(status, status) if status else ""
    components = ", ".join(plain_line(str(c.get("name", ""))) for c in item.get("components") or [])
    window = _window(item, config, language) if kind == "maintenance" else None
    said = str(latest.get("body") or "").strip()

    facts: list[tuple[str, str]] = []
    if status_label:
        facts.append((_t(language, "Status"), status_label))
    if window:
        facts.append((_t(language, "When"), window))
    if components:
        facts.append((_t(language, "Affected"), components))
    details = _t(language, "Details on the status page")

    text = [title, "=" * min(len(title), 72), ""]
    text += [f"{name}: {value}" for name, value in facts]
    if said:
        text += ["", said]
    text += ["", f"{details}: {url}", ""]
    html: list[Markup] = [Markup("<h2>%s</h2>") % title]
    if facts:
        html.append(
            Markup("<ul>%s</ul>") % Markup("").join(Markup("<li><strong>%s:</strong> %s</li>") % f for f in facts)
        )
    for paragraph in said.split("\n\n") if said else []:
        html.append(Markup("<p>%s</p>") % Markup("<br>").join(paragraph.split("\n")))
    html.append(Markup('<p><a href="%s">%s</a></p>') % (url, details))
    return _event_letter(config, event, subscriber, subject, text, html)


def _event_letter(
    config: Config, event: Event, subscriber: Subscriber, subject: str, text: list[str], html: list[Markup]
) -> Letter:
    """An event's mail with the footer that says why it came and how to stop it; one id per event and reader."""
    footer_text, footer_html = _footer(config, subscriber)
    return Letter(
        subject=subject,
        text="\n".join(text + footer_text) + "\n",
        html=_html_document(subscriber.language, subject, "\n".join(html + footer_html)),
        message_id=_message_id(config, "event", event.id, str(subscriber.id)),
        unsubscribe_token=subscriber.unsubscribe_token,
    )


def _component_letter(
    config: Config, event: Event, subscriber: Subscriber, payload: Mapping[str, Any], url: str
) -> Letter:
    """A component's status changed with no incident or maintenance event to say so."""
    language = subscriber.language
    component = payload.get("component") or {}
    update = payload.get("component_update") or {}
    name = plain_line(str(component.get("name", event.subject)))
    new, old = _status_label(update.get("new_status"), language), _status_label(update.get("old_status"), language)
    subject = f"[{plain_line(config.title_in(language))}] " + _t(language, "%(title)s: %(status)s") % {
        "title": name,
        "status": new,
    }
    was = _t(language, "Before: %(status)s") % {"status": old}
    details = _t(language, "Details on the status page")
    text = [f"{name}: {new}", was, "", f"{details}: {url}", ""]
    html = [
        Markup("<h2>%s: %s</h2>") % (name, new),
        Markup("<p>%s</p>") % was,
        Markup('<p><a href="%s">%s</a></p>') % (url, details),
    ]
    return _event_letter(config, event, subscriber, subject, text, html)


def _status_label(status: object, language: str) -> str:
    try:
        return component_status_label(ComponentStatus(str(status)), language)
    except ValueError:
        return plain_line(str(status))


def confirmation_letter(config: Config, subscriber: Subscriber) -> Letter:
    """The one mail a new address gets: a link to confirm (or, without an endpoint, reply to confirm)."""
    language = subscriber.language
    site = plain_line(config.title_in(language))
    subject = _t(language, "Confirm your subscription to %(site)s") % {"site": site}
    asked = _t(language, "Someone, probably you, asked to receive e-mail from %(site)s about %(components)s.") % {
        "site": site,
        "components": _components_phrase(config, subscriber),
    }
    ignore = _t(language, "If it was not you, ignore this mail: you will get nothing more.")
    link = endpoint_url(config, "confirm", token=subscriber.confirm_token)
    text = [asked, ""]
    html = [Markup("<p>%s</p>") % asked]
    if link is not None:
        text += [_t(language, "To confirm, open this link:"), link]
        html.append(Markup('<p><a href="%s">%s</a></p>') % (link, _t(language, "Confirm the subscription")))
    else:
        reply = _t(language, "To confirm, reply to this mail.")
        text.append(reply)
        html.append(Markup("<p>%s</p>") % reply)
    text += ["", ignore]
    html.append(Markup("<p>%s</p>") % ignore)
    return Letter(
        subject=subject,
        text="\n".join(text) + "\n",
        html=_html_document(language, subject, "\n".join(html)),
        # A new id each time: a link asked for again must not be taken for the first mail and hidden.
        message_id=make_msgid(domain=sender(config).domain or None),
    )


def email_message(config: Config, letter: Letter, to: str, now: datetime) -> EmailMessage:
    """The letter as a multipart/alternative message (text first, then HTML) with its headers."""
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = sender(config)
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    host = urlsplit(config.base_url).hostname or "localhost"
    message["List-Id"] = f"{plain_line(config.title)} <{host}>"
    if letter.unsubscribe_token is not None:
        for name, value in unsubscribe_headers(config, letter.unsubscribe_token).items():
            message[name] = value
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message
