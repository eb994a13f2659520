"""Rebuilds and parallel builds write exactly the bytes of a clean, single-process build."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import NOW, REPO, incident, maintenance, make_site, run, ticket, tree

import statuspage.build as build_module
import statuspage.sources.site as site_module
import statuspage.state as state_module
from statuspage.build import build_site
from statuspage.build import plan as plan_module
from statuspage.build import render as render_module
from statuspage.build import workers as workers_module
from statuspage.build.digest import Digests
from statuspage.build.ownership import cache_dir
from statuspage.build.record import load_trees
from statuspage.build.workers import WorkQueue, in_background, in_workers, other_threads_stay_clear
from statuspage.clock import resolve_now
from statuspage.errors import StatuspageError
from statuspage.sources import cache as cache_module
from statuspage.sources.site import load_site
from statuspage.state import derive


def test_parallel_build_equals_serial_build(tmp_path: Path) -> None:
    serial = build_site(REPO, tmp_path / "serial", NOW, jobs=1)
    parallel = build_site(REPO, tmp_path / "parallel", NOW, jobs=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert parallel.files == serial.files == len(tree(tmp_path / "serial"))


def test_helper_processes_change_nothing_in_the_output(site_factory, tmp_path: Path, monkeypatch) -> None:
    """The helpers a big site's build uses (a changed file parsed while the rest is read, the sources checked
    again, the state digested meanwhile) give the output of a clean single-process build, rebuild after rebuild."""
    monkeypatch.setattr(build_module, "HELPERS_MIN", 0)
    monkeypatch.setattr(cache_module, "OVERLAP_MIN", 0)
    site = site_factory(incidents=[incident(), incident("older", date="2026-11-10T09:00:00+01:00")])
    path = site / "content" / "incidents" / "outage.md"
    for edit in range(3):
        path.write_text(path.read_text(encoding="utf-8") + f"\nEdit {edit}.\n", encoding="utf-8")
        assert build_site(site, tmp_path / "out", NOW, jobs=2).written
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build_site(site, tmp_path / "clean", NOW, jobs=1)
        assert tree(tmp_path / "out") == tree(tmp_path / "clean")
    assert not build_site(site, tmp_path / "out", NOW, jobs=2).written


def test_more_workers_than_pages_still_equal(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    build_site(site, tmp_path / "one", NOW, jobs=1)
    build_site(site, tmp_path / "many", NOW, jobs=5)
    assert tree(tmp_path / "many") == tree(tmp_path / "one")


def test_workers_share_the_digests_of_the_state_objects() -> None:
    """A helper process fills the shared slots with the state objects' digests; workers take them from there."""
    site = load_site(REPO)
    state = derive(site, resolve_now(NOW, site.config.timezone))
    objects = [*state.incidents, *state.maintenance, *state.tickets, *state.components]
    expected = [Digests(state).of(value) for value in objects]
    shared = Digests(state)
    shared.share()
    with in_background(shared.fill):
        pass  # left when the helper is done

    def computed_again(value: object) -> bytes:
        raise AssertionError("every digest was in this worker's memory or in a shared slot")

    shared._state_digest = computed_again  # type: ignore[method-assign]
    assert [shared.of(value) for value in objects] == expected


def test_a_half_written_shared_digest_is_not_taken() -> None:
    """A slot read while another worker writes it does not check out: the digest is computed instead."""
    site = load_site(REPO)
    state = derive(site, resolve_now(NOW, site.config.timezone))
    first = state.incidents[0]
    expected = Digests(state).of(first)
    shared = Digests(state)
    shared.share()
    assert shared._shared is not None
    shared._shared[: len(expected)] = expected[:8] + bytes(len(expected) - 8)  # the rest not written yet
    assert shared.of(first) == expected


def test_nothing_changed_writes_nothing(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()], tickets=[ticket(1)])
    out = tmp_path / "out"
    first = build_site(site, out, NOW)
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*")}
    inode = out.stat().st_ino
    again = build_site(site, out, NOW)
    assert first.written and not again.written
    assert again.files == first.files
    assert out.stat().st_ino == inode
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*")} == before
    assert again.state.now == first.state.now  # derived on demand, for ``watch``
    command = ("build", "--site", str(site), "--out", str(tmp_path / "cli"), "--now", NOW)
    assert "Built" in run(*command).output
    assert "Nothing changed" in run(*command).output


def test_a_replaced_output_is_rebuilt(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "out"
    build_site(site, out, NOW)
    clean = tree(out)
    for path in sorted(out.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    out.rmdir()
    out.mkdir()  # an empty folder in its place: not what was recorded
    assert build_site(site, out, NOW).written
    assert tree(out) == clean


def _edit(rng: random.Random, site: Path, step: int) -> str:
    """One random change to the site's sources; returns what it did, for the failure message."""
    incidents = sorted(path for path in (site / "content" / "incidents").glob("*.md") if path.name.count(".") == 1)
    choices = ["edit", "add", "delete", "ticket", "template", "maintenance", "translation", "static", "none"]
    choice = rng.choice([*choices, "edit", "link", "publish"])  # edits most often: rebuilds keep the most then
    if choice == "link" and incidents:  # an incident lists other tickets (or none)
        path = rng.choice(incidents)
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if not line.startswith("tickets:")]
        listed = rng.choice([[], [1], [1, 2]])
        path.write_text("\n".join([lines[0], f"tickets: {listed}", *lines[1:]]), encoding="utf-8")
        return f"link {path.name} to {listed}"
    if choice == "publish":  # a ticket made public or private
        connection = sqlite3.connect(site / "content" / "tickets.db")
        with connection:
            connection.execute("UPDATE tickets SET public = 1 - public WHERE id = 2")
        connection.close()
        return "publish"
    if choice == "maintenance":
        path = site / "content" / "maintenance" / "upgrade.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\nWork note {step}.\n", encoding="utf-8")
        return "maintenance"
    if choice == "translation" and incidents:
        original = rng.choice([path for path in incidents if path.name.count(".") == 1] or incidents)
        slug = original.name.split(".")[0]
        english = original.with_name(f"{slug}.en.md")
        english.write_text(f"---\ntitle: English {step}\n---\nIn English, edit {step}.\n", encoding="utf-8")
        return f"translate {slug}"
    if choice == "static":
        (site / "static").mkdir(exist_ok=True)
        (site / "static" / "theme.css").write_text(f"body {{ margin: {step}px }}\n", encoding="utf-8")
        return "static"
    if choice == "edit" and incidents:
        path = rng.choice(incidents)
        path.write_text(path.read_text(encoding="utf-8") + f"\nMore detail {step}.\n", encoding="utf-8")
        return f"edit {path.name}"
    if choice == "delete" and len(incidents) > 1:
        path = rng.choice(incidents)
        path.unlink()
        path.with_name(path.stem + ".en.md").unlink(missing_ok=True)
        return f"delete {path.name}"
    if choice == "ticket":
        connection = sqlite3.connect(site / "content" / "tickets.db")
        with connection:
            connection.execute(
                "UPDATE tickets SET title = ?, status = ? WHERE id = 1",
                (f"Ticket edited {step}", rng.choice(["reported", "evaluating", "resolved"])),
            )
            if rng.random() < 0.5:
                connection.execute("UPDATE tickets SET resolved_at = ? WHERE id = 1", ("2026-11-21T10:00:00+01:00",))
        connection.close()
        return "ticket"
    if choice == "template":
        footer = site / "templates" / "footer.html"
        footer.parent.mkdir(exist_ok=True)
        footer.write_text(f"<p>Footer {step}</p>\n", encoding="utf-8")
        return "template"
    if choice == "none":
        return "none"
    slug, text = incident(
        f"added-{step}",
        title=f"Added {step}",
        date=f"2026-11-{rng.randint(1, 24):02d}T0{rng.randint(0, 9)}:00:00+01:00",
        resolved=rng.choice([None, "2026-11-24T12:00:00+01:00"]),
    )
    (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    return f"add {slug}"


def test_random_edit_sequences_rebuild_to_the_clean_output(tmp_path: Path) -> None:
    rng = random.Random(8)
    site = make_site(
        tmp_path / "site",
        incidents=[
            incident(extra="tickets: [1]"),
            incident("older", date="2026-11-10T09:00:00+01:00", resolved="2026-11-10T12:00:00+01:00"),
        ],
        maintenance=[maintenance(start="2026-11-25T22:00:00+01:00", end="2026-11-26T02:00:00+01:00")],
        tickets=[ticket(1, maintenance="upgrade"), ticket(2, public=0)],
        languages=["sk", "en"],  # the translations the edits write are shown
    )
    out = tmp_path / "out"
    # The clock moves past the window's start and end too: what a visitor sees changes with it.
    clocks = [NOW, "2026-11-25T23:00:00+01:00", "2026-11-26T03:00:00+01:00"]
    for step in range(18):
        done = _edit(rng, site, step)
        now = rng.choice(clocks)
        incremental = build_site(site, out, now, jobs=rng.choice([1, 2]))
        clean_out = tmp_path / f"clean{step}"
        build_site(site, clean_out, now, jobs=1)
        assert tree(out) == tree(clean_out), f"step {step}: {done} at {now}"
        assert incremental.files == len(tree(out))
        assert cache_dir(out).is_dir() and not (out / cache_dir(out).name).exists()  # the record stays outside


@pytest.mark.parametrize("fork", [True, False])
def test_a_helper_forked_early_starts_when_told_and_never_hangs(fork: bool) -> None:
    """``in_background_when_told``: the task runs once ``go()`` is called (in another process when forked);
    left untold (the build failed before), it does nothing and the block still ends."""
    from statuspage.build.workers import in_background_when_told

    with in_background_when_told(os.getpid, fork=fork) as (go, result):
        go()
        assert (result() != os.getpid()) == fork
    with pytest.raises(RuntimeError), in_background_when_told(os.getpid, fork=fork) as (go, result):
        raise RuntimeError("the load failed")
    with in_background_when_told(os.getpid, fork=fork) as (go, result):
        pass
    assert result() is None


def test_workers_are_separate_processes_and_errors_come_back(tmp_path: Path) -> None:
    def task(worker: int, workers: int) -> int:
        (tmp_path / f"{worker}-of-{workers}").write_text(str(os.getpid()), encoding="utf-8")
        return worker + 1

    assert threading.active_count() == 1  # else in_workers would (rightly) render in one process
    assert in_workers(task, 3) == [1, 2, 3]
    assert len({path.read_text(encoding="utf-8") for path in tmp_path.iterdir()}) == 3

    def failing(worker: int, workers: int) -> int:
        if worker == 1:
            raise StatuspageError("worker 1 failed")
        return 1

    with pytest.raises(StatuspageError, match="worker 1 failed"):
        in_workers(failing, 2)


def test_a_failed_fork_still_waits_for_the_workers_already_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of processes (EAGAIN) at the second fork: the error comes once the first worker is done, none left behind."""
    forks: list[int] = []  # the pid of the one worker forked

    def fork_once() -> int:
        if forks:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        pid = os.fork()
        forks.append(pid)
        return pid

    def task(worker: int, jobs: int) -> int:
        time.sleep(0.2)  # still working when the parent's second fork fails
        (tmp_path / f"worker-{worker}").write_text("done", encoding="utf-8")
        return worker

    monkeypatch.setattr(workers_module, "_fork", fork_once)
    with pytest.raises(BlockingIOError):
        in_workers(task, 3)
    assert (tmp_path / "worker-1").read_text(encoding="utf-8") == "done"  # waited for, not abandoned
    with pytest.raises(ChildProcessError):  # and reaped: it is no longer this process's child
        os.waitpid(forks[0], os.WNOHANG)


def test_workers_do_not_keep_the_parents_signal_handlers() -> None:
    """``watch`` stops on SIGTERM and SIGINT; its forked workers must not run that handler too."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        handlers = in_workers(lambda worker, workers: signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, 2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handlers == [False, True]  # the parent keeps its own; the worker has the default


def test_workers_fork_beside_other_threads_only_when_told_they_stay_clear() -> None:
    """``watch`` runs threads; its builds still use every core (see ``other_threads_stay_clear``)."""
    waiting = threading.Event()
    thread = threading.Thread(target=waiting.wait)
    thread.start()
    try:
        assert len(set(in_workers(lambda worker, workers: os.getpid(), 2))) == 1
        with other_threads_stay_clear():
            assert len(set(in_workers(lambda worker, workers: os.getpid(), 2))) == 2
        assert len(set(in_workers(lambda worker, workers: os.getpid(), 2))) == 1
    finally:
        waiting.set()
        thread.join()


def test_a_work_queue_hands_each_number_to_exactly_one_worker() -> None:
    queue = WorkQueue(WorkQueue.LIMIT)
    try:
        parts = in_workers(lambda worker, workers: list(queue), 3)
    finally:
        queue.close()
    taken = [number for part in parts for number in part]
    assert sorted(taken) == list(range(WorkQueue.LIMIT))
    with pytest.raises(ValueError):
        WorkQueue(WorkQueue.LIMIT + 1)


class _Urls:
    """A stand-in renderer for planning shares: only its lists of files matter there."""

    def __init__(self, urls: list[tuple[str, dict[str, object]]], items: list[tuple[str, str, list[object]]]) -> None:
        self._urls, self._items = urls, items

    def urls(self, items: bool = True) -> list[tuple[str, dict[str, object]]]:
        assert not items  # the shares take the pages of items by their values
        return self._urls

    def item_pages(self) -> list[tuple[str, str, list[object]]]:
        return self._items


@pytest.mark.parametrize("incidents", [0, 1, 150_000])
def test_shares_fit_the_queue_and_keep_what_belongs_together(incidents: int) -> None:
    """However big the site, the shares fit in the work queue and hold every file once; a feed's formats, the
    API files and a page's languages are never split; files that are not item pages come first."""
    items = [("pages.incident", "slug", [f"i{n}" for n in range(incidents)]), ("pages.ticket", "ticket_id", [1, 2])]
    pages = [(endpoint, {name: value}) for endpoint, name, values in items for value in values]
    files = [("files.feed", {"name": "all", "kind": kind}) for kind in ("rss", "atom")]
    files += [("files.api", {"path": name}) for name in ("summary.json", "status.json")]
    renderers = [_Urls(files, items), _Urls(files, items)]
    shares = plan_module.shares(renderers)  # type: ignore[arg-type]
    assert len(shares) <= WorkQueue.LIMIT
    work = render_module._Work(renderers, shares, None, {}, {}, Path(), Path(), Path())  # type: ignore[arg-type]
    planned = [(number, *url) for share in shares for number, made in work._files(share) for url in made]
    assert sorted(map(repr, planned)) == sorted(repr((number, *url)) for number in (0, 1) for url in pages + files)
    assert {endpoint for _, endpoint, _ in planned[: len(files) * 2]} == {"files.feed", "files.api"}
    for share in shares:
        made = [url for _, urls in work._files(share) for url in urls]
        pages_made = [repr(url) for url in made if url[0].startswith("pages.")]
        assert all(pages_made.count(page) == 2 for page in pages_made)  # both languages' pages of an item


def test_without_now_a_second_build_still_writes_nothing(site_factory, tmp_path: Path, monkeypatch) -> None:
    site = site_factory(incidents=[incident()])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795600000")
    assert build_site(site, tmp_path / "out").written
    assert not build_site(site, tmp_path / "out").written


def test_a_source_changed_during_the_build_is_not_recorded(site_factory, tmp_path: Path, monkeypatch) -> None:
    """Edited after the fingerprint but before loading, and put back before the swap: the output shows
    the edit, so the next build must not take the fingerprint's match as "nothing changed"."""
    site = site_factory(incidents=[incident()])
    path = site / "content" / "incidents" / "outage.md"
    original = path.read_text(encoding="utf-8")
    real_load = site_module.load_site

    def load_while_editing(*args, **kwargs):  # type: ignore[no-untyped-def]
        path.write_text(original + "\nA late edit.\n", encoding="utf-8")
        return real_load(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(site_module, "load_site", load_while_editing)
        build_site(site, tmp_path / "out", NOW, before_swap=lambda: path.write_text(original, encoding="utf-8"))
    assert build_site(site, tmp_path / "out", NOW).written
    build_site(site, tmp_path / "clean", NOW)
    assert tree(tmp_path / "out") == tree(tmp_path / "clean")


def test_a_template_changed_during_the_build_is_not_recorded(site_factory, tmp_path: Path, monkeypatch) -> None:
    """A theme template edited after loading (here: while the state is derived) and put back before the swap:
    the pages show the edit, so the next build must not count as "nothing changed"."""
    site = site_factory(incidents=[incident()], files={"templates/footer.html": "<footer>Ours</footer>\n"})
    footer = site / "templates" / "footer.html"
    real_derive = state_module.derive

    def derive_while_editing(*args, **kwargs):  # type: ignore[no-untyped-def]
        footer.write_text("<footer>Edited</footer>\n", encoding="utf-8")
        return real_derive(*args, **kwargs)

    @contextmanager
    def at_once(task, fork=True):  # type: ignore[no-untyped-def]  # a background process that is done at once
        result = task()
        yield lambda: result

    with monkeypatch.context() as patch:
        patch.setattr(state_module, "derive", derive_while_editing)
        patch.setattr(build_module, "in_background", at_once)  # sources checked again before the edit
        build_site(
            site,
            tmp_path / "out",
            NOW,
            before_swap=lambda: footer.write_text("<footer>Ours</footer>\n", encoding="utf-8"),
        )
    assert b"Edited" in (tmp_path / "out" / "index.html").read_bytes()
    assert build_site(site, tmp_path / "out", NOW).written
    build_site(site, tmp_path / "clean", NOW)
    assert tree(tmp_path / "out") == tree(tmp_path / "clean")


def _count_renders(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The files rendered by builds in this process (``jobs=1``), by path of their URL."""
    from statuspage.web.render import Renderer

    rendered: list[str] = []
    real = Renderer.render

    def counting(self, endpoint, values):  # type: ignore[no-untyped-def]
        rendered.append(self.path(endpoint, values))
        return real(self, endpoint, values)

    monkeypatch.setattr(Renderer, "render", counting)
    return rendered


def test_one_changed_incident_renders_only_what_shows_it(tmp_path: Path, monkeypatch) -> None:
    incidents = [
        incident(f"old-{n}", date=f"2026-10-{n + 1:02d}T09:00:00+01:00", resolved=f"2026-10-{n + 1:02d}T10:00:00+01:00")
        for n in range(25)
    ]
    site = make_site(tmp_path / "site", incidents=incidents, tickets=[ticket(1), ticket(2)], languages=["sk", "en"])
    out = tmp_path / "out"
    rendered = _count_renders(monkeypatch)
    first = build_site(site, out, NOW, jobs=1)
    assert len(rendered) == first.files
    for step in range(3):  # the first rebuild starts from a linked copy, the next ones from the spare tree
        rendered.clear()
        path = site / "content" / "incidents" / "old-3.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\nMore detail {step}.\n", encoding="utf-8")
        build_site(site, out, NOW, jobs=1)
        pages = [name for name in rendered if name.endswith(".html")]
        assert "incidents/old-3/index.html" in pages and "en/incidents/old-3/index.html" in pages
        assert not any(name.startswith(("incidents/old-4/", "known-issues/1/", "support/")) for name in rendered)
        assert len(rendered) < first.files / 3, "\n".join(rendered)
    build_site(site, tmp_path / "clean", NOW, jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_new_clock_alone_does_not_render_item_pages_again(tmp_path: Path, monkeypatch) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")])
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    rendered = _count_renders(monkeypatch)
    build_site(site, out, "2026-11-25T12:05:00+01:00", jobs=1)
    assert "incidents/a/index.html" not in rendered and "index.html" in rendered  # "status as of" moved on
    build_site(site, tmp_path / "clean", "2026-11-25T12:05:00+01:00", jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


# NOW is 12:00.  Announced days before: a window with nothing posted yet is dated by the build's
# clock (nothing is dated after it), so its feeds and calendars would follow every build.
NOTICE_POSTED_AT_12_30 = (
    "Planned.\n\n## 2026-11-25T12:30+01:00 scheduled\nStill on.\n\n## 2026-11-20T10:00+01:00 scheduled\nPlanned.\n"
)
# A ticket resolved seven days before 12:05 on NOW's day: the known-issues feeds list it until then.
RESOLVED_A_WEEK_BEFORE_12_05 = ticket(
    2,
    reported_at="2026-11-17T08:00:00+01:00",
    status="resolved",
    evaluated_at="2026-11-17T09:00:00+01:00",
    resolved_at="2026-11-18T12:05:00+01:00",
)


def _written_at(site: Path, out: Path, moment: str, rendered: list[str]) -> set[str]:
    """The files a build of ``out`` at ``moment`` renders, once its output is checked against a clean build's."""
    rendered.clear()
    build_site(site, out, moment, jobs=1)
    written = set(rendered)
    clean = out.parent / f"clean {moment}"
    build_site(site, clean, moment, jobs=1)
    assert tree(out) == tree(clean)
    return written


def test_calendars_and_the_known_issues_feed_follow_what_they_take_from_the_clock(tmp_path: Path, monkeypatch) -> None:
    """Keyed by what they show of the clock (updates posted, tickets listed), not by the clock: a later
    build writes them again only when that changed, and then exactly as a clean build does."""
    site = make_site(
        tmp_path / "site",
        maintenance=[maintenance(body=NOTICE_POSTED_AT_12_30)],
        tickets=[ticket(1), RESOLVED_A_WEEK_BEFORE_12_05],
    )
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    rendered = _count_renders(monkeypatch)
    clock_free = {"calendar/maintenance.ics", "calendar/components/cdn.ics", "feeds/known-issues.rss"}

    def build_at(moment: str) -> set[str]:
        return clock_free & _written_at(site, out, moment, rendered)

    assert build_at("2026-11-25T12:01:00+01:00") == set()
    assert build_at("2026-11-25T12:10:00+01:00") == {"feeds/known-issues.rss"}  # ticket 2 resolved 7 days ago
    assert build_at("2026-11-25T12:31:00+01:00") == {"calendar/maintenance.ics", "calendar/components/cdn.ics"}


def test_the_feeds_follow_what_they_take_from_the_clock(tmp_path: Path, monkeypatch) -> None:
    """Keyed by the items they show, their ``updated`` and their updates posted, not by the clock: a later
    build writes a feed again only when that changed, and then as a clean build does (an empty feed, dated
    by the clock, is the exception)."""
    later_update = "Broke.\n\n## 2026-11-25T12:45:00+01:00 identified\nFound it.\n"
    site = make_site(
        tmp_path / "site",
        incidents=[
            incident("a", resolved="2026-11-20T12:00:00+01:00", components="[web, api]"),  # no feed is empty
            incident("b", date="2026-11-25T12:20:00+01:00", components="[api]", body="Planned to break.\n"),
            incident("c", date="2026-11-25T11:00:00+01:00", body=later_update),
        ],
        maintenance=[maintenance(body=NOTICE_POSTED_AT_12_30)],
        tickets=[ticket(1), RESOLVED_A_WEEK_BEFORE_12_05],
        languages=["sk", "en"],
    )
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    rendered = _count_renders(monkeypatch)

    def feeds_written_at(moment: str) -> set[str]:
        return {path for path in _written_at(site, out, moment, rendered) if path.endswith(".rss")}  # and Atom

    def feeds(*names: str) -> set[str]:
        return {f"{language}feeds/{name}.rss" for language in ("", "en/") for name in names}

    assert feeds_written_at("2026-11-25T12:01:00+01:00") == set()
    # Ticket 2 was resolved seven days ago: it leaves the known-issues feeds, "all" among them.
    assert feeds_written_at("2026-11-25T12:10:00+01:00") == feeds("all", "known-issues", "components/web")
    # Incident b starts: it enters the incident feeds, its start the updates feed.
    assert feeds_written_at("2026-11-25T12:21:00+01:00") == feeds("all", "incidents", "updates", "components/api")
    # The window's update is posted.
    assert feeds_written_at("2026-11-25T12:31:00+01:00") == feeds("all", "maintenance", "updates", "components/cdn")
    # Incident c's update is posted.
    assert feeds_written_at("2026-11-25T12:46:00+01:00") == feeds("all", "incidents", "updates", "components/web")


@pytest.mark.parametrize(
    "footer",
    [
        "<p>{{ state.incidents|length }} incidents</p>",  # a theme reading the state: recorded, so followed
        "<p>{{ indicator_label }}</p>",  # a global made from the state
        "<p>{{ state.maintenance_in(state.now.__class__) if false else state.now }}</p>",
    ],
)
def test_a_theme_that_reads_the_state_is_followed(tmp_path: Path, footer: str) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")])
    (site / "templates").mkdir()
    (site / "templates" / "footer.html").write_text(footer + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    slug, text = incident("b", date="2026-11-25T10:00:00+01:00", body="Down.\n")  # ongoing: the status changes too
    (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    build_site(site, out, "2026-11-25T12:01:00+01:00", jobs=2)
    build_site(site, tmp_path / "clean", "2026-11-25T12:01:00+01:00", jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_damaged_spare_tree_is_built_again(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a"), incident("b", date="2026-11-20T09:00:00+01:00")])
    out = tmp_path / "out"
    for now in (NOW, "2026-11-25T12:01:00+01:00", "2026-11-25T12:02:00+01:00"):
        build_site(site, out, now)
    spare = out.parent / f".{out.name}.spare"
    assert spare.is_dir()  # the previous output, kept to be brought up to date next time
    shutil.rmtree(spare / "incidents")
    (spare / "stray.html").write_text("not ours", encoding="utf-8")
    os.utime(spare)  # a folder changed by hand has another ctime: its record no longer holds
    build_site(site, out, "2026-11-25T12:03:00+01:00")
    build_site(site, tmp_path / "clean", "2026-11-25T12:03:00+01:00")
    assert tree(out) == tree(tmp_path / "clean")


def _rebuilds_like_clean(site: Path, tmp_path: Path, change, nows=(NOW, "2026-11-25T12:01:00+01:00")) -> None:  # type: ignore[no-untyped-def]
    """Build, build again (the spare tree exists from then on), change something, rebuild: the clean bytes."""
    out = tmp_path / "out"
    build_site(site, out, nows[0], jobs=1)
    build_site(site, out, nows[0], jobs=2)
    change()
    build_site(site, out, nows[1], jobs=1)
    build_site(site, tmp_path / "clean", nows[1], jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('name = "Web"', 'name = { sk = "Web", en = "Website" }'),  # a name given a translation
        ('group = "Public"', 'group = { sk = "Public", en = "Open to all" }'),  # a group's, on one member
        ('title = "Test Status"', 'title = { sk = "Test Status", en = "Service status" }'),
    ],
)
def test_a_name_edited_in_one_language_rebuilds_like_clean(tmp_path: Path, old: str, new: str) -> None:
    """The config's names per language reach every page and file of that language (SPEC §3)."""
    site = make_site(
        tmp_path / "site",
        incidents=[incident("a", components="[web, api]")],
        maintenance=[maintenance()],
        tickets=[ticket(1)],
        languages=["sk", "en"],
    )
    config = site / "statuspage.toml"
    english = new.split("en = ")[1].strip(' "}')

    def translate() -> None:
        config.write_text(config.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    _rebuilds_like_clean(site, tmp_path, translate)
    assert english in (tmp_path / "out" / "en" / "index.html").read_text(encoding="utf-8")
    assert english not in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_a_themed_sitemap_that_reads_the_state_follows_it(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")])
    (site / "templates").mkdir()
    sitemap = (
        '<?xml version="1.0"?><!-- {{ state.now }} -->'
        "<urlset>{% for l in locations %}<url>{{ l }}</url>{% endfor %}</urlset>\n"
    )
    (site / "templates" / "sitemap.xml").write_text(sitemap, encoding="utf-8")
    _rebuilds_like_clean(site, tmp_path, lambda: None)


def test_a_themed_macro_file_that_reads_the_state_at_its_top_is_followed(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")])
    (site / "templates").mkdir()
    (site / "templates" / "counts.html").write_text(
        "{% set count = state.incidents|length %}{% macro incidents() %}{{ count }} incidents{% endmacro %}\n",
        encoding="utf-8",
    )
    (site / "templates" / "footer.html").write_text(
        '{% from "counts.html" import incidents %}<p>{{ incidents() }}</p>\n', encoding="utf-8"
    )

    def add() -> None:
        slug, text = incident("b", date="2026-11-24T10:00:00+01:00", resolved="2026-11-24T11:00:00+01:00", body="x\n")
        (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")

    _rebuilds_like_clean(site, tmp_path, add, nows=(NOW, NOW))


def test_templates_and_static_files_behind_symlinks_are_followed(tmp_path: Path) -> None:
    """Links that stay inside the site (SPEC §10): a theme kept in a folder of its own, linked into place."""
    site = make_site(tmp_path / "site", incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")])
    shared = site / "shared"
    shared.mkdir()
    (shared / "note.html").write_text("<p>first</p>\n", encoding="utf-8")
    (shared / "theme.css").write_text("body { color: red }\n", encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates" / "partials").symlink_to(shared, target_is_directory=True)
    (site / "templates" / "footer.html").write_text('{% include "partials/note.html" %}\n', encoding="utf-8")
    (site / "static").mkdir()
    (site / "static" / "theme.css").symlink_to(shared / "theme.css")
    _rebuilds_like_clean(
        site, tmp_path, lambda: (shared / "note.html").write_text("<p>second</p>\n", encoding="utf-8"), nows=(NOW, NOW)
    )
    out = tmp_path / "out"
    assert "second" in (out / "incidents" / "a" / "index.html").read_text(encoding="utf-8")
    assert (out / "static" / "theme.css").read_text(encoding="utf-8") == "body { color: red }\n"


def test_a_file_removed_from_the_output_by_hand_comes_back(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a"), incident("b", date="2026-11-19T09:00:00+01:00")])
    out = tmp_path / "out"
    build_site(site, out, NOW)
    (out / "incidents" / "b" / "index.html").unlink()
    (out / "extra.html").write_text("by hand", encoding="utf-8")
    build_site(site, out, "2026-11-25T12:01:00+01:00")
    build_site(site, out, "2026-11-25T12:02:00+01:00")
    build_site(site, tmp_path / "clean", "2026-11-25T12:02:00+01:00")
    assert tree(out) == tree(tmp_path / "clean")


def test_a_symlinked_output_is_built_where_it_points(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident("a")])
    (tmp_path / "real").mkdir()
    link = tmp_path / "public"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    for now in (NOW, "2026-11-25T12:01:00+01:00", "2026-11-25T12:02:00+01:00"):
        build_site(site, link, now)
    assert link.is_symlink() and (link / "index.html").is_file()
    build_site(site, tmp_path / "clean", "2026-11-25T12:02:00+01:00")
    assert tree(link) == tree(tmp_path / "clean")


def test_an_incident_text_edit_leaves_the_front_page_and_the_known_issue_filters_alone(
    tmp_path: Path, monkeypatch
) -> None:
    """Our own templates show of a component its name, status and uptime: editing a resolved incident's
    words changes none of them, so those pages are kept; a site with templates of its own gets them
    rendered again (its templates may show anything of the component).  The incident ended before
    the recent past the front page lists (whose titles it shows)."""
    older = incident("a", date="2026-11-10T09:00:00+01:00", resolved="2026-11-10T12:00:00+01:00", body="Broke.\n")
    site = make_site(tmp_path / "site", incidents=[older], tickets=[ticket(1)], languages=["sk", "en"])
    path = site / "content" / "incidents" / "a.md"
    unchanged = {"index.html", "en/index.html", "known-issues/components/web/index.html"}
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    rendered = _count_renders(monkeypatch)
    for step, theme in enumerate((None, "{% extends 'base.html' %}{% block content %}{{ groups }}{% endblock %}\n")):
        if theme is not None:
            (site / "templates").mkdir()
            (site / "templates" / "support.html").write_text(theme, encoding="utf-8")
            build_site(site, out, NOW, jobs=1)
        rendered.clear()
        path.write_text(path.read_text(encoding="utf-8") + f"\nMore words {step}.\n", encoding="utf-8")
        build_site(site, out, NOW, jobs=1)
        assert "incidents/a/index.html" in rendered
        assert (unchanged & set(rendered)) == (set() if theme is None else unchanged)
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build_site(site, tmp_path / "clean", NOW, jobs=1)
        assert tree(out) == tree(tmp_path / "clean")


class _Only:
    """A state object whose template may read only the named attributes: any other read fails the render."""

    def __init__(self, real: object, allowed: set[str]) -> None:
        self._real, self._allowed = real, allowed

    def __getattr__(self, name: str) -> object:
        if name not in self._allowed:
            raise AssertionError(f"the template read {name!r}, which the page's key does not cover")
        return getattr(self._real, name)


def test_our_templates_read_of_components_only_what_their_pages_keys_cover(site_factory) -> None:
    """``shipped_reads`` (web/pages.py) says what index.html and known_issues.html read of a ComponentState;
    rendered with components that allow only those reads, the pages come out the same."""
    from statuspage.web import create_app
    from statuspage.web.pages import index, known_issues_for_component, render_page

    site = site_factory(incidents=[incident()], tickets=[ticket(1)])
    state = derive(load_site(site), resolve_now(NOW, load_site(site).config.timezone))
    app = create_app(state)
    with app.test_request_context():
        page = index(state)
        whole = render_page(page)
        shown = {"component", "status", "uptime"}
        page.variables["groups"] = [(g, [_Only(c, shown) for c in members]) for g, members in page.variables["groups"]]
        assert render_page(page) == whole
        page = known_issues_for_component(state, "web")
        whole = render_page(page)
        page.variables["component"] = _Only(page.variables["component"], {"component"})
        assert render_page(page) == whole


def _reached(value: object, seen: set[int]) -> list[object]:
    """The state objects a digest of ``value`` covers: those in it, and those their fields hold, deep down."""
    import dataclasses

    from statuspage.build.digest import ITEM_TYPES, STATE_TYPES

    found: list[object] = []
    if isinstance(value, (tuple, list)):
        for element in value:
            found += _reached(element, seen)
    elif isinstance(value, dict):
        for pair in value.items():
            found += _reached(pair, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, ITEM_TYPES) and id(value) not in seen:
        seen.add(id(value))
        if isinstance(value, STATE_TYPES):
            found.append(value)
        for field in dataclasses.fields(value):
            found += _reached(getattr(value, field.name), seen)
    return found


def test_the_pages_that_show_an_incident_are_those_the_views_hand_it_to(tmp_path: Path) -> None:
    """``pages_showing_incidents`` (web/pages.py) must name every item page whose inputs reach an incident's
    state, and no item page may reach a component's state: a rebuild keeps the others without keying them."""
    from statuspage.state import ComponentState, IncidentState
    from statuspage.web import create_app
    from statuspage.web.pages import PAGE_VIEWS, page_urls, pages_showing_incidents

    site = make_site(
        tmp_path / "site",
        incidents=[incident("a", extra="tickets: [1, 2]"), incident("b", extra="tickets: [2]"), incident("c")],
        maintenance=[maintenance(start="2026-11-25T22:00:00+01:00", end="2026-11-26T02:00:00+01:00")],
        tickets=[ticket(1, maintenance="upgrade"), ticket(2), ticket(3, maintenance="upgrade")],
    )
    for root in (site, REPO):
        loaded = load_site(root)
        state = derive(loaded, resolve_now(NOW, loaded.config.timezone))
        with create_app(state).test_request_context():
            for endpoint, values in page_urls(state):
                if endpoint not in ("pages.incident", "pages.maintenance", "pages.ticket"):
                    continue
                page = PAGE_VIEWS[endpoint](state, **values)
                for themed in (True, False):
                    reached = _reached(page.key_inputs(themed), set())
                    assert not any(isinstance(found, ComponentState) for found in reached), (endpoint, values)
                    for found in reached:
                        if isinstance(found, IncidentState):
                            unit = (endpoint, *values.values())
                            assert unit in pages_showing_incidents(state, [found.slug]), (unit, found.slug)


def test_every_kind_of_item_page_has_its_items_digests_recorded(site_factory) -> None:
    """The pages kept without keys (``ITEM_PAGE_KINDS``) are the pages of single items the build lists, and the
    kinds of item whose changes the next build looks for (``Digests.items``) are theirs."""
    from statuspage.web.pages import ITEM_PAGE_KINDS, item_pages

    loaded = load_site(site_factory(incidents=[incident()], tickets=[ticket(1)]))
    state = derive(loaded, resolve_now(NOW, loaded.config.timezone))
    assert set(ITEM_PAGE_KINDS) == {endpoint for endpoint, _, _ in item_pages(state)}
    assert set(Digests(state).items()) == set(ITEM_PAGE_KINDS.values())


@pytest.mark.parametrize("damage", [b"", b"not a pickle", "wrong token", "wrong shape"])
def test_a_damaged_basis_record_is_no_record(tmp_path: Path, damage: object) -> None:
    """A ``basis.pickle`` that cannot be read, or belongs to other files, or holds something else, is ignored:
    every page is keyed, and the rebuild writes what a clean build writes."""
    import pickle

    from statuspage.build.record import BASIS

    incidents = [incident("a", extra="tickets: [1]"), incident("b")]
    site = make_site(tmp_path / "site", incidents=incidents, tickets=[ticket(1)])
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    record = cache_dir(out) / BASIS
    token, basis = pickle.loads(record.read_bytes())
    if damage == "wrong token":
        record.write_bytes(pickle.dumps(("another", basis)))
    elif damage == "wrong shape":
        record.write_bytes(pickle.dumps((token, (basis[0], {"incident": {}}))))
    else:
        record.write_bytes(damage)  # type: ignore[arg-type]
    path = site / "content" / "incidents" / "a.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    build_site(site, out, NOW, jobs=2)
    build_site(site, tmp_path / "clean", NOW, jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


def test_item_pages_an_incident_edit_cannot_change_are_kept_without_keys(tmp_path: Path, monkeypatch) -> None:
    """After an edit of an incident alone, only the pages that show it are keyed among the items' pages; after
    any other change every page is keyed; each rebuild writes what a clean build writes."""
    from statuspage.web.render import Renderer

    site = make_site(
        tmp_path / "site",
        incidents=[incident("a", extra="tickets: [1]"), incident("b"), incident("c", date="2026-11-19T09:00:00+01:00")],
        maintenance=[maintenance(start="2026-11-25T22:00:00+01:00", end="2026-11-26T02:00:00+01:00")],
        tickets=[ticket(1), ticket(2, maintenance="upgrade")],
    )
    out = tmp_path / "out"
    build_site(site, out, NOW, jobs=1)
    keyed: list[str] = []
    real = Renderer.key

    def counting(self, endpoint, values, reads):  # type: ignore[no-untyped-def]
        if endpoint in ("pages.incident", "pages.maintenance", "pages.ticket"):
            keyed.append(self.path(endpoint, values))
        return real(self, endpoint, values, reads)

    monkeypatch.setattr(Renderer, "key", counting)
    incidents = site / "content" / "incidents"

    def edit(name: str) -> None:
        path = incidents / f"{name}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nMore words.\n", encoding="utf-8")

    def add(name: str, extra: str) -> None:
        slug, text = incident(name, extra=extra)  # a new ticket listed: ticket 1 changes, so every page is keyed
        (incidents / f"{slug}.md").write_text(text, encoding="utf-8")

    def change_ticket() -> None:
        with sqlite3.connect(site / "content" / "tickets.db") as connection:
            connection.execute("UPDATE tickets SET title = 'Renamed' WHERE id = 2")

    every = {  # the pages of items the site has throughout
        "incidents/a/index.html",
        "incidents/b/index.html",
        "known-issues/1/index.html",
        "known-issues/2/index.html",
        "maintenance/upgrade/index.html",
    }
    steps = [  # a change, and the pages of items that show what it changed (None: two workers, not counted)
        (lambda: edit("b"), {"incidents/b/index.html"}),
        (lambda: edit("b"), None),
        (lambda: edit("b"), {"incidents/b/index.html"}),
        (lambda: edit("a"), {"incidents/a/index.html", "known-issues/1/index.html"}),  # ticket 1 shows incident a
        (lambda: edit("a"), None),
        (change_ticket, every | {"incidents/c/index.html"}),  # a ticket changed: every page of an item is keyed
        (lambda: edit("c"), {"incidents/c/index.html"}),
        (lambda: (incidents / "c.md").unlink(), set()),  # an incident less: no other item page shows it
        (lambda: add("d", ""), {"incidents/d/index.html"}),  # a new one: its own page
        (lambda: add("e", "tickets: [1]"), every | {"incidents/d/index.html", "incidents/e/index.html"}),
        (lambda: edit("b"), {"incidents/b/index.html"}),
    ]
    for step, (change, shows) in enumerate(steps):
        change()
        # Besides those, a page whose copy in the spare tree (the build before last) is not the published one.
        live, spare = load_trees(out)
        assert live is not None and (spare is not None or step == 0)
        before = spare["files"] if spare is not None else live["files"]
        item_page = re.compile(r"(incidents/[^/]+|maintenance/[^/]+|known-issues/\d+)/index\.html\Z")
        stale = {path for path, entry in live["files"].items() if item_page.match(path) and before.get(path) != entry}
        keyed.clear()
        build_site(site, out, NOW, jobs=1 if shows is not None else 2)
        if shows is not None:
            assert {path for path in keyed if not path.startswith("en/")} == (shows | stale) & tree(out).keys(), step
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build_site(site, tmp_path / "clean", NOW, jobs=1)
        assert tree(out) == tree(tmp_path / "clean"), step


def test_the_sites_pages_and_words_are_followed(tmp_path: Path) -> None:
    """Each edit of content/pages or [wording] (a page's text, its label in every page's navigation, a page
    added or removed, a translation, the support page's own file and ours, a sentence) rebuilds to the clean bytes."""
    site = make_site(
        tmp_path / "site",
        incidents=[incident("a", resolved="2026-11-20T12:00:00+01:00")],
        tickets=[ticket(1, status="fixing", evaluated_at="2026-11-20T09:00:00+01:00")],
        files={"content/pages/terms.md": "---\ntitle: Terms\n---\nFirst words.\n"},
    )
    pages = site / "content" / "pages"
    config = site / "statuspage.toml"
    original_config = config.read_text(encoding="utf-8")
    out = tmp_path / "out"
    steps = [
        lambda: (pages / "terms.md").write_text("---\ntitle: Terms\n---\nSecond words.\n", encoding="utf-8"),
        lambda: (pages / "terms.md").write_text(
            "---\ntitle: Terms\nnav: Rules\n---\nSecond words.\n", encoding="utf-8"
        ),
        lambda: (pages / "terms.en.md").write_text("---\ntitle: Terms in English\n---\nEnglish.\n", encoding="utf-8"),
        lambda: (pages / "about.md").write_text("---\ntitle: About\norder: 1\n---\nUs.\n", encoding="utf-8"),
        lambda: (pages / "support.md").write_text(
            "---\ntitle: Help\n---\nAbove.\n\n<!-- channels -->\n\nBelow.\n", encoding="utf-8"
        ),
        lambda: config.write_text(
            original_config + '\n[wording]\nwhy_overdue.en = "Late: {fix_by}."\n', encoding="utf-8"
        ),
        lambda: config.write_text(
            original_config + '\n[wording]\nwhy_overdue = "Late!"\nchannel_chat = "Chat"\n', encoding="utf-8"
        ),
        lambda: (pages / "support.md").unlink(),
        lambda: (pages / "about.md").unlink(),
        lambda: (pages / "terms.en.md").unlink(),
    ]
    build_site(site, out, NOW, jobs=1)
    for step, change in enumerate(steps):
        change()
        build_site(site, out, NOW, jobs=1 + step % 2)
        clean = tmp_path / f"clean{step}"
        build_site(site, clean, NOW, jobs=1)
        assert tree(out) == tree(clean), f"step {step}"
        shutil.rmtree(clean)
        shutil.rmtree(cache_dir(clean))


def test_build_explain_tells_what_each_phase_of_the_last_build_decided(site_factory, tmp_path: Path) -> None:
    """``statuspage build --explain`` reads the record the last build left beside the output: whether it
    was unchanged and why, and per kind of file how many were kept, linked, rendered or removed."""
    site = site_factory(incidents=[incident(), incident("older", date="2026-11-10T09:00:00+01:00")])
    out = tmp_path / "out"
    command = ("build", "--site", str(site), "--out", str(out), "--now", NOW)

    missing = run(*command, "--explain")
    assert missing.exit_code == 1 and "no build recorded beside it" in missing.output
    assert not out.exists()  # explaining builds nothing

    assert run(*command).exit_code == 0
    first = run(*command, "--explain").output
    phases = ["snapshot", "unchanged?", "load", "derive", "plan", "render", "swap", "record"]
    assert first.startswith(f"The last build of {out}: ")
    assert [line.split()[0] for line in first.splitlines() if line.startswith("  ") and line[2] != " "] == phases
    assert "changed: build; why: there is no output yet" in first
    assert "incidents: 2" in first and "tree: an empty tree (no published tree known)" in first
    assert "pages.incident: 2 rendered" in first and "removed: 0" in first
    assert "recorded: the next build with the same sources writes nothing" in first

    assert "Nothing changed" in run(*command).output
    again = run(*command, "--explain").output
    assert "unchanged: nothing written; why: the fingerprint is the output's" in again
    assert "load" not in again and "render" not in again

    path = site / "content" / "incidents" / "outage.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nAn update.\n", encoding="utf-8")
    run(*command)
    edited = run(*command, "--explain").output
    assert "why: changed: content" in edited
    assert "tree: a copy of the published tree by hard links" in edited
    assert "keyed only where they show a changed incident" in edited
    assert "pages.incident: 1 kept unkeyed, 1 rendered" in edited

    (site / "content" / "incidents" / "older.md").unlink()
    run(*command, "--now", "2026-11-25T12:05:00+01:00")
    removed = run(*command, "--explain").output
    assert "why: changed: content, now" in removed
    assert "tree: the spare tree" in removed
    assert "incidents/older/index.html" in removed and "removed: " in removed and "removed: 0" not in removed
