"""Worker processes for the CPU-heavy phases (parsing, rendering): the standard library's process pool, forked."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
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
    """Run ``task(k, jobs)`` for k in 0..jobs-1, k = 0 here, the others in a pool's workers; the results in order of k.

    One each, unless a worker is done with its k before another worker starts: it then takes that
    one too (the result is the same, as the work is shared out by the tasks themselves).

    The workers are the standard library's process pool with the fork start method, so they share
    what the parent has loaded and derived without pickling it: the task itself is not sent to
    them but inherited (``_INHERITED``), and only their results travel back.  The task shares out
    the work itself (by ``k``, or through a ``WorkQueue``) so that the merged result is exactly
    what one process computes.  A process running other threads works alone, unless they are known
    to stay clear of what a worker does (``other_threads_stay_clear``).
    The first error from any worker is raised here, once all of them have finished.
    """
    if jobs <= 1 or (threading.active_count() > 1 and not _stay_clear[0]):
        # A lock another thread holds at the fork stays held in the child, forever.
        return [task(0, 1)]
    with _pool(task, jobs - 1) as submit:
        futures = [submit(worker, jobs) for worker in range(1, jobs)]
        try:
            results = [task(0, jobs)]
        finally:  # also when this process's share failed: the workers are waited for
            wait(futures)
    return results + [_result(future) for future in futures]


@contextmanager
def in_background(task: Callable[[], T], fork: bool = True) -> Iterator[Callable[[], T]]:
    """Start ``task`` in a worker process; gives a function that waits for its result (or raises its error).

    Where forking is not safe (see ``in_workers``), or with ``fork`` false, the task runs in
    this process when its result is first asked for.  Leaving waits for the process, if it was
    started, whether or not its result was asked for.
    """
    outcome: list[T] = []
    if not fork or (threading.active_count() > 1 and not _stay_clear[0]):

        def run_here() -> T:
            if not outcome:
                outcome.append(task())
            return outcome[0]

        yield run_here
        return
    with _pool(lambda worker, jobs: task(), 1) as submit:
        future = submit(1, 2)
        # The pool's own threads only wait on its pipes: other workers may still be forked meanwhile.
        with other_threads_stay_clear():
            try:
                yield lambda: _result(future)
            finally:
                wait([future])


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


_INHERITED: dict[int, Callable[[int, int], Any]] = {}  # each live pool's task, as its forked workers inherit it
_POOLS = itertools.count()


@contextmanager
def _pool(task: Callable[[int, int], T], workers: int) -> Iterator[Callable[[int, int], Future[T]]]:
    """A process pool of ``workers`` forked processes running ``task``; gives ``submit(worker, jobs)``."""
    number = next(_POOLS)
    _INHERITED[number] = task
    children = set(multiprocessing.active_children())
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_started) as pool:

            def submit(worker: int, jobs: int) -> Future[T]:
                return pool.submit(_inherited, number, worker, jobs)

            yield submit
    except OSError:
        # A fork failed (out of processes, say) as the pool started its workers: those already
        # forked have no work, and the pool, which never started, would leave them waiting forever.
        for child in set(multiprocessing.active_children()) - children:
            child.kill()
            child.join()
        raise
    finally:
        del _INHERITED[number]


def _started() -> None:
    """In a worker: not the parent's signal handlers (``watch`` stops on these): Ctrl-C interrupts, SIGTERM ends."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _inherited(number: int, worker: int, jobs: int) -> Any:
    """In a worker: the pool's task, as inherited from the parent; an outcome that cannot travel back as text."""
    try:
        result = _INHERITED[number](worker, jobs)
    except StatuspageError:
        raise
    except BaseException as error:  # noqa: BLE001 - every failure goes to the parent, picklable
        raise _travelling(error) from None
    return result


def _travelling(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled travels as text
        return StatuspageError(f"worker process failed: {error!r}")
    return error


def _result(future: Future[T]) -> T:
    """A worker's result, or its error raised; a worker that died (killed, say) is an error of its own."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise StatuspageError("a worker process died") from None


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
