"""A build killed with SIGKILL at any moment leaves the previous output complete, and no litter behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import NOW, REPO, run, tree


def test_kill_at_any_point_leaves_a_complete_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "statuspage.toml", site / "statuspage.toml")
    out = tmp_path / "public"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    old = tree(out)

    # The next build would change every page's clock line: any mix of old and new is visible.
    later = "2026-11-25T13:00:00+01:00"
    command = [sys.executable, "-m", "statuspage", "build", "--site", str(site), "--out", str(out), "--now", later]
    started = time.monotonic()
    finished = subprocess.run(command, capture_output=True, timeout=120)
    full = time.monotonic() - started
    assert finished.returncode == 0
    new = tree(out)
    assert new != old
    # Back to the old output, then kill builds at points spread over a whole build.
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    for step in range(8):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * (0.15 + step * 0.12))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        after = tree(out)
        assert after in (old, new), f"output is neither the old nor the new tree after a kill at step {step}"
        if after == new:  # the swap happened just before the kill; start again from the old output
            assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0

    assert run("build", "--site", str(site), "--out", str(out), "--now", later).exit_code == 0
    assert tree(out) == new
    litter = [
        path.name
        for path in tmp_path.iterdir()
        if path.name.startswith(".public.")
        and path.name not in (".public.lock", ".public.spare", ".public.folders.json")
    ]
    assert litter == [], "temporary directories of killed builds must be cleaned by the next build"


def _children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_build_leaves_no_worker_process_behind(tmp_path: Path) -> None:
    """The worker processes of a build killed with SIGKILL finish what they hold and leave: none
    stays behind, asleep, holding the output's lock so that every later build waits forever."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "statuspage.toml", site / "statuspage.toml")
    out = tmp_path / "public"
    command = [sys.executable, "-m", "statuspage", "build", "--site", str(site), "--out", str(out), "--jobs", "2"]
    started = time.monotonic()
    assert subprocess.run([*command, "--now", NOW], capture_output=True, timeout=120).returncode == 0
    full = time.monotonic() - started
    workers: set[int] = set()
    for step in range(8):  # kills spread over a whole build, each while watching for its workers
        process = subprocess.Popen([*command, "--now", f"2026-11-25T1{step}:30:00+01:00"], stdout=subprocess.DEVNULL)
        kill_at = time.monotonic() + full * (0.15 + step * 0.12)
        while process.poll() is None and time.monotonic() < kill_at:
            workers.update(_children(process.pid))
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert workers, "no build was caught with its workers"
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers of a killed build stayed behind"
    finished = subprocess.run([*command, "--now", NOW], capture_output=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
