"""``python -m bench``: generate synthetic sites, build each in a fresh process, print a table.

    python -m bench                       # 1,000 and 10,000 incidents (the targets in bench/RESULTS.md)
    python -m bench --sizes 1000          # a quick run
    python -m bench --keep /tmp/bench     # keep the generated sites for profiling

Each size is built in this order, each build a fresh ``statuspage build`` process (the watch
rebuilds share one fresh process, as ``watch`` does):

- clean: no output and no cache beside it (``.build-cache/``): every file parsed and rendered;
- full: the output and its records removed, the parse cache kept (what a template or config
  change costs: every page rendered again, no Markdown parsed again);
- first change: one incident file edited; the build copies the published tree by hard links
  into the spare tree it keeps from then on;
- change: another edit of that incident file: the steady state of a site being updated (the
  median of ``CHANGES`` builds, each after an edit: this machine's speed drifts from build to build);
- nothing: the same sources again;
- later: the same sources, a minute later (``--now``): what every build without ``--now`` pays
  at least, as the front page, feeds, JSON and uptime move on;
- watch: an incident edited, rebuilt by ``statuspage watch``, which keeps what it loaded in
  memory between builds (``bench/watch.py``; the median of three rebuilds): the seconds until
  the new output is live, and until the rebuild is done.

Columns: items, files written, the wall time of each build, files/s of the clean build, the peak
RSS of any one ``build`` process (a forked worker included), and the output size.  The example site's
front-page weight (gzip, with the stylesheet and any script it loads) is printed at the end.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .generate import NOW, Size, touch_one_incident, write_site

LATER = NOW + timedelta(minutes=1)
CHANGES = 5  # edits measured for the "change" column, of which the median is shown

REPO = Path(__file__).resolve().parent.parent
SIZES = {
    1000: Size(incidents=1000, maintenance=100, tickets=10_000),
    10000: Size(incidents=10_000, maintenance=1000, tickets=100_000),
}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    files: int


# Python's bytecode cache on, as a Python has it unless told otherwise: where PYTHONDONTWRITEBYTECODE
# is set (some CI images and containers), every build compiles our modules again (~0.1 s a build).
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def build(site: Path, out: Path, jobs: int | None = None, now: datetime = NOW) -> Run:
    """One build in a fresh interpreter, so its peak memory is its own (and its workers')."""
    command = [
        sys.executable,
        "-m",
        "statuspage",
        "build",
        "--site",
        str(site),
        "--out",
        str(out),
        "--now",
        now.isoformat(),
        *(["--jobs", str(jobs)] if jobs else []),
    ]
    script = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, elapsed, peak, done.stdout.strip(), done.stderr.strip()[-500:], sep='\\t')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command], capture_output=True, text=True, check=True, env=ENVIRONMENT
    )
    code, elapsed, peak, stdout, stderr = (result.stdout.rstrip("\n").split("\t") + ["", ""])[:5]
    if code != "0":
        raise SystemExit(f"build of {site} failed: {stderr}")
    found = re.search(r"(?:Built|Nothing changed:) (\d+) files", stdout)
    files = int(found.group(1)) if found else 0
    return Run(float(elapsed), int(peak) / 1024, files)


def tree_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def front_page_weight(out: Path) -> int:
    """Bytes, gzip-compressed, of index.html and every same-site stylesheet and script it loads."""
    page = (out / "index.html").read_bytes()
    total = len(gzip.compress(page, 9, mtime=0))
    for link in re.findall(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"', page):
        total += len(gzip.compress((out / link.decode()).read_bytes(), 9, mtime=0))
    return total


def forget_output(out: Path, *, keep_parse_cache: bool) -> None:
    """Remove a build's output, its spare tree and its records; the parse cache too unless kept."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / f".{out.name}.spare", ignore_errors=True)
    cache = out.parent / f".{out.name}-cache"
    if not keep_parse_cache:
        shutil.rmtree(cache, ignore_errors=True)
    for record in ("build.json", "trees.pickle", "files-live.pickle", "files-spare.pickle"):
        (cache / record).unlink(missing_ok=True)


def watch_rebuild(site: Path, out: Path) -> tuple[float, float]:
    """``bench/watch.py`` in a fresh interpreter: the medians of its rebuilds' seconds until live and in all."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.watch", str(site), str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ENVIRONMENT,
    )
    if result.returncode != 0:
        raise SystemExit(f"watch of {site} failed: {result.stderr[-500:]}")
    values = [float(value) for value in result.stdout.split()]
    return statistics.median(values[0::2]), statistics.median(values[1::2])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated incident counts: 1000, 10000")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the generated sites in")
    parser.add_argument("--jobs", type=int, default=None, help="render processes  [default: the number of CPUs]")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}")
    print(
        "| incidents | maintenance | tickets (public) | files | clean s | files/s | peak RSS MB | output MB "
        "| full s | first change s | change s | nothing s | later s | watch: live s | watch: done s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for count in (int(part) for part in args.sizes.split(",")):
        size = SIZES[count]
        site = base / f"site-{count}"
        if not site.exists():
            write_site(site, size)
        out = site / "build"
        forget_output(out, keep_parse_cache=False)
        clean = build(site, out, args.jobs)
        forget_output(out, keep_parse_cache=True)
        full = build(site, out, args.jobs)
        touch_one_incident(site)
        first = build(site, out, args.jobs)
        changes = []
        for _ in range(CHANGES):
            touch_one_incident(site)
            changes.append(build(site, out, args.jobs))
        changed = sorted(changes, key=lambda run: run.seconds)[len(changes) // 2]
        unchanged = build(site, out, args.jobs)
        later = build(site, out, args.jobs, LATER)
        live, done = watch_rebuild(site, out)
        public = round(size.tickets * size.public_fraction)
        peak = max(run.peak_rss_mb for run in (clean, full, first, *changes, unchanged, later))
        print(
            f"| {size.incidents:,} | {size.maintenance:,} | {size.tickets:,} (~{public:,}) | {clean.files:,} "
            f"| {clean.seconds:.1f} | {clean.files / clean.seconds:,.0f} | {peak:.0f} | {tree_size(out) / 1e6:.1f} "
            f"| {full.seconds:.1f} | {first.seconds:.1f} | {changed.seconds:.2f} | {unchanged.seconds:.2f} "
            f"| {later.seconds:.2f} | {live:.2f} | {done:.2f} |"
        )
    example = base / "example-build"
    shutil.rmtree(example, ignore_errors=True)
    build(REPO, example)
    print(f"front page of the example site: {front_page_weight(example):,} bytes gzip with its subresources")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
