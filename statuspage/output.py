"""Writing the output: only the files whose key changed, into a spare copy of the site that is then swapped in.

The published folder must change in one step (a reader never sees half a build), and a big
site has tens of thousands of files, too many to write again when one incident changes.  So
the build keeps two trees beside each other: the published ``out`` and a spare one,
``.<out>.spare``, holding the build before it.  A build brings the spare up to date, file by
file, then swaps the two with one ``renameat2`` exchange; the old output becomes the next spare.

What each tree holds, and what the published one was made from, is recorded beside the output
(trees.py); the trees are swapped by swap.py.

A file whose key is unchanged is kept; one the published tree already has is hard-linked from
there; only the rest is rendered.  The pages of items that show nothing that changed since the
published build are kept without computing their keys (basis.py).  Worker
processes share the files, keys included (on a big site computing the keys of every file is a
good part of a rebuild): each takes the next share of files as it finishes one.  A file is never
changed in place, since its inode may be shared with the published tree: it is removed and
written anew.  The record is dropped before a tree is touched, so after a crash an unknown tree
is simply built again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Hashable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import basis as basis_record
from .basis import Basis
from .fingerprint import cache_dir
from .modes import current_umask, published_mode
from .ownership import is_ours, recorded_umask, settle
from .swap import link_tree, swap_into_place, temporary_sibling
from .trees import (
    Entry,
    Manifest,
    Tree,
    identity,
    load_trees,
    published_becomes_spare,
    save_files,
    save_trees,
    spare_dir,
    write_record,
)
from .web.pages import ITEM_PAGE_KINDS
from .web.render import ITEM_PAGES, Renderer, unit_key
from .web.theme import template_errors
from .workers import WorkQueue, cycle_collection, in_workers

_READS: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple object per distinct value: a smaller record
SHARE = 64  # files a worker takes at a time (more on a site too big for that many shares)
# A file to make: its renderer's index, its endpoint and its URL's values.
File = tuple[int, str, dict[str, Any]]


def write_site(
    out: Path,
    renderers: list[Renderer],
    jobs: int,
    site_root: Path,
    before_swap: Callable[[], None] = lambda: None,
    digested: bool = False,
) -> int:
    """Bring a tree up to date with every file the renderers make, swap it in as ``out``; returns the number of files.

    The caller holds the output lock.  ``before_swap`` runs once the tree is complete, just
    before it is swapped in.  ``digested``: another process makes the state's digests (else
    each worker makes a stride of them first, see ``Digests.share``).
    """
    live, old = load_trees(out)
    if recorded_umask(out) != current_umask():  # a file kept from those trees would keep its old mode
        live = old = None
    spare = spare_dir(out)
    staging, have = _staging(out, spare, live, old)
    save_trees(out, (identity(out), live["token"]) if live is not None else None, None)  # the spare is about to change
    try:
        published: Manifest = live["files"] if live is not None else {}
        shares = _shares(renderers)
        queue = WorkQueue(len(shares))
        try:
            before = live.get("basis") if live is not None else None
            work = _Work(renderers, shares, queue, have, published, staging, out, site_root, digested, before)
            manifest: Manifest = {}
            for part in in_workers(work.run, jobs):
                manifest.update((path, (key, _READS.setdefault(reads, reads))) for path, (key, reads) in part.items())
        finally:
            queue.close()
        _remove_extra(staging, have, manifest)
        before_swap()
        swap_into_place(staging, out)
    except BaseException:
        if staging != spare:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    # ``staging`` now holds the previous output (or nothing, on a first build): it becomes the spare,
    # and the published tree's files, as recorded, become the spare's.
    spare_token: str | None = None
    if staging.exists():
        if staging != spare:
            if is_ours(out, spare):
                shutil.rmtree(spare, ignore_errors=True)
            if live is not None:  # the previous output was known: it becomes the spare
                os.rename(staging, spare)
            else:
                shutil.rmtree(staging, ignore_errors=True)
        if live is not None and spare.is_dir():
            with suppress(FileNotFoundError):  # removed meanwhile by hand: the spare counts as unknown
                published_becomes_spare(out)
                spare_token = live["token"]
    settle(out, out, spare)
    token = save_files(out, "live", manifest)
    write_record(cache_dir(out) / basis_record.RECORD, basis_record.dump(work.basis(), token))
    save_trees(out, (identity(out), token), (identity(spare), spare_token) if spare_token is not None else None)
    return len(manifest)


def _staging(out: Path, spare: Path, live: Tree | None, old: Tree | None) -> tuple[Path, Manifest]:
    """The tree to bring up to date, and what it holds now.

    The spare tree when it is known; else a copy of the published tree by hard links (the
    first rebuild after a clean build); else an empty folder.
    """
    if old is not None:  # known: the folder is still the one recorded (``_load``)
        published_mode(spare)
        return spare, dict(old["files"])
    if spare.exists() and is_ours(out, spare):  # else ``check_output`` refused the build
        shutil.rmtree(spare, ignore_errors=True)
    staging = temporary_sibling(out)
    if live is None:
        return staging, {}
    try:
        link_tree(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, dict(live["files"])


@dataclass(frozen=True)
class _ItemPages:
    """A share of the pages of single items: these values' pages of one endpoint, in every language.

    Most of a big site's files: the parent names them by the slice of values, and the worker
    that takes the share makes their URLs, rather than the parent making every one of them.
    """

    endpoint: str
    name: str  # of the value in the URL
    values: list[Any]


Share = list[File] | _ItemPages


def _shares(renderers: list[Renderer]) -> list[Share]:
    """Every file of the site, in shares of about ``SHARE`` files for the workers to take one by one.

    A share never splits files made from the same data (``unit_key``: a feed's formats, a page's
    languages); the pages of single items go by item, each share holding some items' pages in every
    language (``_ItemPages``).  The files that are not item pages come first: few, but the costliest
    to render, they are best started early.
    """
    units: dict[Hashable, list[File]] = {}
    find = units.get  # thousands of files: the loop is kept plain
    for number, renderer in enumerate(renderers):
        for endpoint, values in renderer.urls(items=False):
            key = unit_key(endpoint, values)
            unit = find(key)
            if unit is None:
                units[key] = [(number, endpoint, values)]
            else:
                unit.append((number, endpoint, values))
    ordered = sorted(units.values(), key=lambda unit: unit[0][1] in ITEM_PAGES)  # stable: site order otherwise
    items = renderers[0].item_pages() if renderers else []
    # Every share but the last of each kind holds at least ``size`` files: so there are at most LIMIT of them.
    files = sum(map(len, ordered)) + len(renderers) * sum(len(chosen) for _, _, chosen in items)
    size = max(SHARE, -(-files // (WorkQueue.LIMIT - 1 - len(items))))
    grouped: list[list[File]] = [[]]
    for unit in ordered:
        if len(grouped[-1]) >= size:
            grouped.append([])
        grouped[-1] += unit
    shares: list[Share] = [*grouped]
    per_share = -(-size // max(1, len(renderers)))  # values: each share holds their pages in every language
    for endpoint, name, chosen in items:
        shares += [_ItemPages(endpoint, name, chosen[at : at + per_share]) for at in range(0, len(chosen), per_share)]
    return shares


_NOT_WORKED_OUT: Any = object()  # see ``_Work.pages_to_key``


class _Work:
    """The files of a build, taken share by share by each worker: kept, linked from the published tree or rendered.

    A file is kept when its key is the one recorded for it; the pages of items, tens of thousands
    on a big site, are kept without computing their keys when the items they show have not
    changed since the published build (basis.py).
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
        self._basis: Basis | None = None
        self._to_key: set[tuple[str, Any]] | None = _NOT_WORKED_OUT

    def basis(self) -> Basis:
        """What this build is made from: by each worker that asks ``pages_to_key``, else by the parent after."""
        if self._basis is None:
            keys = [renderer.global_key for renderer in self.renderers]
            self._basis = Basis(keys, self.renderers[0].digests.items())
        return self._basis

    def pages_to_key(self) -> set[tuple[str, Any]] | None:
        """The pages of items that may differ from the published ones (``basis.pages_to_key``), once per worker."""
        if self._to_key is _NOT_WORKED_OUT:
            before, state = self.before, self.renderers[0].state
            self._to_key = basis_record.pages_to_key(before, self.basis(), state) if before is not None else None
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

    def run(self, worker: int, workers: int) -> Manifest:
        """A worker's part: the shares it took, whichever they were (the result is the same)."""
        with cycle_collection(True):
            if not self.digested:
                self.renderers[0].digests.fill(worker, workers)  # shared by the renderers and the workers
            return self._run()

    def _run(self) -> Manifest:
        manifest: Manifest = {}
        for number in self.queue:
            for index, files in self._files(self.shares[number]):
                renderer = self.renderers[index]
                with renderer, template_errors(renderer.app, self.site_root):
                    for endpoint, values in files:
                        path = renderer.path(endpoint, values)
                        kept = self.kept(endpoint, values, path) if endpoint in ITEM_PAGE_KINDS else None
                        manifest[path] = kept if kept is not None else self._one(renderer, endpoint, values, path)
        return manifest

    def _files(self, share: Share) -> Iterator[tuple[int, list[tuple[str, dict[str, Any]]]]]:
        """A share's files, by the number of the renderer (language) that makes them."""
        if isinstance(share, _ItemPages):
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
                return theirs
            except FileNotFoundError:  # removed from the published tree by hand: render it
                pass
        body, reads = renderer.render(endpoint, values)
        with open(target, "wb") as handle:
            handle.write(body)
        return self._key(renderer, endpoint, values, reads, known), _READS.setdefault(reads, reads)

    @staticmethod
    def _key(
        renderer: Renderer, endpoint: str, values: dict[str, Any], reads: tuple[str, ...], known: dict[Any, bytes]
    ) -> bytes:
        """The file's key given what its templates read, made once per distinct ``reads``."""
        if reads not in known:
            known[reads] = renderer.key(endpoint, values, reads)
        return known[reads]

    def _make_parent(self, target: Path) -> None:
        parent = str(target.parent)
        if parent not in self.made:
            os.makedirs(parent, exist_ok=True)
            self.made.add(parent)


def _remove_extra(staging: Path, have: Manifest, manifest: Manifest) -> None:
    """Files of the old tree that the new build does not have, and the folders they leave empty."""
    folders: set[Path] = set()
    for path in have.keys() - manifest.keys():
        target = staging / path
        with suppress(FileNotFoundError):
            target.unlink()
        folders.update(target.parents)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if staging in folder.parents:
            with suppress(OSError):
                folder.rmdir()  # only when empty
