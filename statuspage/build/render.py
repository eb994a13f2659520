"""Rendering a build's files into the spare tree, share by share in worker processes: kept, linked or rendered.

A file whose key is unchanged is kept; one the published tree already has is hard-linked from
there; only the rest is rendered.  The pages of items that show nothing that changed since the
published build are kept without computing their keys (plan.py).  Worker processes share the
files, keys included (on a big site computing the keys of every file is a good part of a
rebuild): each takes the next share of files as it finishes one (workers.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..web.pages import ITEM_PAGE_KINDS
from ..web.render import Renderer
from ..web.theme import template_errors
from .plan import ItemPages, Share, pages_to_key
from .record import Basis, Entry, Manifest
from .workers import WorkQueue, cycle_collection, in_workers

_READS: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple object per distinct value: a smaller record
# What became of a file, counted per endpoint for ``--explain``: kept without computing its key,
# kept (its key unchanged), hard-linked from the published tree, rendered.
UNKEYED, KEPT, LINKED, RENDERED = range(4)
OUTCOMES = ("kept unkeyed", "kept", "linked", "rendered")
Counts = dict[str, list[int]]  # endpoint → a count per outcome


def render_files(
    renderers: list[Renderer],
    shares: list[Share],
    jobs: int,
    *,
    have: Manifest,
    published: Manifest,
    staging: Path,
    out: Path,
    site_root: Path,
    digested: bool,
    before: Basis | None,
) -> tuple[Manifest, Basis, Counts, _Work]:
    """Bring ``staging``, which holds ``have``, up to date with every file of ``shares``; ``jobs`` processes.

    Returns what the tree holds then, what it was made from, what became of each endpoint's files,
    and the work (which tells which pages of items were keyed).  ``published`` is the published
    tree's record and ``before`` what it was made from, if known.  ``digested``: another process
    makes the state's digests (else each worker makes a stride of them first, see ``Digests.share``).
    """
    queue = WorkQueue(len(shares))
    try:
        work = _Work(renderers, shares, queue, have, published, staging, out, site_root, digested, before)
        manifest: Manifest = {}
        counts: Counts = {}
        for part, counted in in_workers(work.run, jobs):
            manifest.update((path, (key, _READS.setdefault(reads, reads))) for path, (key, reads) in part.items())
            for endpoint, numbers in counted.items():
                total = counts.setdefault(endpoint, [0] * len(OUTCOMES))
                total[:] = map(sum, zip(total, numbers, strict=True))
    finally:
        queue.close()
    return manifest, work.basis(), counts, work


_NOT_WORKED_OUT: Any = object()  # see ``_Work.pages_to_key``


class _Work:
    """The files of a build, taken share by share by each worker: kept, linked from the published tree or rendered.

    A file is kept when its key is the one recorded for it; the pages of items, tens of thousands
    on a big site, are kept without computing their keys when the items they show have not
    changed since the published build (plan.py).
    """

    def __init__(
        self,
        renderers: list[Renderer],
        shares: list[Share],
        queue: WorkQueue,
        have: Manifest,
        published: Manifest,
        staging: Path,
        out: Path,
        site_root: Path,
        digested: bool = False,
        before: Basis | None = None,
    ) -> None:
        self.renderers, self.shares, self.queue = renderers, shares, queue
        self.have, self.published = have, published
        self.staging, self.out, self.site_root = staging, out, site_root
        self.digested = digested
        self.before = before  # what the published tree was made from, if known
        self.made: set[str] = set()
        self.counts: Counts = {}
        self._basis: Basis | None = None
        self._to_key: set[tuple[str, Any]] | None = _NOT_WORKED_OUT

    def basis(self) -> Basis:
        """What this build is made from: by each worker that asks ``pages_to_key``, else by the parent after."""
        if self._basis is None:
            keys = [renderer.global_key for renderer in self.renderers]
            self._basis = Basis(keys, self.renderers[0].digests.items())
        return self._basis

    def pages_to_key(self) -> set[tuple[str, Any]] | None:
        """The pages of items that may differ from the published ones (``plan.pages_to_key``), once per worker."""
        if self._to_key is _NOT_WORKED_OUT:
            before, state = self.before, self.renderers[0].state
            self._to_key = pages_to_key(before, self.basis(), state) if before is not None else None
        return self._to_key

    def kept(self, endpoint: str, values: dict[str, Any], path: str) -> Entry | None:
        """The entry of an item's page kept as published, without its key; None when it must be keyed.

        Its key would be the published one: it shows no item that changed, and its templates
        read nothing of the state (else their reads are keyed as usual).  Only a file the tree
        being brought up to date has as published is kept this way; another is linked as usual.
        """
        to_key = self.pages_to_key()
        if to_key is None or (endpoint, *values.values()) in to_key:
            return None
        theirs = self.published.get(path)
        if theirs is None or theirs[1]:
            return None
        return theirs if self.have.get(path) == theirs else None

    def run(self, worker: int, workers: int) -> tuple[Manifest, Counts]:
        """A worker's part: the shares it took, whichever they were (the result is the same), and their outcomes."""
        with cycle_collection(True):
            if not self.digested:
                self.renderers[0].digests.fill(worker, workers)  # shared by the renderers and the workers
            return self._run(), self.counts

    def _run(self) -> Manifest:
        manifest: Manifest = {}
        for number in self.queue:
            for index, files in self._files(self.shares[number]):
                renderer = self.renderers[index]
                with renderer, template_errors(renderer.app, self.site_root):
                    for endpoint, values in files:
                        path = renderer.path(endpoint, values)
                        kept = self.kept(endpoint, values, path) if endpoint in ITEM_PAGE_KINDS else None
                        if kept is not None:
                            self._count(endpoint, UNKEYED)
                            manifest[path] = kept
                        else:
                            manifest[path] = self._one(renderer, endpoint, values, path)
        return manifest

    def _files(self, share: Share) -> Iterator[tuple[int, list[tuple[str, dict[str, Any]]]]]:
        """A share's files, by the number of the renderer (language) that makes them."""
        if isinstance(share, ItemPages):
            files = [(share.endpoint, {share.name: value}) for value in share.values]
            for index in range(len(self.renderers)):
                yield index, files
            return
        for index in range(len(self.renderers)):
            found = [(endpoint, values) for owner, endpoint, values in share if owner == index]
            if found:
                yield index, found

    def _one(self, renderer: Renderer, endpoint: str, values: dict[str, Any], path: str) -> Entry:
        mine = self.have.get(path)
        if mine is not None:
            key = renderer.key(endpoint, values, mine[1])
            if mine[0] == key:  # the usual case, tens of thousands of times: kept as it is
                self._count(endpoint, KEPT)
                return mine
            known = {mine[1]: key}
        else:
            known = {}
        target = self.staging / path
        self._make_parent(target)
        if mine is not None or self.have:  # a tree made by linking: never write into a shared inode
            target.unlink(missing_ok=True)
        theirs = self.published.get(path)
        if theirs is not None and theirs[0] == self._key(renderer, endpoint, values, theirs[1], known):
            try:
                os.link(self.out / path, target)
                self._count(endpoint, LINKED)
                return theirs
            except FileNotFoundError:  # removed from the published tree by hand: render it
                pass
        body, reads = renderer.render(endpoint, values)
        with open(target, "wb") as handle:
            handle.write(body)
        self._count(endpoint, RENDERED)
        return self._key(renderer, endpoint, values, reads, known), _READS.setdefault(reads, reads)

    @staticmethod
    def _key(
        renderer: Renderer, endpoint: str, values: dict[str, Any], reads: tuple[str, ...], known: dict[Any, bytes]
    ) -> bytes:
        """The file's key given what its templates read, made once per distinct ``reads``."""
        if reads not in known:
            known[reads] = renderer.key(endpoint, values, reads)
        return known[reads]

    def _count(self, endpoint: str, outcome: int) -> None:
        counts = self.counts.get(endpoint)
        if counts is None:
            counts = self.counts[endpoint] = [0] * len(OUTCOMES)
        counts[outcome] += 1

    def _make_parent(self, target: Path) -> None:
        parent = str(target.parent)
        if parent not in self.made:
            os.makedirs(parent, exist_ok=True)
            self.made.add(parent)


def outcomes(counts: Counts) -> dict[str, object]:
    """What became of the files: in all, and per endpoint (kind of file)."""
    totals = [sum(numbers) for numbers in zip(*counts.values(), strict=True)] if counts else [0] * len(OUTCOMES)
    return {
        "files": dict(zip(OUTCOMES, totals, strict=True)),
        "per kind": {
            endpoint: {outcome: n for outcome, n in zip(OUTCOMES, numbers, strict=True) if n}
            for endpoint, numbers in sorted(counts.items())
        },
    }
