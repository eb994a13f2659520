"""Signing up in a real browser: the built subscribe page, the endpoint, the mailed link, the next incident.

Chromium (Debian's, through Playwright) fills in the static page's form, which posts to the
sign-up endpoint served by waitress; the confirmation arrives at a real SMTP server, the browser
opens its link, and the next incident, found by ``statuspage notify`` after a build, arrives as
one mail. Skipped without chromium, except in CI.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import make_site, run
from smtp_sink import free_port, start_sink
from test_email import notify_config

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402
from test_browser import CHROMIUM_ARGS, QuietHandler  # noqa: E402
from test_signup import endpoint_process  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_sign_up_on_the_subscribe_page_confirm_and_hear_of_the_next_incident(tmp_path: Path, browser: Browser) -> None:
    controller, sink = start_sink()
    out = tmp_path / "build"
    out.mkdir()
    static = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    threading.Thread(target=static.serve_forever, daemon=True).start()
    site_url = f"http://127.0.0.1:{static.server_address[1]}/"
    endpoint_port = free_port()
    config = notify_config(controller.port, f"http://127.0.0.1:{endpoint_port}/").replace(
        'base_url = "https://status.test/"', f'base_url = "{site_url}"'
    )
    site = make_site(tmp_path / "site", config=config, language="sk")
    try:
        # The build goes into the folder the static server serves (the build swaps it in place).
        assert run("build", "--site", str(site), "--out", str(out), "--now", "2026-11-25T10:00:00+01:00").exit_code == 0
        assert run("notify", "--site", str(site), "--out", str(out)).exit_code == 0  # the baseline
        with endpoint_process(site, endpoint_port, tmp_path / "endpoint.log"):
            context = browser.new_context(viewport={"width": 320, "height": 800})
            page = context.new_page()
            errors: list[str] = []  # a Content-Security-Policy refusal shows as a console error
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(site_url + "en/subscribe/")
            results = Axe().run(page)
            assert results.violations_count == 0, results.generate_report()
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"the subscribe page is {width[0]} px wide at {width[1]} px"
            page.get_by_label("E-mail address").fill("reader@example.test")
            page.get_by_label("Web", exact=True).check()
            page.get_by_label("Language of the e-mails").select_option("en")
            page.get_by_role("button", name="Subscribe by e-mail").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
            assert not errors, errors
            results = Axe().run(page)  # the endpoint's own pages are held to the same bar
            assert results.violations_count == 0, results.generate_report()

            [confirmation] = sink.wait_for("reader@example.test", 1)
            text = confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            link = re.search(r"http://127\.0\.0\.1:\d+/confirm\?token=[\w-]+", text)
            assert link is not None, text
            page.goto(link.group(0))
            expect(page.get_by_role("heading", level=1)).to_have_text("Subscription confirmed")
            assert Axe().run(page).violations_count == 0
            context.close()

        (site / "content" / "incidents" / "login.md").write_text(
            "---\ntitle: Login fails\ndate: 2026-11-25T10:30:00+01:00\nseverity: major\n"
            "components: [web, api]\n---\nWe are looking into it.\n",
            encoding="utf-8",
        )
        assert run("build", "--site", str(site), "--out", str(out), "--now", "2026-11-25T11:00:00+01:00").exit_code == 0
        result = run("notify", "--site", str(site), "--out", str(out))
        assert result.exit_code == 0, result.output
        mails = sink.wait_for("reader@example.test", 2)
        assert len(mails) == 2
        assert mails[1]["Subject"] == "[Test Status] Incident: Login fails"  # in the language chosen: English
    finally:
        static.shutdown()
        static.server_close()
        controller.stop()
