"""``git pull --ff-only`` in the site, so a server follows the content repository.

A pull that cannot apply is never silent: it is logged as an error with what stopped it and
what to do, it is tried again at every ``--every``, and the watcher shows visitors that the
page may be out of date once it keeps failing (``service.py``).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("statuspage.watch")

PULL_TIMEOUT = 45  # seconds; a hung network must not hold up the watcher, or its stop, for long
_LISTED_FILE = re.compile(r"^\t(.+)$", re.MULTILINE)  # git lists the files in its way, one a line


@dataclass(frozen=True)
class Pulled:
    """What a pull did: why it failed (one line), if it did; the check that follows sees what it changed."""

    failure: str | None = None


def _run(site_dir: Path, *args: str) -> subprocess.CompletedProcess[str] | str:
    """The finished command, or why it could not run."""
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
    except subprocess.TimeoutExpired:
        return f"git {args[0]} did not finish within {PULL_TIMEOUT} s (network?)"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"git {args[0]} could not run: {exc}"


def _head(site_dir: Path) -> str | None:
    completed = _run(site_dir, "rev-parse", "--short", "HEAD")
    if isinstance(completed, str) or completed.returncode != 0:
        return None
    return completed.stdout.strip()


def pull(site_dir: Path) -> Pulled:
    """Fast-forward the site's checkout; logs what happened.

    Only fast-forwards: a diverged or locally edited checkout is left alone, for a person to sort
    out, and the last good build keeps being served meanwhile.
    """
    before = _head(site_dir)
    completed = _run(site_dir, "pull", "--ff-only", "--quiet")
    if isinstance(completed, str):
        failure = completed
    elif completed.returncode != 0:
        failure = explain_failure(completed.stderr or completed.stdout)
    else:
        after = _head(site_dir)
        if after != before:
            log.info("git pull: %s → %s", before, after)
        return Pulled()
    log.error("git pull --ff-only failed: %s", failure)
    return Pulled(failure=failure)


def explain_failure(output: str) -> str:
    """git's complaint as one line, with what a person should do about it."""
    detail = " ".join(output.split())[:500]
    files = ", ".join(_LISTED_FILE.findall(output)[:10])
    if "would be overwritten" in output and "untracked" in output:
        return (
            f"files the repository now has are already in the checkout, untracked: {files}; "
            f"move them away (or add them to .gitignore upstream) so the pull can apply. git: {detail}"
        )
    if "would be overwritten" in output:
        return (
            f"tracked files were changed in the checkout on this server: {files}; a file the desk or a "
            "build writes (the tickets database?) must not be in git (see docs/deploy.md); "
            f"commit or restore them so the pull can apply. git: {detail}"
        )
    if "Not possible to fast-forward" in output or "diverg" in output:
        return (
            "the checkout has commits the repository does not have; push them or reset the "
            f"checkout to the repository's branch. git: {detail}"
        )
    return detail or "git pull --ff-only failed without saying why"
