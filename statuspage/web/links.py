"""Links between the files of the built site: relative from page to page, absolute where they travel.

Built pages link relatively, so the site works under any sub-path of ``base_url`` and straight
from disk; a link to a folder names its ``index.html``.  Feeds, calendars, JSON, the sitemap and
addresses people copy use absolute URLs under ``base_url``, in the app's language folder.

A page of a big site has dozens of links and the site has tens of thousands of pages, so each
target's path is built once per app (by werkzeug's URL map) and only made relative per page.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, g, request, url_for

_PLACEHOLDER = "\x00"
_PLAIN = re.compile(r"[A-Za-z0-9_-]+\Z")  # werkzeug leaves these as they are in a path


class Links:
    """One app's links; ``page`` is the path of the page the build is rendering (None for ``serve``)."""

    def __init__(self, app: Flask, base_url: str, prefix: str) -> None:
        self.adapter = app.url_map.bind("localhost", "/")
        self.base = base_url + prefix
        self.page: str | None = None
        self.absolute_links = False  # while building: the page links absolutely, the 404 page (set with ``page``)
        self._paths: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}
        self._patterns: dict[tuple[str, str], str | None] = {}
        self._from: tuple[str | None, str, str] = (None, "", "")  # see relative

    def path(self, endpoint: str, values: dict[str, Any]) -> str:
        """The target's path from the language root, like ``/incidents/<slug>/``."""
        if len(values) == 1:  # an item's page: tens of thousands, each built once
            ((name, value),) = values.items()
            pattern = self._patterns.get((endpoint, name))
            if pattern is not None and (
                (type(value) is int and value >= 0) or (type(value) is str and _PLAIN.match(value))
            ):
                return pattern.replace(_PLACEHOLDER, str(value))
        key = (endpoint, tuple(values.items()) if len(values) < 2 else tuple(sorted(values.items())))
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = self.adapter.build(endpoint, values)
            if len(values) == 1:
                (name,) = values
                if (endpoint, name) not in self._patterns:
                    self._patterns[endpoint, name] = self._pattern(endpoint, name)
        return found

    def _pattern(self, endpoint: str, name: str) -> str | None:
        """The endpoint's path with a placeholder for its one argument, when building it is just that.

        Only for a single rule without defaults (werkzeug picks among several by their values), and
        only for names and numbers that werkzeug would put in the path unquoted.
        """
        try:
            rules = list(self.adapter.map.iter_rules(endpoint))
        except KeyError:  # an endpoint without rules: ``build`` raises its own error
            return None
        if len(rules) != 1 or rules[0].defaults or set(rules[0].arguments) != {name}:
            return None
        try:
            built = self.adapter.build(endpoint, {name: 987654321})
        except Exception:  # noqa: BLE001 - a converter that refuses numbers: no shortcut
            return None
        return built.replace("987654321", _PLACEHOLDER) if built.count("987654321") == 1 else None

    def absolute(self, endpoint: str, values: dict[str, Any]) -> str:
        return self.base + self.path(endpoint, values)[1:]

    def template_url_for(self, endpoint: str, **values: Any) -> str:
        """``url_for`` in templates (a global, so imported macros use it too).

        Absolute on the 404 page (served at any path); relative to the page while building;
        Flask's own path for ``serve``, whose live server knows every page by its path.
        """
        if self.page is not None:  # building: no need to ask ``g`` (a dozen links a page, thousands of pages)
            if self.absolute_links:
                return self.absolute(endpoint, values)
            return self.relative(self.path(endpoint, values))
        if g.get("absolute_links"):
            return self.absolute(endpoint, values)
        return url_for(endpoint, **values)

    def relative(self, target: str) -> str:
        """``relative_to(target, self.page)``, the common case quicker.

        Most links of a page lead out of its top folder (a page in ``incidents/`` links to the
        front page, the lists, the feeds): the way there is up to the root, then the target's path.
        """
        page = self.page
        assert page is not None  # only while building
        seen, top, up = self._from
        if seen != page:
            folders = page.split("/")[1:-1]
            top, up = (f"/{folders[0]}/" if folders else ""), "../" * len(folders)
            self._from = page, top, up
        if top and target.startswith(top):
            return relative_to(target, page)
        return up + (target[1:] + "index.html" if target.endswith("/") else target[1:])


def links() -> Links:
    return current_app.extensions["statuspage_links"]


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under base_url, in this app's language folder.

    Every language's app serves its pages from "/", so relative links stay right inside its
    folder; only absolute URLs need the folder added.
    """
    return links().absolute(endpoint, values)


def page_path() -> str:
    """The path of the page being rendered: the build's, else the live request's."""
    page = links().page
    return page if page is not None else request.path


def relative_to(target: str, page: str) -> str:
    """``target`` seen from the folder of ``page`` (both root paths), as Frozen-Flask's relative URLs were.

    The same result as ``posixpath.relpath`` of the two normalised paths, in a fraction of its time.
    """
    if target.endswith("/"):
        target += "index.html"
    folder = page.split("/")[1:-1]  # "/incidents/x/" → ["incidents", "x"]; "/feeds/all.atom" → ["feeds"]
    parts = target.split("/")[1:]
    common = 0
    for mine, theirs in zip(folder, parts[:-1], strict=False):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(folder) - common) + parts[common:]) or "."
