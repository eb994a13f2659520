"""``python -m bench.watch SITE OUT``: how soon ``statuspage watch`` shows an edit, once it has seen it.

``watch`` is one long-lived process: it keeps what it loaded in memory between builds and forks
its render workers as ``build`` does.  This drives the real ``Watcher`` in a fresh process, but
asks for each rebuild directly, as its check does once it has seen the sources change and
settle: the check interval and the debounce, which add their own wait, are left out.  The clock
is held at the benchmark's ``NOW``, like the ``--now`` of the other builds, so the scheduler starts
paused: its clock jobs fire by the real clock, and one for an instant between ``NOW`` and today
would wait for the held clock to reach it forever.  Each rebuild still schedules them.

For each of three edits of one incident it prints, tab-separated, the seconds until the new
output was swapped in (what a visitor waits for: the time to inform) and the seconds of the
whole rebuild (which then records the trees and schedules the next state changes).
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import statuspage.build as build_module
from statuspage.watch import service
from statuspage.watch.service import Watcher, WatchSettings

from .generate import NOW, touch_one_incident

REBUILDS = 3


def main() -> None:
    site, out = Path(sys.argv[1]), Path(sys.argv[2])
    service.wall_clock = lambda: NOW  # type: ignore[attr-defined]  # the clock of the other builds
    swapped: list[float] = []
    swap = build_module.swap_into_place

    def swap_and_note(staging: Path, out: Path) -> None:
        swap(staging, out)
        swapped.append(time.perf_counter())

    build_module.swap_into_place = swap_and_note  # type: ignore[assignment]
    watcher = Watcher(WatchSettings(site_dir=site, out=out, interval=3600))
    watcher.scheduler.start = partial(watcher.scheduler.start, paused=True)  # type: ignore[method-assign]
    watcher.start()
    times = []
    for _ in range(REBUILDS):
        touch_one_incident(site)
        seen = watcher.detector.snapshot()  # as the check that noticed the change
        started = time.perf_counter()
        if not watcher.build("bench", seen=seen):
            raise SystemExit("a rebuild failed")
        times += [swapped[-1] - started, time.perf_counter() - started]
    watcher.stop()
    print("\t".join(f"{value:.3f}" for value in times))


if __name__ == "__main__":
    main()
