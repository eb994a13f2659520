"""What visitors read about one ticket, for ``tickets show``: the desk answers a caller with the site's words."""

from __future__ import annotations

import os
from pathlib import Path

from ..clock import resolve_now
from ..errors import StatuspageError
from ..explain import explanation
from ..sources.site import load_site
from ..sources.ticket_snapshot import tickets_source
from ..state import derive
from .rows import Row
from .site import Desk


def public_view(site_dir: Path, desk: Desk, row: Row, now_option: str | None) -> tuple[str, str]:
    """A label and what the site shows of the ticket: the "why still open" sentence, or why it is not shown.

    The sentence is made by ``explain.explanation`` from the site as a build would load it, so it
    is the one of the pages and ``api/known-issues.json``, in the site's language.
    """
    if row.get("public") != 1:
        return "on the site", "not published: the ticket is private"
    try:
        site = load_site(site_dir)
    except StatuspageError:
        return "on the site", "unknown: the site has problems (see statuspage check)"
    config = site.config
    source = tickets_source(config.tickets_db, config.tickets_snapshot)
    if source is None or not _same_file(source, desk.db_path):
        return "on the site", f"unknown: the site is built from {source}, not from {desk.shown}"
    ticket_id = row["id"]
    for problem in site.left_out:
        if problem.path.endswith(f": ticket {ticket_id}"):
            return "on the site", f"left out: {problem.message}"
    state = derive(site, resolve_now(now_option, config.timezone)).tickets_by_id.get(ticket_id)
    if state is None:
        return "on the site", "not published"
    return f"on the site ({config.language})", explanation(state, config, config.language)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
