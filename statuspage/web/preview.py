"""``statuspage serve``: the site's pages rendered live from the sources, for a preview before committing.

Every page and file is the same view the build renders.  The sources are reloaded when they
change (the same change detector ``watch`` uses), and the state is derived again when it changes
by itself (a window starting...) or after ``REDERIVE_AFTER``, so the preview follows the clock.
Invalid sources give a page listing every problem, never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from markupsafe import Markup
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from ..clock import resolve_now, wall_clock
from ..errors import StatuspageError, ValidationError
from ..i18n import site_languages
from ..model import Site
from ..sources.changes import ChangeDetector, Snapshot
from ..sources.site import load_site
from ..state import SiteState, derive
from ..state.instants import state_change_instants
from .app import create_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REDERIVE_AFTER = timedelta(minutes=1)  # uptime and "status as of" move on even when nothing else does


class LivePreview:
    """A WSGI application that picks the app for the current sources and time on every request."""

    def __init__(self, site_dir: Path, *, now_option: str | None = None, provenance: bool = True) -> None:
        if now_option:
            resolve_now(now_option, ZoneInfo("UTC"))  # a malformed --now fails now, not on the first request
        self.site_dir = site_dir
        self.now_option = now_option
        self.provenance = provenance
        self.detector = ChangeDetector(site_dir, git=provenance)
        self.reloads = 0  # how many times the sources were read: tests see reloading happen
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._site: Site | None = None
        self._error: StatuspageError | None = None
        self._app: WSGIApplication | None = None
        self._valid_until: datetime | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.endswith("/index.html"):  # the frozen site's file names (the language switch links to them)
            environ["PATH_INFO"] = path.removesuffix("index.html")
        return self.current()(environ, start_response)

    def current(self) -> WSGIApplication:
        with self._lock:
            snapshot = self.detector.snapshot()
            if snapshot != self._snapshot:
                self._snapshot, self._app = snapshot, None
                self.reloads += 1
                try:
                    self._site, self._error = load_site(self.site_dir, provenance=self.provenance), None
                except StatuspageError as error:
                    self._site, self._error = None, error
            if self._site is None:
                return _ProblemsPage(self._error)
            now = resolve_now(self.now_option, self._site.config.timezone) if self.now_option else wall_clock()
            if self._app is None or (self._valid_until is not None and now >= self._valid_until):
                state = derive(self._site, now)
                self._app = _language_apps(state)
                changes = state_change_instants(state)
                self._valid_until = None if self.now_option else min([*changes[:1], now + REDERIVE_AFTER])
            return self._app


def _language_apps(state: SiteState) -> WSGIApplication:
    """The site language at the root and every other language under ``/<lang>/``, as the build lays them out."""
    apps: dict[str, Flask] = {}
    for language in site_languages(state.site.config):
        app = apps[language] = create_app(state, language)
        app.register_error_handler(404, _not_found)
    root = apps.pop(state.site.config.language)
    return DispatcherMiddleware(root, {f"/{language}": app for language, app in apps.items()})


def _not_found(_error: Exception) -> tuple[Any, int]:
    """The site's own 404 page, as a web server would serve it for a missing path."""
    return current_app.view_functions["pages.not_found"](), 404


class _ProblemsPage:
    """Lists what is wrong with the sources, as ``statuspage check`` would, with status 500."""

    def __init__(self, error: StatuspageError | None) -> None:
        self.error = error

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if isinstance(self.error, ValidationError):
            lines = [str(problem) for problem in self.error.problems]
        else:
            lines = [str(self.error)]
        items = Markup("").join(Markup("<li><code>{}</code></li>").format(line) for line in lines)
        body = Markup(
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>statuspage: problems</title>'
            "<h1>The site has problems</h1><p>Fix them and reload; <code>statuspage check</code> lists the same.</p>"
            "<ul>{}</ul></html>\n"
        ).format(items)
        data = str(body).encode("utf-8")
        start_response(
            "500 INTERNAL SERVER ERROR",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
        )
        return [data]


def create_preview_app(site_dir: Path, *, now_option: str | None = None, provenance: bool = True) -> Flask:
    """A Flask app (for ``app.run`` and ``app.test_client()``) whose every request goes to a live preview."""
    app = Flask("statuspage.preview", static_folder=None)
    app.wsgi_app = LivePreview(site_dir, now_option=now_option, provenance=provenance)  # type: ignore[method-assign]
    return app


def serve(
    site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000, now_option: str | None = None, provenance: bool = True
) -> None:
    """Serve the live preview with the development server until interrupted."""
    if not site_dir.is_dir():
        raise StatuspageError(f"--site {site_dir}: not a directory")
    app = create_preview_app(site_dir, now_option=now_option, provenance=provenance)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
