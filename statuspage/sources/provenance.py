"""Git provenance: when each content file was first committed and last edited.

A site is usually a git repository, and its history says when a notice went up and when it was
last changed, which the Markdown often does not say.  One ``git log`` pass over ``content/``
collects it for every file at once.  Outside a work tree, without git, or when git fails, there
is simply no provenance: it never fails or slows down a build by more than that one call.

The result depends only on the repository (its commits and work tree), so the same checkout and
the same ``--now`` still give a byte-identical build; commits after ``now`` are left out later,
in the derived state.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from ..model import Provenance

GIT_TIMEOUT = 30  # seconds; a huge history is still read in one pass
_COMMIT = "\x1e"  # record separator in front of each commit's line


def _git(cwd: Path, *args: str) -> str | None:
    """Run git with a fixed, non-interactive environment; None when git is missing or fails."""
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        completed = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=GIT_TIMEOUT,
            env=environment,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout if completed.returncode == 0 else None


def work_tree(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, or None outside one (or without git)."""
    if not root.is_dir():
        return None
    output = _git(root, "rev-parse", "--show-toplevel")
    return Path(output.strip()).resolve() if output and output.strip() else None


def git_dir(root: Path) -> Path | None:
    """The repository's git directory, whose HEAD and reflog move with every commit, pull and checkout."""
    if not root.is_dir():
        return None
    output = _git(root, "rev-parse", "--absolute-git-dir")
    return Path(output.strip()) if output and output.strip() else None


def read_provenance(root: Path) -> dict[Path, Provenance]:
    """Provenance of every committed incident and maintenance file, keyed by its resolved path.

    Renames are followed, so a file keeps the history it had under its old name.
    """
    top = work_tree(root)
    content = (root / "content").resolve()
    if top is None or not content.is_dir():
        return {}
    if (_git(top, "rev-parse", "--is-shallow-repository") or "").strip() != "false":
        return {}  # a shallow clone's oldest commit would claim to have added every file
    try:
        relative = content.relative_to(top)
    except ValueError:  # content/ is a symlink out of the work tree
        return {}
    folders = [str(relative / "incidents"), str(relative / "maintenance")]
    log = _git(top, "log", "--format=" + _COMMIT + "%cI", "--name-status", "-M", "--no-color", "--", *folders)
    if log is None:
        return {}
    commits = _commit_times(log)
    changed = _uncommitted(top, folders)
    return {
        (top / path).resolve(): Provenance(tuple(sorted(times)), uncommitted=path in changed)
        for path, times in commits.items()
    }


def _commit_times(log: str) -> dict[str, list[datetime]]:
    """Commit times per current path, from ``git log --name-status -M`` (newest commit first)."""
    times: dict[str, list[datetime]] = {}
    current_name: dict[str, str] = {}  # a path in an older commit → the file's name today
    for record in log.split(_COMMIT)[1:]:
        head, _, files = record.partition("\n")
        try:
            when = datetime.fromisoformat(head.strip()).astimezone(UTC)
        except ValueError:
            continue
        for line in files.splitlines():
            fields = line.split("\t")
            if len(fields) < 2 or not fields[0]:
                continue
            status = fields[0][0]
            if status == "R" and len(fields) == 3:
                old, new = fields[1], fields[2]
                name = current_name.get(new, new)
                times.setdefault(name, []).append(when)
                current_name[old] = name  # older commits name the file by its old path
            elif status == "D":
                # Deleted then: a file of that name today is a different, later one.
                current_name[fields[1]] = "\0deleted"
            else:
                name = current_name.get(fields[1], fields[1])
                times.setdefault(name, []).append(when)
    times.pop("\0deleted", None)
    return times


def _uncommitted(top: Path, folders: list[str]) -> set[str]:
    """Paths in ``folders`` whose work-tree or staged text differs from the last commit."""
    output = _git(top, "status", "--porcelain", "--untracked-files=no", "--", *folders)
    if output is None:
        return set()
    changed = set()
    for line in output.splitlines():
        if len(line) > 3:
            path = line[3:]
            changed.add(path.split(" -> ", 1)[-1])
    return changed
