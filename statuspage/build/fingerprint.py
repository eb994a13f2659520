"""What a build's output depends on, as one hash: so a build with nothing changed writes nothing.

The fingerprint covers every input of ``build_site``: the site's config, content, templates and
static files and its tickets database (by content), our own code, templates and catalogs, the
versions of the libraries that shape the output, the resolved ``now``, the options, and (with
git provenance) the commit checked out.  When it equals the one recorded for the current output,
that output is exactly what a clean build would write, and the build stops there.

The record lives beside the output, in ``.<out>-cache/`` (record.py), never inside it (the
output is published as-is).  Delete that folder to force a full build.  Given that folder, files are read
only when their stat changed (see sources/digests.py), so asking costs little when nothing did.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from ..clock import resolve_now
from ..config import load_config
from ..errors import Collector, StatuspageError
from ..sources.digests import PACKAGE, FileDigests, library_versions
from ..sources.provenance import _git
from ..sources.sitefiles import site_root, walk_tree

SITE_FOLDERS = ("content", "templates", "static")


class Fingerprint(NamedTuple):
    key: str  # the hash of everything
    now: datetime  # the build's ``now``, resolved when the fingerprint was taken
    parts: dict[str, str]  # a shorter hash of each kind of input (``content``, ``now``...): what changed, for --explain


def fingerprint(
    site_dir: Path,
    now_option: str | None,
    options: dict[str, object],
    cache: Path | None = None,
    files: FileDigests | None = None,
) -> Fingerprint | None:
    """One hash of everything the output depends on, the ``now`` it was taken at, and a hash of each kind of input.

    None when the config or ``--now`` cannot even be read: the build then reports the problems.
    With ``cache`` (the output's ``cache_dir``), the files' digests are kept there between calls.
    ``files`` takes the digests instead, to be shared with the loaders that follow.
    """
    config = load_config(site_dir, Collector())
    if config is None:
        return None
    try:
        now = resolve_now(now_option, config.timezone)
    except StatuspageError:
        return None
    digest = hashlib.blake2b(digest_size=32)
    parts: dict[str, hashlib.blake2b] = {}

    def add(label: str, value: bytes) -> None:
        head = f"{label}\0{len(value)}\0".encode()
        digest.update(head)
        digest.update(value)
        kind = label.partition("/")[0].removesuffix("-wal")
        part = parts.get(kind)
        if part is None:
            part = parts[kind] = hashlib.blake2b(digest_size=8)
        part.update(head)
        part.update(value)

    files = files if files is not None else FileDigests.in_folder(cache)

    def add_file(label: str, path: str | Path) -> None:
        add(label, files.digest(path) or b"(none)")

    def add_tree(label: str, root: Path) -> None:
        if not root.is_dir():
            add(label, b"(none)")
            return
        tree = walk_tree(str(root), site_root(os.path.dirname(os.path.abspath(root))), skip=frozenset({"__pycache__"}))
        for name, path in tree.files:
            add_file(f"{label}/{name}", path)
        # Never read, but named: a FIFO or a link out of the site added after a good build must make
        # the next build load the site (and refuse it), not skip it as unchanged.
        for path, problem in tree.refused:
            add(f"{label}/refused", f"{path}\0{problem}".encode())

    add("now", now.isoformat().encode())
    add("options", json.dumps(options, sort_keys=True, default=str).encode())
    for version in library_versions():
        add("library", version.encode())
    add_tree("package", PACKAGE)
    site_dir = Path(os.path.abspath(site_dir))  # absolute paths: nothing to resolve per file
    add_file("config", site_dir / "statuspage.toml")
    for folder in SITE_FOLDERS:
        add_tree(folder, site_dir / folder)
    if config.tickets_db is not None:
        for suffix in ("", "-wal"):  # a database in WAL mode keeps recent writes beside the file
            add_file("tickets" + suffix, f"{config.tickets_db}{suffix}")
    if config.tickets_snapshot is not None:  # read where the database is missing
        add_file("tickets-snapshot", config.tickets_snapshot)
    if options.get("provenance"):
        add("git", (_git(site_dir, "rev-parse", "HEAD") or "").encode())
    files.save(prune=True)  # every file a build reads was asked about: forget the others
    return Fingerprint(digest.hexdigest(), now, {kind: part.hexdigest() for kind, part in parts.items()})
