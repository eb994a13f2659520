"""Replacing a file in one step, for the build's records: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path``, then rename it over ``path``.

    The partial file is named for this process, so two builds never write the same one.  The
    folder is made when missing; a failed write leaves ``path`` as it was and no partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
