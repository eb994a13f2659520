"""The HTML pages of SPEC §8, each a thin view over the derived state."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, g, render_template

from .. import explain
from ..i18n import AUTONYMS, language_prefix, site_languages
from ..model import Translatable, Update
from ..sources.sitepages import bundled_support_page
from ..state import (
    REASON_ORDER,
    ComponentState,
    HistoryEntry,
    IncidentState,
    MaintenanceState,
    Phase,
    Reason,
    SiteState,
    TicketState,
)
from .links import absolute_url, page_path, relative_to

pages = Blueprint("pages", __name__)


@dataclass(slots=True)
class Page:
    """What a page view decides: the template and its variables (the build digests these to skip unchanged pages)."""

    template: str
    variables: dict[str, Any] = field(default_factory=dict)
    absolute_links: bool = False  # the 404 page is served at any path, so its links must be absolute
    # Everything the template can reach, when that is cheaper to digest than the variables themselves.
    made_from: tuple[Any, ...] | None = None
    # More variables, made only to render: what they show is in ``made_from``.  Keying every page
    # of a big site then reads only what keys need (an item's words may be packed: model.Translatable).
    later: Callable[[], dict[str, Any]] | None = None
    # What statuspage's own templates read of the variables, where that is much less than they
    # hold (a ComponentState holds every incident of its component): the key of a site without
    # templates of its own, so that editing an incident's text leaves its front page alone.
    shipped_reads: tuple[Any, ...] | None = None

    def key_inputs(self, themed: bool = True) -> tuple[Any, ...]:
        """What the page is made from; ``themed``: the site has templates of its own, which may read any variable."""
        if not themed and self.shipped_reads is not None:
            return (self.template, self.absolute_links, self.shipped_reads)
        return (self.template, self.absolute_links, self.variables if self.made_from is None else self.made_from)

    def all_variables(self) -> dict[str, Any]:
        return self.variables if self.later is None else {**self.variables, **self.later()}


PageView = Callable[..., Page]
MARKDOWN = "text/markdown"  # RFC 7763: the Markdown alternates (alternates.py)
MARKDOWN_PAGES = frozenset({"pages.index_markdown", "pages.incident_markdown", "pages.maintenance_markdown"})
PAGE_VIEWS: dict[str, PageView] = {}  # endpoint → view, for the build's renderer
_ROUTES: dict[str, Callable[..., str | Response]] = {}


def render_page(page: Page) -> str:
    """Render a page's template; ``g.absolute_links`` is set only while it renders (``g`` outlives one page)."""
    if not page.absolute_links:
        return render_template(page.template, **page.all_variables())
    g.absolute_links = True
    try:
        return render_template(page.template, **page.all_variables())
    finally:
        g.pop("absolute_links", None)


def page_route(rule: str, **options: Any) -> Callable[[PageView], PageView]:
    """Register ``view(state, **values) -> Page`` as a route that renders it, and for the build's renderer."""

    def register(view: PageView) -> PageView:
        endpoint = view.__name__
        if f"pages.{endpoint}" not in PAGE_VIEWS:  # a view with two rules is registered once
            PAGE_VIEWS[f"pages.{endpoint}"] = view

            def route(**values: Any) -> str | Response:
                body = render_page(view(current_app.config["STATE"], **values))
                return Response(body, mimetype=MARKDOWN) if rule.endswith(".md") else body

            route.__name__ = endpoint
            _ROUTES[endpoint] = route
        pages.add_url_rule(rule, endpoint, _ROUTES[endpoint], **options)
        return view

    return register


HISTORY_PAGE_SIZE = 20
FRONT_PAGE_TICKETS = 5  # most severe open known issues listed on the front page
COMPONENT_PAGE_ITEMS = 20  # newest incidents, maintenance windows and open known issues on a component's page
_SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}


@pages.app_context_processor
def link_helpers() -> dict[str, Any]:
    return {"absolute_url": absolute_url}


@pages.app_context_processor
def language_links() -> dict[str, Any]:
    """This page in every language: ``page_languages`` for the switch, ``alternates`` for hreflang.

    Each is a list of ``(language, autonym, href)``, empty on a site built in one language.  The
    switch links relatively, like every other link; on the 404 page (shown at any path) it links
    absolutely to each language's front page, and there are no alternates.  hreflang alternates
    are absolute, as search engines want.
    """
    config = current_app.config["STATE"].site.config
    prefix = current_app.config["LANGUAGE_PREFIX"]
    base = config.base_url
    if len(config.built_languages) == 1:  # nothing to switch to, and no other version to point at
        return {"page_languages": [], "alternates": []}
    if g.get("absolute_links"):
        switch = [(lang, AUTONYMS[lang], base + language_prefix(config, lang)) for lang in site_languages(config)]
        return {"page_languages": switch, "alternates": []}
    path = page_path().lstrip("/")
    page = path + "index.html" if path == "" or path.endswith("/") else path
    here = f"/{prefix}{page}"  # from the site's root folder, where every language's folder is
    switch, alternates = [], []
    for lang in site_languages(config):
        there = f"/{language_prefix(config, lang)}{page}"
        switch.append((lang, AUTONYMS[lang], relative_to(there, here)))
        alternates.append((lang, AUTONYMS[lang], base + language_prefix(config, lang) + path))
    return {"page_languages": switch, "alternates": alternates}


PREVIEW_IMAGE = "preview.png"  # under static/: the one picture social previews show, a site may replace it


@pages.app_context_processor
def social_links() -> dict[str, Any]:
    """The page's own absolute address (none on the 404 page, shown at any path) and the preview image's."""
    config = current_app.config["STATE"].site.config
    page_url = None
    if not g.get("absolute_links"):
        page_url = config.base_url + current_app.config["LANGUAGE_PREFIX"] + page_path().lstrip("/")
    return {"page_url": page_url, "preview_image": absolute_url("static", filename=PREVIEW_IMAGE)}


def history_page_count(state: SiteState) -> int:
    return max(1, -(-len(state.history) // HISTORY_PAGE_SIZE))


@page_route("/")
def index(state: SiteState) -> Page:
    most_severe = heapq.nsmallest(  # of thousands of open tickets, the first few as sorted by
        FRONT_PAGE_TICKETS,
        state.open_tickets,
        key=lambda t: (
            _SEVERITY_RANK[t.ticket.severity.value],
            not t.overdue,
            -t.ticket.reported_at.timestamp(),
            t.ticket.id,
        ),
    )
    shown_whole = {  # the variables our index.html shows as they are
        "ongoing": state.ongoing_incidents,
        "pinned": [s for s in state.incidents if s.pinned],
        "in_progress": state.maintenance_in(Phase.IN_PROGRESS),
        "upcoming": state.maintenance_in(Phase.UPCOMING),
        "open_tickets": most_severe,
        "open_ticket_count": len(state.open_tickets),
        "indicator_label": explain.indicator_label(state.indicator, current_app.config["LANGUAGE"]),
        "content_stale_since": state.content_stale_since,
        "recent": state.recent,  # the days listed are in it: the page's key moves on at midnight
    }
    groups = _groups(state)
    # Of each component, our index.html shows its name, status and uptime bars.
    shown = [(group, [(c.component, c.status, c.uptime) for c in members]) for group, members in groups]
    return Page("index.html", {**shown_whole, "groups": groups}, shipped_reads=(*shown_whole.values(), shown))


def _groups(state: SiteState) -> list[tuple[str | None, list[Any]]]:
    """Components under their group headings, in config order; ungrouped ones form their own runs."""
    groups: list[tuple[str | None, list[Any]]] = []
    for component in state.components:
        group = component.component.group
        if groups and groups[-1][0] == group:
            groups[-1][1].append(component)
        else:
            groups.append((group, [component]))
    return groups


@page_route("/incidents/<slug>/")
def incident(state: SiteState, slug: str) -> Page:
    found = state.by_slug.get(slug) or abort(404)
    tickets = [state.tickets_by_id[t] for t in found.incident.tickets if t in state.tickets_by_id]
    return _item_page("incident.html", state, found, tickets)


@page_route("/maintenance/<slug>/")
def maintenance(state: SiteState, slug: str) -> Page:
    found = state.maintenance_by_slug.get(slug) or abort(404)
    tickets = _tickets_by_window(state).get(slug, [])
    return _item_page("maintenance.html", state, found, tickets)


def _item_page(template: str, state: SiteState, found: IncidentState | MaintenanceState, tickets: list[Any]) -> Page:
    """An incident's or a window's page: its state, its tickets and the updates posted by now.

    What the page is made from must not depend on the app's language: a build digests it once for
    every language's version of the page (``Digests.inputs``); only ``later`` may read the language.

    The updates are chosen here rather than in the template, so that the page's key holds the
    updates shown, not the clock: the page is rendered again when an update appears, not at
    every build.  They are the item's oldest ones, in every language: their number (``posted``,
    in the item's state) says which.
    """
    item = found.incident if isinstance(found, IncidentState) else found.maintenance
    return Page(
        template,
        {"item": found, "tickets": tickets},
        made_from=(found, tickets),
        later=lambda: {"updates": posted_updates(state, item)},
    )


def pages_showing_incidents(state: SiteState, slugs: Iterable[str]) -> set[tuple[str, Any]]:
    """The pages of single items whose views above hand these incidents' states to their templates, as
    ``(endpoint, value)``: each incident's own page and the pages of the tickets it lists.

    A rebuild after only incidents changed keeps every other page of an item without computing
    its key (see build/plan.py).  A test compares this with what the views actually pass.
    """
    shown: set[tuple[str, Any]] = set()
    for slug in slugs:
        shown.add(("pages.incident", slug))
        shown.add(("pages.incident_markdown", slug))
        found = state.by_slug.get(slug)
        if found is not None:
            shown.update(("pages.ticket", ticket_id) for ticket_id in found.incident.tickets)
    return shown


def posted_updates(state: SiteState, item: Translatable) -> list[Update]:
    """The item's updates posted by now, in the app's language, newest first."""
    return [update for update in item.text(current_app.config["LANGUAGE"]).updates if update.time <= state.now]


def _tickets_by_window(state: SiteState) -> dict[str, list[TicketState]]:
    """Public tickets under each maintenance window they wait for, indexed once per app, in ticket order."""
    index: dict[str, list[TicketState]] | None = current_app.extensions.get("statuspage_tickets_by_window")
    if index is None:
        index = current_app.extensions["statuspage_tickets_by_window"] = {}
        for ticket_state in state.tickets:
            for slug in dict.fromkeys(window.slug for window in ticket_state.maintenance):
                index.setdefault(slug, []).append(ticket_state)
    return index


def _reason_groups(open_tickets: tuple[TicketState, ...]) -> list[tuple[Reason, list[TicketState]]]:
    """Open tickets under their reason, in REASON_ORDER; reasons without tickets are left out."""
    groups = [(reason, [t for t in open_tickets if t.reason is reason]) for reason in REASON_ORDER]
    return [(reason, tickets) for reason, tickets in groups if tickets]


@page_route("/known-issues/")
def known_issues(state: SiteState) -> Page:
    return _known_issues(state, state.open_tickets, None)


def _known_issues(state: SiteState, open_tickets: tuple[TicketState, ...], component: ComponentState | None) -> Page:
    """All open tickets or one component's, and the filter: every component with its number of open tickets."""
    counts = [(c.component, len(c.open_tickets)) for c in state.components]
    variables = {
        "groups": _reason_groups(open_tickets),
        "component": component,
        "counts": counts,
        "open_ticket_count": len(state.open_tickets),
    }
    groups, total = variables["groups"], variables["open_ticket_count"]
    # Of the filtered component, our known_issues.html shows its name and links to it.
    shown = (groups, component.component if component else None, counts, total)
    return Page("known_issues.html", variables, made_from=(groups, component, counts, total), shipped_reads=shown)


@page_route("/known-issues/components/<component_id>/")
def known_issues_for_component(state: SiteState, component_id: str) -> Page:
    """The known-issues page filtered to one component: a static page each, so the filter needs no script."""
    found = state.components_by_id.get(component_id) or abort(404)
    return _known_issues(state, found.open_tickets, found)


@page_route("/known-issues/<int:ticket_id>/")
def ticket(state: SiteState, ticket_id: int) -> Page:
    found = state.tickets_by_id.get(ticket_id) or abort(404)
    incidents = [state.by_slug[slug] for slug in found.incidents]
    return Page("ticket.html", {"item": found, "incidents": incidents}, made_from=(found, incidents))


@page_route("/components/<component_id>/")
def component(state: SiteState, component_id: str) -> Page:
    found = state.components_by_id.get(component_id) or abort(404)
    # The newest of each: years of history stay on the history pages, the known issues on their own.
    variables = {
        "item": found,
        "incidents": found.incidents[:COMPONENT_PAGE_ITEMS],
        "maintenance": found.maintenance[:COMPONENT_PAGE_ITEMS],
        "open_tickets": found.open_tickets[:COMPONENT_PAGE_ITEMS],
    }
    return Page("component.html", variables)


@page_route("/history/", defaults={"page": 1})
@page_route("/history/page/<int:page>/")
def history(state: SiteState, page: int) -> Page:
    count = history_page_count(state)
    if page < 1 or page > count:
        abort(404)
    entries = state.history[(page - 1) * HISTORY_PAGE_SIZE : page * HISTORY_PAGE_SIZE]
    months = _months_on_page(state, entries)
    # An entry's kind and start are its item's: the items say it all, and their digests are known.
    around = tuple((month.month, month.newer, month.older) for month in months)
    made_from = (tuple(entry.item for entry in entries), page, count, around)
    return Page(
        "history.html", {"entries": entries, "months": months, "page": page, "page_count": count}, made_from=made_from
    )


@dataclass(frozen=True, slots=True)
class HistoryMonth:
    """The entries of one month on a page of the history, and where the months beside it start."""

    month: date  # its first day, in the site's zone
    entries: tuple[HistoryEntry, ...]
    newer: tuple[date, int] | None  # the next month with entries, and the history page it starts on
    older: tuple[date, int] | None  # the previous one

    @property
    def anchor(self) -> str:
        return month_anchor(self.month)


def month_anchor(month: date) -> str:
    return f"m-{month:%Y-%m}"


def _month_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date().replace(day=1)


def _months_on_page(state: SiteState, entries: tuple[HistoryEntry, ...]) -> list[HistoryMonth]:
    """A page's entries under their months (newest first), each knowing the months before and after it."""
    zone = state.site.config.timezone
    index = _month_index(state)
    grouped: dict[date, list[HistoryEntry]] = {}
    for entry in entries:
        grouped.setdefault(_month_of(entry.start, zone), []).append(entry)
    months = []
    for month, found in grouped.items():
        at = index.position[month]
        newer = index.months[at - 1] if at > 0 else None
        older = index.months[at + 1] if at + 1 < len(index.months) else None
        months.append(HistoryMonth(month, tuple(found), newer, older))
    return months


@dataclass(frozen=True, slots=True)
class _MonthIndex:
    months: list[tuple[date, int]]  # every month with entries, newest first, and the page it starts on
    position: dict[date, int]


def _month_index(state: SiteState) -> _MonthIndex:
    """Every month of the history and the page it starts on, made once per app."""
    index: _MonthIndex | None = current_app.extensions.get("statuspage_history_months")
    if index is None:
        zone = state.site.config.timezone
        months: list[tuple[date, int]] = []
        for number, entry in enumerate(state.history):
            month = _month_of(entry.start, zone)
            if not months or months[-1][0] != month:
                months.append((month, number // HISTORY_PAGE_SIZE + 1))
        index = _MonthIndex(months, {month: at for at, (month, _) in enumerate(months)})
        current_app.extensions["statuspage_history_months"] = index
    return index


# The self-assessment guide of SPEC §11: which channels fit which need, fastest first.
SEVERITY_GUIDE = (("urgent", ("chat", "phone")), ("minor", ("email",)), ("record", ("letter",)))


@page_route("/support/")
def support(state: SiteState) -> Page:
    """The site's support page (content/pages/support.md, or ours) around the channels and the severity guide.

    A channel missing from [support] is left out everywhere.
    """
    support = state.site.config.support
    configured = {"chat": support.chat_url, "email": support.email, "phone": support.phone, "letter": support.address}
    guide = [(need, [channel for channel in channels if configured[channel]]) for need, channels in SEVERITY_GUIDE]
    guide = [(need, channels) for need, channels in guide if channels]
    page = state.site.page("support") or bundled_support_page()  # a Site made without loading its pages
    return Page("support.html", {"guide": guide, "any_channel": any(configured.values()), "page": page})


@page_route("/<name>/")
def site_page(state: SiteState, name: str) -> Page:
    """One of the site's own pages (content/pages/<name>.md)."""
    found = state.site.page(name) if name != "support" else None
    return Page("page.html", {"page": found or abort(404)})


def navigation(state: SiteState, language: str) -> tuple[tuple[str, str], ...]:
    """The site's pages in the navigation, as (name, label) in ``language``: by ``order``, then by name.

    The support page keeps its own place (``support_label`` names it).  Every page shows the
    navigation, so a build keys every page with it (pipeline.py).
    """
    shown = sorted(
        (page for page in state.site.pages if page.in_nav and page.name != "support"), key=lambda p: p.sort_key
    )
    return tuple((page.name, _label(page.text(language))) for page in shown)


def support_label(state: SiteState, language: str) -> str:
    page = state.site.page("support") or bundled_support_page()
    return _label(page.text(language))


def _label(text: Any) -> str:
    return text.nav or text.title


@page_route("/subscribe/")
def subscribe(state: SiteState) -> Page:
    return Page("subscribe.html")


@page_route("/404.html")
def not_found(state: SiteState) -> Page:
    """Served by web servers for any missing path, at any depth: so its links must be absolute."""
    return Page("404.html", absolute_links=True)


# The pages of single items, by endpoint, and the kind of item each shows (as ``Digests.items`` names it).
ITEM_PAGE_KINDS = {
    "pages.incident": "incident",
    "pages.maintenance": "maintenance",
    "pages.ticket": "ticket",
    "pages.incident_markdown": "incident",  # the Markdown alternates (alternates.py)
    "pages.maintenance_markdown": "maintenance",
}


def item_pages(state: SiteState) -> list[tuple[str, str, list[Any]]]:
    """The pages of single items, most of a big site's: each endpoint, the name of its value, and every value."""
    incidents = [item.incident.slug for item in state.incidents]
    windows = [item.maintenance.slug for item in state.maintenance]
    return [
        ("pages.incident", "slug", incidents),
        ("pages.maintenance", "slug", windows),
        ("pages.ticket", "ticket_id", [item.ticket.id for item in state.tickets]),
        ("pages.incident_markdown", "slug", incidents),
        ("pages.maintenance_markdown", "slug", windows),
    ]


def page_urls(state: SiteState, *, items: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every page of the site, for the build: it must not depend on links being followed.

    ``items=False`` leaves out the pages of single items (``item_pages``).
    """
    yield "pages.index", {}
    yield "pages.index_markdown", {}
    yield "pages.known_issues", {}
    yield "pages.support", {}
    for site_page in state.site.pages:
        if site_page.name != "support":
            yield "pages.site_page", {"name": site_page.name}
    yield "pages.subscribe", {}
    yield "pages.not_found", {}
    if items:
        for endpoint, name, values in item_pages(state):
            for value in values:
                yield endpoint, {name: value}
    for component_state in state.components:
        yield "pages.component", {"component_id": component_state.component.id}
        yield "pages.known_issues_for_component", {"component_id": component_state.component.id}
    yield "pages.history", {"page": 1}
    for number in range(2, history_page_count(state) + 1):
        yield "pages.history", {"page": number}
