"""When an item was published and last edited, as far as git knows, seen from ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Provenance


@dataclass(frozen=True)
class Publication:
    published: datetime  # the first commit of the item's file
    edited: datetime | None  # the last commit, when there is a later one and it is what is shown


def publication(provenance: Provenance | None, now: datetime) -> Publication | None:
    """Only commits up to ``now`` count, so a build "as of" a past time does not see later edits.

    With uncommitted changes the last commit is not the text on the page, so no edit time is
    claimed; a file never committed (by ``now``) has no publication at all.
    """
    if provenance is None:
        return None
    commits = [moment for moment in provenance.commits if moment <= now]
    if not commits:
        return None
    edited = commits[-1] if len(commits) > 1 and not provenance.uncommitted else None
    return Publication(commits[0], edited)
