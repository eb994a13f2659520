"""The built example site in a real browser: axe-core, layout at phone and desktop width, no third parties.

Drives Debian's chromium (/usr/bin/chromium) through Playwright; a browser is never downloaded.
Without chromium the module is skipped, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import NOW, REPO, run

CHROMIUM = Path("/usr/bin/chromium")
BASE_URL = "https://status.example.sk/"  # the example's base_url
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright  # noqa: E402

# One page of every type; the ticket, incident and maintenance are ones with the most on them
# (the incident has an English translation).  The example's accessibility statement says that
# these tests run: keep it true when they change (content/pages/accessibility*.md).
PAGE_TYPES = {
    "front": "",
    "incident": "incidents/2026-11-21-prihlasenie-zlyhava/",
    "maintenance": "maintenance/2026-11-23-inovacia-publikacnej-siete/",
    "known-issues": "known-issues/",
    "component-known-issues": "known-issues/components/web/",
    "ticket": "known-issues/1054/",
    "component": "components/web/",
    "history": "history/",
    "support": "support/",
    "subscribe": "subscribe/",
    "site-page": "accessibility/",  # one of the site's own pages (content/pages), its accessibility statement
}
PAGES = [(f"{language}-{name}", prefix + path) for language, prefix in (("sk", ""), ("en", "en/"))
         for name, path in PAGE_TYPES.items()]  # fmt: skip
# The 404 page is one per site, in the site language, shown by the server at any missing path;
# its links are absolute, so it is visited at the published address (answered from the build).
PAGES.append(("404", BASE_URL + "no/such/page/"))
VIEWS = [(width, scheme) for width in (375, 1280) for scheme in ("light", "dark")]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Served(NamedTuple):
    out: Path
    origin: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The example site built at the fixed time and served over HTTP from 127.0.0.1."""
    out = tmp_path_factory.mktemp("browser") / "build"
    result = run("build", "--site", str(REPO), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(out, f"http://127.0.0.1:{server.server_address[1]}/")
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="module")
def origin(served: Served) -> str:
    return served.origin


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def tabs(browser: Browser, served: Served) -> Iterator[dict[tuple[int, str], tuple[Page, list[str]]]]:
    """One tab per width and colour scheme, reused for every page; each records its requests.

    Requests to the published address (base_url) are answered from the build, as the real site
    would; any other request that is not to 127.0.0.1 is refused (and the test sees it).
    """

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(BASE_URL):
            file = served.out / url.removeprefix(BASE_URL).split("?")[0]
            file = file / "index.html" if file.is_dir() else file
            if file.is_file():
                route.fulfill(path=file)
            else:
                route.fulfill(path=served.out / "404.html", status=404)
        elif url.startswith(served.origin):
            route.continue_()
        else:
            route.abort()

    opened: dict[tuple[int, str], tuple[Page, list[str]]] = {}
    contexts: list[BrowserContext] = []
    for width, scheme in VIEWS:
        context = browser.new_context(
            viewport={"width": width, "height": 800}, color_scheme=scheme, timezone_id="America/New_York"
        )
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request, requests=requests: requests.append(request.url))
        opened[(width, scheme)] = (page, requests)
    yield opened
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("width", "scheme"), VIEWS, ids=[f"{w}px-{s}" for w, s in VIEWS])
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_page_is_accessible_fits_and_stays_on_the_site(
    origin: str, tabs: dict[tuple[int, str], tuple[Page, list[str]]], name: str, path: str, width: int, scheme: str
) -> None:
    page, requests = tabs[(width, scheme)]
    requests.clear()
    response = page.goto(path if path.startswith(BASE_URL) else origin + path)
    assert response is not None and response.status == (404 if name == "404" else 200), path

    site = (origin, BASE_URL, "data:")
    elsewhere = [url for url in requests if not url.startswith(site)]
    assert not elsewhere, f"requests leaving the site: {elsewhere}"

    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"{path} is {overflow[0]} px wide at {overflow[1]} px"

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_local_time_script_runs_under_the_content_security_policy(
    origin: str, tabs: dict[tuple[int, str], tuple[Page, list[str]]]
) -> None:
    """A visitor in another zone sees their own time beside ours; the CSP allows exactly our script."""
    page, _ = tabs[(1280, "light")]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(origin + "en/")
    local = page.locator("time[data-local] + small.local")
    assert local.count() > 0
    assert local.first.inner_text().startswith(" (your time: ") or local.first.inner_text().startswith("(your time: ")
    assert not errors, errors


def test_every_page_type_works_with_javascript_off(browser: Browser, origin: str) -> None:
    """Nothing needs the script: the same content, times in the site's zone, just no visitor's time."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        for name, path in PAGES[:-1]:
            page.goto(origin + path)
            assert page.locator("h1").count() == 1, name
            assert page.locator("small.local").count() == 0, name
        page.goto(origin)
        assert page.locator(".banner h2").inner_text()
        assert page.locator(".components svg.bar").count() == 6
    finally:
        context.close()


def test_nothing_overflows_at_320_px(browser: Browser, origin: str) -> None:
    """The narrowest phones: every page type in both languages fits without sideways scrolling."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        for name, path in PAGES[:-1]:
            page.goto(origin + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{name}: {width} px wide"
    finally:
        context.close()


LONG_CODE_BODY = (
    "Run this to check:\n\n```sh\ncurl --fail https://status.test/api/v2/summary.json?" + "x" * 300 + "\n```\n\n"
    "Or look for `" + "Token" * 60 + "` in the log, and `a-very-long-path/" + "segment/" * 40 + "` too.\n\n"
    "## 2026-11-20T09:30+01:00 identified\n~~~\n" + "y" * 250 + "\n~~~\n"
)


def test_long_code_lines_never_push_the_page_sideways(browser: Browser, tmp_path: Path) -> None:
    """A log line in a code block wraps (or scrolls inside its box) at 320 px: the page never scrolls sideways."""
    from conftest import incident, make_site

    site = make_site(tmp_path / "site", incidents=[incident("code", body=LONG_CODE_BODY)], language="en")
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/incidents/code/")
        assert page.locator("pre").count() == 2 and page.locator("p code").count() == 2
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the incident page is {width[0]} px wide at {width[1]} px"
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
        server.shutdown()
        thread.join()
        server.server_close()


class SlowHandler(QuietHandler):
    """Sends each page in two parts, the second after a pause: a slow phone network, on which the
    browser paints the first part before the rest (and any script at the end of it) has arrived."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            return super().do_GET()
        body = path.read_bytes()
        split = body.index(b"</main>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:split])
        self.wfile.flush()
        time.sleep(0.6)
        self.wfile.write(body[split:])


# The sum of the page's unexpected layout shifts so far (Cumulative Layout Shift, as Lighthouse counts it).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.mark.parametrize("path", ["", "en/", "incidents/2026-11-21-prihlasenie-zlyhava/", "en/history/"])
def test_nothing_moves_after_the_page_is_painted(browser: Browser, served: Served, path: str) -> None:
    """A visitor in another zone on a phone over a slow network: the times in their zone that the
    script adds must not push the page about (Core Web Vitals: CLS at most 0.1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SlowHandler, directory=str(served.out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 375, "height": 800}, timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}", wait_until="load")
        assert page.locator("time[data-local] + small.local").count() > 0  # the script did add the visitor's time
        shift = page.evaluate(LAYOUT_SHIFT)
        assert shift <= 0.1, f"{path or 'front page'}: layout shift {shift:.3f} after it was painted"
    finally:
        context.close()
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "legend"),
    [
        ("", ("pred 90 dňami", "dnes")),
        ("en/", ("90 days ago", "today")),
        ("en/components/web/", ("90 days ago", "today")),
    ],
)
def test_the_uptime_bar_has_a_legend_screen_readers_get(
    origin: str, tabs: dict[tuple[int, str], tuple[Page, list[str]]], path: str, legend: tuple[str, str]
) -> None:
    """Which end of the bar is today is said in words, visible and in the accessibility tree (not aria-hidden)."""
    page, _ = tabs[(375, "light")]
    page.goto(origin + path)
    legends = page.locator(".bar-legend")
    assert legends.count() >= 1
    first = legends.first
    assert first.is_visible()
    texts = first.locator("span:not(.visually-hidden)").all_inner_texts()
    assert [text.strip() for text in texts] == list(legend)
    hidden = first.evaluate("element => element.closest('[aria-hidden=true]') !== null")
    assert not hidden
    snapshot = first.aria_snapshot()
    assert legend[0] in snapshot and legend[1] in snapshot, snapshot
    box, bar = first.bounding_box(), page.locator(".bar, .uptime-bar").first.bounding_box()
    assert box is not None and bar is not None
    assert box["y"] >= bar["y"] + bar["height"] - 1  # under its bar


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_recent_past_and_the_months_of_the_history_show_and_fit(browser: Browser, origin: str, scheme: str) -> None:
    """The front page's last days and the history's months, on the narrowest phone, in both schemes:
    every day heading and item visible, nothing wider than the screen, no axe violation in them."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    try:
        page = context.new_page()
        for path in ("", "en/"):
            page.goto(origin + path)
            days = page.locator("section.recent h3")
            assert days.count() == 7
            assert page.locator("section.recent p.quiet").count() >= 1
            assert page.locator("section.recent li.past").count() >= 1
            for box in page.locator("section.recent li.past, section.recent h3").evaluate_all(
                "elements => elements.map(e => e.getBoundingClientRect().right)"
            ):
                assert box <= 320
            results = Axe().run(page, context="section.recent")
            assert results.violations_count == 0, results.generate_report()
            page.goto(origin + path + "history/")
            assert page.locator("section.month h2").count() >= 2
            assert page.locator("section.month nav.months a").count() >= 2
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            results = Axe().run(page, context="section.month")
            assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()


def test_the_keyboard_skips_to_the_content_on_every_page(browser: Browser, origin: str) -> None:
    """The first Tab focuses the skip link, shown with an outline; Enter on it moves the focus into the content."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        for name, path in PAGES[:-1]:
            page.goto(origin + path)
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "(() => { const a = document.activeElement, r = a.getBoundingClientRect(); return [a.className,"
                " a.getAttribute('href'), getComputedStyle(a).outlineStyle, r.top >= 0 && r.bottom <= innerHeight];"
                " })()"
            )
            assert focused == ["skip", "#main", "solid", True], (name, focused)
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
            assert inside, f"{name}: the Tab after the skip link leaves the main content"
    finally:
        context.close()
