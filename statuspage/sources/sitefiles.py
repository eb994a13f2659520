"""The files a build reads from a site are regular files inside the site directory (SPEC §10).

A symlink may point anywhere inside the site (``content/incidents/x.md -> ../../shared/x.md``,
``static/css -> ../shared/css``): it is resolved and read as the file it names.  A symlink out of
the site, a symlink loop, a FIFO, a device or a socket is refused: reading ``/dev/zero`` or a
FIFO would never end, and a link to ``/proc/self/environ`` would publish the build's secrets.
Walks never follow a folder link out of the site, into a folder that contains it, or into a
folder already walked, so no arrangement of links makes one endless.

Files are opened without blocking (a FIFO swapped in after the check cannot stall the open),
checked with ``fstat`` on the open descriptor, and read up to a size cap: never whole.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import Collector

SITE_FOLDERS = ("content", "templates", "static")  # besides statuspage.toml, what a build reads from a site
MAX_CONFIG_BYTES = 1024 * 1024  # a config of hundreds of components is tens of KiB
MAX_THEME_FILE_BYTES = 32 * 1024 * 1024  # a theme's template, stylesheet, image or font
SKIPPED_FOLDERS = ("__pycache__",)


class RefusedFile(OSError):
    """A site file the build must not read; ``str`` is the reason, for ``path: reason``."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class TooLarge(RefusedFile):
    """A regular file over the size cap."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _inside(real: str, top: str) -> bool:
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


@lru_cache(maxsize=256)
def _real_folder(folder: str) -> str:
    """A folder's real path, remembered: resolving every file's whole path cost seconds on a big site.

    Safe to remember because every load first walks the site afresh (``check_site_files``): a
    folder since replaced by a link out of the site stops the load there.
    """
    return os.path.realpath(folder)


def resolve(path: str | os.PathLike[str], site: str | os.PathLike[str] | None) -> str:
    """The real path of a site file, checked to stay inside ``site`` (None: anywhere); raises RefusedFile."""
    shown = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(shown))
    real = os.path.realpath(shown) if os.path.islink(shown) else os.path.join(_real_folder(folder), name)
    if site is not None:
        top = _real_folder(os.path.abspath(site))
        if not _inside(real, top):
            raise RefusedFile(shown, f"symlink to {real}, outside the site: a site's files must be inside it")
    return real


def read_capped(path: str | os.PathLike[str], limit: int, site: str | os.PathLike[str] | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (inside ``site`` when given); raises RefusedFile.

    A missing or unreadable file raises the OSError as usual, so callers keep their own wording.
    """
    shown = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(shown))
    top = _real_folder(os.path.abspath(site)) if site is not None else None
    real = os.path.join(_real_folder(folder), name)
    try:
        handle = _open(shown, real, top)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        # The last part is a link (O_NOFOLLOW): resolved in full, it must lead to a file inside the site.
        handle = _open(shown, resolve(shown, site), top, resolved=True)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(shown, f"not a regular file ({_kind(info.st_mode)}): a site's files must be plain files")
        if info.st_size > limit:
            raise TooLarge(shown, f"file is larger than {_size(limit)}")
        chunks, total, cap = [], 0, limit + 1
        wanted = info.st_size + 1  # a buffer of the file's size, not of the cap
        while total < cap and (chunk := os.read(handle, min(wanted, cap - total))):
            chunks.append(chunk)
            total += len(chunk)
            wanted = 64 * 1024  # more than its size said: it grows meanwhile, read on up to the cap
    finally:
        os.close(handle)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(shown, f"file is larger than {_size(limit)}")
    return data


def _open(shown: str, real: str, top: str | None, *, resolved: bool = False) -> int:
    """Open a real path that must be inside ``top`` without following a last link or blocking on a FIFO.

    ``resolved``: ``real`` is the link's target resolved in full, so a link left in it is a loop.
    """
    if top is not None and not _inside(real, top):
        raise RefusedFile(shown, f"symlink to {real}, outside the site: a site's files must be inside it")
    try:
        return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket, or a FIFO nobody writes to
            raise RefusedFile(shown, "not a regular file (a socket or FIFO)") from None
        if error.errno == errno.ELOOP and resolved:
            raise RefusedFile(shown, "symlink loop: the link never reaches a file") from None
        error.filename = shown
        raise


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB"


def refusal(path: str, site: str | None) -> str | None:
    """Why the file at ``path`` may not be read (without opening it), or None when it may."""
    try:
        real = resolve(path, site)
        info = os.stat(real)
    except RefusedFile as refused:
        return refused.reason
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symlink loop: the link never reaches a file"
        return None  # missing or unreadable: the reader says so in its own words
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}): a site's files must be plain files"
    return None


@dataclass(frozen=True)
class Entry:
    """One file below a walked folder: its name relative to the folder, its path, and why it is refused."""

    name: str
    path: str
    refused: str | None = None


def walk(root: str | os.PathLike[str], site: str | os.PathLike[str] | None = None) -> list[Entry]:
    """Every file below ``root`` by name, folder links inside ``site`` (default ``root``) followed once.

    Refused entries (files and folder links) are listed with their reason, never entered.
    """
    top = os.path.realpath(site if site is not None else root)
    base = os.fspath(root)
    if not os.path.isdir(base):
        return []
    found: list[Entry] = []
    start = os.path.realpath(base)
    if not _inside(start, top):
        return [Entry(".", base, f"symlink to {start}, outside the site: a site's files must be inside it")]
    walked = {start}

    def visit(folder: str, relative: str, ancestors: tuple[str, ...]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            return  # an unreadable folder: nothing in it is read either
        for entry in entries:
            name = f"{relative}{entry.name}"
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows a link
            except OSError:
                is_link, is_dir = True, False
            if is_dir:
                if entry.name in SKIPPED_FOLDERS:
                    continue
                real = os.path.realpath(entry.path)
                if not _inside(real, top):
                    found.append(
                        Entry(
                            name, entry.path, f"symlink to {real}, outside the site: a site's files must be inside it"
                        )
                    )
                elif real in ancestors:
                    found.append(Entry(name, entry.path, "symlink loop: the link points to a folder that contains it"))
                elif real in walked:
                    found.append(Entry(name, entry.path, "a second link to a folder already read; link it once"))
                else:
                    walked.add(real)
                    visit(entry.path, f"{name}/", (*ancestors, real))
                continue
            why = refusal(entry.path, top) if is_link or not entry.is_file(follow_symlinks=False) else None
            found.append(Entry(name, entry.path, why))

    visit(base, "", (start,))
    return sorted(found, key=lambda entry: entry.name)


def check_site_files(root: Path, problems: Collector) -> bool:
    """Report every file of the site a build must not read as ``path: reason``; True when there is none."""
    before = len(problems.problems)
    site = str(root)
    config = os.path.join(site, "statuspage.toml")
    why = refusal(config, site)
    if why is not None:
        problems.add(config, None, why)
    for folder in SITE_FOLDERS:
        path = os.path.join(site, folder)
        for entry in walk(path, site):
            if entry.refused is not None:
                problems.add(entry.path, None, entry.refused)
    return len(problems.problems) == before
