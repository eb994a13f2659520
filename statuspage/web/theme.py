"""A site's theme: its own ``static/`` files are served and built before ours, file by file.

Templates are overridden by the Jinja loader chain in ``create_app``; static files need the
same, because the pages' Content-Security-Policy allows only same-site stylesheets and images
(``style-src 'self'``), so a theme's CSS, logo or favicon must be files of the built site.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from flask import Flask, Response, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from ..errors import Collector, StatuspageError
from ..fingerprint import tree_files
from ..sources.sitefiles import MAX_THEME_FILE_BYTES, RefusedFile, read_capped, refusal, walk
from ..state import SiteState

THEME_STATIC = "static"  # folder in the site directory
PACKAGE_STATIC = Path(__file__).resolve().parent.parent / "static"


def overlay_static(app: Flask, site_root: Path) -> None:
    """Serve ``<site>/static/<file>`` in place of ours when it exists; other files stay ours."""
    own = (site_root / THEME_STATIC).resolve()  # Flask reads a relative folder against the package, not the cwd

    def static(filename: str) -> Response:
        if own.is_dir():
            theirs = safe_join(str(own), filename)
            if theirs is not None and os.path.lexists(theirs):
                if refusal(theirs, str(site_root)) is not None:  # a FIFO or a link out of the site: never served
                    raise NotFound()
                try:
                    return send_from_directory(own, filename)
                except NotFound:
                    pass  # a folder of that name: fall back to ours
        return app.send_static_file(filename)

    app.view_functions["static"] = static


def static_urls(state: SiteState) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every static file, ours and the site's ``static/`` (a theme file need not be linked to be published)."""
    names: set[str] = set()
    for folder, site in ((PACKAGE_STATIC, None), (state.site.root / THEME_STATIC, state.site.root)):
        # Links inside the site are followed, once; the site's files were checked when it was loaded.
        names.update(
            name for name, _ in tree_files(folder, site) if not any(part.startswith(".") for part in name.split("/"))
        )
    for name in sorted(names):
        yield "static", {"filename": name}


def check_templates(site_root: Path) -> None:
    """Parse the site's own templates, so that ``check`` reports a broken theme as ``path:line: message``.

    Only syntax can be checked without rendering; a template that fails while rendering (an
    unknown filter, a missing attribute) stops the build with the same kind of message.
    """
    own = site_root / "templates"
    if not own.is_dir():
        return
    problems = Collector()
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for entry in walk(own, site_root):
        if entry.refused is not None:
            problems.add(entry.path, None, entry.refused)
            continue
        path = Path(entry.path)
        if path.suffix not in (".html", ".xml", ".txt"):
            continue
        try:
            text = read_capped(path, MAX_THEME_FILE_BYTES, site_root).decode("utf-8")
            env.parse(text, name=path.name, filename=str(path))
        except jinja2.TemplateSyntaxError as error:
            problems.add(str(path), error.lineno, f"template syntax: {error.message}")
        except RefusedFile as error:
            problems.add(str(path), None, error.reason)
        except (OSError, UnicodeDecodeError) as error:
            problems.add(str(path), None, f"cannot read: {error}")
    problems.raise_if_any()


@contextmanager
def template_errors(app: Flask, site_root: Path) -> Iterator[None]:
    """While building, a template that fails to render stops the build as one clean ``path:line`` line.

    Any Jinja error counts, and so does any other exception raised from the site's own
    templates (``{{ "x" + 1 }}``); an exception from our own code stays a traceback: it is a bug.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = True  # else Flask turns it into a 500 page and the cause is lost
    try:
        yield
    except Exception as error:
        own = (site_root / "templates").resolve()  # only now: a build enters this once per share of files
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".html", ".xml"))]
        in_theme = any(own in Path(frame.filename).resolve().parents for frame in frames)
        if not isinstance(error, jinja2.TemplateError) and not in_theme:
            raise
        filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
        if filename is None and frames:  # raised while rendering: the innermost template frame says where
            filename, line = frames[-1].filename, frames[-1].lineno
        where = f"{filename}:{line}: " if filename else ""
        message = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
        if isinstance(error, jinja2.TemplateNotFound):
            message = f"no template named {error.name!r}"
        raise StatuspageError(f"{where}template error: {message}") from None
