"""Rendering the site's files for a build: every view called directly, with a key for each file.

``serve`` answers requests through Flask; a build needs every file of the site, tens of
thousands on a big one, so it calls the same views inside one app context instead of making a
request per file (which cost more than rendering the page itself).

Each file also gets a key: a digest of everything it is made from (see ``build/digest.py``).  For a
page that is the template's variables and whatever the templates read of the global ``state``,
which is recorded while the page renders; for the other files, the parts of the state their
view reads.  A file whose key is unchanged need not be rendered again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from flask import Flask, Response
from werkzeug.security import safe_join

from ..build.digest import DIGEST_SIZE, Digests, digest_bytes
from ..errors import StatuspageError
from ..outputs.calendar import clock_facts
from ..outputs.feeds import FEED_NAMES, known_issues_clock_facts
from ..sources.sitefiles import MAX_STATIC_BYTES, Refused, check_link, read_capped, site_root
from ..state import SiteState
from .files import feed_builder
from .links import Links
from .pages import ITEM_PAGE_KINDS, PAGE_VIEWS, history_page_count, item_pages, render_page
from .theme import THEME_STATIC, has_own_templates

EVERYTHING = ("*",)  # a file that may read anything of the state
Url = tuple[str, dict[str, Any]]


class RecordingState:
    """The ``state`` templates see: the real one, noting which of its attributes a page reads."""

    __slots__ = ("_recording_state", "_recorded")

    def __init__(self, state: SiteState) -> None:
        self._recording_state = state
        self._recorded: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self._recorded.add(name)
        return getattr(self._recording_state, name)

    def start(self) -> None:
        self._recorded = set()

    def reads(self) -> tuple[str, ...]:
        return tuple(sorted(self._recorded))


def file_path(url: str) -> str:
    """The file a URL path is written to, relative to its language folder.

    ``/incidents/x/`` → ``incidents/x/index.html``.
    """
    path = (unquote(url) if "%" in url else url).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


class Renderer:
    """One language's app, rendering file after file inside one app context."""

    def __init__(self, app: Flask, digests: Digests, global_key: bytes, urls: Callable[..., Iterator[Url]]) -> None:
        self.app = app
        self.state: SiteState = app.config["STATE"]
        self.prefix: str = app.config["LANGUAGE_PREFIX"]
        self.digests = digests
        self.global_key = global_key
        self.urls = urls  # every file of this language, as (endpoint, values); ``urls(items=False)``: but item pages
        self.links: Links = app.extensions["statuspage_links"]
        self.recording = RecordingState(self.state)
        app.jinja_env.globals["state"] = self.recording
        self.themed = has_own_templates(self.state.site.root)
        self._context = app.app_context()
        self._page_keys: dict[str, Any] = {}  # endpoint → the start of its pages' keys
        self._clock: dict[str, bytes] = {}  # see _clock_facts

    def __enter__(self) -> Renderer:
        self._context.push()
        return self

    def __exit__(self, *exc: object) -> None:
        self._context.pop()

    def item_pages(self) -> list[tuple[str, str, list[Any]]]:
        """The pages of single items (the same in every language): endpoint, the value's name, every value."""
        return item_pages(self.state)

    def path(self, endpoint: str, values: dict[str, Any]) -> str:
        """The output file of a URL, relative to the site's root folder."""
        return self.prefix + file_path(self.links.path(endpoint, values))

    def key(self, endpoint: str, values: dict[str, Any], reads: tuple[str, ...]) -> bytes:
        """The file's key, given what of ``state`` its templates read (recorded when it was last rendered)."""
        view = PAGE_VIEWS.get(endpoint)
        if view is None:
            read = [self.digests.part(name) for name in reads]
            inputs = self.digests.of(tuple(sorted(values.items())))
            return digest_bytes(self.global_key, endpoint, inputs, *self._file_parts(endpoint, values), b"|", *read)
        # A page: the digest of its endpoint, then digests only (all of one size, so they need no lengths).
        key = self._page_keys.get(endpoint)
        if key is None:
            start = digest_bytes(self.global_key, endpoint)
            key = self._page_keys[endpoint] = hashlib.blake2b(start, digest_size=DIGEST_SIZE)
        key = key.copy()

        def made_from() -> tuple[Any, ...]:
            return view(self.state, **values).key_inputs(self.themed)

        # These pages' inputs are the same in every language: digested for the first one only.
        if endpoint in SAME_IN_EVERY_LANGUAGE:
            key.update(self.digests.inputs(endpoint, values, made_from))
        else:
            key.update(self.digests.of(made_from()))
        for name in reads:
            key.update(self.digests.part(name))
        return key.digest()

    def render(self, endpoint: str, values: dict[str, Any]) -> tuple[bytes, tuple[str, ...]]:
        """The file's bytes, and what of ``state`` its templates read (a page's, or a themed sitemap's)."""
        view = PAGE_VIEWS.get(endpoint)
        self.links.page = self.links.path(endpoint, values)
        self.links.absolute_links = False
        if view is not None:
            self.recording.start()
            page = view(self.state, **values)
            self.links.absolute_links = page.absolute_links
            body = render_page(page)
            return body.encode("utf-8"), self.recording.reads()
        if endpoint == "static":
            return self._static(values["filename"]), ()
        self.recording.start()
        response = self.app.view_functions[endpoint](**values)
        assert isinstance(response, Response)  # every file view returns one
        return response.get_data(), self.recording.reads()  # a themed sitemap.xml may read the state

    def _static(self, filename: str) -> bytes:
        """A theme's file where it has one, else ours (as ``overlay_static`` serves them, symlinks too)."""
        root = self.state.site.root
        theirs = safe_join(str(root / THEME_STATIC), filename)
        if theirs is not None and os.path.isfile(theirs):
            # Checked by the load; checked again as it is read, so a file swapped meanwhile is never published.
            try:
                check_link(theirs, site_root(root))
                return read_capped(theirs, MAX_STATIC_BYTES)
            except Refused as refusal:
                raise StatuspageError(f"{theirs}: {refusal}") from None
        return (Path(self.app.static_folder or "") / filename).read_bytes()

    def _clock_facts(self, name: str, facts: Callable[[], object]) -> bytes:
        """The digest of what a whole-site file takes from the clock instead of ``now``, made once per renderer."""
        if name not in self._clock:
            self._clock[name] = self.digests.of(facts())
        return self._clock[name]

    def _file_parts(self, endpoint: str, values: dict[str, Any]) -> Iterator[bytes]:
        """What a non-page file is made from: the parts of the state its view reads."""
        parts = FILE_PARTS.get(endpoint, EVERYTHING)
        for name in parts(self.state, values) if callable(parts) else parts:
            yield self.digests.part(name)
        if endpoint == "files.component_calendar":  # the component's name, its windows and the clock's facts
            component = self.state.components_by_id[values["component_id"]]

            def calendar() -> tuple[object, ...]:
                return component.component, component.maintenance, clock_facts(self.state, component.maintenance)

            yield self.digests.inputs(endpoint, values, calendar)  # the same in every language
        if endpoint == "files.calendar":
            yield self._clock_facts("calendar", lambda: clock_facts(self.state, self.state.maintenance))
        if endpoint == "files.feed" and values.get("name") == "known-issues":
            yield self._clock_facts("known-issues", lambda: known_issues_clock_facts(self.state))
        elif endpoint == "files.feed" and values.get("name") in FEED_NAMES:  # the same for its RSS and Atom
            yield self._clock_facts(f"feed {values['name']}", lambda: feed_builder().clock_facts(values["name"], None))
        if endpoint == "files.component_feed":  # its items (not its status and uptime, which move with the clock)
            component_id = values["component_id"]
            component = self.state.components_by_id[component_id]
            yield self.digests.of((component.component, component.incidents, component.maintenance))
            yield self._clock_facts(f"feed all {component_id}", lambda: feed_builder().clock_facts("all", component_id))
        if endpoint == "files.headers":  # a rule for each of the site's own pages
            yield digest_bytes(*(page.name for page in self.state.site.pages))
        if endpoint == "files.sitemap":  # the list of pages: every item's and component's name
            state = self.state
            yield digest_bytes(
                # Slugs and numbers, so one line each: sixteen thousand of them in three parts.
                *("\n".join(map(str, values)) for _, _, values in item_pages(state)),
                "|",
                *(c.component.id for c in state.components),
                str(history_page_count(state)),
                "|",
                *(page.name for page in state.site.pages),
            )


# Pages of one item (or of one page of the history): many per site, each quick to key and render.
ITEM_PAGES = frozenset({*ITEM_PAGE_KINDS, "pages.history"})
# Pages whose views make them from the same things in every language (only what ``Page.later``
# adds to render them may differ): digested once for every language's key (``Digests.inputs``).
SAME_IN_EVERY_LANGUAGE = ITEM_PAGES | {"pages.component", "pages.known_issues", "pages.known_issues_for_component"}


def unit_key(endpoint: str, values: dict[str, Any]) -> Hashable:
    """Files made from the same data, in any language, get the same value: one worker then makes the data once.

    That is a feed's RSS and Atom, the API's files, and a page's versions in each language (whose
    keys digest the same state objects).
    """
    if endpoint == "files.api":
        return endpoint
    if "kind" in values:  # a feed in both formats
        return endpoint, values.get("name"), values.get("component_id")
    return endpoint, *values.values()  # one endpoint's URLs name their values in the same order


def _feed_parts(state: SiteState, values: dict[str, Any]) -> tuple[str, ...]:
    # Besides what each takes from the clock (``FeedBuilder.clock_facts``, ``known_issues_clock_facts``).
    return {
        "incidents": ("incidents",),
        "maintenance": ("maintenance",),
        "known-issues": ("tickets",),
        "updates": ("incidents", "maintenance"),
        "all": ("incidents", "maintenance", "tickets"),
    }.get(values.get("name", ""), EVERYTHING)


# Every non-page file and the parts of the state its view reads (besides config, language and
# code, which are in every key); a file not listed here depends on everything.
FILE_PARTS: dict[str, tuple[str, ...] | Callable[[SiteState, dict[str, Any]], tuple[str, ...]]] = {
    "files.feed": _feed_parts,
    "files.component_feed": ("tickets",),  # and the component's items and what its feed takes from the clock
    "files.calendar": ("maintenance",),  # and what it takes from the clock (clock_facts)
    "files.component_calendar": (),  # and the component's state and the clock's facts
    "files.known_issues_json": ("now", "tickets"),
    "files.badge": ("indicator",),
    "files.badge_json": ("indicator",),
    "files.component_badge": ("statuses",),
    "files.component_badge_json": ("statuses",),
    "files.status_txt": ("indicator", "statuses"),
    "files.sitemap": (),  # and the list of pages
    "files.robots": (),
    "files.llms_txt": (),  # the site's title, address and languages, which are in the config
    "files.headers": (),  # the site's languages, which are in the config, and its pages' names
    "static": (),  # the files themselves are in every key
}
