"""Which folders a build may replace or remove: only the ones it made, as recorded beside the output.

A build replaces its output wholesale and removes the folders it leaves beside it, so it must
never take someone else's folder for its own: ``--out ~`` or a web root with other sites in it
would be emptied.  Every folder a build makes (the tree it fills, which the swap makes the
output, and the spare) is recorded in ``.<out>.folders.json`` beside the output, before anything
is written into it: by device and inode, and birth time where the filesystem keeps one.  These
are the folder's own: they survive the renames of a swap and a change of mode or contents, and a
copy of the output, or another folder put in its place, has others.  No file is added to the
published tree, and the record is kept out of the cache folder, which may be deleted to force a
full build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..errors import StatuspageError

SOURCES = ("content", "templates", "static", "statuspage.toml")

Identity = tuple[int, int, int]  # a folder's device, inode and birth time (``identity``)


def cache_dir(out: Path) -> Path:
    """Beside the output, like its lock file: ``site/build`` keeps its records in ``site/.build-cache/``."""
    return out.parent / f".{out.name}-cache"


def spare_dir(out: Path) -> Path:
    """The spare tree beside the output (swap.py)."""
    return out.parent / f".{out.name}.spare"


def current_umask() -> int:
    """The process's umask, read without setting it (``os.umask`` sets it: other threads would see the change).

    Folders are made by ``os.mkdir`` and files by ``open``, which apply the umask themselves; a
    file kept from an earlier build keeps the mode that build gave it, so a build under another
    umask writes every file anew, and the umask is part of the fingerprint.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def published_mode(folder: Path) -> None:
    """Give a tree's top folder the mode ``os.mkdir`` would; an earlier version made it 0700."""
    os.chmod(folder, 0o777 & ~current_umask())


def check_output(site_dir: Path, out: Path, given: Path | None = None, tickets_db: Path | None = None) -> None:
    """Refuse an output that is not missing, empty or ours, before anything is written beside or inside it.

    ``out`` is where the build writes (a symlink's target), ``given`` the path as the user spelt it.
    """
    shown = f"--out {given if given is not None else out}"
    if given is not None and given != out:
        shown += f" (a symlink to {out})"
    target = out.resolve()
    _refuse_sources(site_dir, tickets_db, target, shown)
    if ".git" in target.parts or os.path.lexists(target / ".git"):
        raise StatuspageError(f"{shown}: refusing to replace a git repository")
    if os.path.lexists(out) and not out.is_dir():
        raise StatuspageError(f"{shown}: refusing to replace a file that is not a folder")
    if out.is_dir() and any(out.iterdir()) and not is_ours(out, out):
        raise StatuspageError(
            f"{shown}: refusing to replace a folder that is neither empty nor a statuspage output"
            " (empty it, or choose another folder)"
        )
    spare = spare_dir(out)
    if os.path.lexists(spare) and not is_ours(out, spare):
        raise StatuspageError(
            f"{shown}: refusing to replace {spare}, which the build keeps beside the output but did not make"
            " (move it away)"
        )
    if _load(out) is None and out.is_dir() and any(out.iterdir()):  # recognised by an earlier version's records
        _save(out, {identity(folder) for folder in (out, spare) if folder.is_dir()})


def _refuse_sources(site_dir: Path, tickets_db: Path | None, target: Path, shown: str) -> None:
    """The output must never hold or sit inside the site's sources."""
    root = site_dir.resolve()
    sources = [root, *(root / name for name in SOURCES)]
    if tickets_db is not None:
        sources.append(tickets_db.resolve())
    for source in sources:
        holds_source = target == source or target in source.parents
        inside_source = source != root and source in target.parents
        if holds_source or inside_source:
            raise StatuspageError(f"{shown}: refusing to replace a directory that holds the site's sources")


def record_path(out: Path) -> Path:
    """Beside the output, like its lock: ``site/build`` is recorded in ``site/.build.folders.json``."""
    return out.parent / f".{out.name}.folders.json"


def identity(folder: Path) -> Identity:
    """The folder itself, whatever its name, mode or contents: its device, inode and (where known) birth time.

    The birth time tells a folder from a later one given the inode of a deleted output (ext4 reuses it at once).
    """
    status = folder.lstat()
    return status.st_dev, status.st_ino, _birth_time(folder)


def _birth_time(path: Path) -> int:
    """When ``path`` was made, in nanoseconds, by ``statx``; 0 where the system or the filesystem cannot tell."""
    if _statx is None:
        return 0
    buffer = ctypes.create_string_buffer(256)
    if _statx(_AT_FDCWD, os.fsencode(path), _AT_SYMLINK_NOFOLLOW, _STATX_BTIME, buffer) != 0:
        return 0
    (mask,) = struct.unpack_from("<I", buffer, 0)
    seconds, nanoseconds = struct.unpack_from("<qI", buffer, 80)  # stx_btime in struct statx
    return seconds * 1_000_000_000 + nanoseconds if mask & _STATX_BTIME else 0


def _find_statx() -> Any:
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name, use_errno=True), "statx", None) if name is not None else None


_AT_FDCWD, _AT_SYMLINK_NOFOLLOW, _STATX_BTIME = -100, 0x100, 0x800  # from <fcntl.h> and <linux/stat.h>
_statx = _find_statx() if sys.platform == "linux" else None


def is_ours(out: Path, folder: Path) -> bool:
    """``folder`` (the output, its spare or a leftover beside it) is one a build of ``out`` made."""
    try:
        status = folder.lstat()
    except OSError:
        return False
    recorded = _load(out)
    if recorded is not None:
        return identity(folder) in recorded
    return _recorded_before(out, status)


def adopt(out: Path, folder: Path) -> None:
    """Record ``folder``, just made and still empty, as one of the output's own (before anything is written in it)."""
    recorded = _load(out) or set()
    _save(out, recorded | {identity(folder)})


def settle(out: Path, *folders: Path) -> None:
    """After a build: the output's own folders are exactly those of ``folders`` that exist, made under this umask."""
    kept: set[Identity] = set()
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            kept.add(identity(folder))
    _save(out, kept, current_umask())


def recorded_umask(out: Path) -> int | None:
    """The umask the output's files were written under; None when not recorded."""
    umask = (_read(out) or {}).get("umask")
    return umask if isinstance(umask, int) else None


def _read(out: Path) -> dict[str, Any] | None:
    """The record as written; None when there is none, an empty one when it is damaged."""
    try:
        record = json.loads(record_path(out).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _load(out: Path) -> set[Identity] | None:
    """The recorded folders; None when there is no record (an output built before it, or none yet)."""
    record = _read(out)
    if record is None:
        return None
    try:
        return {(int(device), int(inode), int(birth)) for device, inode, birth in record["folders"]}
    except (KeyError, TypeError, ValueError):
        return set()  # a damaged record names nothing: the output is refused, never guessed


def _save(out: Path, folders: set[Identity], umask: int | None = None) -> None:
    """Write the record; ``umask`` None keeps the one recorded."""
    body = {"folders": sorted(list(folder) for folder in folders), "umask": umask}
    if umask is None:
        body["umask"] = recorded_umask(out)
    write_atomically(record_path(out), json.dumps(body).encode("utf-8"))


def _recorded_before(out: Path, status: os.stat_result) -> bool:
    """An output built before this record: the fingerprint's and the trees' records name it by inode and ctime.

    Those records change with every build, so they only say which folder the last build left,
    and only until the folder's ctime changes; from the next build on, our own record says it.
    """
    from .record import FINGERPRINT, TREES  # the records name the folders they describe

    folder = [status.st_ino, status.st_ctime_ns]
    folders: list[list[int]] = []
    try:
        folders.append(json.loads((cache_dir(out) / FINGERPRINT).read_text(encoding="utf-8"))["folder"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(cache_dir(out) / TREES, "rb") as handle:
            trees = pickle.load(handle)  # our own record, in our own cache folder
        folders += [list(trees[which][0]) for which in ("live", "spare") if trees.get(which)]
    except Exception:  # noqa: BLE001, S110 - a damaged record, whatever the damage, names nothing
        pass
    return folder in folders
