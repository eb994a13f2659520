"""What the desk needs from the site directory: the database's path, the time zone and what rows may name."""

from __future__ import annotations

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
