"""``git pull --ff-only`` in the site, so a server follows the content repository."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

log = logging.getLogger("statuspage.watch")

PULL_TIMEOUT = 45  # seconds; a hung network must not hold up the watcher, or its stop, for long


def _run(site_dir: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    # Never prompt for credentials: there is nobody to answer on a server.
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=site_dir,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PULL_TIMEOUT,
            env=environment,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("git %s failed: %s", args[0], exc)
        return None


def _head(site_dir: Path) -> str | None:
    completed = _run(site_dir, "rev-parse", "--short", "HEAD")
    return completed.stdout.strip() if completed is not None and completed.returncode == 0 else None


def pull(site_dir: Path) -> bool:
    """Fast-forward the site's checkout; logs what happened and returns whether HEAD moved.

    Only fast-forwards: a diverged or locally edited checkout is logged and left alone, for a
    person to sort out, and the last good build keeps being served meanwhile.
    """
    before = _head(site_dir)
    completed = _run(site_dir, "pull", "--ff-only", "--quiet")
    if completed is None:
        return False
    if completed.returncode != 0:
        detail = " ".join((completed.stderr or completed.stdout).split())[:500]
        log.warning("git pull --ff-only failed (exit %d): %s", completed.returncode, detail)
        return False
    after = _head(site_dir)
    if after != before:
        log.info("git pull: %s → %s", before, after)
        return True
    return False
