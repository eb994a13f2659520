"""Reading a whole site directory: config, content and tickets, then checking how they refer to each other."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from ..config import load_config
from ..errors import Collector, Problem
from ..model import Config, Incident, Maintenance, Provenance, Site, Ticket
from .cache import ParseCache, long_lived_objects
from .content import References, load_incidents, load_maintenance
from .digests import FileDigests
from .provenance import read_provenance
from .sitefiles import (
    MAX_STATIC_BYTES,
    MAX_TEMPLATE_BYTES,
    MAX_TREE_FILES,
    Refused,
    check_regular,
    site_root,
    walk_tree,
)
from .sitepages import load_pages
from .ticket_snapshot import tickets_source
from .tickets import TicketRows, load_tickets, reference_problems

Item = TypeVar("Item", Incident, Maintenance)


def load_site(
    root: Path,
    *,
    provenance: bool = False,
    cache: Path | None = None,
    jobs: int = 1,
    files: FileDigests | None = None,
    background: ExitStack | None = None,
) -> Site:
    """Read and validate the site at ``root``; raises ValidationError listing every problem found.

    Paths in messages are shown as the user named the site directory, so they can be opened as-is.
    With ``provenance``, incidents and maintenance also get their files' git history (if any).
    With a ``cache`` folder, items parsed by an earlier load are taken from there when their files
    or rows are unchanged (see sources/cache.py): the site and the messages are the same either way.
    ``jobs`` processes parse when many items must be parsed.  ``files`` are the digests the
    build's fingerprint took of the same files moments ago (see ``FileDigests.digest``).  With
    ``background``, another process may write the cache after a big load: ``background`` waits
    for it when it closes.
    """
    store = ParseCache.open(cache, files)
    problems = Collector()
    try:
        with long_lived_objects():
            site = _load(root, store, jobs, problems)
    finally:
        store.close(prune=not problems.problems, background=background if not problems.problems else None)
    problems.raise_if_any()
    assert site is not None
    if provenance:
        history = read_provenance(root)
        site = replace(
            site, incidents=_with_history(site.incidents, history), maintenance=_with_history(site.maintenance, history)
        )
    return site


def _with_history(items: tuple[Item, ...], history: Mapping[Path, Provenance]) -> tuple[Item, ...]:
    """Provenance is added to loaded items, never cached with them: a commit changes it, not the file."""
    if not history:  # outside git, or nothing committed yet
        return items
    folders: dict[str, Path] = {}  # each folder resolved once: resolving every file's path cost seconds

    def resolved(path: str) -> Path:
        if os.path.islink(path):
            return Path(path).resolve()
        folder, name = os.path.split(path)
        if folder not in folders:
            folders[folder] = Path(folder).resolve()
        return folders[folder] / name

    return tuple(item.with_provenance(history.get(resolved(item.origin.path))) for item in items)


def _load(root: Path, cache: ParseCache, jobs: int, problems: Collector) -> Site | None:
    """The site, or None when a problem was reported.

    Ticket rows are the public's: a bad one is left out (``Site.left_out``) and a link to a ticket
    that is not published is dropped (``Site.dropped_links``), so neither ever stops a build.
    """
    config = load_config(root, problems)
    if config is None:
        return None
    zone = config.timezone
    rows = TicketRows([], set(), set())
    source = tickets_source(config.tickets_db, config.tickets_snapshot)
    if source is not None and _database_file(source, problems):
        rows = load_tickets(source, str(source), zone, problems, cache, jobs)
    refs = References(components=frozenset(component.id for component in config.components))
    content = root / "content"
    incidents = load_incidents(content / "incidents", zone, refs, problems, cache, jobs)
    maintenance = load_maintenance(content / "maintenance", zone, refs, problems, cache, jobs)
    pages = load_pages(content / "pages", problems)
    _cross_check(incidents, maintenance, problems)
    check_theme_files(root, problems)
    left_out = list(rows.left_out)
    tickets = _referring_tickets(config, maintenance, rows.tickets, left_out)
    if problems.problems:
        problems.problems.extend(left_out)  # reported with the rest: ``check`` names every row
        return None
    published = {ticket.id for ticket in tickets}
    dropped: list[Problem] = []
    incidents = [_published_links(item, published, rows, dropped) for item in incidents]
    maintenance = [_published_links(item, published, rows, dropped) for item in maintenance]
    return Site(
        root=root,
        config=config,
        incidents=tuple(sorted(incidents, key=lambda i: (i.start, i.slug), reverse=True)),
        maintenance=tuple(sorted(maintenance, key=lambda m: (m.start, m.slug), reverse=True)),
        tickets=tuple(sorted(tickets, key=lambda t: t.id)),
        pages=pages,
        left_out=tuple(left_out),
        dropped_links=tuple(dropped),
        content_notes=(*(n for item in incidents for n in item.notes), *(n for m in maintenance for n in m.notes)),
    )


def _database_file(path: Path, problems: Collector) -> bool:
    """Whether the tickets database can be opened: it may live outside the site, but SQLite must not wait on a FIFO."""
    if path.is_dir():
        return True  # load_tickets says it is not found
    try:
        check_regular(str(path), None)
    except Refused as refusal:
        problems.add(str(path), None, str(refusal))
        return False
    except OSError:
        pass  # missing or unreadable: load_tickets says so in its words
    return True


def check_theme_files(root: Path, problems: Collector) -> None:
    """Every file under ``templates/`` and ``static/`` is read or published: each must be a regular file in the site."""
    inside = site_root(root)
    for folder, limit in (("templates", MAX_TEMPLATE_BYTES), ("static", MAX_STATIC_BYTES)):
        for path, message in walk_tree(str(root / folder), inside, limit, max_files=MAX_TREE_FILES).refused:
            problems.add(path, None, message)


def _cross_check(incidents: list[Incident], maintenance: list[Maintenance], problems: Collector) -> None:
    """References that need all content loaded: slugs shared by two kinds."""
    incident_slugs = {item.slug for item in incidents}
    for item in maintenance:
        if item.slug in incident_slugs:
            problems.add(item.origin.path, 1, f"duplicate slug {item.slug!r}: an incident has the same name")


def _referring_tickets(
    config: Config, maintenance: list[Maintenance], tickets: list[Ticket], left_out: list[Problem]
) -> list[Ticket]:
    """The tickets whose components and maintenance exist; the others are left out, and ``left_out`` says why."""
    component_ids = {component.id for component in config.components}
    maintenance_slugs = {item.slug for item in maintenance}
    kept = []
    for ticket in tickets:
        found = reference_problems(ticket.components, ticket.maintenance, component_ids, maintenance_slugs)
        left_out += [Problem(ticket.origin.path, None, message) for message in found]
        if not found:
            kept.append(ticket)
    return kept


def _published_links(item: Item, published: set[int], rows: TicketRows, dropped: list[Problem]) -> Item:
    """The item linking only published tickets; each link dropped is added to ``dropped``, saying why."""
    kept = tuple(ticket_id for ticket_id in item.tickets if ticket_id in published)
    if len(kept) == len(item.tickets):
        return item
    for ticket_id in item.tickets:
        if ticket_id in published:
            continue
        if ticket_id in rows.private_ids:
            why = f"ticket {ticket_id} is private"
        elif ticket_id in rows.public_ids:
            why = f"ticket {ticket_id} is left out (see its problems)"
        else:
            why = f"ticket {ticket_id} is not in the tickets database"
        dropped.append(Problem(item.origin.path, item.tickets_line, f"{why}; the link to it is left out"))
    return item.with_tickets(kept)
