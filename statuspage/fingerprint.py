"""What a build's output depends on, as one hash: so a build with nothing changed writes nothing.

The fingerprint covers every input of ``build_site``: the site's config, content, templates and
static files and its tickets database (by content), our own code, templates and catalogs, the
versions of the libraries that shape the output, the resolved ``now``, the options, and (with
git provenance) the commit checked out.  When it equals the one recorded for the current output,
that output is exactly what a clean build would write, and the build stops there.

The record lives beside the output, in ``.<out>-cache/``, never inside it (the output is
published as-is).  Delete that folder to force a full build.  Given that folder, files are read
only when their stat changed (see sources/digests.py), so asking costs little when nothing did.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .atomic import write_atomically
from .clock import resolve_now
from .config import load_config
from .errors import Collector, StatuspageError
from .sources.digests import PACKAGE, FileDigests, library_versions
from .sources.provenance import _git
from .sources.sitefiles import site_root, walk_tree

SITE_FOLDERS = ("content", "templates", "static")
RECORD = "build.json"


def cache_dir(out: Path) -> Path:
    """Beside the output, like its lock file: ``site/build`` keeps its record in ``site/.build-cache/``."""
    return out.parent / f".{out.name}-cache"


def fingerprint(
    site_dir: Path,
    now_option: str | None,
    options: dict[str, object],
    cache: Path | None = None,
    files: FileDigests | None = None,
) -> tuple[str, datetime] | None:
    """One hash of everything the output depends on, and the ``now`` it was taken at.

    None when the config or ``--now`` cannot even be read: the build then reports the problems.
    With ``cache`` (the output's ``cache_dir``), the files' digests are kept there between calls.
    ``files`` takes the digests instead, to be shared with the loaders that follow.
    """
    config = load_config(site_dir, Collector())
    if config is None:
        return None
    try:
        now = resolve_now(now_option, config.timezone)
    except StatuspageError:
        return None
    digest = hashlib.blake2b(digest_size=32)

    def add(label: str, value: bytes) -> None:
        digest.update(f"{label}\0{len(value)}\0".encode())
        digest.update(value)

    files = files if files is not None else FileDigests.in_folder(cache)

    def add_file(label: str, path: str | Path) -> None:
        add(label, files.digest(path) or b"(none)")

    def add_tree(label: str, root: Path) -> None:
        if not root.is_dir():
            add(label, b"(none)")
            return
        tree = walk_tree(str(root), site_root(os.path.dirname(os.path.abspath(root))), skip=frozenset({"__pycache__"}))
        for name, path in tree.files:
            add_file(f"{label}/{name}", path)
        # Never read, but named: a FIFO or a link out of the site added after a good build must make
        # the next build load the site (and refuse it), not skip it as unchanged.
        for path, problem in tree.refused:
            add(f"{label}/refused", f"{path}\0{problem}".encode())

    add("now", now.isoformat().encode())
    add("options", json.dumps(options, sort_keys=True, default=str).encode())
    for version in library_versions():
        add("library", version.encode())
    add_tree("package", PACKAGE)
    site_dir = Path(os.path.abspath(site_dir))  # absolute paths: nothing to resolve per file
    add_file("config", site_dir / "statuspage.toml")
    for folder in SITE_FOLDERS:
        add_tree(folder, site_dir / folder)
    if config.tickets_db is not None:
        for suffix in ("", "-wal"):  # a database in WAL mode keeps recent writes beside the file
            add_file("tickets" + suffix, f"{config.tickets_db}{suffix}")
    if config.tickets_snapshot is not None:  # read where the database is missing
        add_file("tickets-snapshot", config.tickets_snapshot)
    if options.get("provenance"):
        add("git", (_git(site_dir, "rev-parse", "HEAD") or "").encode())
    files.save(prune=True)  # every file a build reads was asked about: forget the others
    return digest.hexdigest(), now


def recorded(out: Path) -> bool:
    return (cache_dir(out) / RECORD).is_file()


def unchanged(out: Path, key: str | None) -> int | None:
    """The number of files in ``out`` when it was built from exactly ``key``; None when it must be built."""
    if key is None or not out.is_dir():
        return None
    try:
        record = json.loads((cache_dir(out) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != key or record.get("folder") != _identity(out):
        return None
    return int(record["files"])


def remember(out: Path, key: str | None, files: int) -> None:
    """Record what ``out`` was just built from (written atomically; a missing record only costs a full build)."""
    folder = cache_dir(out)
    record = folder / RECORD
    if key is None:
        record.unlink(missing_ok=True)
        return
    body = {"fingerprint": key, "folder": _identity(out), "files": files}
    write_atomically(record, json.dumps(body).encode("utf-8"))


def forget(out: Path) -> None:
    """Drop the record before the output changes, so a crash can never leave a stale one behind."""
    (cache_dir(out) / RECORD).unlink(missing_ok=True)


def _identity(out: Path) -> list[int]:
    """The output folder as swapped in: a folder put or changed in its place has another inode or ctime."""
    status = out.stat()
    return [status.st_ino, status.st_ctime_ns]


def tree_files(root: Path) -> list[tuple[str, str]]:
    """(name relative to ``root``, path) of every regular file below it, by name.

    Symlinks are followed as Jinja's loader and ours follow them, but only while they stay inside
    the folder holding ``root`` (the site): what leads out, loops or is not a regular file is left
    out here, and refused by the load (sources/site.py), so asking never hangs or reads a device.
    """
    inside = site_root(os.path.dirname(os.path.abspath(root)))
    return walk_tree(str(root), inside, skip=frozenset({"__pycache__"})).files


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
