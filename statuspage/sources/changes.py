"""Noticing that a site's sources changed, cheaply enough to ask every few seconds.

A snapshot records the stat of every file a build reads (``statuspage.toml``, ``content/**``,
``templates/**``), the tickets database and, for git provenance, the repository's HEAD.  For the
database, stat alone can miss a commit (a WAL file rewritten to the same size within the same
clock tick), so it is combined with ``PRAGMA data_version``: that number changes whenever
*another* connection commits, which is why one long-lived read-only connection is kept to ask it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..config import CONFIG_NAME, load_config
from ..errors import Collector
from .provenance import git_dir
from .ticket_snapshot import is_snapshot, tickets_source

FileStamp = tuple[int, int, int]  # (mtime_ns, size, inode)
WATCHED_FOLDERS = ("content", "templates", "static")  # static: a theme's own files
DATABASE_SUFFIXES = ("", "-wal")  # the -shm file changes on every read, so it says nothing


@dataclass(frozen=True)
class Snapshot:
    """What the sources looked like at one moment; equal snapshots mean nothing to rebuild."""

    files: Mapping[str, FileStamp] = field(default_factory=dict)  # path relative to the site
    database: tuple[object, ...] | None = None  # (data_version, stats of the db and its WAL)
    head: tuple[FileStamp | None, ...] | None = None  # git HEAD and its reflog


def _stamp(path: Path) -> FileStamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _is_noise(name: str) -> bool:
    """Editors' swap and backup files (and hidden folders): never read by a build, so never a reason for one."""
    return name.startswith(".") or name.endswith("~")


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class ChangeDetector:
    """Takes snapshots of one site directory; safe to use from several threads."""

    def __init__(self, site_dir: Path, *, git: bool = False) -> None:
        self.root = site_dir
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._connected_to: tuple[Path, int] | None = None  # (path, inode) of the open database
        self._config_stamp: FileStamp | None = None
        self._database: Path | None = None
        self._git_dir = git_dir(site_dir) if git else None

    def snapshot(self) -> Snapshot:
        with self._lock:
            database = self._database_path()
            skip = _file_identity(database) if database is not None else None  # tracked on its own, below
            files: dict[str, FileStamp] = {}
            for relative, path in self._source_files():
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                # Not only regular files: a FIFO or a link to a folder is a change the build refuses.
                if (info.st_dev, info.st_ino) != skip:
                    files[relative] = (info.st_mtime_ns, info.st_size, info.st_ino)
            head = None
            if self._git_dir is not None:
                head = (_stamp(self._git_dir / "HEAD"), _stamp(self._git_dir / "logs" / "HEAD"))
            return Snapshot(files, self._database_state(database), head)

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    def __del__(self) -> None:
        # A detector dropped without close() (a preview app going away) must not leak its connection.
        connection = getattr(self, "_connection", None)
        if connection is not None:
            connection.close()

    def _source_files(self) -> Iterator[tuple[str, str]]:
        """(path relative to the site, path) of each file a build may read; symlinked folders are not entered.

        Plain ``os.walk``: asked every few seconds about ten thousand files, pathlib cost most of a second.
        """
        root = str(self.root)
        yield CONFIG_NAME, os.path.join(root, CONFIG_NAME)
        for folder in WATCHED_FOLDERS:
            for parent, folders, names in os.walk(os.path.join(root, folder)):
                folders[:] = [name for name in folders if not _is_noise(name)]
                relative = os.path.relpath(parent, root)
                for name in folders:  # a symlinked folder is not entered, but its coming and going is a change
                    if os.path.islink(os.path.join(parent, name)):
                        yield os.path.join(relative, name), os.path.join(parent, name)
                for name in names:
                    if not _is_noise(name) and not name.endswith(("-wal", "-shm", "-journal")):
                        yield os.path.join(relative, name), os.path.join(parent, name)

    def _database_path(self) -> Path | None:
        """The tickets database named in the config; re-read only when the config file changes."""
        stamp = _stamp(self.root / CONFIG_NAME)
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            config = load_config(self.root, Collector())
            self._database = tickets_source(config.tickets_db, config.tickets_snapshot) if config is not None else None
        return self._database

    def _database_state(self, database: Path | None) -> tuple[object, ...] | None:
        if database is None:
            self._disconnect()
            return None
        stamps = tuple(_stamp(Path(f"{database}{suffix}")) for suffix in DATABASE_SUFFIXES)
        # A snapshot is a plain file, its stamp tells; and SQLite would wait forever on a FIFO.
        if stamps[0] is None or is_snapshot(database) or not os.path.isfile(database):
            self._disconnect()
            return (None, *stamps)
        return (self._data_version(database, stamps[0][2]), *stamps)

    def _data_version(self, database: Path, inode: int) -> int | None:
        if self._connected_to != (database, inode):
            self._disconnect()  # a replaced file needs a new connection: the old one reads the old inode
            try:
                uri = database.resolve().as_uri() + "?mode=ro"
                self._connection = sqlite3.connect(uri, uri=True, timeout=1, check_same_thread=False)
                self._connection.execute("PRAGMA query_only = ON")
                self._connected_to = (database, inode)
            except sqlite3.Error:
                self._disconnect()
                return None
        assert self._connection is not None
        try:
            return int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self._disconnect()
            return None

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._connected_to = None


def describe_changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed between two snapshots, in words for a log line."""
    changes = []
    for name in sorted(set(before.files) | set(after.files)):
        if name not in before.files:
            changes.append(f"{name} added")
        elif name not in after.files:
            changes.append(f"{name} removed")
        elif before.files[name] != after.files[name]:
            changes.append(f"{name} changed")
    if before.database != after.database:
        changes.append("tickets database changed")
    if before.head != after.head:
        changes.append("git HEAD moved")
    return changes
