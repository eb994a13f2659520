"""What a build records beside its output, in ``.<out>-cache/``, for the next build to start from.

- ``build.json``: the fingerprint the published output was built from (fingerprint.py); when the
  next build's fingerprint is the same, it writes nothing.  Dropped before a tree is touched, so
  after a crash the output is simply built again.
- ``files-live.pickle`` and ``files-spare.pickle``: what each of the two trees holds (the
  published output and the spare one beside it, see swap.py): for every file its key and what of
  the state its template read; ``trees.pickle`` says which record describes which tree.  When the
  trees swap, the published tree's record is renamed to be the spare's, so a build writes only
  the record of the tree it made.
- ``basis.pickle``: what the published tree was made from (``Basis``), by which the next build
  tells which items changed (plan.py).
- ``explain.json``: what each phase of the last build decided, for ``statuspage build --explain``
  (``Explanation``).

A record that is missing, damaged or not its tree's own counts as none: that tree is built again.
Every record is replaced in one step (``write_atomically``).
"""

from __future__ import annotations

import json
import os
import pickle
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..atomic import write_atomically
from .fingerprint import Fingerprint
from .ownership import cache_dir, spare_dir

FINGERPRINT = "build.json"
TREES = "trees.pickle"  # which record of files describes each tree: small, written last
FILES = {"live": "files-live.pickle", "spare": "files-spare.pickle"}  # each tree's files, by path
BASIS = "basis.pickle"  # with the published files' token
EXPLAIN = "explain.json"
FORMAT = 3  # of the trees' record; another value means no record


# One file of a tree: its key, and what of ``state`` its template read when it was rendered.  A
# plain tuple: a big site's record holds tens of thousands, read at the start of every build.
Entry = tuple[bytes, tuple[str, ...]]
Manifest = dict[str, Entry]
# A tree's record: its files (``files``), the token of their record (``token``) and, for the
# published tree, what it was made from (``basis``).
Tree = dict[str, Any]
Recorded = tuple[tuple[int, int], str]  # in ``TREES``: a tree's identity and the token of its files' record


class Basis(NamedTuple):
    """What a published tree was made from: enough to tell, next time, which pages of items may have changed."""

    keys: list[bytes]  # each renderer's (language's) global key
    items: dict[str, dict[Any, bytes]]  # kind → slug or id → digest of its state (``Digests.items``)


def identity(folder: Path) -> tuple[int, int]:
    """A tree as a build left it: a folder put in its place, or with entries added or removed at its top,
    has another inode or ctime.  Deeper changes are not seen: the output is not to be edited by hand
    (a file removed from it is rendered again, one added is replaced, but one changed stays so).
    """
    status = folder.stat()
    return status.st_ino, status.st_ctime_ns


# The fingerprint's record: "unchanged?"


def recorded(out: Path) -> bool:
    return (cache_dir(out) / FINGERPRINT).is_file()


def unchanged(out: Path, key: str | None) -> int | None:
    """The number of files in ``out`` when it was built from exactly ``key``; None when it must be built."""
    if key is None or not out.is_dir():
        return None
    try:
        record = json.loads((cache_dir(out) / FINGERPRINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != key or record.get("folder") != list(identity(out)):
        return None
    return int(record["files"])


def why_changed(out: Path, taken: Fingerprint | None) -> list[str]:
    """Why an output whose fingerprint is not ``taken`` must be built: what differs from the recorded one."""
    if taken is None:
        return ["the config or --now could not be read"]
    if not out.is_dir():
        return ["there is no output yet"]
    try:
        record = json.loads((cache_dir(out) / FINGERPRINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["no record of what the output was built from (a first build, or the last one was not recorded)"]
    if record.get("folder") != list(identity(out)):
        return ["the output folder is not the one the last build left"]
    before = record.get("parts") if isinstance(record.get("parts"), dict) else {}
    changed = sorted(kind for kind in before.keys() | taken.parts.keys() if before.get(kind) != taken.parts.get(kind))
    return [f"changed: {', '.join(changed)}"] if changed else ["the sources differ from the last build's"]


def remember(out: Path, taken: Fingerprint | None, files: int) -> None:
    """Record what ``out`` was just built from (written atomically; a missing record only costs a full build)."""
    record = cache_dir(out) / FINGERPRINT
    if taken is None:
        record.unlink(missing_ok=True)
        return
    body = {"fingerprint": taken.key, "folder": list(identity(out)), "files": files, "parts": taken.parts}
    write_atomically(record, json.dumps(body).encode("utf-8"))


def forget(out: Path) -> None:
    """Drop the record before the output changes, so a crash can never leave a stale one behind."""
    (cache_dir(out) / FINGERPRINT).unlink(missing_ok=True)


# The trees' records: what each tree holds, and what the published one was made from.


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
    return {"token": token, "files": files, "basis": _load_basis(folder, token) if which == "live" else None}


def save_trees(out: Path, live: Recorded | None, spare: Recorded | None) -> None:
    """Record which record of files describes each tree; None for a tree to count as unknown."""
    _write(cache_dir(out) / TREES, {"format": FORMAT, "live": live, "spare": spare})


def save_files(out: Path, which: str, files: Manifest) -> str:
    """Write a tree's files' record; returns its token, by which ``TREES`` names it."""
    token = os.urandom(8).hex()
    _write(cache_dir(out) / FILES[which], (token, files))
    return token


def published_becomes_spare(out: Path) -> None:
    """The trees swapped: the published tree's record of files is now the spare's."""
    os.replace(cache_dir(out) / FILES["live"], cache_dir(out) / FILES["spare"])


def save_basis(out: Path, basis: Basis, token: str) -> None:
    """What the published tree, whose files' record has ``token``, was made from."""
    _write(cache_dir(out) / BASIS, (token, tuple(basis)))


def _load_basis(folder: Path, token: str) -> Basis | None:
    """The basis recorded with the files whose record has ``token``; None when there is none, or another."""
    try:
        with open(folder / BASIS, "rb") as handle:
            recorded, basis = pickle.load(handle)  # noqa: S301 - our own record, beside the output
    except Exception:  # noqa: BLE001 - a damaged record, whatever the damage, is no record
        return None
    if recorded != token or not _well_formed(basis):
        return None
    return Basis(*basis)


def _well_formed(basis: object) -> bool:
    from ..web.pages import ITEM_PAGE_KINDS  # read when the pages are planned, once their modules are loaded

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


def _write(path: Path, value: object) -> None:
    write_atomically(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


# What the last build decided, phase by phase: ``statuspage build --explain``.

Explanation = dict[str, Any]  # plain JSON: when, with how many jobs, and each phase's decisions


class Explaining:
    """What a build decided, phase by phase, as it goes; each phase with the seconds since the one before."""

    def __init__(self, jobs: int) -> None:
        self.started = time.monotonic()
        self._last = self.started
        self.explanation: Explanation = {
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "jobs": jobs,
            "phases": {},
        }

    def phase(self, name: str, **decided: Any) -> dict[str, Any]:
        """Note what phase ``name`` decided; returns its entry, to add what is known only later."""
        moment = time.monotonic()
        decided["seconds"] = round(moment - self._last, 3)
        self._last = moment
        self.explanation["phases"][name] = decided
        return decided

    def save(self, out: Path) -> None:
        self.explanation["seconds"] = round(time.monotonic() - self.started, 3)
        save_explanation(out, self.explanation)


def save_explanation(out: Path, explanation: Explanation) -> None:
    write_atomically(cache_dir(out) / EXPLAIN, json.dumps(explanation, indent=1, default=str).encode("utf-8"))


def load_explanation(out: Path) -> Explanation | None:
    try:
        explanation = json.loads((cache_dir(out) / EXPLAIN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return explanation if isinstance(explanation, dict) else None


def explain_lines(out: Path, explanation: Explanation) -> list[str]:
    """The last build's decisions as lines for the terminal: one per phase, then each kind of file's outcome."""
    phases = explanation.get("phases", {})
    jobs = explanation.get("jobs")
    lines = [
        f"The last build of {out}: {explanation.get('built')}, {jobs} {'job' if jobs == 1 else 'jobs'},"
        f" {explanation.get('seconds')} s"
    ]
    for name, decided in phases.items():
        decided = dict(decided)
        seconds = decided.pop("seconds", 0)
        per_kind = decided.pop("per kind", {})
        said = "; ".join(_said(key, value) for key, value in decided.items() if value not in (None, [], {}))
        lines.append(f"  {name:<11} {seconds:7.3f} s  {said}")
        for kind, outcomes in per_kind.items():
            lines.append(f"  {'':<11} {'':>9}    {kind}: {', '.join(f'{n} {what}' for what, n in outcomes.items())}")
    return lines


def _said(key: str, value: object) -> str:
    if key == "unchanged":
        return "unchanged: nothing written" if value else "changed: build"
    if isinstance(value, dict):
        return f"{key}: " + ", ".join(f"{n} {what}" for what, n in value.items())
    if isinstance(value, list):
        return f"{key}: " + ", ".join(map(str, value))
    return f"{key}: {value}"
