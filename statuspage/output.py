"""Writing the output: only the files whose key changed, into a spare copy of the site that is then swapped in.

The published folder must change in one step (a reader never sees half a build), and a big
site has tens of thousands of files, too many to write again when one incident changes.  So
the build keeps two trees beside each other: the published ``out`` and a spare one,
``.<out>.spare``, holding the build before it.  A build brings the spare up to date, file by
file, then swaps the two with one ``renameat2`` exchange; the old output becomes the next spare.

What each tree holds is recorded in ``.<out>-cache/trees.pickle``: for every file its key (see
``web/render.py``) and what of the state its template read.  A file whose key is unchanged is
kept; one the published tree already has is hard-linked from there; only the rest is rendered,
split between worker processes.  A file is never changed in place, since its inode may be
shared with the published tree: it is removed and written anew.  The record is dropped before
a tree is touched, so after a crash an unknown tree is simply built again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StatuspageError
from .fingerprint import cache_dir
from .web.render import Renderer
from .web.theme import template_errors
from .workers import in_workers

_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths in one step (Linux)
_AT_FDCWD = -100
TREES = "trees.pickle"
FORMAT = 1  # of the record; another value means no record


@dataclass(frozen=True)
class Entry:
    """One file of a tree: its key and what of ``state`` its template read when it was rendered."""

    key: bytes
    reads: tuple[str, ...]


Manifest = dict[str, Entry]


@dataclass(frozen=True)
class Output:
    """One file to have in the new tree: which renderer makes it, from which view and values."""

    renderer: int
    endpoint: str
    values: dict[str, Any]
    path: str


def spare_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def write_site(
    out: Path,
    renderers: list[Renderer],
    outputs: list[Output],
    jobs: int,
    site_root: Path,
    before_swap: Callable[[], None] = lambda: None,
) -> None:
    """Bring a tree up to date with ``outputs`` and swap it in as ``out``.

    The caller holds the output lock.  ``outputs`` lists every file of the new build;
    ``before_swap`` runs once the tree is complete, just before it is swapped in.
    """
    record = _load(out)
    live = record.get("live")
    spare = spare_dir(out)
    staging, have = _staging(out, spare, live, record.get("spare"))
    _save(out, {"live": live, "spare": None})  # the staging tree is about to change
    try:
        manifest, todo = _plan(renderers, outputs, have, live, staging, out)
        _remove_extra(staging, have, manifest)
        shares = in_workers(lambda worker, workers: _render(renderers, todo[worker::workers], staging, site_root), jobs)
        for written in shares:
            manifest.update(written)
        previous_is_known = live is not None
        before_swap()
        swap_into_place(staging, out)
    except BaseException:
        if staging != spare:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    # ``staging`` now holds the previous output (or nothing, on a first build): it becomes the spare.
    old: dict[str, Any] | None = None
    if staging.exists():
        if staging != spare:
            shutil.rmtree(spare, ignore_errors=True)
            if previous_is_known:
                os.rename(staging, spare)
            else:
                shutil.rmtree(staging, ignore_errors=True)
        if previous_is_known and spare.is_dir():
            old = {"identity": _identity(spare), "files": live["files"]}  # type: ignore[index]
    _save(out, {"live": {"identity": _identity(out), "files": manifest}, "spare": old})


def _staging(out: Path, spare: Path, live: dict[str, Any] | None, old: dict[str, Any] | None) -> tuple[Path, Manifest]:
    """The tree to bring up to date, and what it holds now.

    The spare tree when it is known; else a copy of the published tree by hard links (the
    first rebuild after a clean build); else an empty folder.
    """
    if old is not None and spare.is_dir() and old["identity"] == _identity(spare):
        return spare, dict(old["files"])
    if spare.exists():
        shutil.rmtree(spare, ignore_errors=True)
    staging = temporary_sibling(out)
    if live is None:
        return staging, {}
    _link_tree(out, staging)
    return staging, dict(live["files"])


def _plan(
    renderers: list[Renderer], outputs: list[Output], have: Manifest, live: dict[str, Any] | None, staging: Path, out: Path
) -> tuple[Manifest, list[Output]]:
    """Keep what is current, link what the published tree has, and list what must be rendered."""
    published: Manifest = live["files"] if live is not None else {}
    manifest: Manifest = {}
    todo: list[Output] = []
    made: set[str] = set()
    if not have and not published:  # a first build: everything is rendered, no key is needed yet
        return manifest, list(outputs)
    for index, renderer in enumerate(renderers):
        with renderer:
            for output in (output for output in outputs if output.renderer == index):
                keys: dict[tuple[str, ...], bytes] = {}

                def key(reads: tuple[str, ...], output: Output = output, keys: dict = keys) -> bytes:  # type: ignore[type-arg]
                    if reads not in keys:
                        keys[reads] = renderer.key(output.endpoint, output.values, reads)
                    return keys[reads]

                mine = have.get(output.path)
                if mine is not None and mine.key == key(mine.reads):
                    manifest[output.path] = mine
                    continue
                theirs = published.get(output.path)
                if theirs is not None and theirs.key == key(theirs.reads):
                    target = staging / output.path
                    _make_parent(target, made)
                    with suppress(FileNotFoundError):
                        target.unlink()
                    os.link(out / output.path, target)
                    manifest[output.path] = theirs
                    continue
                todo.append(output)
    return manifest, todo


def _render(renderers: list[Renderer], share: list[Output], staging: Path, site_root: Path) -> Manifest:
    """Render and write one worker's share; returns the entries of the files it wrote."""
    written: Manifest = {}
    made: set[str] = set()
    by_renderer: dict[int, list[Output]] = {}
    for output in share:
        by_renderer.setdefault(output.renderer, []).append(output)
    for index, outputs in by_renderer.items():
        renderer = renderers[index]
        with renderer, template_errors(renderer.app, site_root):
            for output in outputs:
                body, reads = renderer.render(output.endpoint, output.values)
                target = staging / output.path
                _make_parent(target, made)
                with suppress(FileNotFoundError):
                    target.unlink()  # never write into a file whose inode the published tree may share
                with open(target, "wb") as handle:
                    handle.write(body)
                written[output.path] = Entry(renderer.key(output.endpoint, output.values, reads), reads)
    return written


def _remove_extra(staging: Path, have: Manifest, manifest: Manifest) -> None:
    """Files of the old tree that the new build does not have, and the folders they leave empty."""
    folders: set[Path] = set()
    for path in have.keys() - manifest.keys():
        target = staging / path
        with suppress(FileNotFoundError):
            target.unlink()
        folders.update(target.parents)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if staging in folder.parents:
            with suppress(OSError):
                folder.rmdir()  # only when empty


def _make_parent(target: Path, made: set[str]) -> None:
    parent = str(target.parent)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)


def _link_tree(source: Path, target: Path) -> None:
    for folder, _, names in os.walk(source):
        relative = os.path.relpath(folder, source)
        destination = target / relative if relative != "." else target
        destination.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(os.path.join(folder, name), destination / name)


def _identity(folder: Path) -> tuple[int, int]:
    """A tree as this build left it: a folder put or changed in its place has another inode or ctime."""
    status = folder.stat()
    return status.st_ino, status.st_ctime_ns


def _load(out: Path) -> dict[str, Any]:
    """The record of both trees; a tree without a valid one counts as unknown."""
    try:
        with open(cache_dir(out) / TREES, "rb") as handle:
            record = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return {}
    live = record.get("live")
    if live is not None and not (out.is_dir() and live["identity"] == _identity(out)):
        record["live"] = None
    return record


def _save(out: Path, record: dict[str, Any]) -> None:
    folder = cache_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{TREES}.{os.getpid()}"
    with open(partial, "wb") as handle:
        pickle.dump({"format": FORMAT, **record}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, folder / TREES)


def forget_trees(out: Path) -> None:
    """Drop the record (``--out`` folder replaced by hand, or a full rebuild wanted)."""
    (cache_dir(out) / TREES).unlink(missing_ok=True)


def tree_files(out: Path) -> Iterator[str]:
    """The files the record says ``out`` holds (for tests and the build's summary)."""
    live = _load(out).get("live")
    yield from (live["files"] if live else {})


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
    """Make ``built`` the new ``out`` in one step where the OS allows it; ``built`` then holds the old output, if any."""
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
