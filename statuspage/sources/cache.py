"""Parsed items kept between builds, so that a rebuild parses (and renders the Markdown of) only what changed.

One SQLite file in the cache folder maps a key, the digest of everything an item is made from
(its files' or row's bytes, the zone, the kind), to the pickled item.  Keys say nothing about
what an item may refer to, so the loaders check a cached item against the current references
before using it, and parse it again (reporting the problem) when it no longer fits.  Only items
that loaded without any problem are stored, so a load with the cache reports exactly what a load
without it reports.

Items are stored in buckets, by their kind and the first characters of their key: one pickle
of some forty items each on a big site.  Unpickling ten thousand items one pickle each spent
almost half its time on each pickle's own overhead (finding the classes again, a fresh memo); a
bucket pays it once.  A key's bucket never changes, so a rebuild after one edit writes two
buckets again: the old item's, without it, and the new one's.

The whole cache is dropped when our code, the interpreter or a library changes (``code_digest``),
and items that a successful load did not use are deleted, so it holds one site's items at most.
Any trouble with the file (corrupt, locked, unwritable) makes it a cache that remembers nothing:
never an error; a damaged bucket's items are missed and parsed again.
"""

from __future__ import annotations

import copyreg
import gc
import io
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..build.workers import WorkQueue, in_background, in_workers
from ..errors import Collector, Problem
from ..model import Translatable
from .digests import FileDigests, code_digest

CACHE_FILE = "parsed.sqlite"
PARALLEL_MIN = 200  # fewer misses than this parse faster than forking takes
PARSE_RUN = 50  # entries a parsing process takes at a time
WRITE_APART_MIN = 2000  # new items from which another process writes them (``close``)
OVERLAP_MIN = 2000  # entries from which a few misses are parsed in another process while the rest is read
BUCKET_CHARS = 2  # a bucket is named by this many of its keys' first characters: 256 buckets of hex keys
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Keyed(Protocol):
    """A parsed item: it knows the key of what it was parsed from."""

    @property
    def source_key(self) -> str: ...


E = TypeVar("E")
T = TypeVar("T", bound=Keyed)

# The items of this process's last successful load, by key.  A process that loads again (``watch``)
# takes the unchanged items from here instead of unpickling them: at ten thousand incidents that
# was a third of a second of every rebuild.  An item is taken only while its row is in the cache.
_LAST_LOAD: dict[str, Any] = {}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, keys TEXT NOT NULL, items BLOB NOT NULL);
"""
# A bucket: its keys, space-separated (read without unpickling), and the pickle of {key: item}.
_Stored = dict[str, tuple[list[str], bytes]]


def bucket_of(key: str) -> str:
    """A key's bucket: the kind its key names (``row:``, ``tickets:``; none for content files) and its first characters.

    Kinds are kept apart so that a load unpickles only what it takes: an unchanged tickets
    database is one item, and the buckets of its rows are then left alone.
    """
    kind, _, digest = key.rpartition(":")
    return f"{kind}:{digest[:BUCKET_CHARS]}"


class ParseCache:
    """Items by key, read in one query when opened and written back in one transaction by ``close``.

    ``hits`` counts the items taken from the cache and ``misses`` those parsed, so callers and
    tests can see what was parsed again.
    """

    def __init__(
        self, connection: sqlite3.Connection | None, stored: _Stored, files: FileDigests, path: Path | None = None
    ) -> None:
        self._connection = connection
        self._path = path  # of the connection's file: a process that writes apart opens its own (``close``)
        self._stored = stored
        self._bucket_of_key = {key: name for name, (keys, _) in stored.items() for key in keys}
        self._unpickled: dict[str, dict[str, Any]] = {}  # buckets unpickled so far, by name
        self._used: set[str] = set()
        self._new: dict[str, Any] = {}
        self._items: dict[str, Any] = {}  # the items of this load, by key: the next ``_LAST_LOAD``
        self.files = files  # the files' digests, by stat (the record the fingerprint keeps too)
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, folder: Path | None, files: FileDigests | None = None) -> ParseCache:
        """The cache kept in ``folder`` (made if missing); without a folder, or when unusable, an empty one.

        ``files`` are the digests a fingerprint just took of the same files, to look them up once.
        """
        if folder is None:
            return cls.disabled()
        files = files if files is not None else FileDigests.in_folder(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return cls(None, {}, files)
        path = folder / CACHE_FILE
        for _attempt in range(2):  # a damaged file is deleted and made again, once
            try:
                connection, stored = _connect(path)
            except sqlite3.Error as exc:
                if exc.sqlite_errorcode & 0xFF in _BUSY:  # another build is writing it: not damage
                    break
                _delete(path)
                continue
            except OSError:  # our own code could not be read to tell its version
                break
            return cls(connection, stored, files, path)
        return cls(None, {}, files)

    @classmethod
    def disabled(cls) -> ParseCache:
        """A cache that neither finds nor keeps anything: loading without a cache folder."""
        return cls(None, {}, FileDigests())

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    def file_digest(self, path: str | Path, *, again: bool = False) -> bytes | None:
        """The content digest of a file, from the stat record when the file is unchanged; None if unreadable.

        A file is looked at once per load (see ``FileDigests.digest``); ``again`` looks anew.
        """
        try:
            return self.files.digest(path, again=again)
        except OSError:
            return None

    def get_many(self, keys: Sequence[str | None]) -> list[Any]:
        """The item stored under each key, or None; an item of a bucket that cannot be unpickled counts as missing."""
        found: list[Any] = []
        for key in keys:
            name = self._bucket_of_key.get(key) if key is not None else None
            item = None
            if name is not None:
                self._used.add(key)  # type: ignore[arg-type]
                # A process that still remembers the item takes it, even from a damaged bucket.
                item = _LAST_LOAD.get(key)  # type: ignore[arg-type]
                if item is None:
                    item = self._bucket(name).get(key)  # type: ignore[arg-type]
                if item is not None:
                    self._items[key] = item  # type: ignore[index]
            found.append(item)
        return found

    def _bucket(self, name: str) -> dict[str, Any]:
        """A stored bucket's items by key, unpickled once; a damaged one holds none."""
        items = self._unpickled.get(name)
        if items is None:
            items = {}
            with suppress(Exception):
                loaded = pickle.loads(self._stored[name][1])  # noqa: S301 - our own cache, beside the output
                if isinstance(loaded, dict):
                    items = loaded
            self._unpickled[name] = items
        return items

    def holds(self, key: str | None) -> bool:
        """Whether an item is stored under ``key`` (usable or not, and even in a damaged bucket)."""
        return key is not None and key in self._bucket_of_key

    def put(self, key: str, item: object) -> None:
        """Keep ``item`` under ``key`` (written by ``close``)."""
        if self.enabled and key:
            self._used.add(key)
            self._new[key] = item
            self._items[key] = item

    def keep(self, keys: Iterable[str]) -> None:
        """Items this load relies on without reading them (tickets found as a whole): not to be pruned."""
        self._used.update(keys)

    def close(self, *, prune: bool, background: ExitStack | None = None) -> None:
        """Write the buckets with new items and, after a load that succeeded (``prune``), drop the unused ones.

        With ``background``, a big write (a first load: ten thousand items are most of a second of
        pickling) is made by a forked process while this one goes on, and waited for when
        ``background`` closes.
        """
        connection, self._connection = self._connection, None
        self.files.save()
        if connection is None:
            return
        if prune:
            _LAST_LOAD.clear()
            _LAST_LOAD.update(self._items)
        unused = self._bucket_of_key.keys() - self._used if prune else set()
        new: dict[str, dict[str, Any]] = {}  # bucket → its new items
        for key, item in self._new.items():
            new.setdefault(bucket_of(key), {})[key] = item
        changed = new.keys() | {self._bucket_of_key[key] for key in unused}

        def write(connect: Callable[[], sqlite3.Connection]) -> None:
            try:
                connection = connect()
                try:
                    if changed:
                        with _transaction(connection):
                            for name in sorted(changed):
                                self._write_bucket(connection, name, unused, new.get(name, {}))
                finally:
                    connection.close()
            except sqlite3.Error:
                pass  # locked by another build, removed, or the disk is full: the next load parses again

        path = self._path
        if background is None or path is None or len(self._new) < WRITE_APART_MIN:
            write(lambda: connection)
            return
        connection.close()  # a connection is not to be shared with a forked process: it opens its own
        background.enter_context(_done_apart(lambda: write(partial(_open, path))))

    def _write_bucket(self, connection: sqlite3.Connection, name: str, unused: set[str], new: dict[str, Any]) -> None:
        """A bucket as it is now: its stored items but the unused ones, and its new items.

        Stored items this load took are written from memory; the bucket is unpickled only for
        those it did not take (kept rows, or any after a failed load).
        """
        kept = [key for key in self._stored.get(name, ([], b""))[0] if key not in unused]
        items: dict[str, Any] = {}
        for key in kept:
            item = self._items.get(key)
            if item is None:
                item = self._bucket(name).get(key)
            if item is not None:  # else lost with a damaged bucket: parsed again next time
                items[key] = item
        items.update(new)
        for key, item in self._written_since(connection, name).items():
            if key not in items and key not in unused:
                items[key] = item
        if not items:
            connection.execute("DELETE FROM buckets WHERE name = ?", (name,))
            return
        connection.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)", (name, " ".join(items), _packed(items)))

    def _written_since(self, connection: sqlite3.Connection, name: str) -> dict[str, Any]:
        """Items another build wrote to the bucket since this load read it (``watch`` and a ``build``, say).

        They are kept: a bucket is written whole, and would otherwise lose them.
        """
        row = connection.execute("SELECT keys FROM buckets WHERE name = ?", (name,)).fetchone()
        if row is None or row[0].split() == self._stored.get(name, ([], b""))[0]:
            return {}
        blob = connection.execute("SELECT items FROM buckets WHERE name = ?", (name,)).fetchone()[0]
        with suppress(Exception):
            theirs = pickle.loads(blob)  # noqa: S301 - our own cache, beside the output
            if isinstance(theirs, dict):
                return {key: item for key, item in theirs.items() if isinstance(key, str)}
        return {}


class _BucketPickler(pickle.Pickler):
    """Items whose kind packs its words (``PACKED``, see model.Translatable) keep them as one pickle inside the bucket.

    A load then unpickles of each item only what its state is derived from, and the words of the
    few items a rebuild shows when they are first used.  At ten thousand incidents that took
    two thirds off unpickling them.  Items parsed by a worker travel so too: their words are
    packed once, by the worker, and stored as they came.
    """

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Translatable) and obj.PACKED:
            return copyreg.__newobj__, (type(obj),), obj.packed_state()  # type: ignore[attr-defined]
        return NotImplemented


def _packed(value: object) -> bytes:
    """``value`` pickled, the words of its items packed (``_BucketPickler``)."""
    buffer = io.BytesIO()
    _BucketPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def load_all(
    entries: Sequence[E],
    keys: Sequence[str | None],
    parse: Callable[[E, Collector], T | None],
    usable: Callable[[T], bool],
    cache: ParseCache,
    problems: Collector,
    jobs: int = 1,
) -> list[T]:
    """Each entry's item, from the cache where its key is there and the item is ``usable``, else parsed.

    ``parse`` reports into the collector it is given and sets the item's ``source_key``; an item
    is stored under that key only when its entry had no problem.  Entries that fail are left out;
    the others keep their order, and problems are reported in entry order, as one serial parse does.
    """
    if not cache.enabled:
        found: list[Any] = [None] * len(entries)
        parsed = _parse(entries, range(len(entries)), parse, jobs)
    else:
        # Entries not stored at all (changed files) are parsed in a forked process while this one
        # unpickles the stored ones: parsing even one file first sets up Markdown (a tenth of a second).
        absent = [index for index, key in enumerate(keys) if not cache.holds(key)]
        if jobs > 1 and 0 < len(absent) < PARALLEL_MIN and len(entries) >= OVERLAP_MIN:
            with in_background(lambda: _parse(entries, absent, parse, 1, forked=True)) as parsed_elsewhere:
                found = cache.get_many(keys)
                parsed = parsed_elsewhere()
        else:
            found = cache.get_many(keys)
            parsed = _parse(entries, absent, parse, jobs)
        # Stored but lost with a damaged bucket, or unusable (referring to what is gone, reported then).
        done = set(absent)
        again = [index for index, item in enumerate(found) if not (usable(item) if item is not None else index in done)]
        if again:
            parsed = sorted([*parsed, *_parse(entries, again, parse, jobs)], key=lambda result: result[0])
    misses = len(parsed)
    cache.hits += len(entries) - misses
    cache.misses += misses
    for index, item, blob, reported in parsed:
        if blob is not None:
            item = pickle.loads(blob)  # noqa: S301 - pickled by our own worker process
        problems.problems.extend(reported)
        found[index] = item
        if item is not None and not reported:
            cache.put(item.source_key, item)
    return [item for item in found if item is not None]


# An entry's index, its item (parsed in this process) or the item's pickle (from a worker), its problems.
_Parsed = tuple[int, Any, bytes | None, list[Problem]]


def _parse(
    entries: Sequence[E], misses: Sequence[int], parse: Callable[[E, Collector], Any], jobs: int, forked: bool = False
) -> list[_Parsed]:
    """Parse the missed entries; many of them in ``jobs`` forked processes, a run of entries at a time each.

    ``forked``: this runs in a forked process, so every item travels back as bytes.  Runs are
    handed out as the processes ask (``WorkQueue``): the workers also pickle what they parsed, and
    with a fixed half each this process waited for them a third of a second at 10,000 incidents.
    """

    def parsed(indexes: Sequence[int], travels: bool) -> list[_Parsed]:
        done: list[_Parsed] = []
        for index in indexes:
            collected = Collector()
            item = parse(entries[index], collected)
            if travels and item is not None:  # the item travels as bytes
                done.append((index, None, _packed(item), collected.problems))
            else:
                done.append((index, item, None, collected.problems))
        return done

    if jobs <= 1 or len(misses) < PARALLEL_MIN:
        return parsed(misses, forked)
    size = max(PARSE_RUN, -(-len(misses) // WorkQueue.LIMIT))
    runs = [misses[at : at + size] for at in range(0, len(misses), size)]
    queue = WorkQueue(len(runs))
    try:
        parts = in_workers(lambda worker, _: [r for n in queue for r in parsed(runs[n], worker > 0 or forked)], jobs)
    finally:
        queue.close()
    return sorted((result for part in parts for result in part), key=lambda result: result[0])


def _open(path: Path) -> sqlite3.Connection:
    """A connection to the cache in autocommit mode, waiting briefly for another build's write."""
    return sqlite3.connect(path, timeout=2, isolation_level=None)


def _connect(path: Path) -> tuple[sqlite3.Connection, _Stored]:
    """Open (or make) the cache and read every bucket; emptied first when written by other code."""
    connection = _open(path)
    try:
        connection.execute("PRAGMA mmap_size = 1073741824")  # every row is read: mapped, not copied, pages
        connection.executescript(_SCHEMA)
        identity = code_digest()
        stored = connection.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
        if stored is None or stored[0] != identity:
            with _transaction(connection):
                connection.execute("DROP TABLE IF EXISTS items")  # one item a row, before buckets
                connection.execute("DELETE FROM buckets")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('code', ?)", (identity,))
            return connection, {}
        rows = connection.execute("SELECT name, keys, items FROM buckets")
        return connection, {name: (keys.split(), blob) for name, keys, blob in rows}
    except BaseException:
        connection.close()
        raise


@contextmanager
def _done_apart(task: Callable[[], None]) -> Iterator[None]:
    """``task`` run by a forked process from now on, and waited for at the end (run then, where forking is unsafe).

    Its failure is no error: by then the build's output is in place, and a cache that was not
    written only costs the next load the parsing.
    """
    with in_background(task) as done:
        yield
        with suppress(Exception):
            done()


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (the connection is in autocommit mode, so reads take no lock for long)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with suppress(sqlite3.Error):  # SQLite may have rolled back already
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _delete(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(OSError):
            Path(f"{path}{suffix}").unlink()


@contextmanager
def long_lived_objects() -> Iterator[None]:
    """Pause the garbage collector while loading, then move what was loaded to its oldest generation.

    Nearly every object a load makes lives as long as the site, so collecting meanwhile, and
    walking them again as each collection promotes them, is wasted work: a third of a warm load
    of ten thousand incidents.  Freezing and unfreezing promotes every tracked object in one step;
    a process that froze objects itself keeps them frozen, and the objects are left to age.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
