"""What a published tree was made from, and which pages of items a rebuild must look at again.

A big site's files are mostly pages of single items: ten thousand incidents have twenty
thousand pages.  A rebuild after one incident changed would compute every one of their keys
to find the two that changed.  So each build records, beside its files, its ``Basis``: each
language's global key (code, templates, config...) and the digest of every item's state.  The
next build compares: when only incidents changed, the pages that may have changed are those
that show a changed incident (``pages_showing_incidents``); every other page of an item is as
published, and is kept without a key.  Any other change (a ticket, a maintenance window, a
global key) and every page is keyed as usual.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, NamedTuple

from .state import SiteState
from .web.pages import ITEM_PAGE_KINDS, pages_showing_incidents

RECORD = "basis.pickle"  # beside the trees' records (trees.py), with the published files' token


class Basis(NamedTuple):
    keys: list[bytes]  # each renderer's (language's) global key
    items: dict[str, dict[Any, bytes]]  # kind → slug or id → digest of its state (``Digests.items``)


def load(folder: Path, token: str) -> Basis | None:
    """The basis recorded with the files whose record has ``token``; None when there is none, or another."""
    try:
        with open(folder / RECORD, "rb") as handle:
            recorded, basis = pickle.load(handle)  # noqa: S301 - our own record, beside the output
    except Exception:  # noqa: BLE001 - a damaged record, whatever the damage, is no record
        return None
    if recorded != token or not _well_formed(basis):
        return None
    return Basis(*basis)


def _well_formed(basis: object) -> bool:
    if not isinstance(basis, tuple) or len(basis) != len(Basis._fields):
        return False
    keys, items = basis
    return (
        isinstance(keys, list)
        and all(isinstance(key, bytes) for key in keys)
        and isinstance(items, dict)
        and set(items) == set(ITEM_PAGE_KINDS.values())
        and all(isinstance(digests, dict) for digests in items.values())
    )


def dump(basis: Basis, token: str) -> tuple[str, tuple[object, ...]]:
    """What ``load`` reads back: the basis with the token of its files' record (a plain tuple)."""
    return token, tuple(basis)


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
