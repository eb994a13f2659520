"""``statuspage watch``: keep the built site current, rebuilding exactly when what it shows changes.

Three kinds of job run on an APScheduler ``BackgroundScheduler`` with a single worker thread, so
builds never overlap:

- **clock** jobs, one per instant at which the derived state changes by itself (a window starts
  or ends, a pin expires, a ticket becomes overdue...), rescheduled after every build;
- a **check** job every ``interval`` seconds that rebuilds when the sources changed, once a burst
  of changes has settled (``debounce``);
- with ``git_pull``, a **pull** job every ``pull_every`` seconds: ``git pull --ff-only``, then a check.

Clock builds are exact.  The job starts ``lead`` seconds early (about one build's duration),
builds with ``now`` set to the instant itself, and waits in ``build_site``'s ``before_swap`` until
the instant to swap the new output in: visitors see the change at that instant, not a build later.
A job that runs late builds with the real clock instead.

A failed build (bad content pushed) is logged as ``path:line: message`` lines; the previous
output stays in place, and the next change of the sources triggers the next try.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..build import build_site
from ..build.workers import other_threads_stay_clear
from ..clock import wall_clock
from ..errors import StatuspageError, ValidationError
from ..sources.changes import ChangeDetector, Snapshot, describe_changes
from ..state import SiteState
from ..state.instants import state_change_instants
from ..terminal import visible
from .pull import Pulled, pull
from .report import visible_changes

if TYPE_CHECKING:
    from ..notify.background import Notifier
    from ..publish.background import Publisher
    from ..publish.run import TargetResult

log = logging.getLogger("statuspage.watch")

MAX_CLOCK_JOBS = 50  # nearest state changes scheduled at once; the rest after later rebuilds
MIN_LEAD, MAX_LEAD = 0.5, 60.0  # seconds a clock build starts before its instant
MAX_SETTLE = 10  # debounce periods to wait at most for a burst of changes to end
STALE_AFTER_FAILURES = 3  # failed pulls in a row before the page says it may be out of date
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """``2s``, ``500ms``, ``1m``, ``1h`` or plain seconds (``1.5``), as seconds; raises ValueError."""
    value = text.strip().lower()
    for unit in sorted(_UNITS, key=len, reverse=True):
        if value.endswith(unit):
            number, factor = value[: -len(unit)], _UNITS[unit]
            break
    else:
        number, factor = value, 1
    try:
        seconds = float(number) * factor
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 2s, 500ms, 1m or 1h") from None
    if not 0 < seconds < 366 * 24 * 3600:
        raise ValueError(f"{text!r} must be more than zero and less than a year")
    return seconds


@dataclass(frozen=True)
class WatchSettings:
    site_dir: Path
    out: Path
    interval: float = 2.0  # seconds between checks of the sources
    git_pull: bool = False
    pull_every: float = 60.0  # seconds between ``git pull --ff-only`` runs
    provenance: bool = True
    debounce: float = 0.5  # seconds the sources must stay unchanged before a rebuild
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # processes a build loads and renders in
    publish: bool = False  # upload each new output to the [[publish]] targets (statuspage/publish)
    notify_retry: float = 30.0  # seconds before a failed notification is first retried (notify/outbox.py)


class _Stopped(Exception):
    """Raised inside a build waiting for its instant when the watcher is asked to stop."""


class _QuietSkips(logging.Filter):
    """A check skipped because a build is running is expected; the next check catches up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


class Watcher:
    """Builds once, then keeps the output current until ``stop``; usable in a thread (tests)."""

    def __init__(self, settings: WatchSettings, *, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.stopping = stop if stop is not None else threading.Event()
        self.detector = ChangeDetector(settings.site_dir, git=settings.provenance)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if not any(isinstance(existing, _QuietSkips) for existing in scheduler_log.filters):
            scheduler_log.addFilter(_QuietSkips())
        self.baseline: Snapshot | None = None  # the sources as the last build attempt saw them
        self.state: SiteState | None = None  # what the output shows
        self.lead = MIN_LEAD
        self.builds = 0
        self.pull_failures = 0  # in a row
        self.pulled_at: datetime | None = None  # the last time the checkout was known current
        self._lock = threading.Lock()
        # Publishing runs in its own thread, so a slow or failing host never delays the next build.
        # Notifications run in another, after each build, or after each successful publish when
        # publishing, so that the links in the messages resolve.
        self.publisher: Publisher | None = None
        if settings.publish:
            from ..publish.background import Publisher  # boto3 is loaded only when publishing

            self.publisher = Publisher(settings.site_dir, settings.out, after=self._published)
        self.notifier: Notifier | None = None

    # --- Life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Pull (if asked), build once, then start the jobs; a first build with bad content is only logged."""
        settings = self.settings
        if not settings.site_dir.is_dir():
            raise StatuspageError(f"--site {settings.site_dir}: not a directory")
        log.info(
            "watching %s → %s (checks every %gs%s)",
            settings.site_dir,
            settings.out,
            settings.interval,
            f", git pull every {settings.pull_every:g}s" if settings.git_pull else "",
        )
        if settings.git_pull:
            self._pulled(pull(settings.site_dir))
        if self.publisher is not None:
            from ..publish.run import load_targets

            load_targets(settings.site_dir)  # no [[publish]] target, or a bad one: stop at once, not at each build
            self.publisher.start()
        self._start_notifier()
        self.build("start", fatal=True)
        self.scheduler.add_job(self.check, IntervalTrigger(seconds=settings.interval), id="check")
        if settings.git_pull:
            self.scheduler.add_job(self.pull_and_check, IntervalTrigger(seconds=settings.pull_every), id="pull")
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the jobs; a build in progress finishes (or, if waiting for its instant, is dropped).

        APScheduler's ``shutdown(wait=True)`` holds its job-store lock while it waits for running
        jobs, and a build reschedules jobs at its end: that would deadlock.  So wait for the build
        on our own lock, then shut down without waiting; jobs still queued see ``stopping`` and return.
        """
        self.stopping.set()
        with self._lock:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
        self.detector.close()
        if self.publisher is not None:
            self.publisher.stop()  # a publish in progress finishes first
        if self.notifier is not None:
            self.notifier.stop()  # the delivery being sent finishes; the rest wait in the outbox
        log.info("stopped after %d builds", self.builds)

    def _start_notifier(self) -> None:
        """Notify after every build when ``[notify] state`` is set (a broken config is the first build's to report)."""
        from ..config import load_config
        from ..errors import Collector

        config = load_config(self.settings.site_dir, Collector())
        if config is None or config.notify.state is None:
            return
        from ..notify.background import Notifier

        self.notifier = Notifier(self.settings.site_dir, self.settings.out, first_retry=self.settings.notify_retry)
        self.notifier.start()
        log.info("notifying after each build (outbox %s)", config.notify.state)

    def _published(self, results: list[TargetResult]) -> None:
        """After a publish attempt: once every target has the output, its news may be told."""
        if self.notifier is not None and all(result.error is None for result in results):
            self.notifier.request()

    # --- Jobs ---------------------------------------------------------------------------------

    def check(self) -> None:
        """Rebuild if the sources changed since the last build attempt."""
        if self.stopping.is_set():
            return
        snapshot = self.detector.snapshot()
        if snapshot == self.baseline:
            return
        settled = self._settle(snapshot)
        if settled is None:
            return
        self.build("sources changed", changes=describe_changes(self.baseline or Snapshot(), settled), seen=settled)

    def pull_and_check(self) -> None:
        if self.stopping.is_set():
            return
        if self._pulled(pull(self.settings.site_dir)):
            self.build("git pull failing" if self.content_stale_since else "git pull works again")
        else:
            self.check()

    @property
    def content_stale_since(self) -> datetime | None:
        """Since when the page may be out of date: pulls have failed too often in a row."""
        return self.pulled_at if self.pull_failures >= STALE_AFTER_FAILURES else None

    def _pulled(self, result: Pulled) -> bool:
        """Count a pull; whether the page must now say, or stop saying, that it may be out of date."""
        now = wall_clock()
        if result.failure is None:
            recovered = self.pull_failures >= STALE_AFTER_FAILURES
            if recovered:
                log.info("git pull works again after %d failures", self.pull_failures)
            self.pull_failures, self.pulled_at = 0, now
            return recovered
        if self.pulled_at is None:
            self.pulled_at = now  # never pulled: the checkout is as current as at the first try
        self.pull_failures += 1
        if self.pull_failures == STALE_AFTER_FAILURES:
            log.error(
                "git pull has failed %d times in a row; the front page now says that it may be out of date "
                "since %s, until a pull works again",
                self.pull_failures,
                self.pulled_at.isoformat(timespec="seconds"),
            )
            return True
        return False

    def at_instant(self, instant: datetime) -> None:
        """A clock job: the state changes at ``instant`` although no source did."""
        self.build(f"state changes at {instant.isoformat()}", at=instant)

    # --- Building -----------------------------------------------------------------------------

    def build(
        self,
        reason: str,
        *,
        at: datetime | None = None,
        changes: list[str] | None = None,
        fatal: bool = False,
        seen: Snapshot | None = None,
    ) -> bool:
        """One build; never raises for bad content (``fatal`` re-raises other user errors, at start).

        ``seen`` is a snapshot of the sources just taken (by ``check``), else one is taken here: a
        source changed after it only makes the next check build again.
        """
        with self._lock:
            try:
                return self._build(reason, at=at, changes=changes, fatal=fatal, seen=seen)
            finally:
                # What a build leaves behind is cyclic: Flask apps, Jinja environments and werkzeug
                # maps refer to themselves, and hold the state and site they showed.  Only the cycle
                # collector frees that, and a build keeps it off, then freezes everything in memory,
                # garbage of the builds before included, while it renders (statuspage/build/):
                # left to itself it never got to it, and the process grew by every build's leftovers.
                # Freed here, once the output is in place and the previous state is dropped.
                gc.collect()

    def _build(
        self, reason: str, *, at: datetime | None, changes: list[str] | None, fatal: bool, seen: Snapshot | None
    ) -> bool:
        """``build``, under its lock."""
        if self.stopping.is_set():
            return False
        snapshot = seen if seen is not None else self.detector.snapshot()
        started = time.monotonic()
        rendered: list[float] = []
        now = wall_clock()
        instant = at if at is not None and at > now else None

        def wait_for_instant() -> None:
            rendered.append(time.monotonic())
            if instant is not None:
                self._wait_until(instant)

        try:
            with other_threads_stay_clear():  # ours only wait: see build/workers.py
                result = build_site(
                    self.settings.site_dir,
                    self.settings.out,
                    (instant or now).isoformat(),
                    provenance=self.settings.provenance,
                    before_swap=wait_for_instant,
                    jobs=self.settings.jobs,
                    content_stale_since=self.content_stale_since,
                )
        except ValidationError as error:
            log.error("build (%s) failed; keeping the previous output:", reason)
            for problem in error.problems:
                log.error("  %s", visible(str(problem)))
            return False
        except StatuspageError as error:
            log.error("build (%s) failed; keeping the previous output: %s", reason, error)
            if fatal:
                raise
            return False
        except _Stopped:
            log.info("build (%s) dropped: stopping", reason)
            return False
        except Exception:
            log.exception("build (%s) failed unexpectedly; keeping the previous output", reason)
            return False
        finally:
            self.baseline = snapshot  # a failed build is retried on the next change, not in a loop
        for problem in result.warnings:  # published without them (SPEC §6)
            log.warning("%s", visible(str(problem)))
        finished = time.monotonic()
        render = (rendered[0] if rendered else finished) - started
        self.lead = min(MAX_LEAD, max(MIN_LEAD, 1.5 * render + 0.25))
        shown = visible_changes(self.state, result.state) + (changes or [])
        self.state = result.state
        self.builds += 1
        log.info(
            "built %d files in %.2fs (%s) as of %s%s",
            result.files,
            render,
            reason,
            result.now.isoformat(timespec="seconds"),
            ": " + "; ".join(shown) if shown else "",
        )
        self._schedule(result.state)
        if self.publisher is not None:
            self.publisher.request()  # the new output is in place: publish it, without waiting here
        elif self.notifier is not None:
            self.notifier.request()  # the new output is in place: tell people, without waiting here
        return True

    def _wait_until(self, instant: datetime) -> None:
        delay = (instant - wall_clock()).total_seconds()
        if delay > 0 and self.stopping.wait(delay):
            raise _Stopped

    def _settle(self, snapshot: Snapshot) -> Snapshot | None:
        """Wait until the sources stop changing (an editor saving, a ``git pull`` writing files)."""
        for _ in range(MAX_SETTLE):
            if self.stopping.wait(self.settings.debounce):
                return None
            again = self.detector.snapshot()
            if again == snapshot:
                break
            snapshot = again
        return snapshot

    def _schedule(self, state: SiteState) -> None:
        """Replace the clock jobs with the next state changes of the state just built."""
        wanted = {f"clock {moment.isoformat()}": moment for moment in state_change_instants(state)[:MAX_CLOCK_JOBS]}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("clock ") and job.id not in wanted:
                job.remove()
        for job_id, moment in wanted.items():
            trigger = DateTrigger(run_date=moment - timedelta(seconds=self.lead), timezone=UTC)
            self.scheduler.add_job(self.at_instant, trigger, args=[moment], id=job_id, replace_existing=True)
        if wanted:
            log.info("next state change at %s", min(wanted.values()).isoformat(timespec="seconds"))


def _configure_logging() -> None:
    logger = logging.getLogger("statuspage")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def watch(settings: WatchSettings) -> None:
    """Run the watcher until SIGINT or SIGTERM, then stop cleanly (exit status 0)."""
    _configure_logging()
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    watcher = Watcher(settings, stop=stop)
    try:
        watcher.start()
        while not stop.wait(3600):
            pass
    finally:
        watcher.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
