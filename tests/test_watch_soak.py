"""``statuspage watch`` runs for months: its memory levels off, however many times it rebuilds.

A real ``watch`` process on a generated site, edited again and again; its resident memory is
read from /proc after each rebuild, the way an operator's monitoring sees it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO))  # ``bench`` is a folder of the repository, not of the package

from bench.generate import Size, touch_one_incident, write_site  # noqa: E402

WARM_UP = 10  # rebuilds before measuring: caches, imports and the allocator's pools fill up first
MEASURED = 30  # rebuilds measured after the warm-up
# Leaking, the process grew by about 2 MB per rebuild of this site (60 MB over the measured
# rebuilds); levelled off, it stays within a megabyte or two.
MAX_GROWTH_MB = 12


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads a process's memory from /proc")
def test_watch_memory_levels_off_under_a_stream_of_edits(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", Size(incidents=200, maintenance=20, tickets=2000))
    out = tmp_path / "build"
    process = subprocess.Popen(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out), "--interval", "100ms"],
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()  # reads until the process exits, so the test never blocks on the pipe

    def wait_for_builds(count: int, timeout: float = 120) -> None:
        """Until the log says ``count`` builds finished; fails with the log when the process died or stalled."""
        started = time.monotonic()
        while sum(" built " in line for line in lines) < count:
            if process.poll() is not None or time.monotonic() - started > timeout:
                raise AssertionError(f"{count} builds not done:\n{''.join(lines)[-3000:]}")
            time.sleep(0.02)

    try:
        wait_for_builds(1)
        samples = []
        for edit in range(1, WARM_UP + MEASURED + 1):
            touch_one_incident(site)
            wait_for_builds(1 + edit)
            samples.append(resident_mb(process.pid))
        process.terminate()
        process.wait(timeout=20)
    finally:
        process.kill()
        reader.join(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
    log = "".join(lines)
    assert process.returncode == 0 and "Traceback" not in log, log[-3000:]
    assert f"Edited {WARM_UP + MEASURED} times." in (out / "incidents" / site_slug(site) / "index.html").read_text(
        encoding="utf-8"
    )
    measured = samples[WARM_UP - 1 :]
    growth = max(measured) - measured[0]
    assert growth < MAX_GROWTH_MB, f"grew by {growth:.1f} MB over {MEASURED} rebuilds: {[round(s) for s in samples]}"


def site_slug(site: Path) -> str:
    """The incident the benchmark's edit changes (the newest)."""
    return sorted((site / "content" / "incidents").glob("*.md"))[-1].stem
