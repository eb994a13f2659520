"""The Flask app that renders the site: the build calls its views for every file (render.py), ``serve`` runs it live."""

from collections.abc import Iterator
from typing import Any

from ..state import SiteState
from .app import create_app
from .files import file_urls
from .pages import page_urls
from .theme import static_urls

__all__ = ["create_app", "site_urls", "translated_site_urls"]


def site_urls(state: SiteState, *, items: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every URL of the site: pages, then feeds, calendars, JSON and the other files, then the static files.

    ``items=False`` leaves out the pages of single items (see ``pages.item_pages``).
    """
    yield from page_urls(state, items=items)
    yield from file_urls(state)
    yield from static_urls(state)


ROOT_ONLY = {"pages.not_found", "files.sitemap", "files.robots", "files.headers"}  # one per site, at its root


def translated_site_urls(state: SiteState, *, items: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """What every other language gets under ``<lang>/``: everything but the root-only files."""
    yield from (url for url in site_urls(state, items=items) if url[0] not in ROOT_ONLY)
