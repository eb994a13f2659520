"""The modes of the published tree: what the umask gives, so a web server running as another user reads it.

Folders are made by ``os.mkdir`` and files by ``open``, which apply the umask themselves; only a
tree's top folder, made or kept by an earlier build, is set here.  A file kept from an earlier
build keeps the mode that build gave it, so a build under another umask writes every file anew
(``output.write_site``), and the umask is part of the fingerprint (``build.py``).
"""

from __future__ import annotations

import os
from pathlib import Path


def current_umask() -> int:
    """The process's umask, read without setting it (``os.umask`` sets it: other threads would see the change)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def published_mode(folder: Path) -> None:
    """Give a tree's top folder the mode ``os.mkdir`` would; an earlier version made it 0700."""
    os.chmod(folder, 0o777 & ~current_umask())
