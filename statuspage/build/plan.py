"""Planning a build's files: every file of the site in shares for the workers, and which pages of items need keys.

Every file of the output has a key, a digest of what it is made from (web/render.py): a file
whose key is the one recorded for it is kept, one the published tree already has is hard-linked
from there, only the rest is rendered (render.py).  A big site's files are mostly pages of single
items: ten thousand incidents have twenty thousand pages, and a rebuild after one incident
changed would compute every one of their keys to find the two that changed.  So each build
records its ``Basis`` (record.py): each language's global key (code, templates, config...) and
the digest of every item's state.  The next build compares: when only incidents changed, the
pages that may have changed are those that show a changed incident (``pages_to_key``); every
other page of an item is as published, and is kept without a key.  Any other change (a ticket, a
maintenance window, a global key) and every page is keyed as usual.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from ..state import SiteState
from ..web.pages import pages_showing_incidents
from ..web.render import ITEM_PAGES, Renderer, unit_key
from .record import Basis
from .workers import WorkQueue

SHARE = 64  # files a worker takes at a time (more on a site too big for that many shares)
# A file to make: its renderer's index, its endpoint and its URL's values.
File = tuple[int, str, dict[str, Any]]


@dataclass(frozen=True)
class ItemPages:
    """A share of the pages of single items: these values' pages of one endpoint, in every language.

    Most of a big site's files: the parent names them by the slice of values, and the worker
    that takes the share makes their URLs, rather than the parent making every one of them.
    """

    endpoint: str
    name: str  # of the value in the URL
    values: list[Any]


Share = list[File] | ItemPages


def shares(renderers: list[Renderer]) -> list[Share]:
    """Every file of the site, in shares of about ``SHARE`` files for the workers to take one by one.

    A share never splits files made from the same data (``unit_key``: a feed's formats, a page's
    languages); the pages of single items go by item, each share holding some items' pages in every
    language (``ItemPages``).  The files that are not item pages come first: few, but the costliest
    to render, they are best started early.
    """
    units: dict[Hashable, list[File]] = {}
    find = units.get  # thousands of files: the loop is kept plain
    for number, renderer in enumerate(renderers):
        for endpoint, values in renderer.urls(items=False):
            key = unit_key(endpoint, values)
            unit = find(key)
            if unit is None:
                units[key] = [(number, endpoint, values)]
            else:
                unit.append((number, endpoint, values))
    ordered = sorted(units.values(), key=lambda unit: unit[0][1] in ITEM_PAGES)  # stable: site order otherwise
    items = renderers[0].item_pages() if renderers else []
    # Every share but the last of each kind holds at least ``size`` files: so there are at most LIMIT of them.
    files = sum(map(len, ordered)) + len(renderers) * sum(len(chosen) for _, _, chosen in items)
    size = max(SHARE, -(-files // (WorkQueue.LIMIT - 1 - len(items))))
    grouped: list[list[File]] = [[]]
    for unit in ordered:
        if len(grouped[-1]) >= size:
            grouped.append([])
        grouped[-1] += unit
    planned: list[Share] = [*grouped]
    per_share = -(-size // max(1, len(renderers)))  # values: each share holds their pages in every language
    for endpoint, name, chosen in items:
        planned += [ItemPages(endpoint, name, chosen[at : at + per_share]) for at in range(0, len(chosen), per_share)]
    return planned


def pages_to_key(recorded: Basis, current: Basis, state: SiteState) -> set[tuple[str, Any]] | None:
    """The pages of items whose keys a rebuild must compute, as ``(endpoint, value)``; None: all of them.

    Known when the global keys are those recorded and only incidents changed (added, removed or
    other), nothing else of the items: the pages that show a changed incident.  No page of an item
    shows a component (a test holds the views to that), so that components change with their
    incidents does not matter.
    """
    if recorded.keys != current.keys:
        return None
    if any(digests != recorded.items[kind] for kind, digests in current.items.items() if kind != "incident"):
        return None
    was, is_ = recorded.items["incident"], current.items["incident"]
    changed = [slug for slug, digest in is_.items() if was.get(slug) != digest]
    changed += [slug for slug in was.keys() - is_.keys()]  # removed: the tickets they listed changed too
    return pages_showing_incidents(state, changed)


def why_every_page_is_keyed(recorded: Basis | None, current: Basis) -> str:
    """Why ``pages_to_key`` gives None: the reason every page of an item is keyed, for ``--explain``."""
    if recorded is None:
        return "no record of what the published tree was made from"
    if recorded.keys != current.keys:
        return "what is in every key changed (code, templates, config, theme or navigation)"
    changed = sorted(
        kind for kind, digests in current.items.items() if kind != "incident" and digests != recorded.items[kind]
    )
    return f"not only incidents changed: {', '.join(changed)}"
