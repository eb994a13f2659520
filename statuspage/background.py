"""A thread that does one job in the background of ``watch``, when asked and never while the asker waits.

Publishing and notifying after a build can each be slow (a first upload, a receiver that takes its
time) and must never hold up the next build: the watcher only asks (``request``), and the job's
own thread runs when it is asked, when a retry is due, or stops (``stop``) after the work in hand.
"""

from __future__ import annotations

import threading


class BackgroundJob:
    """The thread and its two signals: a subclass's ``_run`` waits on ``_wanted``, returns once ``_stopping`` is set."""

    thread_name = "statuspage-job"

    def __init__(self) -> None:
        self._wanted = threading.Event()  # a build finished since the job last started
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self) -> None:
        """A build swapped in a new output: do the job on it, soon, without waiting here."""
        self._wanted.set()

    def stop(self) -> None:
        """Stop after the work in hand; what is left waits for the next start."""
        self._stopping.set()
        self._wanted.set()
        if self._thread.ident is not None:  # started (a watcher that failed to start never started it)
            self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError
