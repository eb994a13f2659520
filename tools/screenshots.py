"""Screenshots of the example site's front page, for reviewers: 375 and 1280 px wide, light and dark.

    python3 tools/screenshots.py [--out DIR] [--page PATH] [--first-screen]

Builds the example at the tests' fixed time, serves it on 127.0.0.1 and drives Debian's
chromium (/usr/bin/chromium) with Playwright; it never downloads a browser.  Writes
``front-<width>-<scheme>.png`` (full page, or what the first screen shows with ``--first-screen``)
into DIR (default: build/screenshots).  The README's pictures in ``docs/images/`` are made with
``--first-screen --out docs/images`` (and ``--page en/`` for the English one).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import NOW  # noqa: E402

from statuspage.build import build_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(directory: Path) -> ThreadingHTTPServer:
    """A static file server for ``directory`` on a free port of 127.0.0.1, in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--page", default="", help="path below the site root, e.g. en/ or support/")
    parser.add_argument("--first-screen", action="store_true", help="only what the first screen shows")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        site = Path(temporary) / "site"
        build_site(ROOT, site, NOW, provenance=False)
        server = serve(site)
        url = f"http://127.0.0.1:{server.server_address[1]}/{options.page}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for scheme in SCHEMES:
                    for width in WIDTHS:
                        context = browser.new_context(
                            viewport={"width": width, "height": 900},
                            color_scheme=scheme,
                            timezone_id="Europe/Bratislava",
                        )
                        page = context.new_page()
                        page.goto(url)
                        language = options.page.strip("/").replace("/", "-")
                        stem = f"front-{language}" if language else "front"
                        name = options.out / f"{stem}-{width}-{scheme}.png"
                        page.screenshot(path=str(name), full_page=not options.first_screen)
                        print(name)
                        context.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
