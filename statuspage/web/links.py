"""Links between the files of the built site: relative from page to page, absolute where they travel.

Built pages link relatively, so the site works under any sub-path of ``base_url`` and straight
from disk; a link to a folder names its ``index.html``.  Feeds, calendars, JSON, the sitemap and
addresses people copy use absolute URLs under ``base_url``, in the app's language folder.

A page of a big site has dozens of links, so each target's path is built once per app (by
werkzeug's URL map) and only made relative per page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, url_for


def site_path(endpoint: str, **values: Any) -> str:
    """The target's path from the language root, like ``/incidents/<slug>/`` (built once per app)."""
    cache: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = current_app.extensions.setdefault(
        "statuspage_paths", {}
    )
    key = (endpoint, tuple(sorted(values.items())))
    path = cache.get(key)
    if path is None:
        adapter = current_app.extensions.get("statuspage_url_adapter")
        if adapter is None:
            adapter = current_app.extensions["statuspage_url_adapter"] = current_app.url_map.bind("localhost", "/")
        path = cache[key] = adapter.build(endpoint, values)
    return path


def page_path() -> str:
    """The path of the page being rendered: set by the build's renderer, else the live request's."""
    path = g.get("page_path")
    return path if path is not None else request.path


def relative_url(endpoint: str, **values: Any) -> str:
    """The target relative to the page being built (``../known-issues/index.html``)."""
    return relative_to(site_path(endpoint, **values), page_path())


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


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under base_url, in this app's language folder.

    Every language's app serves its pages from "/", so relative links stay right inside its
    folder; only absolute URLs need the folder added.
    """
    base = current_app.config["STATE"].site.config.base_url
    return base + current_app.config["LANGUAGE_PREFIX"] + site_path(endpoint, **values).removeprefix("/")


def template_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` in templates (a global, so imported macros use it too).

    Absolute on the 404 page (served at any path); relative to the page while building; Flask's
    own path for ``serve``, whose live server knows every page by its path.
    """
    if g.get("absolute_links"):
        return absolute_url(endpoint, **values)
    if g.get("page_path") is not None:
        return relative_url(endpoint, **values)
    return url_for(endpoint, **values)
