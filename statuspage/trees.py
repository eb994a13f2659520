"""The records of the two trees a build keeps: the published output and the spare one beside it.

What each tree holds is recorded in ``.<out>-cache/``: for every file its key (see
``web/render.py``) and what of the state its template read, one record per tree, and in
``trees.pickle`` which record describes which tree.  When the trees swap, the published tree's
record is renamed to be the spare's, so a build writes only the record of the tree it made.
Beside it, ``basis.pickle`` holds what the published tree was made from (basis.py), by which
the next build tells which items changed.  A tree whose record is missing, damaged or not its
own counts as unknown, and is simply built again.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from . import basis as basis_record
from .atomic import write_atomically
from .fingerprint import cache_dir
from .ownership import spare_dir

TREES = "trees.pickle"  # which record of files describes each tree: small, written last
FILES = {"live": "files-live.pickle", "spare": "files-spare.pickle"}  # each tree's files, by path
FORMAT = 3  # of the record; another value means no record


# One file of a tree: its key, and what of ``state`` its template read when it was rendered.  A
# plain tuple: a big site's record holds tens of thousands, read at the start of every build.
Entry = tuple[bytes, tuple[str, ...]]
Manifest = dict[str, Entry]
# A tree's record: its files (``files``), the token of their record (``token``) and, for the
# published tree, what it was made from (``basis``, see basis.py).
Tree = dict[str, Any]
Recorded = tuple[tuple[int, int], str]  # in ``TREES``: a tree's identity and the token of its files' record


def identity(folder: Path) -> tuple[int, int]:
    """A tree as a build left it: a folder put in its place, or with entries added or removed at its top,
    has another inode or ctime.  Deeper changes are not seen: the output is not to be edited by hand
    (a file removed from it is rendered again, one added is replaced, but one changed stays so).
    """
    status = folder.stat()
    return status.st_ino, status.st_ctime_ns


def load_trees(out: Path) -> tuple[Tree | None, Tree | None]:
    """The published tree and the spare one, as recorded; a tree without a valid record counts as unknown."""
    folder = cache_dir(out)
    try:
        with open(folder / TREES, "rb") as handle:
            record = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a damaged record, whatever the damage, is no record
        return None, None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None, None
    return _tree(folder, "live", out, record.get("live")), _tree(folder, "spare", spare_dir(out), record.get("spare"))


def _tree(folder: Path, which: str, tree: Path, recorded: Recorded | None) -> Tree | None:
    """A tree's files as recorded: when it is still the folder a build left, and its files' record is the one named."""
    if recorded is None or not tree.is_dir() or identity(tree) != recorded[0]:
        return None
    try:
        with open(folder / FILES[which], "rb") as handle:
            token, files = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a damaged record, whatever the damage, is no record
        return None
    if token != recorded[1]:
        return None
    return {"token": token, "files": files, "basis": basis_record.load(folder, token) if which == "live" else None}


def save_trees(out: Path, live: Recorded | None, spare: Recorded | None) -> None:
    """Record which record of files describes each tree; None for a tree to count as unknown."""
    write_record(cache_dir(out) / TREES, {"format": FORMAT, "live": live, "spare": spare})


def save_files(out: Path, which: str, files: Manifest) -> str:
    """Write a tree's files' record; returns its token, by which ``TREES`` names it."""
    token = os.urandom(8).hex()
    write_record(cache_dir(out) / FILES[which], (token, files))
    return token


def published_becomes_spare(out: Path) -> None:
    """The trees swapped: the published tree's record of files is now the spare's."""
    os.replace(cache_dir(out) / FILES["live"], cache_dir(out) / FILES["spare"])


def write_record(path: Path, value: object) -> None:
    write_atomically(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
