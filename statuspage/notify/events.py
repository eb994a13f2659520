"""Events (SPEC §12) from two published states: what the last notified output showed, and the new one.

Pure functions of their inputs.  The earlier state is kept as ``facts``, a small JSON document
stored in the outbox; the new state is the output itself (``published.Published``), so every
event's payload is made of exactly what the site now publishes, in each of its languages.

Ids are digests of what the event is about (the page, the item, the update, the occurrence of a
window, the component's new status and time), never of when it was noticed: a rebuild, a restart
or a second ``notify`` finds the same ids and sends nothing again.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .channel import Event
from .published import Json, Published

FEED_CHANGED = "feed.changed"  # not an event for people: the WebSub channel pings the hub with it
OPEN_INCIDENT = ("investigating", "identified", "monitoring")
ACTIVE_WINDOW = ("in_progress", "verifying")


def event_id(*parts: str) -> str:
    return "evt_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# --- what the earlier state needs to keep ------------------------------------------------------


def facts(published: Published) -> Json:
    """What a later comparison needs of this output (site language), plus windows' objects in every language.

    A window that is later cancelled leaves the API, and a recurring one moves on to its next
    occurrence: their last published objects are kept to say what was cancelled or completed.
    """
    site = published.api[published.language]
    return {
        "page": site["status.json"]["page"]["id"],
        "as_of": site["status.json"]["page"]["updated_at"],  # the build's clock
        "incidents": {
            item["id"]: {
                "status": item["status"],
                "updates": [update["id"] for update in item["incident_updates"]],
                "said": {update["id"]: _said(update) for update in item["incident_updates"]},
                "updated_at": item["updated_at"],
            }
            for item in _incidents(site)
        },
        "maintenance": {
            item["id"]: {"status": item["status"], "scheduled_for": item["scheduled_for"]}
            for item in _maintenance(site)
        },
        "maintenance_objects": {
            language: {item["id"]: item for item in _maintenance(published.api[language])}
            for language in published.languages
        },
        "components": {
            component["id"]: {"status": component["status"], "updated_at": component["updated_at"]}
            for component in site["components.json"]["components"]
            if not component.get("group")
        },
        "cancelled": sorted(published.cancelled),
        "feeds": published.feeds,
    }


def _incidents(api: dict[str, Json]) -> list[Json]:
    """The newest incidents and every unresolved one, each once."""
    found: dict[str, Json] = {}
    for item in [*api["incidents.json"]["incidents"], *api["incidents/unresolved.json"]["incidents"]]:
        found.setdefault(item["id"], item)
    return list(found.values())


def _maintenance(api: dict[str, Json]) -> list[Json]:
    return list(api["scheduled-maintenances.json"]["scheduled_maintenances"])


# --- the difference ------------------------------------------------------------------------------


def changes(before: Json, published: Published) -> list[Event]:
    """The events between the state ``before`` (``facts`` of the last notified output) and ``published``."""
    after = facts(published)
    found = [*_incident_events(before, after, published), *_maintenance_events(before, after, published)]
    found += _component_events(before, after, published, found)
    return found


def feed_changes(before: Json, published: Published, *, since: str) -> list[Event]:
    """One ``feed.changed`` per feed file that is new or whose bytes changed: what a WebSub hub is told.

    ``since`` (when ``before`` was recorded) is in the id: a feed that changes back to bytes it had
    once is a change again.
    """
    old = before.get("feeds", {})
    return [
        Event(
            id=event_id(FEED_CHANGED, path, old.get(path, ""), digest, since),
            kind=FEED_CHANGED,
            subject=path,
            components=(),
            payloads={},
            url=published.base_url + path,
        )
        for path, digest in sorted(published.feeds.items())
        if old.get(path) != digest
    ]


def _incident_events(before: Json, after: Json, published: Published) -> Iterable[Event]:
    old_items = before.get("incidents", {})
    site = published.api[published.language]
    for item in _incidents(site):
        slug, status = item["id"], item["status"]
        old = old_items.get(slug)
        updates = _new_updates(item, old)
        if old is None:
            if status in OPEN_INCIDENT:
                yield _incident_event("incident.opened", published, slug, event_id(after["page"], "opened", slug))
            elif _later(item["updated_at"], before.get("as_of")):
                # Published already resolved, and resolved since the last notified output: one message, that
                # it was resolved.  Older ones (written up afterwards, or back in the newest 50) are history.
                yield _incident_event("incident.resolved", published, slug, event_id(after["page"], "resolved", slug))
            continue
        if status not in OPEN_INCIDENT and old["status"] in OPEN_INCIDENT:
            resolved = event_id(after["page"], "resolved", slug, item["resolved_at"] or item["updated_at"])
            yield _incident_event("incident.resolved", published, slug, resolved)
            continue
        new_updates = updates
        for update in reversed(new_updates):  # oldest first
            yield _incident_event(
                "incident.updated", published, slug, event_id(after["page"], "updated", slug, update), update=update
            )
        if not new_updates and status != old["status"] and status in OPEN_INCIDENT:  # reopened without an update
            yield _incident_event(
                "incident.updated", published, slug, event_id(after["page"], "status", slug, status, item["updated_at"])
            )


def _incident_event(kind: str, published: Published, slug: str, identifier: str, update: str | None = None) -> Event:
    """An incident event; for an update, ``incident_updates`` starts at that update (older ones follow)."""
    items: dict[str, Json] = {}
    for language in published.languages:
        item = _find(_incidents(published.api[language]), slug) or _find(
            _incidents(published.api[published.language]), slug
        )
        assert item is not None
        item = copy.deepcopy(item)
        if update is not None:
            ids = [entry["id"] for entry in item["incident_updates"]]
            if update in ids:
                item["incident_updates"] = item["incident_updates"][ids.index(update) :]
        item.setdefault("scheduled_for", None)
        item.setdefault("scheduled_until", None)
        items[language] = item
    return _item_event(kind, published, slug, identifier, items)


def _maintenance_events(before: Json, after: Json, published: Published) -> Iterable[Event]:
    old_items = before.get("maintenance", {})
    old_objects = before.get("maintenance_objects", {})
    page = after["page"]
    site = published.api[published.language]
    current = {item["id"]: item for item in _maintenance(site)}
    for slug, item in current.items():
        status, occurrence = item["status"], item["scheduled_for"]
        old = old_items.get(slug)
        if old is None:
            if status == "scheduled":
                # A window cancelled and then scheduled again (the same file, the cancellation taken
                # back) is announced again: its occurrence, and the state it returns after, are in the id.
                again = (before.get("as_of") or "",) if slug in before.get("cancelled", ()) else ()
                announced = event_id(page, "announced", slug, occurrence or "", *again)
                yield _window_event("maintenance.announced", published, slug, announced)
            elif status in ACTIVE_WINDOW:
                yield _window_event("maintenance.started", published, slug, event_id(page, "started", slug, occurrence))
            continue
        if old["scheduled_for"] != occurrence and old["status"] in ACTIVE_WINDOW:
            # A recurring window moved on to its next occurrence: the one that was running is over.
            done = event_id(page, "completed", slug, old["scheduled_for"])
            yield _window_event("maintenance.completed", published, slug, done, kept=old_objects, status="completed")
        was_active = old["status"] in ACTIVE_WINDOW and old["scheduled_for"] == occurrence
        if status in ACTIVE_WINDOW and not was_active:
            yield _window_event("maintenance.started", published, slug, event_id(page, "started", slug, occurrence))
        elif status == "completed" and not (old["status"] == "completed" and old["scheduled_for"] == occurrence):
            yield _window_event("maintenance.completed", published, slug, event_id(page, "completed", slug, occurrence))
    for slug, old in old_items.items():
        if slug in current or slug not in published.cancelled or old["status"] == "completed":
            continue
        cancelled = event_id(page, "cancelled", slug, old["scheduled_for"] or "")
        yield _window_event(
            "maintenance.cancelled", published, slug, cancelled, kept=old_objects, status="cancelled",
            at=published.cancelled[slug],
        )  # fmt: skip


def _window_event(
    kind: str,
    published: Published,
    slug: str,
    identifier: str,
    *,
    kept: dict[str, dict[str, Json]] | None = None,
    status: str | None = None,
    at: str | None = None,
) -> Event:
    """A maintenance event from the window as now published, or (``kept``) as last published, in ``status``."""
    items: dict[str, Json] = {}
    for language in published.languages:
        if kept is not None:
            # As last published in this language, else in the first, else in any: a language added
            # (or made the first) since then was never published with this window.
            item = (
                kept.get(language, {}).get(slug)
                or kept.get(published.language, {}).get(slug)
                or next((window[slug] for window in kept.values() if slug in window), None)
            )
        else:
            item = _find(_maintenance(published.api[language]), slug) or _find(
                _maintenance(published.api[published.language]), slug
            )
        assert item is not None
        item = copy.deepcopy(item)
        if status is not None:
            item["status"] = status
            if status == "completed":
                item["resolved_at"] = item["scheduled_until"]
        if at:
            item["updated_at"] = at
        items[language] = item
    return _item_event(kind, published, slug, identifier, items)


def _item_event(kind: str, published: Published, slug: str, identifier: str, items: dict[str, Json]) -> Event:
    """The event of an incident or a window, from its item as each language publishes it (Statuspage's
    webhooks carry maintenance as an ``incident`` too)."""
    first = items[published.language]
    return Event(
        id=identifier,
        kind=kind,
        subject=slug,
        components=tuple(component["id"] for component in first["components"]),
        payloads={language: _body(published, language, "incident", item) for language, item in items.items()},
        url=first["shortlink"],
        urls={language: item["shortlink"] for language, item in items.items()},
    )


def _component_events(before: Json, after: Json, published: Published, items: list[Event]) -> Iterable[Event]:
    old = before.get("components", {})
    for cid, now in after["components"].items():
        previous = old.get(cid)
        if previous is None or previous["status"] == now["status"]:
            continue  # a new component has no change to tell of
        cause = next((event.id for event in items if cid in event.components), None)
        identifier = event_id(after["page"], "component", cid, previous["status"], now["status"], now["updated_at"])
        payloads: dict[str, Json] = {}
        urls: dict[str, str] = {}
        for language in published.languages:
            components = published.api[language]["components.json"]["components"]
            component = _find(components, cid) or _find(
                published.api[published.language]["components.json"]["components"], cid
            )
            assert component is not None
            body = _body(published, language, "component", copy.deepcopy(component))
            body["component_update"] = {
                "created_at": now["updated_at"],
                "new_status": now["status"],
                "old_status": previous["status"],
                "id": identifier[4:16],
                "component_id": cid,
            }
            payloads[language] = body
            urls[language] = published.base_url + published.prefix(language) + f"components/{cid}/"
        yield Event(
            id=identifier,
            kind="component.changed",
            subject=cid,
            components=(cid,),
            payloads=payloads,
            url=urls[published.language],
            urls=urls,
            cause=cause,
        )


def _new_updates(item: Json, old: Json | None) -> list[str]:
    """The ids of the updates posted since ``old``, newest first.

    An update whose time alone moved is not news: it replaces one that vanished and says the same
    (the announcing update of an incident without updates, once its file is committed; a time
    corrected by hand).  The same words posted again at another time, the first still there, are.
    """
    if old is None:
        return [update["id"] for update in item["incident_updates"]]
    current = {update["id"] for update in item["incident_updates"]}
    vanished = [said for identifier, said in old.get("said", {}).items() if identifier not in current]
    found: list[str] = []
    for update in item["incident_updates"]:
        if update["id"] in old["updates"]:
            continue
        if _said(update) in vanished:
            vanished.remove(_said(update))
            continue
        found.append(update["id"])
    return found


def _said(update: Json) -> str:
    """What an update says (its status and text), whenever it was posted."""
    return hashlib.sha256(f"{update['status']}\x1f{update['body']}".encode()).hexdigest()[:16]


def _later(moment: str | None, than: str | None) -> bool:
    if moment is None or than is None:
        return than is None
    return datetime.fromisoformat(moment) > datetime.fromisoformat(than)


def _find(items: list[Json], identifier: str) -> Json | None:
    return next((item for item in items if item.get("id") == identifier), None)


def _body(published: Published, language: str, key: str, value: Any) -> Json:
    """Atlassian Statuspage's webhook body: ``meta``, ``page``, then the incident or the component."""
    status = published.api[language]["status.json"]
    subscribe = published.base_url + published.prefix(language) + "subscribe/"
    return {
        "meta": {"unsubscribe": subscribe, "documentation": subscribe},
        "page": {
            "id": status["page"]["id"],
            "status_indicator": status["status"]["indicator"],
            "status_description": status["status"]["description"],
        },
        key: value,
    }
