"""One table of the output's kinds of file and the HTTP headers each is served with.

``statuspage publish`` sends these headers with every object it uploads to S3-compatible storage,
and the build writes them as ``_headers`` for Netlify and Cloudflare Pages: both hosts read the
same table, so a page, feed or API file is served the same way wherever it is published.

Cache lifetimes: pages, feeds, the API, badges and ``status.txt`` change with every incident
update, so they are cached for a minute.  The files under ``static/`` keep their names when their
content changes (``style.css``, a theme's logo), so they cannot be cached "forever, immutable"
without visitors keeping an old stylesheet after an upgrade: they get an hour.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

SHORT = "public, max-age=60"  # what changes with every update: a visitor sees it within a minute
MODERATE = "public, max-age=3600"  # static files whose names do not change with their content
CORS_ORIGIN = "*"  # the API, feeds, calendars, badges and status.txt are public data, read by other sites' scripts
HEADERS_FILE = "_headers"  # Netlify / Cloudflare Pages; never uploaded to object storage
# Sent with every response where the host allows it (Netlify, Cloudflare Pages, a CDN's response
# headers policy): S3 itself cannot send them, see docs/deploy.md.
# The pages carry their full Content-Security-Policy in a <meta> (web/app.py, with a theme's own
# script hashes); a header can add what a <meta> cannot: forbidding framing.  Both are enforced.
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # as docs/examples/nginx-status.conf
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}
_LANGUAGE = re.compile(r"^[a-z]{2}$")  # the folder of a language other than the site's (``en/``)
_TEXT = "; charset=utf-8"


@dataclass(frozen=True)
class Kind:
    """A kind of output file: how it is served."""

    name: str  # page, data, feed, api, asset
    content_type: str
    cache_control: str
    cors: bool = False

    def headers(self) -> dict[str, str]:
        """The response headers of a file of this kind (besides the security headers)."""
        headers = {"Content-Type": self.content_type, "Cache-Control": self.cache_control}
        if self.cors:
            headers["Access-Control-Allow-Origin"] = CORS_ORIGIN
        return headers


# Media types of the extensions the build writes (and the usual ones of a theme's static files).
MEDIA_TYPES: dict[str, str] = {
    ".html": "text/html" + _TEXT,
    ".md": "text/markdown" + _TEXT,  # RFC 7763: the Markdown alternates of pages
    ".ics": "text/calendar" + _TEXT,
    ".atom": "application/atom+xml" + _TEXT,
    ".rss": "application/rss+xml" + _TEXT,
    ".json": "application/json",  # RFC 8259 defines no charset parameter: JSON is UTF-8
    ".svg": "image/svg+xml" + _TEXT,
    ".txt": "text/plain" + _TEXT,
    ".xml": "application/xml" + _TEXT,
    ".css": "text/css" + _TEXT,
    ".js": "text/javascript" + _TEXT,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
FEED_JSON = "application/feed+json"  # JSON Feed 1.1, for feeds/**.json


def media_type(path: str) -> str:
    """The Content-Type of a file by its name; an unknown extension is sent as bytes, never guessed as text."""
    suffix = path[path.rfind(".") :].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path, strict=True)
    if guessed is None:
        return "application/octet-stream"
    return guessed + _TEXT if guessed.startswith("text/") else guessed


def _site_parts(path: str) -> list[str]:
    """The path's folders and name below its language's folder: ``en/feeds/all.atom`` → feeds, all.atom."""
    parts = path.split("/")
    if len(parts) > 1 and _LANGUAGE.match(parts[0]):
        return parts[1:]
    return parts


def kind_of(path: str) -> Kind:
    """How the output file at ``path`` (relative to the output's root, ``/``-separated) is served."""
    parts = _site_parts(path)
    top = parts[0] if len(parts) > 1 else ""
    if top == "static":
        return Kind("asset", media_type(path), MODERATE)
    if path.endswith((".html", ".md")):
        return Kind("page", media_type(path), SHORT)
    if top == "feeds":
        return Kind("feed", FEED_JSON if path.endswith(".json") else media_type(path), SHORT, cors=True)
    if top == "api":
        return Kind("api", media_type(path), SHORT, cors=True)
    return Kind("data", media_type(path), SHORT, cors=True)  # calendars, badges, status.txt: read by programs too


@dataclass(frozen=True)
class Rule:
    """One block of ``_headers``: a URL pattern below a language's folder and a file it stands for."""

    pattern: str  # relative to the language's folder; ``*`` matches anything, slashes too (a splat)
    example: str  # a file the pattern matches, whose kind gives the block's headers
    root_only: bool = False  # a file only the site's root has (sitemap.xml, robots.txt, 404.html)


# Every file of the output matches exactly one rule (tests/test_publish.py checks it on a build), so
# no header is sent twice: both hosts join the values of a header set by several matching rules.
# A new top-level folder of the output needs its rule here (that test names the file that has none).
RULES: tuple[Rule, ...] = (
    Rule("", "index.html"),
    Rule("index.html", "index.html"),
    Rule("index.md", "index.md"),
    # An item's folder holds its page and the page's Markdown: one rule each, and one for the folder's address.
    Rule("incidents/*/", "incidents/x/index.html"),
    Rule("incidents/*.html", "incidents/x/index.html"),
    Rule("incidents/*.md", "incidents/x/index.md"),
    Rule("maintenance/*/", "maintenance/x/index.html"),
    Rule("maintenance/*.html", "maintenance/x/index.html"),
    Rule("maintenance/*.md", "maintenance/x/index.md"),
    Rule("known-issues/*", "known-issues/x/index.html"),
    Rule("components/*", "components/x/index.html"),
    Rule("history/*", "history/index.html"),
    Rule("support/*", "support/index.html"),
    Rule("subscribe/*", "subscribe/index.html"),
    Rule("404.html", "404.html", root_only=True),
    Rule("feeds/*.atom", "feeds/x.atom"),
    Rule("feeds/*.rss", "feeds/x.rss"),
    Rule("feeds/*.json", "feeds/x.json"),
    Rule("api/*", "api/x.json"),
    Rule("calendar/*", "calendar/x.ics"),
    Rule("badges/*", "badges/x.svg"),
    Rule("badge.svg", "badge.svg"),
    Rule("status.txt", "status.txt"),
    Rule("llms.txt", "llms.txt"),
    Rule("sitemap.xml", "sitemap.xml", root_only=True),
    Rule("robots.txt", "robots.txt", root_only=True),
)
STATIC_PATTERN = "static/*"  # a theme's files of any type: the host picks the type by extension


def _rules(pages: Iterable[str]) -> tuple[Rule, ...]:
    """Ours, and one for each of the site's own pages (content/pages): each is a top-level folder of its own."""
    return (*RULES, *(Rule(f"{name}/*", f"{name}/index.html") for name in pages))


def headers_file(prefixes: Iterable[str], pages: Iterable[str] = ()) -> str:
    """The ``_headers`` file for a site whose languages live under ``prefixes`` (``""``, ``"en/"``...).

    ``pages`` are the names of the site's own pages but the support page (which has its rule here).
    """
    blocks = ["# Response headers for Netlify and Cloudflare Pages, written by statuspage build."]
    blocks.append(_block("/*", SECURITY_HEADERS))
    rules = _rules(pages)
    for prefix in prefixes:
        for rule in rules:
            if rule.root_only and prefix:
                continue
            blocks.append(_block(f"/{prefix}{rule.pattern}", kind_of(prefix + rule.example).headers()))
        blocks.append(_block(f"/{prefix}{STATIC_PATTERN}", {"Cache-Control": MODERATE}))
    return "\n\n".join(blocks) + "\n"


def _block(pattern: str, headers: dict[str, str]) -> str:
    return "\n".join([pattern, *(f"  {name}: {value}" for name, value in headers.items())])


def rules_matching(url: str, prefixes: Iterable[str], pages: Iterable[str] = ()) -> list[str]:
    """The ``_headers`` patterns (but ``/*``) a request for ``url`` matches; a splat crosses slashes, as there."""
    found = []
    rules = _rules(pages)
    for prefix in prefixes:
        patterns = [f"/{prefix}{rule.pattern}" for rule in rules if not (rule.root_only and prefix)]
        found += [pattern for pattern in [*patterns, f"/{prefix}{STATIC_PATTERN}"] if fnmatchcase(url, pattern)]
    return found
