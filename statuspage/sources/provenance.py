"""Git provenance: when each content file was first committed and last edited.

A site is usually a git repository, and its history says when a notice went up and when it was
last changed, which the Markdown often does not say.  One ``git log`` pass over ``content/``
collects it for every file at once.  Outside a work tree, without git, or when git fails, there
is simply no provenance: it never fails or slows down a build by more than that one call.

A commit counts for a file only when it changes what a visitor reads: a bulk commit that rewraps
lines, re-indents, requotes or reorders front matter, or changes line endings would otherwise make
every old item "updated", and feed readers would list old incidents as new.  The versions are read
with one ``git cat-file --batch`` and compared by their ``reading``.

The result depends only on the repository (its commits and work tree), so the same checkout and
the same ``--now`` still give a byte-identical build; commits after ``now`` are left out later,
in the derived state.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ..model import Provenance
from .frontmatter import NoTimestampLoader

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
    log = _git(top, "log", "--format=" + _COMMIT + "%H %cI", "--name-status", "-M", "--no-color", "--", *folders)
    if log is None:
        return {}
    versions = _commit_times(log)
    texts = _blobs(top, [(commit, path) for found in versions.values() for _, commit, path in found])
    changed = _uncommitted(top, folders)
    return {
        (top / path).resolve(): Provenance(tuple(_edits(found, texts)), uncommitted=path in changed)
        for path, found in versions.items()
    }


Version = tuple[datetime, str, str]  # a commit's time, its hash, and the file's path in it


def _commit_times(log: str) -> dict[str, list[Version]]:
    """Each current path's versions, from ``git log --name-status -M`` (newest commit first)."""
    times: dict[str, list[Version]] = {}
    current_name: dict[str, str] = {}  # a path in an older commit → the file's name today
    for record in log.split(_COMMIT)[1:]:
        head, _, files = record.partition("\n")
        commit, _, stamp = head.strip().partition(" ")
        try:
            when = datetime.fromisoformat(stamp).astimezone(UTC)
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
                times.setdefault(name, []).append((when, commit, new))
                current_name[old] = name  # older commits name the file by its old path
            elif status == "D":
                # Deleted then: a file of that name today is a different, later one.
                current_name[fields[1]] = "\0deleted"
            else:
                name = current_name.get(fields[1], fields[1])
                times.setdefault(name, []).append((when, commit, fields[1]))
    times.pop("\0deleted", None)
    return times


def _blobs(top: Path, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The file's bytes at each (commit, path), by one ``git cat-file --batch``; none when git fails."""
    if not wanted:
        return {}
    request = "".join(f"{commit}:{path}\n" for commit, path in wanted).encode()
    try:
        completed = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=top,
            input=request,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if completed.returncode != 0:
        return {}
    found: dict[tuple[str, str], bytes] = {}
    output, at = completed.stdout, 0
    for key in wanted:
        end = output.find(b"\n", at)
        if end < 0:
            break
        header = output[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[key] = output[at : at + size]
            at += size + 1  # the blob, then a newline
    return found


def reading(raw: bytes) -> tuple[object, ...]:
    """What a visitor reads of a file's text, give or take its writing: the front matter's values
    (not their order or quoting), and the paragraphs without their wrapping, spacing or line endings."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    front: object = ""
    match = re.match(r"---[ \t]*\n(.*?\n)---[ \t]*\n", text, re.DOTALL)
    if match is not None:
        text = text[match.end() :]
        try:
            front = json.dumps(yaml.load(match.group(1), Loader=NoTimestampLoader), sort_keys=True, default=str)
        except yaml.YAMLError:
            front = " ".join(match.group(1).split())
    paragraphs = tuple(" ".join(part.split()) for part in re.split(r"\n[ \t]*\n", text) if part.strip())
    return front, paragraphs


def _edits(versions: list[Version], texts: dict[tuple[str, str], bytes]) -> list[datetime]:
    """The times of the first commit and of each later one that changed the file's ``reading`` or
    its name (a renamed file is a page at a new address)."""
    kept: list[datetime] = []
    before: tuple[str, tuple[object, ...] | None] | None = None
    for when, commit, path in sorted(versions):
        text = texts.get((commit, path))
        reads = (path, reading(text) if text is not None else None)
        if before is None or reads[1] is None or reads != before:
            kept.append(when)
        before = reads
    return kept


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
