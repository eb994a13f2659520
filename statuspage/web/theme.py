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
from ..sources.sitefiles import MAX_STATIC_BYTES, MAX_TEMPLATE_BYTES, Refused, check_regular, read_capped, tree_files
from ..state import SiteState

THEME_STATIC = "static"  # folder in the site directory
PACKAGE_STATIC = Path(__file__).resolve().parent.parent / "static"


def has_own_templates(site_root: Path) -> bool:
    """Whether the site's ``templates/`` holds a file (symlinked folders too, as Jinja's loader follows them)."""
    folder = site_root / "templates"
    return folder.is_dir() and bool(tree_files(folder))


def overlay_static(app: Flask, site_root: Path) -> None:
    """Serve ``<site>/static/<file>`` in place of ours when it exists; other files stay ours."""
    own = (site_root / THEME_STATIC).resolve()  # Flask reads a relative folder against the package, not the cwd

    inside = os.path.realpath(site_root)

    def static(filename: str) -> Response:
        if own.is_dir():
            theirs = safe_join(str(own), filename)
            if theirs is not None and os.path.lexists(theirs):
                try:  # the load refused what is not a regular file inside the site; a file changed since is too
                    check_regular(theirs, inside, MAX_STATIC_BYTES)
                except (Refused, OSError):
                    raise NotFound() from None
            try:
                return send_from_directory(own, filename)
            except NotFound:
                pass  # not overridden (or not a safe path inside the folder): fall back to ours
        return app.send_static_file(filename)

    app.view_functions["static"] = static


def static_urls(state: SiteState) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every static file, ours and the site's ``static/`` (a theme file need not be linked to be published)."""
    names: set[str] = set()
    for folder in (PACKAGE_STATIC, state.site.root / THEME_STATIC):
        # Regular files inside the site only (the load refused anything else), each folder walked once.
        names.update(
            name for name, _ in tree_files(folder) if not any(part.startswith(".") for part in name.split("/"))
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
    for _, shown in tree_files(own):
        path = Path(shown)
        if path.suffix not in (".html", ".xml", ".txt"):
            continue
        try:
            text = read_capped(path, MAX_TEMPLATE_BYTES).decode("utf-8")
            env.parse(text, name=path.name, filename=str(path))
        except jinja2.TemplateSyntaxError as error:
            problems.add(str(path), error.lineno, f"template syntax: {error.message}")
        except Refused as refusal:
            problems.add(str(path), None, str(refusal))
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
