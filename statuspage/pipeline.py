"""What a build does once it knows that something changed: load, validate, derive, render what changed, swap.

``build.py`` decides that, by the fingerprint; it imports this module (Flask, Jinja, Babel and
the rest) while another process takes the fingerprint.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from .clock import resolve_now
from .digest import Digests, digest_bytes, files_digest
from .fingerprint import PACKAGE, cache_dir, fingerprint, forget, output_lock, remember, tree_files
from .i18n import site_languages
from .output import write_site
from .sources.digests import FileDigests, code_digest
from .sources.site import load_site
from .state import SiteState, derive
from .swap import clean_leftovers
from .web import create_app, site_urls, translated_site_urls
from .web.pages import navigation, support_label
from .web.render import Renderer
from .web.theme import THEME_STATIC, check_templates
from .workers import in_background, in_background_when_told

HELPERS_MIN = 2000  # items (incidents, maintenance windows, public tickets) from which helpers pay


def build_changed(
    site_dir: Path,
    out: Path,
    now_option: str | None,
    taken: tuple[str, datetime] | None,
    seen: FileDigests,
    options: dict[str, object],
    *,
    provenance: bool,
    before_swap: Callable[[], None] | None,
    jobs: int,
) -> tuple[int, datetime, SiteState]:
    """Build ``out`` from the site; returns the number of files, the build's ``now`` and its state.

    ``taken`` is the fingerprint the sources had when ``seen`` first looked at them (None when
    it could not be taken: the load then reports why); it is recorded only if they still have it
    once they are read.  The other arguments are ``build_site``'s.
    """
    key = taken[0] if taken else None

    # A source saved while we read it: the output may match neither version, so record none.
    # Once the content and tickets are read, another process looks at them again while this one
    # derives and renders; it is forked before they are loaded, while this process is small.
    # (Templates and static files are read while rendering too, but their digests, taken before,
    # are in every key: an edit to them makes the next build render everything.  Only one made
    # and undone while the pages render goes unseen.)
    def sources_again() -> str | None:
        again = fingerprint(site_dir, taken[1].isoformat(), options, cache_dir(out)) if taken else None
        return again[0] if again is not None else None

    with (
        in_background_when_told(sources_again, fork=jobs > 1) as (sources_read, sources_now),
        ExitStack() as background,  # the parse cache written by another process after a first load
    ):
        # Load and validate: nothing is written unless the whole site is valid.
        site = load_site(
            site_dir,
            provenance=provenance,
            cache=cache_dir(out),
            jobs=jobs,
            files=seen,
            background=background if jobs > 1 else None,
        )
        sources_read()
        # The other helpers pay on a rebuild of a big site only: forking a process and copying
        # the memory this one then writes cost more than their work on a small site, and than they
        # save in a build that renders every page (no output yet: a fifth more memory).
        items = len(site.incidents) + len(site.maintenance) + len(site.tickets)
        helpers = jobs > 1 and items >= HELPERS_MIN and out.is_dir()
        check_templates(site_dir)
        now = taken[1] if taken else resolve_now(now_option, site.config.timezone)

        # Derive: every time-dependent fact, computed once for all outputs.
        stale = options.get("content_stale_since")
        state = derive(site, now, content_stale_since=datetime.fromisoformat(stale) if isinstance(stale, str) else None)

        with output_lock(out), _collector_paused():
            clean_leftovers(out)

            def swap_when_ready() -> None:
                sources_now()  # taken before anything that runs from here on could change a source
                if before_swap is not None:
                    before_swap()
                forget(out)

            # Every file's key digests the state objects it shows: workers share their digests (see
            # Digests.share), made by a helper process while this one plans, or a stride by each.
            digests = Digests(state)
            if jobs > 1:
                digests.share()
            with in_background(digests.fill, fork=helpers):
                # Render into the spare tree only the files whose inputs changed, then swap it in.
                # The site's templates and static files as rendering reads them, in every key; if
                # that is not as the fingerprint saw them, the fingerprint is not the output's.
                fingerprinted = _theme(site.root, seen)
                theme = _theme(site.root, seen, again=True)
                renderers = _renderers(state, digests, theme, cache_dir(out) / "templates")
                files = write_site(out, renderers, jobs, site.root, swap_when_ready, digested=helpers)
            again = sources_now()
            unchanged = again is not None and again == key and theme == fingerprinted
            # A build that left something out is not recorded: the next one loads again, and warns again.
            remember(out, key if unchanged and not site.warnings else None, files)
    return files, now, state


def _renderers(state: SiteState, digests: Digests, theme: bytes, template_cache: Path) -> list[Renderer]:
    """One per language: the site language at the root, each other language in its own folder.

    ``theme`` is the digest of the site's own templates and static files (``_theme``).
    """
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
    return files_digest(root / "templates", root / THEME_STATIC, files=files, again=again)


def _global_state(state: SiteState, digests: Digests) -> list[bytes]:
    """The state behind the templates' globals other than ``state``: ``indicator_label``, where a theme uses it.

    Our own templates read it only on the front page, which passes it as a variable, so that
    an overall status change does not make every page of the site stale.
    """
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
