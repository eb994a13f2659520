"""What a build's output depends on, as one hash: so a build with nothing changed writes nothing.

The fingerprint covers every input of ``build_site``: the site's config, content, templates and
static files and its tickets database (by content), our own code, templates and catalogs, the
versions of the libraries that shape the output, the resolved ``now``, the options, and (with
git provenance) the commit checked out.  When it equals the one recorded for the current output,
that output is exactly what a clean build would write, and the build stops there.

The record lives beside the output, in ``.<out>-cache/``, never inside it (the output is
published as-is).  Delete that folder to force a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path

from .clock import resolve_now
from .config import load_config
from .errors import Collector, StatuspageError
from .sources.provenance import _git

PACKAGE = Path(__file__).resolve().parent
SITE_FOLDERS = ("content", "templates", "static")
LIBRARIES = ("flask", "frozen-flask", "werkzeug", "jinja2", "babel", "feedgen", "markdown", "nh3", "icalendar")
RECORD = "build.json"


def cache_dir(out: Path) -> Path:
    """Beside the output, like its lock file: ``site/build`` keeps its record in ``site/.build-cache/``."""
    return out.parent / f".{out.name}-cache"


def fingerprint(site_dir: Path, now_option: str | None, options: dict[str, object]) -> tuple[str, datetime] | None:
    """One hash of everything the output depends on, and the ``now`` it was taken at.

    None when the config or ``--now`` cannot even be read: the build then reports the problems.
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

    add("now", now.isoformat().encode())
    add("options", json.dumps(options, sort_keys=True, default=str).encode())
    for library in LIBRARIES:
        add("library", f"{library}=={_version(library)}".encode())
    _add_tree(add, "package", PACKAGE)
    add("config", _read(site_dir / "statuspage.toml"))
    for folder in SITE_FOLDERS:
        _add_tree(add, folder, site_dir / folder)
    if config.tickets_db is not None:
        for suffix in ("", "-wal"):  # a database in WAL mode keeps recent writes beside the file
            add("tickets" + suffix, _read(Path(f"{config.tickets_db}{suffix}")))
    if options.get("provenance"):
        add("git", (_git(site_dir, "rev-parse", "HEAD") or "").encode())
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
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{RECORD}.{os.getpid()}"
    body = {"fingerprint": key, "folder": _identity(out), "files": files}
    partial.write_text(json.dumps(body), encoding="utf-8")
    os.replace(partial, record)


def forget(out: Path) -> None:
    """Drop the record before the output changes, so a crash can never leave a stale one behind."""
    (cache_dir(out) / RECORD).unlink(missing_ok=True)


def _identity(out: Path) -> list[int]:
    """The output folder as swapped in: a folder put or changed in its place has another inode or ctime."""
    status = out.stat()
    return [status.st_ino, status.st_ctime_ns]


def _add_tree(add: Callable[[str, bytes], None], label: str, root: Path) -> None:
    if not root.is_dir():
        add(label, b"(none)")
        return
    found: list[tuple[str, str]] = []
    for folder, folders, names in os.walk(root, followlinks=True):  # as the freezer and the loaders follow them
        folders[:] = [name for name in folders if name != "__pycache__"]
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            found.append(((name if relative == "." else f"{relative}/{name}"), os.path.join(folder, name)))
    for name, path in sorted(found):
        with open(path, "rb") as handle:
            add(f"{label}/{name}", handle.read())


def _read(path: Path) -> bytes:
    """A file's blake2b digest (read in chunks: a tickets database can be large)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "blake2b").digest()
    except FileNotFoundError:
        return b"(none)"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "(none)"
