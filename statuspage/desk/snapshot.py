"""``statuspage tickets snapshot``: the desk's public tickets as a file that is safe to commit or ship.

Only public rows and only public columns are selected: private data cannot reach the snapshot
from a query that never asked for it.  A row the build would leave out (SPEC §6) is left out
here too, and named, so what CI publishes from the snapshot is what the server would publish
from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomically
from ..sources.ticket_snapshot import dump_snapshot
from ..sources.tickets import PUBLIC_COLUMNS, check_row
from .site import Desk
from .store import reading


@dataclass(frozen=True)
class SnapshotResult:
    """What was written, and the rows left out with the reasons the build would give."""

    path: Path
    written: int
    left_out: list[str]


def write_snapshot(desk: Desk, target: Path) -> SnapshotResult:
    """Read the public rows in one transaction and replace ``target`` with their snapshot in one step."""
    with reading(desk) as db:
        query = f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM tickets WHERE public = 1 ORDER BY id"  # noqa: S608
        rows = [dict(zip(PUBLIC_COLUMNS, values, strict=True)) for values in db.execute(query).fetchall()]
    kept, left_out = [], []
    for row in rows:
        checked = check_row(row, desk.zone)
        if checked.problems:
            left_out.append(f"ticket {row['id']}: {'; '.join(checked.problems)}")
        else:
            kept.append(row)
    write_atomically(target, dump_snapshot(kept).encode("utf-8"))
    return SnapshotResult(target, len(kept), left_out)
