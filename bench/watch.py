"""``python -m bench.watch SITE OUT``: what ``statuspage watch`` takes to rebuild after a source changed.

``watch`` is one long-lived process: it keeps what it loaded in memory between builds and forks
its render workers as ``build`` does.  This drives the real ``Watcher`` in a fresh process, its
scheduler running, but asks for each rebuild directly, as its check does once it has seen the
sources change and settle: the check interval and the debounce, which add their own wait, are
left out.  The clock is held at the benchmark's ``NOW``, like the
``--now`` of the other builds.  It prints the seconds of each rebuild after one
incident file was edited, tab-separated.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from statuspage.watch import service
from statuspage.watch.service import Watcher, WatchSettings

from .generate import NOW, touch_one_incident

REBUILDS = 3


def main() -> None:
    site, out = Path(sys.argv[1]), Path(sys.argv[2])
    service.wall_clock = lambda: NOW  # type: ignore[attr-defined]  # the clock of the other builds
    watcher = Watcher(WatchSettings(site_dir=site, out=out, interval=3600))
    watcher.start()
    seconds = []
    for _ in range(REBUILDS):
        touch_one_incident(site)
        seen = watcher.detector.snapshot()  # as the check that noticed the change
        started = time.perf_counter()
        if not watcher.build("bench", seen=seen):
            raise SystemExit("a rebuild failed")
        seconds.append(time.perf_counter() - started)
    watcher.stop()
    print("\t".join(f"{value:.3f}" for value in seconds))


if __name__ == "__main__":
    main()
