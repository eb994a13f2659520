"""The Atlassian Statuspage public API v2 as static JSON, plus ``api/known-issues.json``.

Keys, nesting and value sets follow Statuspage's documented shapes so that existing clients read
our files unchanged.  Ids are our own stable names (component ids, file slugs); what Statuspage
has and we cannot know is listed in docs/api.md with what we put there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Any

from markupsafe import Markup, escape

from ..explain import explanation, indicator_label
from ..markup import plain_text
from ..model import MaintenanceStatus
from ..state import ComponentState, IncidentState, MaintenanceState, Phase, SiteState, TicketState
from ..state.status import SEVERITY_STATUS, ComponentStatus
from .announced import announced_at, seen_changed_at

LIST_LIMIT = 50  # incidents.json and scheduled-maintenances.json: the newest 50, as Statuspage does

Json = dict[str, Any]


def stable_id(*parts: str) -> str:
    """A short opaque id that stays the same for the same input, for objects we have no id for."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def timestamp(moment: datetime | None, state: SiteState) -> str | None:
    """Statuspage's format: ISO 8601 with milliseconds and the page's offset."""
    if moment is None:
        return None
    return moment.astimezone(state.site.config.timezone).isoformat(timespec="milliseconds")


class Api:
    def __init__(self, state: SiteState, url_for: Callable[..., str], language: str | None = None) -> None:
        self.state, self.url_for = state, url_for
        self.language = language or state.site.config.language
        config = state.site.config
        self.page_id = stable_id(config.base_url)
        self.time = lambda moment: timestamp(moment, state)
        self._first_seen: datetime | None = None
        self._components: dict[tuple[str, int], Json] = {}
        self._changed_at: dict[str, datetime] = {}
        self._items: dict[tuple[str, str], Json] = {}  # incident and maintenance objects, by kind and slug

    # --- building blocks -----------------------------------------------------------------------

    def page(self) -> Json:
        config = self.state.site.config
        return {
            "id": self.page_id,
            "name": config.title_in(self.language),
            "url": config.base_url.rstrip("/"),
            "time_zone": config.timezone.key,
            "updated_at": self.time(self.state.now),
        }

    def status(self) -> Json:
        language = self.language
        return {
            "indicator": self.state.indicator.value,
            "description": indicator_label(self.state.indicator, language),
        }

    def component_changed_at(self, component: ComponentState) -> datetime:
        """The last change of any of the component's items; asked for the component and again for its group."""
        changed = self._changed_at.get(component.component.id)
        if changed is None:
            moments = [s.changed_at for s in component.incidents] + [s.changed_at for s in component.maintenance]
            past = [moment for moment in moments if moment <= self.state.now]
            changed = self._changed_at[component.component.id] = max(past, default=self.first_seen())
        return changed

    def first_seen(self) -> datetime:
        """The earliest start of an incident or window that has begun, or now: every component's ``created_at``."""
        if self._first_seen is None:
            # Items are sorted newest first: read from the oldest, the first that has begun is the
            # earliest, and a big site's thousands of items (slow to visit) are mostly left alone.
            now = self.state.now
            oldest_first = [
                (s.incident.start for s in reversed(self.state.incidents)),
                (s.maintenance.start for s in reversed(self.state.maintenance)),
            ]
            self._first_seen = min(next((start for start in starts if start <= now), now) for starts in oldest_first)
        return self._first_seen

    def component(self, component: ComponentState, position: int) -> Json:
        """A component object; the same for every item that lists the component, so it is made once."""
        key = (component.component.id, position)
        if key not in self._components:
            self._components[key] = self._component(component, position)
        return self._components[key]

    def _component(self, component: ComponentState, position: int) -> Json:
        info = component.component
        return {
            "id": info.id,
            "name": info.name_in(self.language),
            "status": component.status.value,
            "created_at": self.time(self.first_seen()),
            "updated_at": self.time(self.component_changed_at(component)),
            "position": position,
            "description": info.description_in(self.language),
            "showcase": True,
            "start_date": None,
            "group_id": stable_id("group", info.group) if info.group else None,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def components(self) -> list[Json]:
        """Components in config order; each group appears once, before its first member, as Statuspage lists them."""
        result: list[Json] = []
        seen_groups: set[str] = set()
        position = 0
        for component in self.state.components:
            group = component.component.group
            if group and group not in seen_groups:
                seen_groups.add(group)
                members = [c for c in self.state.components if c.component.group == group]
                position += 1
                worst = max((c.status for c in members), key=lambda status: status.rank)
                result.append(
                    {
                        "id": stable_id("group", group),  # the same in every language
                        "name": component.component.group_in(self.language),
                        "status": worst.value,
                        "created_at": self.time(self.first_seen()),
                        "updated_at": self.time(max(self.component_changed_at(c) for c in members)),
                        "position": position,
                        "description": None,
                        "showcase": False,
                        "start_date": None,
                        "group_id": None,
                        "page_id": self.page_id,
                        "group": True,
                        "only_show_if_degraded": False,
                        "components": [c.component.id for c in members],
                    }
                )
            position += 1
            result.append(self.component(component, position))
        return result

    def _updates(self, item: IncidentState | MaintenanceState, status: str, affected: list[Json]) -> list[Json]:
        """The updates posted by now, newest first; never none, as on Statuspage.

        An item with none posted gets the update that announced it (``announced_at``), in the
        item's ``status`` then, saying its summary: clients read ``incident_updates[0]``.
        """
        owner = item.incident if isinstance(item, IncidentState) else item.maintenance
        text = owner.text(self.language)
        posted = [(update.time, update.status, update.body) for update in text.updates if update.time <= self.state.now]
        if not posted:
            posted = [(announced_at(item, self.state.now), status, text.body or Markup(escape(text.title)))]
        return [
            {
                "id": stable_id(owner.slug, time.isoformat(), update_status),
                "status": update_status,
                "body": plain_text(body),
                "incident_id": owner.slug,
                "created_at": self.time(time),
                "updated_at": self.time(time),
                "display_at": self.time(time),
                "affected_components": affected,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for time, update_status, body in posted
        ]

    def _affected(self, component_ids: tuple[str, ...], new_status: ComponentStatus) -> list[Json]:
        return [
            {
                "code": cid,
                "name": self.state.components_by_id[cid].component.name_in(self.language),
                "old_status": ComponentStatus.OPERATIONAL.value,
                "new_status": new_status.value,
            }
            for cid in component_ids
        ]

    def _item_components(self, component_ids: tuple[str, ...]) -> list[Json]:
        positions = {c.component.id: index + 1 for index, c in enumerate(self.state.components)}
        return [self.component(self.state.components_by_id[cid], positions[cid]) for cid in component_ids]

    def incident(self, item: IncidentState) -> Json:
        """An incident object; the same in every file that lists the incident, so it is made once."""
        key = ("incident", item.slug)
        if key not in self._items:
            self._items[key] = self._incident(item)
        return self._items[key]

    def _incident(self, item: IncidentState) -> Json:
        incident = item.incident
        resolved = incident.resolved if incident.resolved is not None and incident.resolved <= self.state.now else None
        monitoring = [u.time for u in incident.updates if u.status == "monitoring" and u.time <= self.state.now]
        new_status = SEVERITY_STATUS.get(incident.severity, ComponentStatus.OPERATIONAL)
        return {
            "id": incident.slug,
            "name": incident.text(self.language).title,
            "status": item.status.value,
            "created_at": self.time(incident.start),
            "updated_at": self.time(seen_changed_at(item, self.state.now)),
            "monitoring_at": self.time(min(monitoring)) if monitoring else None,
            "resolved_at": self.time(resolved),
            "impact": incident.severity.value,
            "shortlink": self.url_for("pages.incident", slug=incident.slug),
            "started_at": self.time(incident.start),
            "page_id": self.page_id,
            "incident_updates": self._updates(item, item.status.value, self._affected(incident.components, new_status)),
            "components": self._item_components(incident.components),
        }

    def maintenance(self, item: MaintenanceState) -> Json:
        """A scheduled maintenance object; the same in every file that lists the window, so it is made once."""
        key = ("maintenance", item.slug)
        if key not in self._items:
            self._items[key] = self._maintenance(item)
        return self._items[key]

    def _maintenance(self, item: MaintenanceState) -> Json:
        work = item.maintenance
        done = item.status is MaintenanceStatus.COMPLETED
        announced = announced_at(item, self.state.now)
        # As on Statuspage, an upcoming window's ``started_at`` is when it was announced.
        started = item.window.start if item.phase is not Phase.UPCOMING else announced
        return {
            "id": work.slug,
            "name": work.text(self.language).title,
            "status": item.status.value,
            "created_at": self.time(announced),
            "updated_at": self.time(seen_changed_at(item, self.state.now)),
            "monitoring_at": None,
            "resolved_at": self.time(min(item.window.end, item.changed_at)) if done else None,
            "impact": "maintenance",
            "shortlink": self.url_for("pages.maintenance", slug=work.slug),
            "started_at": self.time(started),
            "page_id": self.page_id,
            "incident_updates": self._updates(
                item, item.status.value, self._affected(work.components, ComponentStatus.UNDER_MAINTENANCE)
            ),
            "components": self._item_components(work.components),
            "scheduled_for": self.time(item.window.start),
            "scheduled_until": self.time(item.window.end),
        }

    # --- the files -------------------------------------------------------------------------------

    def visible_incidents(self, limit: int | None = None) -> list[IncidentState]:
        """Incidents that have started, newest first; only the first ``limit`` are looked for, of maybe thousands."""
        started = (s for s in self.state.incidents if s.incident.start <= self.state.now)
        return list(islice(started, limit))

    def listed_maintenance(self) -> list[MaintenanceState]:
        """Cancelled work is left out: Statuspage's API has no cancelled status (the calendar keeps it)."""
        return [s for s in self.state.maintenance if s.phase is not Phase.CANCELLED]

    def files(self) -> dict[str, Json]:
        """Every JSON file under ``api/v2/``, by its path there."""
        page = self.page()
        unresolved = [self.incident(s) for s in self.state.ongoing_incidents]
        upcoming = [self.maintenance(s) for s in self.state.maintenance_in(Phase.UPCOMING)]
        active = [self.maintenance(s) for s in self.state.maintenance_in(Phase.IN_PROGRESS)]
        return {
            "summary.json": {
                "page": page,
                "components": self.components(),
                "incidents": unresolved,
                "scheduled_maintenances": active + upcoming,
                "status": self.status(),
            },
            "status.json": {"page": page, "status": self.status()},
            "components.json": {"page": page, "components": self.components()},
            "incidents.json": {
                "page": page,
                "incidents": [self.incident(s) for s in self.visible_incidents(LIST_LIMIT)],
            },
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {
                "page": page,
                "scheduled_maintenances": [self.maintenance(s) for s in self.listed_maintenance()[:LIST_LIMIT]],
            },
            "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
            "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
        }

    def known_issue(self, item: TicketState) -> Json:
        ticket = item.ticket
        config = self.state.site.config
        return {
            "id": ticket.id,
            "title": ticket.title,
            "status": ticket.status.value,
            "severity": ticket.severity.value,
            "channel": ticket.channel.value,
            "components": list(ticket.components),
            "reported_at": self.time(ticket.reported_at),
            "evaluated_at": self.time(ticket.evaluated_at),
            "expected_fix_from": self.time(item.expected_fix_from),
            "expected_fix_by": self.time(item.expected_fix_by),
            "overdue": item.overdue,
            "waiting_for": item.waiting_for.slug if item.waiting_for is not None else None,
            "explanation": explanation(item, config, self.language),
            "url": self.url_for("pages.ticket", ticket_id=ticket.id),
        }

    def known_issues(self) -> Json:
        return {
            "generated_at": self.time(self.state.now),
            "known_issues": [self.known_issue(item) for item in self.state.open_tickets],
        }
