"""Notifying after each build of ``statuspage watch``, in a thread of its own.

Sending can be slow (a receiver that takes its time, a hub that is down) and must never hold up
the next build.  The watcher asks for a run after each build (after each publish, with
``--publish``, so that the links in the messages resolve); this thread runs ``notify_site`` on
the output then in place, and wakes again when the earliest failed delivery is due for its retry.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from ..background import BackgroundJob
from ..clock import wall_clock
from ..errors import StatuspageError
from .outbox import FIRST_RETRY
from .run import notify_site

log = logging.getLogger("statuspage.notify")

IDLE = 3600.0  # seconds to sleep with nothing waiting (a build wakes the thread anyway)


class Notifier(BackgroundJob):
    """Runs the outbox after each build it is told of (and published), and for retries; never raises into ``watch``.

    ``stop`` lets the delivery being sent finish; the rest wait in the outbox for the next run.
    """

    thread_name = "statuspage-notify"

    def __init__(self, site_dir: Path, out: Path, *, first_retry: float = FIRST_RETRY) -> None:
        super().__init__()
        self.site_dir, self.out, self.first_retry = site_dir, out, first_retry
        self.runs = 0  # finished runs, for tests and logs

    def _run(self) -> None:
        wait = IDLE
        while True:
            self._wanted.wait(wait)
            if self._stopping.is_set():
                return
            self._wanted.clear()
            due = self._notify_once()
            wait = IDLE if due is None else max(0.05, (due - wall_clock()).total_seconds())

    def _notify_once(self) -> datetime | None:
        """One run; when the next retry is due (None: nothing waits, or the run failed and a build will ask again)."""
        try:
            result = notify_site(self.site_dir, self.out, first_retry=self.first_retry, stop=self._stopping.is_set)
        except StatuspageError as error:
            for line in str(error).splitlines():
                log.error("notify failed: %s", line)
            return None
        except Exception:
            log.exception("notify failed unexpectedly")
            return None
        finally:
            self.runs += 1
        sent = sum(1 for attempt in result.attempts if attempt.error is None)
        if result.recorded.events or result.attempts:
            log.info(
                "notify: %d new events, %d deliveries sent, %d waiting",
                len(result.recorded.news),
                sent,
                result.waiting,
            )
        return result.next_due
