"""Putting a newly built tree in place of the output in one step, and the folders that takes beside it."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from .errors import StatuspageError
from .ownership import adopt, is_ours

_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths in one step (Linux)
_AT_FDCWD = -100


def link_tree(source: Path, target: Path) -> None:
    """A copy of ``source`` at ``target`` whose files are hard links: the same files, no bytes copied."""
    for folder, _, names in os.walk(source):
        relative = os.path.relpath(folder, source)
        destination = target / relative if relative != "." else target
        destination.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(os.path.join(folder, name), destination / name)


def temporary_sibling(out: Path) -> Path:
    """A fresh directory next to ``out`` (same filesystem, so the final rename is atomic), recorded as ours.

    Made by ``os.mkdir``, which honours the umask, unlike ``tempfile.mkdtemp`` (0700): it becomes
    the published tree, which a web server running as another user must read.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    while True:
        folder = out.parent / f".{out.name}.tmp-{secrets.token_hex(4)}"
        try:
            folder.mkdir()
            break
        except FileExistsError:
            continue
    try:
        adopt(out, folder)
    except BaseException:  # unrecorded, it would stay behind for good: no build removes what is not its own
        folder.rmdir()
        raise
    return folder.resolve()


def clean_leftovers(out: Path) -> None:
    """Remove temporary directories that an interrupted earlier build left beside ``out``; only those it made."""
    if not out.parent.is_dir():
        return
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for leftover in out.parent.glob(pattern):
            if is_ours(out, leftover):
                shutil.rmtree(leftover, ignore_errors=True)


def swap_into_place(built: Path, out: Path) -> None:
    """Make ``built`` the new ``out`` in one step where the OS allows it.

    ``built`` then holds the old output, if there was one.
    """
    if out.exists() and not out.is_dir():
        raise StatuspageError(f"{out}: exists and is not a directory")
    if not out.exists():
        os.rename(built, out)
        return
    if _exchange(built, out):
        return
    # Fallback without renameat2: two renames, with a moment in which ``out`` is missing.
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    os.rename(built, out)
    os.rename(old, built)


def _exchange(first: Path, second: Path) -> bool:
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0
