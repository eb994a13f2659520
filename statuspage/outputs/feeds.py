"""RSS 2.0 and Atom feeds with feedgen, built from one list of entries per feed.

Entry ids are the absolute URL of the item's page (plus ``#update-…`` for single updates): they
never change while ``base_url`` and the file name stay.  ``updated`` is the instant the item last
changed as a visitor sees it, so it moves when an update is posted or the state changes.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, TypeVar

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from markupsafe import Markup, escape

from ..explain import explanation, impact_label, labels
from ..i18n import format_time, format_window, translations
from ..model import Translatable, Update
from ..state import IncidentState, MaintenanceState, Reason, SiteState, TicketState
from ..state.instants import RESOLVED_TICKET_DAYS
from .announced import announced_at, seen_changed_at

FEED_LIMIT = 50  # newest entries per item feed; history stays on the pages
UPDATES_LIMIT = 100  # newest updates in feeds/updates
FEED_NAMES = ("all", "incidents", "maintenance", "known-issues", "updates")
FORMATS = ("rss", "atom", "json")
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}

UrlFor = Callable[..., str]
Item = TypeVar("Item")
Story = IncidentState | MaintenanceState  # what has a page, updates and a start


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime
    content: Markup
    category: str


def update_anchor(update: Update) -> str:
    """Stable fragment id of an update on its item's page."""
    return "update-" + update.time.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + update.status


_RANKINGS = "_feed_rankings"  # where a state keeps its Rankings


class Rankings:
    """Items by their entries' ``updated``, newest first, for the feeds to read only as far as each needs.

    Made once per state and shared by every language's builder: with thousands of items,
    filtering them all for every feed cost more than making the entries, and ranking them in each
    language did the same work twice.  They read only the derived state, which is at hand; an
    item's parsed content (start, components) is touched only for the items a feed walks past.
    Times are in UTC: datetimes sharing one tzinfo compare without asking it for offsets.
    """

    def __init__(self, state: SiteState) -> None:
        self.state = state
        self._stories: dict[str | None, list[tuple[datetime, Story]]] = {}
        self._tickets: list[tuple[datetime, TicketState]] | None = None
        # Feed by feed, what ``FeedBuilder.chosen`` and ``clock_facts`` found: the same in every language.
        self.chosen: dict[tuple[str, str | None], tuple[list[Story], list[TicketState]]] = {}
        self.clock_facts: dict[tuple[str, str | None], tuple[object, ...]] = {}

    @classmethod
    def of(cls, state: SiteState) -> Rankings:
        """The state's rankings, kept with it as its cached properties are: they live and go with the state."""
        found = state.__dict__.get(_RANKINGS)
        if found is None:
            found = state.__dict__[_RANKINGS] = cls(state)
        return found

    def stories(self, component: str | None) -> list[tuple[datetime, Story]]:
        """Every incident and maintenance window (of ``component``, or all)."""
        ranked = self._stories.get(component)
        if ranked is None:
            found = self.state.components_by_id[component] if component is not None else self.state
            items: list[Story] = [*found.incidents, *found.maintenance]
            now = self.state.now
            ranked = [(_updated(item, now).astimezone(UTC), item) for item in items]
            ranked.sort(key=itemgetter(0), reverse=True)
            self._stories[component] = ranked
        return ranked

    def tickets(self) -> list[tuple[datetime, TicketState]]:
        """Every public ticket, by its entry's ``updated`` (its ``changed_at``)."""
        if self._tickets is None:
            self._tickets = [(item.changed_at.astimezone(UTC), item) for item in self.state.tickets]
            self._tickets.sort(key=itemgetter(0), reverse=True)
        return self._tickets


class FeedBuilder:
    """Makes entries for one site state in one language; ``url_for`` must return absolute URLs."""

    def __init__(self, state: SiteState, language: str, url_for: UrlFor) -> None:
        self.state, self.language, self.url_for = state, language, url_for
        self.config = state.site.config
        self.labels = labels(language, self.config)
        self._ = translations(language).gettext
        self._made: dict[tuple[str, object], Entry] = {}  # each item's entry, made once for all feeds
        self._feeds: dict[tuple[str, str | None], list[Entry]] = {}
        self._rankings = Rankings.of(state)

    def _once(self, kind: str, key: object, make: Callable[[], Entry]) -> Entry:
        entry = self._made.get((kind, key))
        if entry is None:
            entry = self._made[kind, key] = make()
        return entry

    def time(self, moment: datetime) -> str:
        return format_time(moment, self.config.timezone, self.language)

    def _words(self, item: Translatable) -> tuple[str, tuple[Update, ...]]:
        text = item.text(self.language)
        return text.title, text.updates

    def _timeline(self, updates: Iterable[Update], names: dict[str, str]) -> Markup:
        parts = [
            Markup("<h3>{} · {}</h3>{}").format(names[update.status], self.time(update.time), update.body)
            for update in updates
            if update.time <= self.state.now
        ]
        return Markup("").join(parts)

    def incident(self, item: IncidentState) -> Entry:
        return self._once("incident", item.slug, lambda: self._incident(item))

    def _incident(self, item: IncidentState) -> Entry:
        incident = item.incident
        text = incident.text(self.language)
        components = ", ".join(
            self.state.components_by_id[cid].component.name_in(self.language) for cid in incident.components
        )
        head = Markup("<p><strong>{}</strong> · {} · {}</p>").format(
            self.labels["incident"][item.status.value], self.labels["severity"][incident.severity.value], components
        )
        page = self.url_for("pages.incident", slug=item.slug)
        return Entry(
            id=page,
            title=text.title,
            link=page,
            updated=_updated(item, self.state.now),
            published=incident.start,
            content=head + text.body + self._timeline(text.updates, self.labels["incident"]),
            category=self.labels["incident"][item.status.value],
        )

    def maintenance(self, item: MaintenanceState) -> Entry:
        return self._once("maintenance", item.slug, lambda: self._maintenance(item))

    def _maintenance(self, item: MaintenanceState) -> Entry:
        work = item.maintenance
        text = work.text(self.language)
        window = format_window(item.window.start, item.window.end, self.config.timezone, self.language)
        head = Markup("<p><strong>{}</strong> · {} · {}: {}</p>").format(
            self.labels["maintenance"][item.status.value],
            window,
            self._("Expected impact"),
            impact_label(work.impact, self.language),
        )
        page = self.url_for("pages.maintenance", slug=item.slug)
        return Entry(
            id=page,
            title=text.title,
            link=page,
            updated=_updated(item, self.state.now),
            published=announced_at(item, self.state.now),
            content=head + text.body + self._timeline(text.updates, self.labels["maintenance"]),
            category=self.labels["phase"][item.phase.value],
        )

    def _ranked(self, component: str | None) -> list[tuple[datetime, Story]]:
        return self._rankings.stories(component)

    @property
    def _ranked_tickets(self) -> list[tuple[datetime, TicketState]]:
        return self._rankings.tickets()

    def _id(self, item: Story) -> str:
        """An item's entry's id, without making the entry."""
        endpoint = "pages.incident" if isinstance(item, IncidentState) else "pages.maintenance"
        return self.url_for(endpoint, slug=item.slug)

    def _ticket_id(self, item: TicketState) -> str:
        """A ticket's entry's id, without making the entry."""
        return self.url_for("pages.ticket", ticket_id=item.ticket.id)

    def ticket(self, item: TicketState) -> Entry:
        return self._once("ticket", item.ticket.id, lambda: self._ticket(item))

    def _ticket(self, item: TicketState) -> Entry:
        ticket = item.ticket
        sentence = explanation(item, self.config, self.language)
        head = Markup("<p><strong>{}:</strong> {}</p>").format(self.labels["reason"][item.reason.value], sentence)
        if item.waiting_for is not None:
            head += Markup('<p><a href="{}">{}</a></p>').format(
                self.url_for("pages.maintenance", slug=item.waiting_for.slug),
                item.waiting_for.maintenance.text(self.language).title,
            )
        page = self.url_for("pages.ticket", ticket_id=ticket.id)
        return Entry(
            id=page,
            title=f"#{ticket.id} {ticket.title}",
            link=page,
            updated=item.changed_at,
            published=ticket.reported_at,
            content=head + ticket.description,
            category=self.labels["reason"][item.reason.value],
        )

    def _updates(self, chosen: list[Story]) -> list[Entry]:
        """One entry per posted update of the items chosen for the updates feed, the newest UPDATES_LIMIT."""
        entries = []
        sources: list[tuple[str, str, str, tuple[Update, ...], dict[str, str]]] = [
            ("pages.incident", s.slug, *self._words(s.incident), self.labels["incident"])
            for s in chosen
            if isinstance(s, IncidentState)
        ]
        sources += [
            ("pages.maintenance", s.slug, *self._words(s.maintenance), self.labels["maintenance"])
            for s in chosen
            if isinstance(s, MaintenanceState)
        ]
        for endpoint, slug, title, updates, names in sources:
            page = self.url_for(endpoint, slug=slug)
            for update in updates:
                if update.time > self.state.now:
                    continue
                entries.append(
                    Entry(
                        id=f"{page}#{update_anchor(update)}",
                        title=f"{title}: {names[update.status]}",
                        link=f"{page}#{update_anchor(update)}",
                        updated=update.time,
                        published=update.time,
                        content=update.body,
                        category=names[update.status],
                    )
                )
        return newest(entries, UPDATES_LIMIT)

    def known_issues(self, component: str | None = None) -> list[Entry]:
        """Open public tickets, and those resolved in the last RESOLVED_TICKET_DAYS."""
        listed = known_issue_listed(self.state, component)
        return newest([self.ticket(item) for item in self.state.tickets if listed(item)], None)

    def entries(self, name: str, component: str | None = None) -> list[Entry]:
        """The entries of feed ``name`` (``all`` etc.), or of one component's feed (made once for RSS and Atom)."""
        made = self._feeds.get((name, component))
        if made is None:
            made = self._feeds[name, component] = self._entries(name, component)
        return made

    def _entries(self, name: str, component: str | None) -> list[Entry]:
        if name == "known-issues":
            return self.known_issues(component)
        stories, tickets = self.chosen(name, component)
        if name == "updates":
            return self._updates(stories)
        limited = [self.incident(s) if isinstance(s, IncidentState) else self.maintenance(s) for s in stories]
        if name == "all":  # what is new anywhere: the known-issues feed has every open ticket
            limited = newest(limited + [self.ticket(item) for item in tickets], FEED_LIMIT)
        return limited

    def chosen(self, name: str, component: str | None) -> tuple[list[Story], list[TicketState]]:
        """The items and tickets whose entries feed ``name`` (of ``component``) is made of; not the known-issues feed.

        For the updates feed, the items with one of the newest updates.  Found by time before any
        entry is made; which they are is most of what a feed takes from the clock (``clock_facts``).
        The same in every language (ties in ``updated`` go by the entries' ids, which differ between
        languages only by the language's folder), so found once.
        """
        found = self._rankings.chosen.get((name, component))
        if found is not None:
            return found
        now = self.state.now
        if name == "updates":
            found = _with_newest_updates(self._ranked(None), UPDATES_LIMIT, now), []
        else:
            incidents, windows = name in ("all", "incidents"), name in ("all", "maintenance")

            def listed(item: Story) -> bool:
                if isinstance(item, IncidentState):  # an incident appears once it has started
                    return incidents and (item.incident.start <= now or item.ongoing)
                return windows

            stories = _newest_items(self._ranked(component), FEED_LIMIT, listed, self._id)
            tickets: list[TicketState] = []
            if name == "all":
                listed_ticket = known_issue_listed(self.state, component)
                tickets = _newest_items(self._ranked_tickets, FEED_LIMIT, listed_ticket, self._ticket_id)
            found = stories, tickets
        self._rankings.chosen[name, component] = found
        return found

    def clock_facts(self, name: str, component: str | None) -> tuple[object, ...]:
        """All feed ``name`` (of ``component``) takes from the clock besides its items' states; not known-issues.

        That is which items and tickets it shows, each item's ``updated`` (git's time counts once
        the state's change has happened; not in the updates feed, whose entries are updates), and
        ``now`` when the feed shows nothing (an empty feed's date).  The updates posted are in the
        items' states (``posted``, the same in every language: a translation's updates keep the
        original's times).  A build keys these feeds by these facts instead of ``now``, as it does
        the calendars: a build a minute later writes a feed again only when one of them changed.
        The same for every language's feed, so found once.
        """
        found = self._rankings.clock_facts.get((name, component))
        if found is not None:
            return found
        now = self.state.now
        stories, tickets = self.chosen(name, component)
        shown = tuple(
            (
                type(item).__name__,
                item.slug,
                _updated(item, now) if name != "updates" else None,
            )
            for item in stories
        )
        # The updates feed chooses only items with an update posted: it is empty when it chose none.
        empty = not stories and not tickets
        found = self._rankings.clock_facts[name, component] = (
            shown,
            tuple(item.ticket.id for item in tickets),
            now if empty else None,
        )
        return found


def known_issue_listed(state: SiteState, component: str | None = None) -> Callable[[TicketState], bool]:
    """Whether a ticket is in a known-issues feed (of ``component``): open, or resolved in the last
    RESOLVED_TICKET_DAYS."""
    now = state.now
    since = now - timedelta(days=RESOLVED_TICKET_DAYS)

    def listed(item: TicketState) -> bool:
        return (component is None or component in item.ticket.components) and (
            item.reason is not Reason.RESOLVED
            or (item.ticket.resolved_at is not None and since <= item.ticket.resolved_at <= now)
        )

    return listed


def known_issues_clock_facts(state: SiteState) -> tuple[object, ...]:
    """All the known-issues feed takes from the clock besides the tickets' states: which tickets it
    lists (a resolved one leaves after RESOLVED_TICKET_DAYS), and ``now`` when it lists none (the
    date of an empty feed).

    A build's key for the feed uses these instead of ``now``: with thousands of open tickets it is
    the costliest feed to write, and a later build need not write it again.
    """
    listed = known_issue_listed(state)
    ids = tuple(item.ticket.id for item in state.tickets if listed(item))
    return ids if ids else ("none listed", state.now)


def _newest_items(
    ranked: Iterable[tuple[datetime, Item]],
    limit: int,
    listed: Callable[[Item], bool],
    entry_id: Callable[[Item], str],
) -> list[Item]:
    """The ``limit`` listed items whose entries ``newest`` keeps (by updated, then id), found before any entry is made.

    ``ranked`` pairs each item with its entry's ``updated``, newest first; the walk stops at the
    first item older than the ``limit``-th listed one.  Ids are absolute URLs; they are built only
    for the items walked past, to break ties in ``updated`` as ``newest`` does.
    """
    taken: list[tuple[datetime, Item]] = []
    for time, item in ranked:
        if len(taken) >= limit and time < taken[-1][0]:
            break
        if listed(item):
            taken.append((time, item))
    taken.sort(key=lambda pair: (pair[0], entry_id(pair[1])), reverse=True)
    return [item for _, item in taken[:limit]]


def _with_newest_updates(ranked: Iterable[tuple[datetime, Story]], limit: int, now: datetime) -> list[Story]:
    """The items with one of the ``limit`` newest updates posted by ``now``, or one as old as the oldest of those.

    ``ranked`` is by the items' ``updated``, newest first.  Posting an update changes an item, so
    no posted update is newer than its item's ``updated``: the walk stops at the first item older
    than the ``limit``-th newest update seen, and most items' updates are never read.
    """
    newest_times: list[datetime] = []  # a min-heap of the newest ``limit`` update times so far
    walked: list[tuple[Story, list[datetime]]] = []
    for updated, item in ranked:
        if len(newest_times) >= limit and updated < newest_times[0]:
            break
        times = [time.astimezone(UTC) for time, _ in _item(item).timeline if time <= now]
        for time in times:
            if len(newest_times) < limit:
                heapq.heappush(newest_times, time)
            elif time > newest_times[0]:
                heapq.heapreplace(newest_times, time)
        walked.append((item, times))
    if not newest_times:
        return []
    oldest = newest_times[0]
    return [item for item, times in walked if any(time >= oldest for time in times)]


def _item(state: IncidentState | MaintenanceState) -> Translatable:
    return state.incident if isinstance(state, IncidentState) else state.maintenance


def _updated(item: Story, now: datetime) -> datetime:
    """The later of the last state change and the last git edit: fixing a typo updates an entry too.

    Before anything has happened (an announced window), ``changed_at`` lies ahead: the item's
    announcement (git's time, when known) is then its "updated", never a time after ``now``.
    """
    publication = item.publication
    if publication is None:  # outside git: ten thousand items of a big site ask
        return seen_changed_at(item, now)
    known = [item.changed_at] if item.changed_at <= now else []
    known.append(publication.edited or publication.published)
    return max(known)


def newest(entries: list[Entry], limit: int | None) -> list[Entry]:
    ordered = sorted(entries, key=lambda entry: (entry.updated, entry.id), reverse=True)
    return ordered[:limit] if limit is not None else ordered


ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"


class _WebSubHubInRss(BaseExtension):  # type: ignore[misc]
    """RSS's ``<atom:link rel="hub">`` (WebSub), which feedgen writes for Atom only; set ``hub`` first."""

    hub = ""

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NAMESPACE}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed.find("channel")
        links = channel.findall(f"{{{ATOM_NAMESPACE}}}link")
        position = list(channel).index(links[-1]) + 1 if links else 0
        channel.insert(position, channel.makeelement(f"{{{ATOM_NAMESPACE}}}link", {"href": self.hub, "rel": "hub"}))
        return rss_feed


def render_feed(
    entries: list[Entry],
    *,
    kind: str,
    title: str,
    self_url: str,
    home_url: str,
    language: str,
    fallback_updated: datetime,
    hub: str | None = None,
) -> bytes:
    """Serialise ``entries`` as RSS 2.0 (``kind='rss'``), Atom or JSON Feed 1.1 (``kind='json'``), newest first.

    ``hub`` is the WebSub hub (``[notify] websub_hub``) that subscribers' readers may ask for pushes.
    """
    if kind == "json":
        return json_feed(entries, title=title, self_url=self_url, home_url=home_url, language=language, hub=hub)
    updated = max((entry.updated for entry in entries), default=fallback_updated)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    # feedgen writes the last link as RSS's <channel><link>: the site a reader's "open website" opens.
    feed.link(href=self_url, rel="self", type=MEDIA_TYPES[kind])
    if hub is not None:
        if kind == "rss":
            feed.register_extension("websub", _WebSubHubInRss, None, atom=False, rss=True)
            feed.websub.hub = hub
        else:
            feed.link(href=hub, rel="hub")
    feed.link(href=home_url, rel="alternate", type="text/html")
    feed.description(title)
    feed.language(language)
    feed.author({"name": title})
    feed.generator("statuspage")
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry.id)
        item.guid(entry.id, permalink=False)
        item.title(entry.title)
        item.link(href=entry.link)
        item.updated(entry.updated)
        item.published(entry.published)
        body = str(entry.content) or str(escape(entry.title))
        if kind == "rss":
            item.content(body, type="CDATA")
            item.description(body)
        else:  # feedgen's description() would overwrite the content and drop its type: readers then show tags
            item.content(body, type="html")
        item.category(term=entry.category)
    return feed.rss_str(pretty=True) if kind == "rss" else feed.atom_str(pretty=True)


def json_feed(
    entries: list[Entry], *, title: str, self_url: str, home_url: str, language: str, hub: str | None = None
) -> bytes:
    """JSON Feed 1.1 (jsonfeed.org) with the same ids, links and dates as the RSS and Atom feeds."""
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home_url,
        "feed_url": self_url,
        "language": language,
        "authors": [{"name": title}],
        "items": [
            {
                "id": entry.id,
                "url": entry.link,
                "title": entry.title,
                "content_html": str(entry.content) or str(escape(entry.title)),
                "date_published": entry.published.isoformat(),
                "date_modified": entry.updated.isoformat(),
                "tags": [entry.category],
            }
            for entry in entries
        ],
    }
    if hub is not None:
        document["hubs"] = [{"type": "WebSub", "url": hub}]
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
