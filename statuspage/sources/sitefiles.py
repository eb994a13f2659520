"""The files a build reads from a site: regular files inside the site directory, read with a size cap (SPEC §10).

A content file linked to ``/dev/zero`` would be read until memory runs out, a FIFO would block a
build forever, two ``templates/`` links to ``.`` make a walk that never ends, and a ``static/``
link to ``/proc/self/environ`` would publish the build's environment.  So every file a build
reads is first looked at here: a symlink is followed only when its target stays inside the site
(by ``realpath``), a folder reached again through a link is a loop, and anything but a regular
file (a FIFO, a device, a socket) is refused with a message, never opened for reading.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_CONFIG_BYTES = 256 * 1024  # statuspage.toml: a few dozen components at most
MAX_TEMPLATE_BYTES = 1024 * 1024  # one template of a theme
MAX_STATIC_BYTES = 32 * 1024 * 1024  # one static file: a logo, a stylesheet, a font
MAX_TREE_FILES = 20_000  # files under templates/ or static/: a theme has dozens
MAX_TREE_FOLDERS = 20_000  # folders entered by any walk: only links nested into each other's place reach it


class Refused(Exception):
    """A file that must not be read; the message says why, for ``path: message``."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def site_root(path: str | os.PathLike[str]) -> str:
    """The real path of a site directory, against which links are checked."""
    return os.path.realpath(path)


def is_inside(real: str, inside: str) -> bool:
    return real == inside or real.startswith(inside.rstrip(os.sep) + os.sep)


def check_link(path: str, inside: str) -> None:
    """Refuse a symlink that leads out of ``inside``, nowhere, or round in a loop; other paths pass."""
    if not os.path.islink(path):
        return
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused("symlink loop") from None
        raise Refused(f"broken symlink (to {os.readlink(path)})") from None
    if not is_inside(real, inside):
        raise Refused(f"symlink to {real}, outside the site; only files inside the site are read")


def check_inside(path: str, inside: str) -> None:
    """Refuse a path whose real path is not inside ``inside``, through a link at any of its parts."""
    real = os.path.realpath(path)
    if not is_inside(real, inside):
        raise Refused(f"its real path {real} is outside the site; only files inside the site are read")


def check_regular(path: str, inside: str | None, limit: int | None = None) -> os.stat_result:
    """The file's stat when it may be read: inside the site (``inside``: None skips that) and a regular file."""
    if inside is not None:
        check_link(path, inside)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"not a regular file ({kind_of(info.st_mode)})")
    if limit is not None and info.st_size > limit:
        raise Refused(f"file is larger than {size_text(limit)}")
    return info


def size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 4 * 1024 * 1024 else f"{limit // 1024} KiB"


def read_capped(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raises Refused (or OSError) otherwise.

    Opened without blocking, and its type taken from the open file itself (not from an earlier
    stat, which a rename could make stale): a FIFO is never waited on, a device never read.
    Reads at most one byte past the cap, so a file that grows meanwhile costs no more.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"not a regular file ({kind_of(info.st_mode)})")
        if info.st_size > limit:
            raise Refused(f"file is larger than {size_text(limit)}")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Refused(f"file is larger than {size_text(limit)}")
    return data


@dataclass
class Tree:
    """The regular files under a folder, by name relative to it, and what was refused on the way."""

    files: list[tuple[str, str]] = field(default_factory=list)  # (relative name, path)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, message)


def walk_tree(
    folder: str,
    inside: str,
    limit: int | None = None,
    skip: frozenset[str] = frozenset(),
    max_files: int | None = None,
) -> Tree:
    """Every regular file under ``folder``, following symlinks only inside ``inside``, each folder once per path.

    A symlinked folder whose target is the folder holding it, or one above it, is a loop: it is
    refused rather than walked.  Folder names in ``skip`` are not entered.  Past ``max_files``
    files (any number without it) or ``MAX_TREE_FOLDERS`` folders the walk stops with a refusal.
    """
    found = Tree()
    try:
        check_link(folder, inside)
    except Refused as refusal:
        found.refused.append((folder, str(refusal)))
        return found
    if not os.path.isdir(folder):
        return found
    stack: list[tuple[str, str, tuple[str, ...]]] = [(folder, "", (os.path.realpath(folder),))]
    entered = 0
    while stack:
        here, relative, above = stack.pop()
        entered += 1
        if entered > MAX_TREE_FOLDERS:  # folders linked twice into each other's place, many levels deep
            found.refused.append((folder, f"more than {MAX_TREE_FOLDERS} folders"))
            return found
        try:
            entries = sorted(os.scandir(here), key=lambda entry: entry.name)
        except OSError as error:
            found.refused.append((here, f"cannot read: {error.strerror}"))
            continue
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            problem = _entry_problem(entry, inside, above, limit)
            if problem is not None:
                found.refused.append((entry.path, problem))
            elif entry.is_dir():
                if entry.name not in skip:
                    stack.append((entry.path, name, (*above, os.path.realpath(entry.path))))
            else:
                if max_files is not None and len(found.files) >= max_files:
                    found.refused.append((folder, f"more than {max_files} files; a site's theme has dozens"))
                    return found
                found.files.append((name, entry.path))
    found.files.sort()
    return found


def _entry_problem(entry: os.DirEntry[str], inside: str, above: tuple[str, ...], limit: int | None) -> str | None:
    """Why a walk must not read or enter ``entry``, or None."""
    try:
        if limit is None and entry.is_file(follow_symlinks=False):  # the file's type is known without a stat
            return None
        if entry.is_symlink():
            check_link(entry.path, inside)
            if entry.is_dir() and os.path.realpath(entry.path) in above:
                return "symlink loop: it leads back to a folder that holds it"
        if entry.is_dir():
            return None
        info = entry.stat()
        if not stat.S_ISREG(info.st_mode):
            return f"not a regular file ({kind_of(info.st_mode)})"
        if limit is not None and info.st_size > limit:
            return f"file is larger than {size_text(limit)}"
    except Refused as refusal:
        return str(refusal)
    except OSError as error:
        return f"cannot read: {error.strerror}"
    return None


def tree_files(root: Path) -> list[tuple[str, str]]:
    """(name relative to ``root``, path) of every regular file below it, by name.

    Symlinks are followed as Jinja's loader and ours follow them, but only while they stay inside
    the folder holding ``root`` (the site): what leads out, loops or is not a regular file is left
    out here, and refused by the load (sources/site.py), so asking never hangs or reads a device.
    """
    inside = site_root(os.path.dirname(os.path.abspath(root)))
    return walk_tree(str(root), inside, skip=frozenset({"__pycache__"})).files
