"""The parse cache and the stat-based fingerprint: faster, and never different from reading everything again."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, NOW, incident, maintenance, ticket

from statuspage.build.fingerprint import fingerprint
from statuspage.errors import ValidationError
from statuspage.model import Site
from statuspage.sources import cache as cache_module
from statuspage.sources import content, digests, tickets
from statuspage.sources.cache import CACHE_FILE, ParseCache
from statuspage.sources.digests import FileDigests
from statuspage.sources.site import load_site
from statuspage.state import derive

SiteFactory = Callable[..., Path]
TRANSLATION = "---\ntitle: Web outage\n---\nSomething broke.\n\n## 2026-11-20T09:30+01:00 identified\nFound.\n"
OPTIONS: dict[str, object] = {"provenance": False}


@pytest.fixture
def site(site_factory: SiteFactory) -> Path:
    """Incidents (one translated), maintenance, public and private tickets, and links between them."""
    root = site_factory(
        incidents=[
            incident(extra="tickets: [1]"),
            incident("older", date="2026-11-10T09:00:00+01:00", resolved="2026-11-10T12:00:00+01:00"),
        ],
        maintenance=[
            maintenance(),
            maintenance("later", start="2026-12-10T22:00:00+01:00", end="2026-12-11T01:00:00+01:00"),
        ],
        tickets=[ticket(1), ticket(2, maintenance="upgrade", description="**Bold** text."), ticket(3, public=0)],
        files={"content/incidents/outage.en.md": TRANSLATION},
    )
    return root


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: remembering no earlier load's items."""
    monkeypatch.setattr(cache_module, "_LAST_LOAD", {})


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[ParseCache]:
    """Every parse cache the loads open, to read its hit and miss counts afterwards."""
    caches: list[ParseCache] = []
    real_open = ParseCache.open.__func__  # type: ignore[attr-defined]

    def open_and_remember(cls: type[ParseCache], folder: Path | None, files: FileDigests | None = None) -> ParseCache:
        cache = real_open(cls, folder, files)
        caches.append(cache)
        return cache

    monkeypatch.setattr(ParseCache, "open", classmethod(open_and_remember))
    return caches


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown texts the loaders render: what was parsed again."""
    texts: list[str] = []
    for module in (content, tickets):
        real = module.render_markdown

        def counting(text: str, real: Callable[[str], object] = real) -> object:
            texts.append(text)
            return real(text)

        monkeypatch.setattr(module, "render_markdown", counting)
    return texts


def items(site: Site) -> list[object]:
    return [*site.incidents, *site.maintenance, *site.tickets]


def every_field(item: object) -> list[tuple[str, bytes]]:
    """Each of an item's fields pickled, compare=False ones too (a packed item's words unpacked first).

    Field by field: a packed item's words come from a pickle of their own, so they share no
    objects (a file's path) with the other fields, as a parsed item's do.
    """
    return [(field.name, pickle.dumps(getattr(item, field.name))) for field in dataclasses.fields(item)]  # type: ignore[arg-type]


def assert_same_site(cached: Site, clean: Site) -> None:
    """Equal, and field by field the same pickles, so nothing compare=False hides a difference."""
    assert cached == clean
    assert [every_field(item) for item in items(cached)] == [every_field(item) for item in items(clean)]
    assert [item.source_key for item in items(cached)] == [item.source_key for item in items(clean)]  # type: ignore[attr-defined]


def problems_of(root: Path, **options: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        load_site(root, **options)  # type: ignore[arg-type]
    return [str(problem) for problem in caught.value.problems]


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------ parse cache


def test_a_warm_load_equals_a_cold_one(site: Path, tmp_path: Path, opened: list[ParseCache]) -> None:
    clean = load_site(site)
    assert all(item.source_key for item in items(clean))  # type: ignore[attr-defined]
    filled = load_site(site, cache=tmp_path / "cache")
    warm = load_site(site, cache=tmp_path / "cache")
    assert opened[-1].misses == 0 and opened[-1].hits > 0
    assert_same_site(filled, clean)
    assert_same_site(warm, clean)
    assert warm.incidents[0].translations == clean.incidents[0].translations != {}


def test_editing_one_file_parses_only_that_file(
    site: Path, tmp_path: Path, opened: list[ParseCache], rendered: list[str]
) -> None:
    load_site(site, cache=tmp_path / "cache")
    path = site / "content" / "incidents" / "older.md"
    write(path, path.read_text(encoding="utf-8").replace("Something broke.", "Something else broke."))
    rendered.clear()
    again = load_site(site, cache=tmp_path / "cache")
    assert sorted(rendered) == ["Something else broke.\n", "We found it.\n"]  # its summary and its one update
    assert opened[-1].misses == 1
    assert_same_site(again, load_site(site))


def test_a_changed_ticket_row_is_the_only_one_checked_again(site: Path, tmp_path: Path, rendered: list[str]) -> None:
    load_site(site, cache=tmp_path / "cache")
    with sqlite3.connect(site / "content" / "tickets.db") as connection:
        connection.execute("UPDATE tickets SET description = 'Changed.' WHERE id = 2")
    connection.close()
    rendered.clear()
    again = load_site(site, cache=tmp_path / "cache")
    assert rendered == ["Changed."]
    assert_same_site(again, load_site(site))
    rendered.clear()
    load_site(site, cache=tmp_path / "cache")  # the database is unchanged now: nothing is checked again
    assert rendered == []


def test_a_cached_item_linking_a_ticket_made_private_loads_as_a_clean_load_does(
    site: Path, tmp_path: Path, opened: list[ParseCache]
) -> None:
    """The link is dropped after loading (SPEC §6), so the cached item is used, and the site is a clean load's."""
    load_site(site, cache=tmp_path / "cache")
    with sqlite3.connect(site / "content" / "tickets.db") as connection:
        connection.execute("UPDATE tickets SET public = 0 WHERE id = 1")
    connection.close()
    clean = load_site(site)
    assert any("ticket 1 is private; the link to it is left out" in problem.message for problem in clean.dropped_links)
    cached = load_site(site, cache=tmp_path / "cache")
    assert_same_site(cached, clean)
    assert cached.dropped_links == clean.dropped_links
    assert opened[-1].misses == 0  # nothing parsed again: a private row is not read, the content is cached
    with sqlite3.connect(site / "content" / "tickets.db") as connection:
        connection.execute("UPDATE tickets SET public = 1 WHERE id = 1")
    connection.close()
    restored = load_site(site, cache=tmp_path / "cache")
    assert opened[-1].misses == 1  # the row published again (the last load, which did not use it, pruned it)
    assert restored.dropped_links == ()
    assert_same_site(restored, load_site(site))


def test_a_cached_item_of_a_component_no_longer_configured_reports_what_a_clean_load_does(
    site: Path, tmp_path: Path
) -> None:
    load_site(site, cache=tmp_path / "cache")
    config = site / "statuspage.toml"
    write(config, DEFAULT_CONFIG.format(language="sk").replace('id = "web"', 'id = "www"'))
    expected = problems_of(site)
    assert any("unknown component 'web'" in line for line in expected)
    assert problems_of(site, cache=tmp_path / "cache") == expected
    assert problems_of(site, cache=tmp_path / "cache", jobs=2) == expected


def test_a_failed_load_keeps_and_adds_to_the_cache(site: Path, tmp_path: Path, opened: list[ParseCache]) -> None:
    load_site(site, cache=tmp_path / "cache")
    broken = site / "content" / "incidents" / "broken.md"
    write(broken, "---\ntitle: Broken\n---\n")
    _, text = incident("new", title="A new one")
    write(site / "content" / "incidents" / "new.md", text)
    assert problems_of(site, cache=tmp_path / "cache") == problems_of(site)
    broken.unlink()
    fixed = load_site(site, cache=tmp_path / "cache")
    assert opened[-1].misses == 0  # "new" was kept although the load failed
    assert_same_site(fixed, load_site(site))


def stored_keys(folder: Path) -> list[str]:
    """Every key the cache holds, as its buckets list them."""
    connection = sqlite3.connect(folder / CACHE_FILE)
    lists = [keys.split() for (keys,) in connection.execute("SELECT keys FROM buckets")]
    connection.close()
    return [key for keys in lists for key in keys]


def test_unused_items_are_pruned(site: Path, tmp_path: Path) -> None:
    older = next(item for item in load_site(site, cache=tmp_path / "cache").incidents if item.slug == "older")
    before = stored_keys(tmp_path / "cache")
    (site / "content" / "incidents" / "older.md").unlink()
    load_site(site, cache=tmp_path / "cache")
    assert sorted(stored_keys(tmp_path / "cache")) == sorted(set(before) - {older.source_key})


def test_items_are_stored_by_bucket(site: Path, tmp_path: Path) -> None:
    """Each in the bucket its key names, as one pickle of the bucket's items by key."""
    loaded = load_site(site, cache=tmp_path / "cache")
    connection = sqlite3.connect(tmp_path / "cache" / CACHE_FILE)
    buckets = {
        name: (keys.split(), pickle.loads(blob)) for name, keys, blob in connection.execute("SELECT * FROM buckets")
    }
    connection.close()
    for item in items(loaded):
        key = item.source_key  # type: ignore[attr-defined]
        keys, stored = buckets[cache_module.bucket_of(key)]
        assert key in keys and every_field(stored[key]) == every_field(item)
    assert all(sorted(keys) == sorted(stored) for keys, stored in buckets.values())


def test_incidents_are_stored_with_their_words_packed(site: Path, tmp_path: Path) -> None:
    """A warm load unpickles an incident's words only when something reads them; deriving the state does not."""
    load_site(site, cache=tmp_path / "cache")
    cache_module._LAST_LOAD.clear()  # a new process: it unpickles what it loads
    warm = load_site(site, cache=tmp_path / "cache")
    incident = next(item for item in warm.incidents if item.slug == "outage")  # the translated one
    assert "_packed" in vars(incident) and "updates" not in vars(incident)
    state = derive(warm, datetime.fromisoformat(NOW))
    assert all("_packed" in vars(item) for item in warm.incidents)  # the state is derived from the rest
    parsed = next(item for item in load_site(site).incidents if item.slug == incident.slug)
    assert state.by_slug[incident.slug].incident.title == parsed.title  # read: unpacked
    assert "_packed" not in vars(incident) and every_field(incident) == every_field(parsed)
    assert incident.translations and incident.text("en") == parsed.text("en")
    with pytest.raises(AttributeError):
        incident.no_such_field  # type: ignore[attr-defined]  # noqa: B018


def test_two_loads_writing_the_same_bucket_keep_each_others_items(tmp_path: Path) -> None:
    """``watch`` and a ``build`` may share a cache: a bucket is written whole, yet neither loses the other's item."""
    folder = tmp_path / "cache"
    first, second = ParseCache.open(folder), ParseCache.open(folder)
    first.put("ab" + "1" * 62, "first's item")
    second.put("ab" + "2" * 62, "second's item")
    second.close(prune=True)
    first.close(prune=True)
    assert sorted(stored_keys(folder)) == ["ab" + "1" * 62, "ab" + "2" * 62]
    again = ParseCache.open(folder)
    assert again.get_many(["ab" + "1" * 62, "ab" + "2" * 62]) == ["first's item", "second's item"]
    again.close(prune=False)


def test_a_corrupt_cache_is_ignored_and_made_again(site: Path, tmp_path: Path, opened: list[ParseCache]) -> None:
    folder = tmp_path / "cache"
    load_site(site, cache=folder)
    write(folder / CACHE_FILE, "this is not a database " * 100)
    write(folder / digests.RECORD, '{"format": 1, "files": {"x": [1]}')
    assert_same_site(load_site(site, cache=folder), load_site(site))
    again = load_site(site, cache=folder)
    assert opened[-1].misses == 0
    assert_same_site(again, load_site(site))


def damage_a_bucket(site: Path, folder: Path) -> str:
    """Load the site into the cache, then damage the bucket of its first incident; returns that bucket's name."""
    name = cache_module.bucket_of(load_site(site, cache=folder).incidents[0].source_key)
    connection = sqlite3.connect(folder / CACHE_FILE)
    with connection:
        connection.execute("UPDATE buckets SET items = x'8004' WHERE name = ?", (name,))
    connection.close()
    return name


def test_a_damaged_bucket_is_a_miss(site: Path, tmp_path: Path, opened: list[ParseCache]) -> None:
    folder = tmp_path / "cache"
    name = damage_a_bucket(site, folder)
    lost = [key for key in stored_keys(folder) if cache_module.bucket_of(key) == name]
    cache_module._LAST_LOAD.clear()  # a new process: it has only the damaged bucket
    loaded = load_site(site, cache=folder)
    assert opened[-1].misses == len([k for k in lost if k in {i.source_key for i in items(loaded)}]) >= 1
    assert_same_site(loaded, load_site(site))
    load_site(site, cache=folder)
    assert opened[-1].misses == 0  # and the bucket was written again


def test_a_process_that_remembers_an_item_of_a_damaged_bucket_uses_it(
    site: Path, tmp_path: Path, opened: list[ParseCache]
) -> None:
    folder = tmp_path / "cache"
    damage_a_bucket(site, folder)
    loaded = load_site(site, cache=folder)  # this process loaded the site before: it has the items
    assert opened[-1].misses == 0
    assert_same_site(loaded, load_site(site))


def test_other_code_empties_the_cache(
    site: Path, tmp_path: Path, opened: list[ParseCache], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    load_site(site, cache=folder)
    monkeypatch.setattr(cache_module, "code_digest", lambda: "another version")
    loaded = load_site(site, cache=folder)
    assert opened[-1].hits == 0
    assert_same_site(loaded, load_site(site))
    connection = sqlite3.connect(folder / CACHE_FILE)
    assert connection.execute("SELECT value FROM meta WHERE name = 'code'").fetchone() == ("another version",)
    connection.close()


def test_parsing_in_two_processes_equals_one(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[ParseCache]
) -> None:
    monkeypatch.setattr(cache_module, "PARALLEL_MIN", 1)
    parallel = load_site(site, cache=tmp_path / "cache", jobs=2)
    assert_same_site(parallel, load_site(site))
    assert_same_site(load_site(site, jobs=2), load_site(site))
    warm = load_site(site, cache=tmp_path / "cache", jobs=2)
    assert opened[-1].misses == 0  # what the workers parsed was cached
    assert_same_site(warm, load_site(site))


def test_a_big_write_is_made_by_another_process_and_done_when_the_build_is(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[ParseCache]
) -> None:
    monkeypatch.setattr(cache_module, "WRITE_APART_MIN", 1)
    writers: list[int] = []
    write_apart = cache_module._done_apart

    def recorded(task: Callable[[], None]):  # type: ignore[no-untyped-def]
        def task_with_pid() -> None:
            task()
            (tmp_path / "writer").write_text(str(os.getpid()))

        writers.append(1)
        return write_apart(task_with_pid)

    monkeypatch.setattr(cache_module, "_done_apart", recorded)
    with ExitStack() as background:
        loaded = load_site(site, cache=tmp_path / "cache", jobs=2, background=background)
    assert writers and int((tmp_path / "writer").read_text()) != os.getpid()
    warm = load_site(site, cache=tmp_path / "cache")
    assert opened[-1].misses == 0
    assert_same_site(warm, loaded)
    assert_same_site(warm, load_site(site))


def test_a_write_apart_that_fails_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """By the time it is waited for, the build's output is in place: a cache not written only costs parsing."""
    monkeypatch.setattr(cache_module, "WRITE_APART_MIN", 1)
    folder = tmp_path / "cache"
    cache = ParseCache.open(folder)
    cache.put("0" * 64, "an item")
    shutil.rmtree(folder)  # as the cache's users may do at any time
    with ExitStack() as background:
        cache.close(prune=True, background=background)
    assert not folder.exists()


def test_problems_found_in_two_processes_are_those_of_one(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "PARALLEL_MIN", 1)
    write(site / "content" / "incidents" / "bad.md", "---\ntitle: [unclosed\n---\n")
    write(site / "content" / "maintenance" / "worse.md", "---\ntitle: Worse\nstart: soon\n---\n")
    assert problems_of(site, jobs=2) == problems_of(site)


# ------------------------------------------------------------------------------------ fingerprint


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled at once, so the stat record is trusted as it would be seconds later."""
    monkeypatch.setattr(digests, "SETTLE_NS", -(10**18))


def test_the_fingerprint_with_a_record_is_the_fingerprint_without(site: Path, tmp_path: Path) -> None:
    plain = fingerprint(site, NOW, OPTIONS)
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") == plain
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") == plain


def test_a_settled_file_is_not_read_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    first = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    reads: list[str] = []
    real = digests.file_digest

    def counting(path: str) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(digests, "file_digest", counting)
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") == first
    assert reads == []


def test_a_file_rewritten_with_its_size_and_mtime_changes_the_fingerprint(
    site: Path, tmp_path: Path, settled: None
) -> None:
    path = site / "content" / "incidents" / "older.md"
    first = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    status = path.stat()
    time.sleep(0.05)  # past the file system's clock tick, so the ctime moves
    write(path, path.read_text(encoding="utf-8").replace("Web outage", "Web Outage"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") != first


def test_a_file_changed_at_once_after_it_was_read_changes_the_fingerprint(site: Path, tmp_path: Path) -> None:
    """Within the same clock tick even the ctime may stay: a file that changed so recently is read again."""
    path = site / "content" / "incidents" / "older.md"
    first = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    status = path.stat()
    write(path, path.read_text(encoding="utf-8").replace("Web outage", "Web Outage"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") != first


def test_a_changed_tickets_database_changes_the_fingerprint(site: Path, tmp_path: Path, settled: None) -> None:
    database = site / "content" / "tickets.db"
    first = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE tickets SET title = 'Renamed' WHERE id = 3")  # a private row: no public change
    connection.close()
    second = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    assert second != first
    writer = sqlite3.connect(database)  # kept open, so the WAL is not folded back into the database
    writer.execute("PRAGMA journal_mode = WAL")
    with writer:
        writer.execute("UPDATE tickets SET title = 'Renamed again' WHERE id = 3")
    third = fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache")
    before = database.stat()
    with writer:
        writer.execute("UPDATE tickets SET title = 'Renamed once more' WHERE id = 3")
    assert (database.stat().st_size, database.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert fingerprint(site, NOW, OPTIONS, cache=tmp_path / "cache") not in (first, second, third)
    writer.close()


# ------------------------------------------------------------------------- one look per build


def test_file_digests_answer_once_until_asked_again(site: Path, tmp_path: Path) -> None:
    """A build's fingerprint and loaders share one snapshot of the files; ``again`` looks anew."""
    path = site / "content" / "incidents" / "older.md"
    seen = FileDigests.in_folder(tmp_path / "cache")
    first = seen.digest(path)
    write(path, path.read_text(encoding="utf-8") + "\nLater.\n")
    assert seen.digest(path) == first
    assert seen.digest(str(path)) == first  # as a string too
    assert seen.digest(path, again=True) == digests.file_digest(path) != first
    path.unlink()
    assert seen.digest(path, again=True) is None


def test_a_load_after_a_fingerprint_uses_its_snapshot(site: Path, tmp_path: Path, opened: list[ParseCache]) -> None:
    """Edited between the fingerprint and the load: the load shows the files as the fingerprint saw them
    (the build's second fingerprint then sees the edit and records nothing), or parses what it reads."""
    folder = tmp_path / "cache"
    load_site(site, cache=folder)
    path = site / "content" / "incidents" / "older.md"
    seen = FileDigests.in_folder(folder)
    fingerprint(site, NOW, OPTIONS, files=seen)
    write(path, path.read_text(encoding="utf-8").replace("Web outage", "Web Outage"))
    as_seen = load_site(site, cache=folder, files=seen)
    assert opened[-1].misses == 0
    assert "Web outage" in [item.title for item in as_seen.incidents]
    assert_same_site(load_site(site, cache=folder), load_site(site))  # a fresh look sees the edit


def test_a_tickets_database_changed_during_the_load_is_not_kept_whole(site: Path, tmp_path: Path) -> None:
    """The load's own second look at the database, after reading it, is a fresh one: rows read from a
    database that changed after the first look are never kept under the first look's key."""
    folder = tmp_path / "cache"
    database = site / "content" / "tickets.db"
    before = database.read_bytes()
    seen = FileDigests.in_folder(folder)
    seen.digest(database)  # the fingerprint's look
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE tickets SET title = 'Renamed' WHERE id = 1")
    connection.close()
    assert "Renamed" in [t.title for t in load_site(site, cache=folder, files=seen).tickets]
    database.write_bytes(before)  # back to what the first look saw
    assert_same_site(load_site(site, cache=folder), load_site(site))


def test_a_process_loading_again_takes_unchanged_items_from_memory(
    site: Path, tmp_path: Path, opened: list[ParseCache], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``watch`` loads once per rebuild: unchanged items are neither parsed nor unpickled again, and
    only while their rows are still in the cache."""
    folder = tmp_path / "cache"
    load_site(site, cache=folder)
    unpickled: list[bytes] = []
    real_loads = pickle.loads

    def counting(data: bytes, *args: object, **kwargs: object) -> object:
        unpickled.append(data)
        return real_loads(data)

    monkeypatch.setattr(cache_module.pickle, "loads", counting)
    path = site / "content" / "incidents" / "older.md"
    write(path, path.read_text(encoding="utf-8").replace("Web outage", "Web Outage"))
    again = load_site(site, cache=folder)
    assert (opened[-1].misses, unpickled) == (1, [])
    assert_same_site(again, load_site(site))
    (folder / CACHE_FILE).unlink()
    load_site(site, cache=folder)
    assert opened[-1].hits == 0  # a row gone is a miss, whatever this process remembers
