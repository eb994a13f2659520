"""Routes for the non-HTML outputs; each has a real file extension, so the build writes it as-is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template

from ..explain import N_, component_status_label, indicator_label
from ..i18n import AUTONYMS, language_prefix, language_prefixes, site_languages, translations
from ..outputs.api import Api
from ..outputs.badge import COMPONENT_COLOR, INDICATOR_COLOR, badge_svg, endpoint_json
from ..outputs.calendar import render_calendar
from ..outputs.feeds import FEED_NAMES, FORMATS, MEDIA_TYPES, FeedBuilder, render_feed
from ..outputs.headers import HEADERS_FILE, headers_file
from ..outputs.markdown import Writer
from ..state import SiteState
from .links import absolute_url as absolute
from .pages import MARKDOWN_PAGES, page_urls

files = Blueprint("files", __name__)

API_FILES = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)
BADGE_LABEL = "status"
FEED_TITLES = {
    "all": N_("Everything"),
    "incidents": N_("Incidents"),
    "maintenance": N_("Maintenance"),
    "known-issues": N_("Known issues"),
    "updates": N_("All updates"),
}


def feed_title(name: str, language: str) -> str:
    return translations(language).gettext(FEED_TITLES[name])


def _state() -> SiteState:
    return current_app.config["STATE"]


def _json(data: object) -> Response:
    # Compact, as Statuspage serves it: Python's JSON encoder is many times slower when indenting.
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    return Response(body, mimetype="application/json")


def feed_builder() -> FeedBuilder:
    """The app's feed builder: one per app, so that every feed, and the build's keys, share what it found and made."""
    builder: FeedBuilder | None = current_app.extensions.get("statuspage_feeds")
    if builder is None:
        builder = current_app.extensions["statuspage_feeds"] = FeedBuilder(
            _state(), current_app.config["LANGUAGE"], absolute
        )
    return builder


def _feed(
    kind: str, entries_name: str, title: str, self_endpoint: str, component: str | None = None, **values: Any
) -> Response:
    if kind not in FORMATS:
        abort(404)
    state = _state()
    language = current_app.config["LANGUAGE"]
    body = render_feed(
        feed_builder().entries(entries_name, component),
        kind=kind,
        title=title,
        self_url=absolute(self_endpoint, kind=kind, **values),
        home_url=absolute("pages.index"),
        language=language,
        fallback_updated=state.now,
        hub=state.site.config.websub_hub,
    )
    return Response(body, mimetype=MEDIA_TYPES[kind])


@files.route("/feeds/<name>.<kind>")
def feed(name: str, kind: str) -> Response:
    if name not in FEED_NAMES:
        abort(404)
    language = current_app.config["LANGUAGE"]
    title = f"{_state().site.config.title_in(language)}: {feed_title(name, language)}"
    return _feed(kind, name, title, "files.feed", name=name)


@files.route("/feeds/components/<component_id>.<kind>")
def component_feed(component_id: str, kind: str) -> Response:
    state = _state()
    found = state.components_by_id.get(component_id) or abort(404)
    language = current_app.config["LANGUAGE"]
    title = f"{state.site.config.title_in(language)}: {found.component.name_in(language)}"
    return _feed(kind, "all", title, "files.component_feed", component_id, component_id=component_id)


@files.route("/calendar/maintenance.ics")
def calendar() -> Response:
    state = _state()
    language = current_app.config["LANGUAGE"]
    name = f"{state.site.config.title_in(language)}: {feed_title('maintenance', language)}"
    body = render_calendar(state, list(state.maintenance), name, absolute, language)
    return Response(body, mimetype="text/calendar")


@files.route("/calendar/components/<component_id>.ics")
def component_calendar(component_id: str) -> Response:
    state = _state()
    found = state.components_by_id.get(component_id) or abort(404)
    language = current_app.config["LANGUAGE"]
    name = f"{state.site.config.title_in(language)}: {found.component.name_in(language)}"
    body = render_calendar(state, list(found.maintenance), name, absolute, language)
    return Response(body, mimetype="text/calendar")


def _api() -> Api:
    """One Api per app: the files share their component and incident objects."""
    api = current_app.extensions.get("statuspage_api")
    if api is None:
        api = current_app.extensions["statuspage_api"] = Api(_state(), absolute, current_app.config["LANGUAGE"])
    return api


def _api_files() -> dict[str, Any]:
    """All Statuspage files at once, computed on the first request and kept for the others."""
    cache = current_app.extensions.setdefault("statuspage_api_files", {})
    if "files" not in cache:
        cache["files"] = _api().files()
    return cache["files"]


@files.route("/api/v2/<path:name>")
def api(name: str) -> Response:
    if name not in API_FILES:
        abort(404)
    return _json(_api_files()[name])


@files.route("/api/known-issues.json")
def known_issues_json() -> Response:
    return _json(_api().known_issues())


@files.route("/badge.svg")
def badge() -> Response:
    state = _state()
    message = indicator_label(state.indicator, current_app.config["LANGUAGE"])
    return Response(badge_svg(BADGE_LABEL, message, INDICATOR_COLOR[state.indicator]), mimetype="image/svg+xml")


@files.route("/api/badge.json")
def badge_json() -> Response:
    state = _state()
    message = indicator_label(state.indicator, current_app.config["LANGUAGE"])
    return _json(endpoint_json(BADGE_LABEL, message, INDICATOR_COLOR[state.indicator]))


@files.route("/badges/<component_id>.svg")
def component_badge(component_id: str) -> Response:
    state = _state()
    found = state.components_by_id.get(component_id) or abort(404)
    language = current_app.config["LANGUAGE"]
    message = component_status_label(found.status, language)
    svg = badge_svg(found.component.name_in(language), message, COMPONENT_COLOR[found.status])
    return Response(svg, mimetype="image/svg+xml")


@files.route("/api/badges/<component_id>.json")
def component_badge_json(component_id: str) -> Response:
    state = _state()
    found = state.components_by_id.get(component_id) or abort(404)
    language = current_app.config["LANGUAGE"]
    message = component_status_label(found.status, language)
    return _json(endpoint_json(found.component.name_in(language), message, COMPONENT_COLOR[found.status]))


@files.route("/status.txt")
def status_txt() -> Response:
    """One line for the whole site, then one per component: ``id: status``, for curl and grep."""
    state = _state()
    language = current_app.config["LANGUAGE"]
    lines = [f"status: {state.indicator.value} ({indicator_label(state.indicator, language)})"]
    for c in state.components:
        label = component_status_label(c.status, language)
        lines.append(f"{c.component.id}: {c.status.value} ({c.component.name_in(language)}: {label})")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@files.route("/sitemap.xml")
def sitemap() -> Response:
    state = _state()
    pages_here = [
        absolute(endpoint, **values)
        for endpoint, values in page_urls(state)
        if endpoint != "pages.not_found" and endpoint not in MARKDOWN_PAGES
    ]
    base = state.site.config.base_url
    locations = [
        base + prefix + location.removeprefix(base)
        for prefix in language_prefixes(state.site.config)
        for location in pages_here
    ]
    body = render_template("sitemap.xml", locations=locations)
    return Response(body, mimetype="application/xml")


@files.route("/llms.txt")
def llms_txt() -> Response:
    """The llmstxt.org index of this language's Markdown, API and feeds; it names every other language's own."""
    config = _state().site.config
    language = current_app.config["LANGUAGE"]
    others = [
        (AUTONYMS[other], config.base_url + language_prefix(config, other) + "llms.txt")
        for other in site_languages(config)
        if other != language
    ]
    return Response(Writer(config, language, absolute).llms_txt(others), mimetype="text/plain")


@files.route("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nSitemap: {absolute('files.sitemap')}\n"
    return Response(body, mimetype="text/plain")


@files.route(f"/{HEADERS_FILE}")
def headers() -> Response:
    """Netlify's and Cloudflare Pages' response headers for every language's files (outputs/headers.py)."""
    site = _state().site
    pages = [page.name for page in site.pages if page.name != "support"]
    return Response(headers_file(language_prefixes(site.config), pages), mimetype="text/plain")


def file_urls(state: SiteState) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every non-HTML file of the site, for the build."""
    for name in FEED_NAMES:
        for kind in FORMATS:
            yield "files.feed", {"name": name, "kind": kind}
    for component in state.components:
        for kind in FORMATS:
            yield "files.component_feed", {"component_id": component.component.id, "kind": kind}
        yield "files.component_calendar", {"component_id": component.component.id}
    yield "files.calendar", {}
    for component in state.components:
        yield "files.component_badge", {"component_id": component.component.id}
        yield "files.component_badge_json", {"component_id": component.component.id}
    for name in API_FILES:
        yield "files.api", {"name": name}
    for endpoint in ("known_issues_json", "badge", "badge_json", "status_txt", "llms_txt"):
        yield f"files.{endpoint}", {}
    for endpoint in ("sitemap", "robots", "headers"):
        yield f"files.{endpoint}", {}
