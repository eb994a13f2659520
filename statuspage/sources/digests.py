"""Digests of what a build reads: source files by content (re-read only when their stat changes), our code.

A file's digest is recorded with its size, mtime, ctime, inode and device, as git's index does:
while all five are unchanged the file holds the bytes it held, so it need not be read again.
That only holds for a stat taken well after the file's last change: a file written twice within
one clock tick keeps its stat, and ``os.utime`` can put an mtime back (never a ctime).  So an
entry whose mtime or ctime is less than ``SETTLE_NS`` older than the moment it was taken is
"racy" and never recorded; the file is read again each time until it has settled.

The record is a pickle, read and written at every build: for ten thousand files JSON took a
tenth of a second each way.  Like the parse cache beside it, it is trusted as our own.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
import zoneinfo
from datetime import tzinfo
from functools import cache
from importlib import metadata
from pathlib import Path
from stat import S_IFMT, S_ISREG

from ..atomic import write_atomically

PACKAGE = Path(__file__).resolve().parent.parent
# Libraries whose version can change what we parse or write: a new one is new output.
LIBRARIES = (
    "flask",
    "werkzeug",
    "jinja2",
    "babel",
    "feedgen",
    "markdown",
    "nh3",
    "icalendar",
    "markupsafe",
    "pyyaml",
    "python-dateutil",
    "tzdata",
)
RECORD = "digests.pickle"
SETTLE_NS = 2_000_000_000  # file systems with coarse timestamps tick every second or two
_FORMAT = 2

Stat = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device
Known = dict[str, tuple[Stat, bytes]]
Answers = tuple[dict[str, bytes | None], dict[str, tuple[Stat, bytes] | None]]  # see FileDigests.answers
# The records this process read or wrote, by path, with the stat they had: a build asks three
# times (fingerprint, load, fingerprint), and need not parse the same JSON each time.
_REMEMBERED: dict[Path, tuple[tuple[int, int, int], Known]] = {}


class FileDigests:
    """Content digests of files by path, kept in ``record`` (a JSON file) between processes.

    Without a record every file is read: the digests are right either way, only slower.
    """

    def __init__(self, record: Path | None = None) -> None:
        self.record = record
        self._known: Known = _load(record) if record is not None else {}
        self._asked: set[str] = set()
        self._answers: dict[str, bytes | None] = {}
        self._learned = False
        self._news: dict[str, tuple[Stat, bytes] | None] = {}  # learned here (None: forgotten), for ``adopt``

    @classmethod
    def in_folder(cls, folder: Path | None) -> FileDigests:
        """The record kept in a cache folder (shared by the fingerprint and the loaders), or none."""
        return cls(folder / RECORD if folder is not None else None)

    def digest(self, path: str | os.PathLike[str], *, again: bool = False) -> bytes | None:
        """The blake2b digest of the file's bytes; None when it does not exist.  Other OSErrors propagate.

        Each path is looked at once per instance: asked again, it gets the first answer, so one
        instance is a snapshot of the files (a build's fingerprint and its loaders share one, and
        a file saved meanwhile is caught by the build's second fingerprint).  ``again`` looks anew.
        """
        name = path if type(path) is str and path.startswith("/") else os.path.abspath(path)
        if not again and name in self._answers:
            return self._answers[name]
        self._asked.add(name)
        taken = time.time_ns()  # before the stat: a change after it cannot look settled
        try:
            info = os.stat(name)
        except FileNotFoundError:
            self._answers[name] = None
            return None
        stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        known = self._known.get(name)
        if known is not None and known[0] == stat:
            self._answers[name] = known[1]
            return known[1]
        try:
            digest = file_digest(name)
        except FileNotFoundError:
            self._answers[name] = None
            return None
        if max(info.st_mtime_ns, info.st_ctime_ns) < taken - SETTLE_NS:
            self._known[name] = self._news[name] = (stat, digest)
            self._learned = True
        elif self._known.pop(name, None) is not None:
            self._news[name] = None
            self._learned = True
        self._answers[name] = digest
        return digest

    def answers(self) -> Answers:
        """Every answer given so far, by absolute path, and what was learned: for ``adopt`` in another process."""
        return self._answers, self._news

    def adopt(self, answers: Answers) -> None:
        """Take another process's answers as this instance's own (its fingerprint's: see build/__init__.py).

        What it learned comes along, so this instance need not read those files again; it wrote
        the record itself.
        """
        given, news = answers
        if given is self._answers:  # its own (the fingerprint was taken in this process)
            return
        self._answers.update(given)
        self._asked.update(given)
        for name, entry in news.items():
            if entry is None:
                self._known.pop(name, None)
            else:
                self._known[name] = entry

    def save(self, *, prune: bool = False) -> None:
        """Write the record if it learned something; ``prune`` drops the files not asked about since it was read.

        Only a caller that asks about every file may prune (the fingerprint does); a failure to
        write costs nothing but reading the files again next time.
        """
        if prune:
            unasked = self._known.keys() - self._asked
            for name in unasked:
                del self._known[name]
            self._learned = self._learned or bool(unasked)
        if self.record is None or not self._learned:
            return
        body = {"format": _FORMAT, "files": self._known}
        try:
            write_atomically(self.record, pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL))
            self.record.with_name("digests.json").unlink(missing_ok=True)  # the JSON record this one replaced
            _REMEMBERED[self.record] = (_stamp(self.record), dict(self._known))
        except OSError:
            return
        self._learned = False


def _load(record: Path) -> Known:
    """The recorded digests; an unreadable or foreign record is no record."""
    try:
        stamp = _stamp(record)
        remembered = _REMEMBERED.get(record)
        if remembered is not None and remembered[0] == stamp:  # os.replace gives each version its own inode
            return dict(remembered[1])
        body = pickle.loads(record.read_bytes())  # noqa: S301 - our own record, beside the output
        if not isinstance(body, dict) or body.get("format") != _FORMAT or not isinstance(body.get("files"), dict):
            return {}
        known: Known = body["files"]
    except Exception:  # noqa: BLE001 - a damaged record, whatever the damage, is no record
        return {}
    _REMEMBERED[record] = (stamp, dict(known))
    return known


def _stamp(path: Path) -> tuple[int, int, int]:
    info = os.stat(path)
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def file_digest(path: str | os.PathLike[str]) -> bytes:
    """A file's blake2b digest, read in chunks (a tickets database can be large).

    Only a regular file is read: a FIFO or a device gets a digest of its kind instead, since
    reading it would wait or never end (the load refuses it with a message: sources/sitefiles.py).
    """
    mode = os.stat(path).st_mode  # a socket cannot even be opened
    if S_ISREG(mode):
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(descriptor, "rb") as handle:
            mode = os.fstat(descriptor).st_mode  # the file opened, whatever was renamed since the stat
            if S_ISREG(mode):
                return hashlib.file_digest(handle, "blake2b").digest()
    return hashlib.blake2b(f"not a regular file: {S_IFMT(mode)}".encode()).digest()


@cache
def library_versions() -> tuple[str, ...]:
    """``name==version`` of each library in LIBRARIES, once per process: its code is loaded once too."""
    return tuple(f"{library}=={_version(library)}" for library in LIBRARIES)


@cache
def code_digest() -> str:
    """Our Python code, the interpreter and the libraries: what turns the same sources into the same objects."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"{sys.implementation.cache_tag}\0{sys.version}\0".encode())
    for version in library_versions():
        digest.update(f"{version}\0".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_bytes()
        digest.update(f"{path.relative_to(PACKAGE).as_posix()}\0{len(source)}\0".encode())
        digest.update(source)
    return digest.hexdigest()


@cache
def zone_identity(zone: tzinfo) -> str:
    """A time zone's name and the digest of its rules: times without an offset are read in them."""
    key = str(getattr(zone, "key", None) or zone)
    for folder in zoneinfo.TZPATH:  # where ZoneInfo looks first
        path = os.path.join(folder, key)
        if os.path.isfile(path):
            return f"{key}:{file_digest(path).hex()}"
    return f"{key}:tzdata=={_version('tzdata')}"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "(none)"
