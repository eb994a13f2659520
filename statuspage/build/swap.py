"""Two trees and one swap: the spare tree a build brings up to date, and putting it in place of the output in one step.

The published folder must change in one step (a reader never sees half a build), and a big
site has tens of thousands of files, too many to write again when one incident changes.  So
the build keeps two trees beside each other: the published ``out`` and a spare one,
``.<out>.spare``, holding the build before it.  A build brings the spare up to date, file by
file (render.py), then swaps the two with one ``renameat2`` exchange; the old output becomes the
next spare.  A file is never changed in place, since its inode may be shared with the published
tree: it is removed and written anew.  Builds into one output are serialised by a lock beside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..errors import StatuspageError
from .ownership import adopt, is_ours, published_mode
from .record import Manifest, Tree

_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths in one step (Linux)
_AT_FDCWD = -100


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Serialise builds into the same output, so one never removes another's staging directory."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tree_to_update(out: Path, spare: Path, live: Tree | None, old: Tree | None) -> tuple[Path, Manifest]:
    """The tree to bring up to date, and what it holds now.

    The spare tree when it is known; else a copy of the published tree by hard links (the
    first rebuild after a clean build); else an empty folder.
    """
    if old is not None:  # known: the folder is still the one recorded
        published_mode(spare)
        return spare, dict(old["files"])
    if spare.exists() and is_ours(out, spare):  # else ``check_output`` refused the build
        shutil.rmtree(spare, ignore_errors=True)
    staging = temporary_sibling(out)
    if live is None:
        return staging, {}
    try:
        link_tree(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, dict(live["files"])


def remove_extra(staging: Path, have: Manifest, manifest: Manifest) -> list[str]:
    """Remove the files of the old tree that the new build does not have, and the folders they leave empty.

    Returns the files' paths, relative to the tree.
    """
    folders: set[Path] = set()
    extra = sorted(have.keys() - manifest.keys())
    for path in extra:
        target = staging / path
        with suppress(FileNotFoundError):
            target.unlink()
        folders.update(target.parents)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if staging in folder.parents:
            with suppress(OSError):
                folder.rmdir()  # only when empty
    return extra


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
