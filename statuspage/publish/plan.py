"""What a publish must do: which files to upload, in which order, and which objects to delete.

Files are compared by a digest of their content and of the headers they are served with (a new
Cache-Control rule uploads them again), against the manifest the last publish left in the
bucket; modification times never count, since every build may rewrite a file unchanged.

The order never lets a visitor load a page whose assets or data are missing: static files, then
new data files (a new component's feeds and badges), then new pages, then changed data and feeds
(whose entries may link to the new pages), then changed pages, each language's front page last;
deletions only after every page that linked to a deleted object has been replaced.  Pages already
published that link to a new page are among the changed ones, so they are replaced only once it is
there; new pages linking to each other (a new window and a new ticket waiting for it) may appear a
moment apart, but no published page links to them yet.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..outputs.headers import HEADERS_FILE, Kind, kind_of

MANIFEST = ".statuspage-publish.json"  # in the target's prefix: what the last publish uploaded
PHASES = ("assets", "new data", "new pages", "data", "pages", "front pages")


@dataclass(frozen=True)
class LocalFile:
    """A file of the output as it will be uploaded."""

    path: str  # relative to the output's root, "/"-separated: also the key below the prefix
    digest: str  # of the content and the headers
    size: int
    kind: Kind


@dataclass(frozen=True)
class Plan:
    """The uploads, phase by phase, and the deletions of one target."""

    phases: tuple[tuple[str, tuple[LocalFile, ...]], ...]
    deletions: tuple[str, ...]
    unchanged: int
    files: dict[str, LocalFile] = field(repr=False)

    @property
    def uploads(self) -> tuple[LocalFile, ...]:
        return tuple(file for _, files in self.phases for file in files)

    @property
    def empty(self) -> bool:
        return not self.deletions and not any(files for _, files in self.phases)


def file_digest(body: bytes, kind: Kind) -> str:
    """What decides whether an object must be uploaded again: its bytes and its headers."""
    headers = "\n".join(f"{name}: {value}" for name, value in sorted(kind.headers().items()))
    return hashlib.sha256(body + b"\0" + headers.encode()).hexdigest()


class OutputChanging(Exception):
    """The output was swapped for a new one again and again while it was being read."""


def scan_output(out: Path, attempts: int = 5) -> dict[str, LocalFile]:
    """Every file to publish, all from one build.

    A build swaps a new output in by exchanging the folders, so the folder at ``out`` is another
    one after a swap: a scan that saw a swap is done again (``watch --publish`` builds meanwhile).
    """
    for _ in range(attempts):
        before = os.stat(out).st_ino
        try:
            found = _scan(out)
        except FileNotFoundError:  # listed in one output, gone in the next
            continue
        if os.stat(out).st_ino == before:
            return found
    raise OutputChanging(f"{out} was replaced by new builds {attempts} times while being read")


def _scan(out: Path) -> dict[str, LocalFile]:
    """The whole output but ``_headers`` (for Netlify and Cloudflare) and dot files."""
    found: dict[str, LocalFile] = {}
    for folder, dirs, names in os.walk(out):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(names):
            full = Path(folder, name)
            path = full.relative_to(out).as_posix()
            if name.startswith(".") or path == HEADERS_FILE or not full.is_file():
                continue
            body = full.read_bytes()
            kind = kind_of(path)
            found[path] = LocalFile(path, file_digest(body, kind), len(body), kind)
    return found


def _phase(file: LocalFile, remote: dict[str, str]) -> int:
    new = file.path not in remote
    if file.kind.name == "asset":
        return 0
    if file.kind.name != "page":
        return 1 if new else 3  # changed feeds link to new pages: after them
    if _front(file.path):
        return 5
    return 2 if new else 4


def _front(path: str) -> bool:
    """``index.html`` or a language's ``en/index.html``: the pages every visitor starts from."""
    return path == "index.html" or (len(path) == len("xx/index.html") and path[2] == "/")


def make_plan(local: dict[str, LocalFile], remote: dict[str, str], keys: Iterable[str]) -> Plan:
    """Compare the output with what the target holds: ``remote`` path → digest (manifest), ``keys`` listed.

    An object listed but missing from the manifest (a publish that stopped half-way) is uploaded
    again if it is ours, else deleted; one in the manifest but not listed is uploaded again.
    """
    listed = set(keys)
    known = {path: digest for path, digest in remote.items() if path in listed}
    phases: list[list[LocalFile]] = [[] for _ in PHASES]
    unchanged = 0
    for path in sorted(local):
        file = local[path]
        if known.get(path) == file.digest:
            unchanged += 1
            continue
        phases[_phase(file, known)].append(file)
    deletions = tuple(sorted(listed - local.keys()))
    return Plan(
        tuple((name, tuple(files)) for name, files in zip(PHASES, phases, strict=True)), deletions, unchanged, local
    )
