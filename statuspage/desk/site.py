"""What the desk needs from the site directory: the database's path, the time zone and what rows may name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import load_config
from ..errors import Collector, StatuspageError
from ..sources.content import discover_slugs


@dataclass(frozen=True)
class Desk:
    """A site as the support desk sees it; rows are checked against its components and maintenance files."""

    db_path: Path
    shown: str  # the database path as the user named it, for messages
    zone: ZoneInfo
    component_ids: frozenset[str]
    maintenance_slugs: frozenset[str]

    def maintenance_slug(self, given: str) -> str | None:
        """The slug ``given`` names: itself, or the one file whose name is ``<date>-<given>``.

        ``statuspage new`` names files by date and title, and people remember the title's part;
        a tail that fits two files is refused with both, since guessing would link the wrong one.
        None when nothing fits (see ``closest_maintenance``).
        """
        if given in self.maintenance_slugs:
            return given
        fitting = sorted(slug for slug in self.maintenance_slugs if _tail(slug) == given)
        if len(fitting) > 1:
            raise StatuspageError(
                f"maintenance {given!r} matches {len(fitting)} files in content/maintenance: {', '.join(fitting)}; "
                "give the full slug"
            )
        return fitting[0] if fitting else None

    def closest_maintenance(self, given: str) -> list[str]:
        """Slugs that look like a misspelling of ``given`` (or of their tail), closest first."""
        names = {slug: slug for slug in self.maintenance_slugs}
        names.update({tail: slug for slug in self.maintenance_slugs if (tail := _tail(slug)) is not None})
        return list(dict.fromkeys(names[name] for name in difflib.get_close_matches(given, sorted(names), n=3)))


_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-(.+)$")


def _tail(slug: str) -> str | None:
    """``prihlasenie-zlyhava`` of ``2026-11-21-prihlasenie-zlyhava``; None for a slug without a date."""
    dated = _DATED.match(slug)
    return dated.group(1) if dated else None


def open_desk(site_dir: Path, db_option: Path | None = None) -> Desk:
    """Read ``statuspage.toml`` (it must be valid) and find the database: ``--db`` wins over ``[tickets] db``."""
    problems = Collector()
    config = load_config(site_dir, problems)
    problems.raise_if_any()
    assert config is not None
    db_path = db_option if db_option is not None else config.tickets_db
    if db_path is None:
        raise StatuspageError("no tickets database: set [tickets] db in statuspage.toml or pass --db")
    return Desk(
        db_path=db_path,
        shown=str(db_path),
        zone=config.timezone,
        component_ids=frozenset(component.id for component in config.components),
        maintenance_slugs=discover_slugs(site_dir / "content" / "maintenance"),
    )
