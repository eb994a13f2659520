"""The Markdown alternates of the front page and of every incident and window (outputs/markdown.py).

They are pages like the others (keyed, rendered in every language, kept when their item did not
change), written beside the HTML as ``index.md``: ``/incidents/<slug>/index.md`` is the Markdown
of ``/incidents/<slug>/``.  The HTML pages link them with ``rel="alternate"``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app

from ..outputs.markdown import Writer
from ..state import IncidentState, MaintenanceState, Phase, SiteState
from .links import absolute_url
from .pages import Page, page_route, posted_updates

TEMPLATE = "alternate.md"


def writer(state: SiteState) -> Writer:
    """The app's Markdown writer: its language and absolute links."""
    found: Writer | None = current_app.extensions.get("statuspage_markdown")
    if found is None:
        found = Writer(state.site.config, current_app.config["LANGUAGE"], absolute_url)
        current_app.extensions["statuspage_markdown"] = found
    return found


@page_route("/index.md")
def index_markdown(state: SiteState) -> Page:
    shown: dict[str, Any] = {
        "ongoing": state.ongoing_incidents,
        "in_progress": state.maintenance_in(Phase.IN_PROGRESS),
        "upcoming": state.maintenance_in(Phase.UPCOMING),
        "open_ticket_count": len(state.open_tickets),
        "recent": state.recent,
    }
    # Besides those: the clock, the overall status and each component's status and uptime.
    components = tuple((c.component, c.status, c.uptime) for c in state.components)
    made_from = (state.now, state.indicator, components, *shown.values())
    return Page(TEMPLATE, {}, made_from=made_from, later=lambda: {"markdown": writer(state).front_page(state, shown)})


@page_route("/incidents/<slug>/index.md")
def incident_markdown(state: SiteState, slug: str) -> Page:
    found: IncidentState = state.by_slug.get(slug) or abort(404)
    return Page(
        TEMPLATE,
        {},
        made_from=(found,),
        later=lambda: {"markdown": writer(state).incident(found, posted_updates(state, found.incident))},
    )


@page_route("/maintenance/<slug>/index.md")
def maintenance_markdown(state: SiteState, slug: str) -> Page:
    found: MaintenanceState = state.maintenance_by_slug.get(slug) or abort(404)
    return Page(
        TEMPLATE,
        {},
        made_from=(found,),
        later=lambda: {"markdown": writer(state).maintenance(found, posted_updates(state, found.maintenance))},
    )
