"""Freezing the app into a directory beside the output, then swapping it in atomically.

The previous output stays complete until the instant of the swap; a failed or killed build
leaves only a temporary directory, which the next build removes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

from flask import Flask
from flask_frozen import Freezer, MissingURLGeneratorWarning

from .errors import StatuspageError

_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths in one step (Linux)
_AT_FDCWD = -100


def freeze(
    app: Flask,
    destination: Path,
    urls: Callable[[], Iterator[tuple[str, dict[str, Any]]]],
    part: tuple[int, int] = (0, 1),
) -> int:
    """Write the app's pages into ``destination``; returns the number of files written.

    ``part`` ``(k, n)`` writes every n-th URL from the k-th on: one worker's share (see ``in_workers``).
    The URL list names every file (it must not depend on links being followed), so the freezer
    need not log and re-visit the ``url_for`` calls of each page: that bookkeeping cost more
    than a tenth of a big build.
    """
    worker, workers = part
    app.config.update(FREEZER_DESTINATION=str(destination), FREEZER_REMOVE_EXTRA_FILES=False)
    freezer = Freezer(app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)

    def share() -> Iterator[tuple[str, dict[str, Any]]]:
        # Our own static files too (a theme's file of the same name replaces one), each URL once.
        seen: set[tuple[str, tuple[tuple[str, Any], ...]]] = set()
        index = 0
        for endpoint, values in chain(urls(), freezer.static_files_urls()):
            key = (endpoint, tuple(sorted(values.items())))
            if key in seen:
                continue
            seen.add(key)
            if index % workers == worker:
                yield endpoint, values
            index += 1

    freezer.register_generator(share)
    with warnings.catch_warnings():
        # A site with no maintenance (or no tickets) has nothing to freeze for those pages.
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        return len(freezer.freeze())


def temporary_sibling(out: Path) -> Path:
    """A fresh directory next to ``out`` (same filesystem, so the final rename is atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)).resolve()


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


def clean_leftovers(out: Path) -> None:
    """Remove temporary directories that an interrupted earlier build left beside ``out``."""
    if not out.parent.is_dir():
        return
    for leftover in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in out.parent.glob(f".{out.name}.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_into_place(built: Path, out: Path) -> None:
    """Make ``built`` the new ``out`` in one step where the OS allows it, then drop the old tree."""
    if out.exists() and not out.is_dir():
        raise StatuspageError(f"{out}: exists and is not a directory")
    if not out.exists():
        os.rename(built, out)
        return
    if _exchange(built, out):
        shutil.rmtree(built)  # ``built`` now holds the previous output
        return
    # Fallback without renameat2: two renames, with a moment in which ``out`` is missing.
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    os.rename(built, out)
    shutil.rmtree(old)


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
