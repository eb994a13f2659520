"""Forked worker processes for the CPU-heavy phases (parsing, rendering); results come back pickled."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..errors import StatuspageError

T = TypeVar("T")


_stay_clear = [0]  # callers inside other_threads_stay_clear; changed under _stay_clear_lock
_stay_clear_lock = threading.Lock()


@contextmanager
def other_threads_stay_clear() -> Iterator[None]:
    """Let ``in_workers`` fork although the process runs other threads, for as long as this lasts.

    For a caller whose other threads never take a lock that a worker's code takes: ``watch``,
    whose other threads are its main thread (waiting for a signal) and APScheduler's, which only
    schedules jobs.  A worker loads or renders, then leaves with ``os._exit``; the locks it could
    share with them are the logging module's, which Python renews in a forked child.
    """
    with _stay_clear_lock:
        _stay_clear[0] += 1
    try:
        yield
    finally:
        with _stay_clear_lock:
            _stay_clear[0] -= 1


def in_workers(task: Callable[[int, int], T], jobs: int) -> list[T]:
    """Run ``task(k, jobs)`` for k in 0..jobs-1, each in its own process; returns the results in order of k.

    Workers are forked, so they share what the parent has loaded and derived without pickling it;
    only their results travel back.  The task shares out the work itself (by ``k``, or through a
    ``WorkQueue``) so that the merged result is exactly what one process computes.  A process
    running other threads works alone, unless they are known to stay clear of what a worker does
    (``other_threads_stay_clear``).
    The first error from any worker is raised here, once all of them have finished.
    """
    if jobs <= 1 or (threading.active_count() > 1 and not _stay_clear[0]):
        # A lock another thread holds at the fork stays held in the child, forever.
        return [task(0, 1)]
    children: list[tuple[int, int]] = []
    try:
        for worker in range(1, jobs):
            children.append(_forked(task, worker, jobs))
        results = [task(0, jobs)]
    finally:  # also when a later fork failed: the workers already started are waited for
        reports = [_collect(pid, read) for pid, read in children]
    results += [_outcome(report) for report in reports]
    return results


@contextmanager
def in_background(task: Callable[[], T], fork: bool = True) -> Iterator[Callable[[], T]]:
    """Start ``task`` in a forked process; gives a function that waits for its result (or raises its error).

    Where forking is not safe (see ``in_workers``), or with ``fork`` false, the task runs in
    this process when its result is first asked for.  Leaving waits for the process, if it was
    forked, whether or not its result was asked for.
    """
    outcome: list[T] = []
    if not fork or (threading.active_count() > 1 and not _stay_clear[0]):

        def run_here() -> T:
            if not outcome:
                outcome.append(task())
            return outcome[0]

        yield run_here
        return
    pid, read = _forked(lambda worker, jobs: task(), 1, 2)
    report: list[bytes] = []

    def result() -> T:
        if not report:
            report.append(_collect(pid, read))
        if not outcome:
            outcome.append(_outcome(report[0]))
        return outcome[0]

    try:
        yield result
    finally:
        if not report:
            report.append(_collect(pid, read))


Told = tuple[Callable[[], None], Callable[[], T | None]]  # see in_background_when_told


@contextmanager
def in_background_when_told(task: Callable[[], T], fork: bool = True) -> Iterator[Told[T]]:
    """``in_background``, but the task waits until ``go()`` is called; gives ``go`` and the result's getter.

    So a process that is about to grow (load a big site) can fork its helper while it is still
    small: a process forked later shares every page of what was loaded, and each page either of
    them then writes is copied.  Never told, the task does nothing and gives None.
    """
    read, write = os.pipe()
    parent = os.getpid()
    told: list[bool] = []

    def when_told() -> T | None:
        if os.getpid() == parent:  # not forked: run here, when its result is asked for
            return task() if told == [True] else None
        os.close(write)  # forked: only the parent may tell
        return task() if os.read(read, 1) == b"1" else None

    def go() -> None:
        if not told:
            told.append(True)
            os.write(write, b"1")

    try:
        with in_background(when_told, fork) as result:
            try:
                yield go, result
            finally:
                if not told:
                    told.append(False)
                    os.write(write, b"0")
    finally:
        os.close(read)
        os.close(write)


def _forked(task: Callable[[int, int], object], worker: int, jobs: int) -> tuple[int, int]:
    """A process forked to run ``task(worker, jobs)``: its pid and the pipe its report comes through."""
    read, write = os.pipe()
    try:
        pid = _fork()
    except BaseException:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the worker: report the result or the error through the pipe, then leave at once
        _report(write, task, worker, jobs, parents_end=read)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> bytes:
    """A forked process's report, once it has left."""
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    return report


def _outcome(report: bytes) -> Any:
    """The value a process reported, or its error raised."""
    _, value = pickle.loads(report) if report else ("error", StatuspageError("a worker process died"))
    if isinstance(value, BaseException):
        raise value
    return value


def _fork() -> int:
    """``os.fork``; quiet about other threads when the caller vouched for them (Python 3.12 warns)."""
    if threading.active_count() == 1:
        return os.fork()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*multi-threaded.*fork", category=DeprecationWarning)
        return os.fork()


def _report(pipe: int, task: Callable[[int, int], object], worker: int, jobs: int, parents_end: int) -> None:
    """In a forked process: run the task, write its outcome to ``pipe`` and leave, whatever happens.

    ``parents_end`` is the pipe's other end, closed here: nothing a worker does may return into
    the parent's code (its ``finally`` blocks would wait for its own siblings).
    """
    code = 0
    try:
        os.close(parents_end)
        # Not the parent's handlers (``watch`` stops on these): Ctrl-C interrupts, SIGTERM ends.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            outcome: tuple[str, object] = ("ok", task(worker, jobs))
        except BaseException as error:  # noqa: BLE001 - every failure goes to the parent
            outcome = ("error", error)
            code = 1
        try:
            payload = pickle.dumps(outcome)
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled travels as text
            payload = pickle.dumps(("error", StatuspageError(f"worker process failed: {outcome[1]!r}")))
        with os.fdopen(pipe, "wb") as handle:
            handle.write(payload)
    finally:
        os._exit(code)  # never return into the parent's code (no atexit, no buffered output twice)


class WorkQueue:
    """The numbers 0..count-1, each handed to whichever worker asks first: work shared as it is done.

    A pipe filled before the workers are forked: every process inherits its read end, and a read
    of one number from a pipe is atomic, so each number goes to exactly one of them.  Workers that
    finish a cheap share early take more, so no worker waits for another with the costly files.
    """

    # Numbers that fit in the pipe at once, so that filling it never waits for a reader: 4 KiB, one
    # page, the least a Linux pipe holds (a user with many pipes open gets no more).
    LIMIT = 1024
    _NUMBER = struct.Struct("<I")

    def __init__(self, count: int) -> None:
        if count > self.LIMIT:
            raise ValueError(f"at most {self.LIMIT} numbers")
        self._read, write = os.pipe()
        numbers = b"".join(self._NUMBER.pack(number) for number in range(count))
        try:
            if os.write(write, numbers) != len(numbers):  # cannot happen within one page; never lose a share
                raise OSError("the work queue's pipe took only part of the numbers")
        except BaseException:
            os.close(self._read)
            raise
        finally:
            os.close(write)  # an empty pipe with no writer reads as the end

    def __iter__(self) -> Iterator[int]:
        size = self._NUMBER.size
        while data := os.read(self._read, size):
            yield self._NUMBER.unpack(data)[0]

    def close(self) -> None:
        os.close(self._read)


@contextmanager
def cycle_collection(enabled: bool) -> Iterator[None]:
    """Python's cycle collector on or off for a while, then as it was.

    A build turns it off while it reads, derives and plans (``build_site``): nearly all it makes
    then lives until the build ends, so collections found nothing to free yet walked everything
    made so far (a good part of a small rebuild of a big site).  Workers turn it on while
    they render: templates leave cycles behind.
    """
    was = gc.isenabled()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
