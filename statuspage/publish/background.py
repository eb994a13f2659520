"""Publishing after each build of ``statuspage watch --publish``, in a thread of its own.

A publish can take long (a first upload, a slow or unreachable host) and must never hold up the
next build.  The watcher asks for a publish after each build; this thread publishes the newest
output, and after a failure publishes again with a growing pause (targets already up to date then
upload nothing), until it succeeds or a newer build asks (which publishes everything that changed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..background import BackgroundJob
from ..errors import StatuspageError
from .run import TargetResult, publish_site

log = logging.getLogger("statuspage.publish")

FIRST_RETRY, MAX_RETRY = 5.0, 300.0  # seconds before retrying a failed publish; doubled each time


class Publisher(BackgroundJob):
    """Publishes the output after each build it is told of; failures are logged and retried with back-off."""

    thread_name = "statuspage-publish"

    def __init__(
        self,
        site_dir: Path,
        out: Path,
        *,
        after: Callable[[list[TargetResult]], None] = lambda results: None,
        first_retry: float = FIRST_RETRY,
    ) -> None:
        super().__init__()
        self.site_dir, self.out = site_dir, out
        self.after = after  # called after each publish attempt, with what it did
        self.first_retry = first_retry

    def _run(self) -> None:
        pause = self.first_retry
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            self._wanted.clear()
            if self._publish_once():
                pause = self.first_retry
                continue
            # Wait, unless a new build asks first or we stop; then try again either way.
            log.warning("publish will be retried in %gs", pause)
            if not self._wanted.wait(pause):
                self._wanted.set()
            pause = min(MAX_RETRY, pause * 2)

    def _publish_once(self) -> bool:
        """One publish to every target; True when all succeeded."""
        try:
            results = publish_site(self.site_dir, self.out, say=log.info)
        except StatuspageError as error:
            for line in str(error).splitlines():
                log.error("publish failed: %s", line)
            return False
        except Exception:
            log.exception("publish failed unexpectedly")
            return False
        for result in results:
            if result.error is not None:
                log.error("publish to %s failed: %s", result.name, result.error)
        self.after(results)
        return all(result.error is None for result in results)
