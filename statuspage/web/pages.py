"""The HTML pages of SPEC §8, each a thin view over the derived state."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from ..i18n import AUTONYMS, language_prefix, site_languages
from ..state import REASON_ORDER, Phase, Reason, SiteState, TicketState

pages = Blueprint("pages", __name__)

HISTORY_PAGE_SIZE = 20
FRONT_PAGE_TICKETS = 5  # most severe open known issues listed on the front page
_SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under base_url, in this app's language folder.

    For feeds, calendars, JSON, the sitemap, addresses people copy, and the 404 page.  Every
    language's app serves its pages from "/", so relative links stay right inside its folder;
    only absolute URLs need the folder added.
    """
    url = url_for(endpoint, _external=True, **values)
    base = current_app.config["STATE"].site.config.base_url
    return base + current_app.config["LANGUAGE_PREFIX"] + url.removeprefix(base)


@pages.app_context_processor
def link_helpers() -> dict[str, Any]:
    helpers: dict[str, Any] = {"absolute_url": absolute_url}
    if g.get("absolute_links"):
        helpers["url_for"] = absolute_url
    return helpers


@pages.app_context_processor
def language_links() -> dict[str, Any]:
    """This page in every language: ``page_languages`` for the switch, ``alternates`` for hreflang.

    Each is a list of ``(language, autonym, href)``.  The switch links relatively, like every
    other link; on the 404 page (shown at any path) it links absolutely to each language's front
    page, and there are no alternates.  hreflang alternates are absolute, as search engines want.
    """
    config = current_app.config["STATE"].site.config
    prefix = current_app.config["LANGUAGE_PREFIX"]
    base = config.base_url
    if g.get("absolute_links"):
        switch = [(lang, AUTONYMS[lang], base + language_prefix(config, lang)) for lang in site_languages(config)]
        return {"page_languages": switch, "alternates": []}
    path = request.path.lstrip("/")
    page = path + "index.html" if path == "" or path.endswith("/") else path
    here = posixpath.dirname(prefix + page) or "."
    switch, alternates = [], []
    for lang in site_languages(config):
        there = language_prefix(config, lang) + page
        switch.append((lang, AUTONYMS[lang], posixpath.relpath(there, here)))
        alternates.append((lang, AUTONYMS[lang], base + language_prefix(config, lang) + path))
    return {"page_languages": switch, "alternates": alternates}


def _state() -> SiteState:
    return current_app.config["STATE"]


def history_page_count(state: SiteState) -> int:
    return max(1, -(-len(state.history) // HISTORY_PAGE_SIZE))


@pages.route("/")
def index() -> str:
    state = _state()
    open_tickets = sorted(
        state.open_tickets,
        key=lambda t: (
            _SEVERITY_RANK[t.ticket.severity.value],
            not t.overdue,
            -t.ticket.reported_at.timestamp(),
            t.ticket.id,
        ),
    )
    return render_template(
        "index.html",
        ongoing=state.ongoing_incidents,
        pinned=[s for s in state.incidents if s.pinned],
        in_progress=state.maintenance_in(Phase.IN_PROGRESS),
        upcoming=state.maintenance_in(Phase.UPCOMING),
        open_tickets=open_tickets[:FRONT_PAGE_TICKETS],
        open_ticket_count=len(open_tickets),
        groups=_groups(state),
    )


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


@pages.route("/incidents/<slug>/")
def incident(slug: str) -> str:
    state = _state()
    found = state.by_slug.get(slug) or abort(404)
    tickets = [state.tickets_by_id[t] for t in found.incident.tickets if t in state.tickets_by_id]
    return render_template("incident.html", item=found, tickets=tickets)


@pages.route("/maintenance/<slug>/")
def maintenance(slug: str) -> str:
    state = _state()
    found = state.maintenance_by_slug.get(slug) or abort(404)
    return render_template("maintenance.html", item=found, tickets=_tickets_by_window(state).get(slug, []))


def _tickets_by_window(state: SiteState) -> dict[str, list[TicketState]]:
    """Public tickets under each maintenance window they wait for, indexed once per app, in ticket order."""
    index = current_app.extensions.get("statuspage_tickets_by_window")
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


@pages.route("/known-issues/")
def known_issues() -> str:
    state = _state()
    return render_template("known_issues.html", groups=_reason_groups(state.open_tickets), component=None)


@pages.route("/known-issues/components/<component_id>/")
def known_issues_for_component(component_id: str) -> str:
    """The known-issues page filtered to one component: a static page each, so the filter needs no script."""
    found = _state().components_by_id.get(component_id) or abort(404)
    return render_template("known_issues.html", groups=_reason_groups(found.open_tickets), component=found)


@pages.route("/known-issues/<int:ticket_id>/")
def ticket(ticket_id: int) -> str:
    state = _state()
    found = state.tickets_by_id.get(ticket_id) or abort(404)
    incidents = [state.by_slug[slug] for slug in found.incidents]
    return render_template("ticket.html", item=found, incidents=incidents)


@pages.route("/components/<component_id>/")
def component(component_id: str) -> str:
    found = _state().components_by_id.get(component_id) or abort(404)
    return render_template("component.html", item=found)


@pages.route("/history/", defaults={"page": 1})
@pages.route("/history/page/<int:page>/")
def history(page: int) -> str:
    state = _state()
    count = history_page_count(state)
    if page < 1 or page > count:
        abort(404)
    entries = state.history[(page - 1) * HISTORY_PAGE_SIZE : page * HISTORY_PAGE_SIZE]
    return render_template("history.html", entries=entries, page=page, page_count=count)


# The self-assessment guide of SPEC §11: which channels fit which need, fastest first.
SEVERITY_GUIDE = (("urgent", ("chat", "phone")), ("minor", ("email",)), ("record", ("letter",)))


@pages.route("/support/")
def support() -> str:
    """Channels, the severity guide and the process; a channel missing from [support] is left out everywhere."""
    support = _state().site.config.support
    configured = {"chat": support.chat_url, "email": support.email, "phone": support.phone, "letter": support.address}
    guide = [(need, [channel for channel in channels if configured[channel]]) for need, channels in SEVERITY_GUIDE]
    guide = [(need, channels) for need, channels in guide if channels]
    return render_template("support.html", guide=guide, any_channel=any(configured.values()))


@pages.route("/subscribe/")
def subscribe() -> str:
    return render_template("subscribe.html")


@pages.route("/404.html")
def not_found() -> str:
    """Served by web servers for any missing path, at any depth: so its links must be absolute."""
    # The freezer requests every page inside one app context, so ``g`` outlives this request:
    # the flag must not leak into the pages frozen after this one, whose links are relative.
    g.absolute_links = True
    try:
        return render_template("404.html")
    finally:
        g.pop("absolute_links", None)


def page_urls(state: SiteState) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every page of the site, for the freezer: it must not depend on links being followed."""
    yield "pages.index", {}
    yield "pages.known_issues", {}
    yield "pages.support", {}
    yield "pages.subscribe", {}
    yield "pages.not_found", {}
    for incident_state in state.incidents:
        yield "pages.incident", {"slug": incident_state.slug}
    for maintenance_state in state.maintenance:
        yield "pages.maintenance", {"slug": maintenance_state.slug}
    for ticket_state in state.tickets:
        yield "pages.ticket", {"ticket_id": ticket_state.ticket.id}
    for component_state in state.components:
        yield "pages.component", {"component_id": component_state.component.id}
        yield "pages.known_issues_for_component", {"component_id": component_state.component.id}
    yield "pages.history", {"page": 1}
    for number in range(2, history_page_count(state) + 1):
        yield "pages.history", {"page": number}
