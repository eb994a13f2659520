"""Derived state: what a visitor sees, as a pure function of the site and ``now``.

``derive`` runs once per build; every page, feed and file renders from the ``SiteState`` it
returns, so no output recomputes status on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from operator import itemgetter
from typing import NamedTuple

from ..model import Component, Incident, IncidentStatus, Severity, Site
from .durations import elapsed, newest_posted
from .maintenance import MaintenanceState, Phase, Window, last_change, maintenance_state
from .publication import Publication, publication
from .recent import PastItem, RecentDay, recent_days
from .status import SEVERITY_STATUS, ComponentStatus, Indicator, component_status, overall_indicator
from .tickets import REASON_ORDER, Reason, TicketState, ticket_state
from .uptime import DAYS as UPTIME_DAYS
from .uptime import Outage, Uptime, uptime

__all__ = [
    "ComponentState",
    "ComponentStatus",
    "HistoryEntry",
    "IncidentState",
    "Indicator",
    "MaintenanceState",
    "Phase",
    "PastItem",
    "Publication",
    "REASON_ORDER",
    "Reason",
    "RecentDay",
    "SiteState",
    "TicketState",
    "Window",
    "derive",
]


@dataclass(frozen=True)
class IncidentState:
    incident: Incident
    ongoing: bool
    status: IncidentStatus  # newest update's status at now; resolved once resolved
    pinned: bool  # shown on the front page although resolved
    changed_at: datetime  # the last instant, up to now, at which it changed
    publication: Publication | None = None  # from git, when the site is a repository
    posted: int = 0  # how many of its updates are posted by now: its oldest ones

    @property
    def slug(self) -> str:
        return self.incident.slug

    @property
    def ended_at(self) -> datetime | None:
        """When it was resolved, if it is by now (the state's ``status`` says so, so no clock is needed)."""
        return self.incident.resolved if self.status in _RESOLVED else None

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted, once resolved."""
        ended = self.ended_at
        return elapsed(self.incident.start, ended) if ended is not None else None

    @property
    def last_update(self) -> datetime:
        """When it last changed: its newest update posted by now, or its resolution if later, else its start."""
        moments = [moment for moment in (newest_posted(self.incident.timeline, self.posted), self.ended_at) if moment]
        return max(moments) if moments else self.incident.start


@dataclass(frozen=True)
class ComponentState:
    component: Component
    status: ComponentStatus
    uptime: Uptime
    incidents: tuple[IncidentState, ...]  # newest first
    maintenance: tuple[MaintenanceState, ...]  # newest first
    open_tickets: tuple[TicketState, ...]


class HistoryEntry(NamedTuple):
    """An incident or a maintenance window in the history list (a named tuple: a big site has ten thousand)."""

    kind: str  # "incident" or "maintenance"
    start: datetime
    item: IncidentState | MaintenanceState


@dataclass(frozen=True)
class SiteState:
    site: Site
    now: datetime
    indicator: Indicator
    components: tuple[ComponentState, ...]  # in config order
    incidents: tuple[IncidentState, ...]  # newest first
    maintenance: tuple[MaintenanceState, ...]  # newest first
    tickets: tuple[TicketState, ...]  # public tickets by id, open and resolved
    by_slug: dict[str, IncidentState] = field(repr=False, compare=False)
    maintenance_by_slug: dict[str, MaintenanceState] = field(repr=False, compare=False)
    tickets_by_id: dict[int, TicketState] = field(repr=False, compare=False)
    components_by_id: dict[str, ComponentState] = field(repr=False, compare=False)
    # Since when the sources could not be brought up to date (watch's git pull keeps failing):
    # the page then says that what it shows may be out of date.
    content_stale_since: datetime | None = None

    @cached_property
    def open_tickets(self) -> tuple[TicketState, ...]:
        return tuple(state for state in self.tickets if state.open)

    @cached_property
    def ongoing_incidents(self) -> tuple[IncidentState, ...]:
        return tuple(state for state in self.incidents if state.ongoing)

    @cached_property
    def history(self) -> tuple[HistoryEntry, ...]:
        """Past and current incidents and maintenance, newest first; upcoming work is not history yet."""
        now = self.now
        # Sorted as plain tuples, by start, kind and slug: ten thousand entries of a big site.
        rows: list[tuple[datetime, str, str, IncidentState | MaintenanceState]] = [
            (s.incident.start, "incident", s.incident.slug, s) for s in self.incidents if s.incident.start <= now
        ]
        rows += [
            (s.window.start, "maintenance", s.maintenance.slug, s)
            for s in self.maintenance
            if s.phase is not Phase.UPCOMING
        ]
        rows.sort(key=_HISTORY_ORDER, reverse=True)
        return tuple(HistoryEntry(kind, start, item) for start, kind, _, item in rows)

    @cached_property
    def recent(self) -> tuple[RecentDay, ...]:
        """The last ``[site] recent_days`` days, today first, with what happened on each (recent.py)."""
        return recent_days(self, self.site.config.recent_days)

    def maintenance_in(self, phase: Phase) -> tuple[MaintenanceState, ...]:
        found = [state for state in self.maintenance if state.phase is phase]
        if phase is Phase.UPCOMING:  # soonest first
            found.sort(key=lambda state: (state.window.start, state.slug))
        return tuple(found)


_HISTORY_ORDER = itemgetter(0, 1, 2)
_RESOLVED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM})  # start, kind, slug


def _incident_state(incident: Incident, now: datetime) -> IncidentState:
    started = incident.start <= now
    resolved = incident.resolved is not None and incident.resolved <= now
    ongoing = started and not resolved
    timeline = incident.timeline  # not the updates: their words are left packed (see model.Translatable)
    posted = [status for time, status in timeline if time <= now]  # newest first
    newest = posted[0] if posted else None
    if resolved:
        status = IncidentStatus.POSTMORTEM if newest == "postmortem" else IncidentStatus.RESOLVED
    elif newest is not None and newest not in ("resolved", "postmortem"):
        status = IncidentStatus(newest)
    else:
        status = IncidentStatus.INVESTIGATING
    pinned = resolved and incident.pin and (incident.pin_until is None or now < incident.pin_until)
    instants = [incident.start, *(time for time, _ in timeline)]
    if incident.resolved is not None:
        instants.append(incident.resolved)
    changed = last_change(instants, now)
    return IncidentState(
        incident, ongoing, status, bool(pinned), changed, publication(incident.provenance, now), len(posted)
    )


def derive(site: Site, now: datetime, *, content_stale_since: datetime | None = None) -> SiteState:
    """Compute everything time-dependent once, from the loaded site and the build's clock.

    ``content_stale_since`` is when the sources were last known current, if they could not be
    updated since (``watch --git-pull`` failing); it is shown, never derived.
    """
    zone = site.config.timezone
    incidents = tuple(_incident_state(incident, now) for incident in site.incidents)
    maintenance = tuple(maintenance_state(item, now, zone) for item in site.maintenance)
    tickets = _ticket_states(site, incidents, maintenance, now)
    components = _component_states(site, incidents, maintenance, tickets, now)
    return SiteState(
        site=site,
        now=now,
        indicator=overall_indicator(state.status for state in components),
        components=components,
        incidents=incidents,
        maintenance=maintenance,
        tickets=tickets,
        by_slug={state.slug: state for state in incidents},
        maintenance_by_slug={state.slug: state for state in maintenance},
        tickets_by_id={state.ticket.id: state for state in tickets},
        components_by_id={state.component.id: state for state in components},
        content_stale_since=content_stale_since,
    )


def _ticket_states(
    site: Site, incidents: tuple[IncidentState, ...], maintenance: tuple[MaintenanceState, ...], now: datetime
) -> tuple[TicketState, ...]:
    """Each public ticket with its links merged from both sides, and why it is still open."""
    by_slug = {window.slug: window for window in maintenance}
    windows_of: dict[int, set[str]] = {}  # plain dicts: most of thousands of tickets have no links
    for window in maintenance:
        for ticket_id in window.maintenance.tickets:
            windows_of.setdefault(ticket_id, set()).add(window.slug)
    incidents_of: dict[int, list[str]] = {}
    for incident in incidents:
        for ticket_id in incident.incident.tickets:
            incidents_of.setdefault(ticket_id, []).append(incident.slug)
    states = []
    sla = site.config.sla
    for ticket in site.tickets:
        slugs = windows_of.get(ticket.id, set()) | ({ticket.maintenance} if ticket.maintenance else set())
        linked = tuple(by_slug[slug] for slug in sorted(slugs)) if slugs else ()
        states.append(ticket_state(ticket, linked, tuple(incidents_of.get(ticket.id, ())), sla, now))
    return tuple(states)


def _component_states(
    site: Site,
    incidents: tuple[IncidentState, ...],
    maintenance: tuple[MaintenanceState, ...],
    tickets: tuple[TicketState, ...],
    now: datetime,
) -> tuple[ComponentState, ...]:
    """Status, uptime and related items per component, pre-indexed so each costs only its own items."""
    incidents_of: dict[str, list[IncidentState]] = defaultdict(list)
    outages_of: dict[str, list[Outage]] = defaultdict(list)
    ongoing_of: dict[str, list[Severity]] = defaultdict(list)
    horizon = now - timedelta(days=UPTIME_DAYS + 2)  # outages ended by then miss the uptime bars (see uptime())
    for state in incidents:
        incident = state.incident
        outage = None
        if incident.start < now:
            resolved = incident.resolved
            end = resolved if resolved is not None and resolved < now else now
            status = SEVERITY_STATUS.get(incident.severity) if end > horizon else None  # years of history are past it
            if status is not None:
                outage = Outage(incident.start, end, status)
        for cid in incident.components:
            incidents_of[cid].append(state)
            if outage is not None:
                outages_of[cid].append(outage)
            if state.ongoing:
                ongoing_of[cid].append(incident.severity)
    maintenance_of: dict[str, list[MaintenanceState]] = defaultdict(list)
    for window in maintenance:
        for cid in window.maintenance.components:
            maintenance_of[cid].append(window)
    tickets_of: dict[str, list[TicketState]] = defaultdict(list)
    for ticket in tickets:
        if ticket.open:
            for cid in ticket.ticket.components:
                tickets_of[cid].append(ticket)

    components = []
    for component in site.config.components:
        cid = component.id
        in_maintenance = any(m.phase is Phase.IN_PROGRESS for m in maintenance_of[cid])
        components.append(
            ComponentState(
                component=component,
                status=component_status(ongoing_of[cid], in_maintenance),
                uptime=uptime(outages_of[cid], now, site.config.timezone),
                incidents=tuple(incidents_of[cid]),
                maintenance=tuple(maintenance_of[cid]),
                open_tickets=tuple(tickets_of[cid]),
            )
        )
    return tuple(components)
