"""``statuspage build`` and ``statuspage check``: the build, phase by phase, in ``build_site``.

lock → snapshot the sources → unchanged? → load → derive → plan → render → swap → record.  Each
phase has its module here, in that order: ``fingerprint`` (the snapshot, and so "unchanged?"),
``plan``, ``render``, ``swap`` and ``record``, with ``digest`` (the keys' digests of the derived
state), ``workers`` (forked processes) and ``ownership`` (which folders a build may replace).
Loading and deriving are the domain's (``sources/``, ``state/``), rendering a file is the web
app's (``web/``).  This module imports none of those at its top: the snapshot is taken in
another process while this one imports them (Flask, Jinja, Babel...), and a build that finds
nothing changed never needs them.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import load_config
from ..errors import Collector, Problem, StatuspageError, ValidationError
from ..sources.digests import Answers, FileDigests
from .fingerprint import Fingerprint, fingerprint
from .ownership import cache_dir, check_output, current_umask, is_ours, recorded_umask, settle, spare_dir
from .record import (
    Explaining,
    forget,
    identity,
    load_trees,
    published_becomes_spare,
    recorded,
    remember,
    save_basis,
    save_files,
    save_trees,
    unchanged,
    why_changed,
)
from .swap import clean_leftovers, output_lock, remove_extra, swap_into_place, tree_to_update
from .workers import cycle_collection, in_background, in_background_when_told

if TYPE_CHECKING:
    from ..model import Config, Site
    from ..state import SiteState
    from ..web.render import Renderer
    from .digest import Digests
    from .record import Basis, Manifest, Tree

Taken = Fingerprint | None
HELPERS_MIN = 2000  # items (incidents, maintenance windows, public tickets) from which helpers pay


@dataclass(frozen=True)
class BuildResult:
    out: Path
    files: int  # in the output
    now: datetime
    derived: Callable[[], SiteState] = field(repr=False, compare=False)
    written: bool = True  # False: nothing had changed, and the output was left as it was
    # Ticket rows left out and links dropped (SPEC §6); a build with any is never skipped as unchanged.
    warnings: tuple[Problem, ...] = ()

    @cached_property
    def state(self) -> SiteState:
        """What was built; ``watch`` schedules from it.  Derived on first use when the build was skipped."""
        return self.derived()


def check_site(site_dir: Path) -> Site:
    """Validate config, content, tickets and the site's templates; raises ValidationError with every problem.

    Unlike a build, a check fails on ticket rows that a build would leave out; links a build would
    drop are the site's ``dropped_links``, warnings only (the desk may make a ticket private at any time).
    """
    from ..sources.site import load_site
    from ..web.theme import check_templates

    site = load_site(site_dir)
    check_templates(site_dir)
    if site.left_out:
        raise ValidationError(list(site.left_out), warnings=site.dropped_links)
    return site


@cycle_collection(False)  # see workers.cycle_collection
def build_site(
    site_dir: Path,
    out: Path,
    now_option: str | None = None,
    *,
    provenance: bool = True,
    before_swap: Callable[[], None] | None = None,
    jobs: int = 1,
    content_stale_since: datetime | None = None,
) -> BuildResult:
    """Snapshot → unchanged? → load → derive → plan → render → swap → record.  The old output survives any failure.

    ``provenance`` adds git's first-published and last-edited times (see sources/provenance.py).
    ``before_swap`` runs between rendering and swapping: ``watch`` renders a state change ahead of
    time and waits there, so the new output appears at the very instant the state changes.
    ``jobs`` processes render the pages; the output is the same for any number.
    ``content_stale_since``: the sources could not be updated since then (``watch`` whose git
    pull keeps failing); the front page says so.
    """
    # A symlinked output is built where it points: swapping the link itself would leave the spare
    # tree inside the deployed folder.
    given, out = out, out.resolve() if out.is_symlink() else out
    config = load_config(site_dir, Collector())
    published = _folder(out)
    try:
        # Before anything is written beside the output or inside it: only a folder of ours is replaced.
        check_output(site_dir, out, given, config.tickets_db if config is not None else None)
        return _build(
            site_dir, out, now_option, config, provenance=provenance, before_swap=before_swap, jobs=jobs,
            content_stale_since=content_stale_since,
        )  # fmt: skip
    except OSError as error:  # a full or read-only disk, say
        raise StatuspageError(_unwritable(out, error, swapped=_folder(out) != published)) from None


def _build(
    site_dir: Path,
    out: Path,
    now_option: str | None,
    config: Config | None,
    *,
    provenance: bool,
    before_swap: Callable[[], None] | None,
    jobs: int,
    content_stale_since: datetime | None,
) -> BuildResult:
    """``build_site`` once the output is known to be one it may replace: its phases, in order."""
    # Snapshot the sources: one fingerprint of everything the output is made from (fingerprint.py),
    # taken in another process while this one imports what building needs.  The files' digests it
    # takes are the ones the loaders use.
    explaining = Explaining(jobs)  # what each phase decides, for ``statuspage build --explain``
    options = _options(site_dir, out, provenance, content_stale_since)
    seen = FileDigests.in_folder(cache_dir(out))
    taken = _snapshot(site_dir, now_option, options, seen, config, fork=jobs > 1)
    explaining.phase("snapshot", fingerprint=taken.key[:16] if taken else None, now=taken.now if taken else None)

    # Unchanged?  When every input is what the current output was built from, write nothing.
    if taken is not None and recorded(out):
        with output_lock(out):
            files = unchanged(out, taken.key)
        if files is not None:
            explaining.phase("unchanged?", unchanged=True, why=["the fingerprint is the output's"], files=files)
            explaining.save(out)
            if before_swap is not None:
                before_swap()
            derived = partial(_derive, site_dir, taken.now, provenance, cache_dir(out), content_stale_since)
            return BuildResult(out, files, taken.now, derived, written=False)
    explaining.phase("unchanged?", unchanged=False, why=why_changed(out, taken))

    from ..clock import resolve_now
    from ..sources.site import load_site
    from ..state import derive
    from ..web.theme import check_templates
    from . import plan
    from .digest import Digests
    from .render import outcomes, render_files

    key = taken.key if taken else None

    # A source saved while we read it: the output may match neither version, so record none.
    # Once the content and tickets are read, another process looks at them again while this one
    # derives and renders; it is forked before they are loaded, while this process is small.
    # (Templates and static files are read while rendering too, but their digests, taken before,
    # are in every key: an edit to them makes the next build render everything.  Only one made
    # and undone while the pages render goes unseen.)
    def sources_again() -> str | None:
        again = fingerprint(site_dir, taken.now.isoformat(), options, cache_dir(out)) if taken else None
        return again.key if again is not None else None

    with (
        in_background_when_told(sources_again, fork=jobs > 1) as (sources_read, sources_now),
        ExitStack() as background,  # the parse cache written by another process after a first load
    ):
        # Load and validate (sources/): nothing is written unless the whole site is valid.
        site = load_site(
            site_dir,
            provenance=provenance,
            cache=cache_dir(out),
            jobs=jobs,
            files=seen,
            background=background if jobs > 1 else None,
        )
        sources_read()
        check_templates(site_dir)
        now = taken.now if taken else resolve_now(now_option, site.config.timezone)
        # The other helpers pay on a rebuild of a big site only: forking a process and copying
        # the memory this one then writes cost more than their work on a small site, and than they
        # save in a build that renders every page (no output yet: a fifth more memory).
        items = len(site.incidents) + len(site.maintenance) + len(site.tickets)
        helpers = jobs > 1 and items >= HELPERS_MIN and out.is_dir()
        explaining.phase(
            "load",
            incidents=len(site.incidents),
            maintenance=len(site.maintenance),
            tickets=len(site.tickets),
            warnings=len(site.warnings),
        )

        # Derive (state/): every time-dependent fact, computed once for all outputs.
        state = derive(site, now, content_stale_since=content_stale_since)
        explaining.phase("derive", now=now)

        # Lock the output from here to the record: another build into it waits.
        with output_lock(out), _collector_paused():
            clean_leftovers(out)
            # Every file's key digests the state objects it shows: workers share their digests (see
            # Digests.share), made by a helper process while this one plans, or a stride by each.
            digests = Digests(state)
            if jobs > 1:
                digests.share()
            with in_background(digests.fill, fork=helpers):
                # The site's templates and static files as rendering reads them, in every key; if
                # that is not as the fingerprint saw them, the fingerprint is not the output's.
                fingerprinted = _theme(site.root, seen)
                theme = _theme(site.root, seen, again=True)
                renderers = _renderers(state, digests, theme, cache_dir(out) / "templates")

                # Plan: what each tree holds (record.py), and every file of the site in shares.
                live, old = load_trees(out)
                if recorded_umask(out) != current_umask():  # a file kept from those trees would keep its old mode
                    live = old = None
                spare = spare_dir(out)
                staging, have = tree_to_update(out, spare, live, old)
                save_trees(out, (identity(out), live["token"]) if live is not None else None, None)  # about to change
                try:
                    shares = plan.shares(renderers)
                    planned = explaining.phase(
                        "plan", languages=len(renderers), shares=len(shares), tree=_tree_to_update(live, old)
                    )

                    # Render into the spare tree only the files whose inputs changed (render.py).
                    before = live.get("basis") if live is not None else None
                    manifest, basis, counts, work = render_files(
                        renderers, shares, jobs, have=have, published=live["files"] if live is not None else {},
                        staging=staging, out=out, site_root=site.root, digested=helpers, before=before,
                    )  # fmt: skip
                    removed = remove_extra(staging, have, manifest)
                    to_key = work.pages_to_key()
                    planned["item pages"] = (
                        f"keyed only where they show a changed incident ({len(to_key)}), the others kept unkeyed"
                        if to_key is not None
                        else f"every one keyed: {plan.why_every_page_is_keyed(before, basis)}"
                    )
                    explaining.phase("render", **outcomes(counts), removed=len(removed), removed_first=removed[:5])

                    # Swap the spare tree in for the output, in one step (swap.py).
                    sources_now()  # taken before anything that runs from here on could change a source
                    if before_swap is not None:
                        before_swap()
                    forget(out)
                    swap_into_place(staging, out)
                    explaining.phase("swap", files=len(manifest))
                except BaseException:
                    if staging != spare:
                        shutil.rmtree(staging, ignore_errors=True)
                    raise

                # Record what each tree now holds, and what the output was made from (record.py).
                _record_trees(out, staging, spare, live, manifest, basis)
            again = sources_now()
            unchanged_since = again is not None and again == key and theme == fingerprinted
            # A build that left something out is not recorded: the next one loads again, and warns again.
            remember(out, taken if unchanged_since and not site.warnings else None, len(manifest))
            explaining.phase("record", fingerprint=_recorded_or_why(unchanged_since, site.warnings))
            explaining.save(out)
    return BuildResult(out, len(manifest), now, lambda: state, warnings=state.site.warnings)


def _tree_to_update(live: Tree | None, old: Tree | None) -> str:
    if old is not None:
        return "the spare tree, as the build before last left it"
    if live is not None:
        return "a copy of the published tree by hard links (no spare tree known)"
    return "an empty tree (no published tree known)"


def _recorded_or_why(unchanged_since: bool, warnings: tuple[Problem, ...]) -> str:
    if not unchanged_since:
        return "not recorded: a source changed while the build read it (the next build builds again)"
    if warnings:
        return "not recorded: the build left something out (the next build loads again, and warns again)"
    return "recorded: the next build with the same sources writes nothing"


def _options(site_dir: Path, out: Path, provenance: bool, content_stale_since: datetime | None) -> dict[str, object]:
    """The options the output depends on, in the fingerprint: the umask too, as files kept from a
    build under another umask would keep their modes."""
    options: dict[str, object] = {
        "provenance": provenance,
        "site": str(site_dir),
        "out": str(out),
        "umask": current_umask(),
    }
    if content_stale_since is not None:  # shown on the front page, so part of what the output is made of
        options["content_stale_since"] = content_stale_since.isoformat()
    return options


def _snapshot(
    site_dir: Path,
    now_option: str | None,
    options: dict[str, object],
    seen: FileDigests,
    config: Config | None,
    fork: bool,
) -> Taken:
    """The fingerprint, taken in another process while this one imports what building needs.

    ``seen`` learns the files' digests it took, for the loaders.
    """

    def take() -> tuple[Taken, Answers]:
        return fingerprint(site_dir, now_option, options, files=seen), seen.answers()

    # Only a process that has yet to import them gains (``watch`` builds again and again in one).
    importing = "statuspage.build.render" not in sys.modules
    with in_background(take, fork=fork and importing) as taken_elsewhere:
        from ..i18n import load_locale_data
        from . import render  # noqa: F401 - meanwhile: what building needs (Flask, Jinja...)

        if config is not None and importing:
            load_locale_data(config)  # and the languages' data for the workers
        taken, answers = taken_elsewhere()
    seen.adopt(answers)  # the loaders see the files as the fingerprint saw them
    return taken


def _record_trees(out: Path, staging: Path, spare: Path, live: Tree | None, manifest: Manifest, basis: Basis) -> None:
    """After the swap: ``staging`` holds the previous output (or nothing, on a first build); it becomes
    the spare, and the published tree's files, as recorded, become the spare's."""
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
    save_basis(out, basis, token)
    save_trees(out, (identity(out), token), (identity(spare), spare_token) if spare_token is not None else None)


def _renderers(state: SiteState, digests: Digests, theme: bytes, template_cache: Path) -> list[Renderer]:
    """One per language: the site language at the root, each other language in its own folder.

    ``theme`` is the digest of the site's own templates and static files (``_theme``).
    """
    from ..i18n import site_languages
    from ..sources.digests import PACKAGE, code_digest
    from ..web import create_app, site_urls, translated_site_urls
    from ..web.pages import navigation, support_label
    from ..web.render import Renderer
    from .digest import digest_bytes, files_digest

    config = state.site.config
    # Our code and libraries, and the templates, stylesheet and catalogs shipped with them.
    code = digest_bytes(
        code_digest(), files_digest(*(PACKAGE / folder for folder in ("templates", "static", "translations")))
    )
    renderers: list[Renderer] = []
    for language in site_languages(config):
        # Every page shows the navigation: the site's pages' labels in this language.
        nav = digests.of((navigation(state, language), support_label(state, language)))
        global_key = digest_bytes(code, theme, digests.of(config), language, nav, *_global_state(state, digests))
        app = create_app(state, language, template_cache)
        urls = partial(site_urls if not app.config["LANGUAGE_PREFIX"] else translated_site_urls, state)
        renderers.append(Renderer(app, digests, global_key, urls))
    return renderers


def _theme(root: Path, files: FileDigests, again: bool = False) -> bytes:
    """The site's own templates and static files, as ``files`` saw them (the fingerprint), or as they are now."""
    from ..web.theme import THEME_STATIC
    from .digest import files_digest

    return files_digest(root / "templates", root / THEME_STATIC, files=files, again=again)


def _global_state(state: SiteState, digests: Digests) -> list[bytes]:
    """The state behind the templates' globals other than ``state``: ``indicator_label``, where a theme uses it.

    Our own templates read it only on the front page, which passes it as a variable, so that
    an overall status change does not make every page of the site stale.
    """
    from ..sources.sitefiles import tree_files

    themed = state.site.root / "templates"
    if themed.is_dir() and any(
        "indicator_label" in Path(path).read_text(encoding="utf-8", errors="replace")
        for _, path in tree_files(themed)  # symlinked folders too, as Jinja's loader follows them
    ):
        return [digests.part("indicator")]
    return []


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cycle collector off the loaded site and state while workers render (collecting their own garbage).

    They are hundreds of thousands of objects that live until the build ends; every full
    collection scanned them all again (a good part of a small rebuild), and freezing them also
    keeps forked workers from touching, and so copying, the parent's pages of memory.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _derive(site_dir: Path, now: datetime, provenance: bool, cache: Path, stale: datetime | None) -> SiteState:
    from ..sources.site import load_site
    from ..state import derive

    return derive(load_site(site_dir, provenance=provenance, cache=cache), now, content_stale_since=stale)


def _folder(out: Path) -> tuple[int, int] | None:
    """The output folder as it is now: another one once a build swapped its tree in."""
    try:
        status = out.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _unwritable(out: Path, error: OSError, swapped: bool) -> str:
    """One line for a file the build could not read or write, named as the user knows it."""
    reason = error.strerror or str(error)
    if swapped:  # only the records after the swap failed: they are checked by the next build, which starts afresh
        return f"--out {out}: the new output is in place, but the build could not record it: {reason}"
    where = Path(os.path.abspath(error.filename)) if isinstance(error.filename, str) else None
    if where is None or where == out or out.parent in where.parents:  # the output, or a folder a build keeps beside it
        return f"--out {out}: cannot write the output: {reason} (the previous output is unchanged)"
    return f"{where}: {reason} (the build stopped; the previous output is unchanged)"
