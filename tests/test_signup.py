"""The self-service sign-up endpoint, served by ``statuspage subscribers serve`` (waitress) on 127.0.0.1.

Real requests to the real server, real mail to a real SMTP server: sign up, confirm from the
mailed link, one-click unsubscribe (RFC 8058) stops the mail; cross-site posts are refused, the
limits answer 429, the answer does not tell who is subscribed, and the log holds no addresses.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import REPO, make_site
from smtp_sink import Sink, free_port, start_sink
from test_email import config_of, db_of, incident_event, notify_config

from statuspage.notify.email import EmailChannel
from statuspage.notify.subscribers import find

SITE_ORIGIN = "https://status.test"  # the base_url of notify_config's site


@dataclass
class Endpoint:
    port: int
    site: Path
    sink: Sink
    log: Path
    process: subprocess.Popen[bytes]

    def request(
        self, method: str, target: str, form: dict[str, object] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        sent = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        sent.update(headers or {})
        body = urlencode(form, doseq=True) if form is not None else None
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8")
        finally:
            connection.close()

    def subscribe(self, email: str, origin: str | None = SITE_ORIGIN, **form: object) -> tuple[int, str]:
        headers = {"Origin": origin} if origin is not None else {}
        status, _, body = self.request("POST", "/subscribe", {"email": email, **form}, headers)
        return status, body

    def stop(self) -> str:
        """Stop the server; its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.log.read_text(encoding="utf-8")


@contextmanager
def endpoint_process(site: Path, port: int, log: Path, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """``statuspage subscribers serve`` for ``site`` on ``port``, its output in ``log``; stopped after."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "statuspage", "subscribers", "serve", "--site", str(site), "--port", str(port)]
    with log.open("wb") as handle:
        process = subprocess.Popen([*command, *options], stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the endpoint did not start"
                time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def serve(tmp_path: Path, *options: str) -> Iterator[Endpoint]:
    controller, sink = start_sink()
    port = free_port()
    site = make_site(tmp_path / "site", config=notify_config(controller.port, f"http://127.0.0.1:{port}/"))
    log = tmp_path / "endpoint.log"
    try:
        with endpoint_process(site, port, log, *options) as process:
            yield Endpoint(port, site, sink, log, process)
    finally:
        controller.stop()


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    yield from serve(tmp_path)


def mailed_link(message: object, path: str) -> str:
    """The endpoint link in a mail's text part, as a path and query to request."""
    text = message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    url = re.search(r"http://127\.0\.0\.1:\d+/" + path + r"\?token=[\w-]+", text)
    assert url is not None, text
    parts = urlsplit(url.group(0))
    return f"{parts.path}?{parts.query}"


def deliver(site: Path, event_id: str) -> int:
    channel = EmailChannel(config_of(site))
    db = db_of(site)
    deliveries = channel.plan(incident_event(event_id=event_id), db)
    for delivery in deliveries:
        channel.send(delivery, db)
    db.close()
    return len(deliveries)


def test_sign_up_confirm_and_unsubscribe_with_one_click(endpoint: Endpoint) -> None:
    status, body = endpoint.subscribe("ann@example.test", language="en", component=["web"])
    assert status == 200, body
    assert "Check your mailbox" in body
    [confirmation] = endpoint.sink.wait_for("ann@example.test", 1)
    assert deliver(endpoint.site, "e0") == 0  # not confirmed yet: nothing

    status, _, body = endpoint.request("GET", mailed_link(confirmation, "confirm"))
    assert status == 200 and "Subscription confirmed" in body
    assert deliver(endpoint.site, "e1") == 1
    mails = endpoint.sink.wait_for("ann@example.test", 2)
    assert len(mails) == 2

    # What a mail program does with List-Unsubscribe (RFC 8058): a POST, no cookies, no Origin.
    link = re.search(r"<(http://[^>]+)>", mails[1]["List-Unsubscribe"])
    assert link is not None
    parts = urlsplit(link.group(1))
    status, _, body = endpoint.request(
        "POST", f"{parts.path}?{parts.query}", {"List-Unsubscribe": "One-Click"}, {"Origin": "null"}
    )
    assert status == 200 and "Unsubscribed" in body
    assert find(db_of(endpoint.site), email="ann@example.test") is None
    assert deliver(endpoint.site, "e2") == 0
    assert len(endpoint.sink.to("ann@example.test")) == 2  # nothing after the unsubscribe


def test_the_unsubscribe_page_asks_before_it_unsubscribes(endpoint: Endpoint) -> None:
    endpoint.subscribe("ann@example.test")
    [confirmation] = endpoint.sink.wait_for("ann@example.test", 1)
    endpoint.request("GET", mailed_link(confirmation, "confirm"))
    deliver(endpoint.site, "e1")
    mail = endpoint.sink.wait_for("ann@example.test", 2)[1]
    target = mailed_link(mail, "unsubscribe")
    status, headers, body = endpoint.request("GET", target)  # a link scanner opening the link...
    assert status == 200 and 'name="List-Unsubscribe" value="One-Click"' in body
    assert headers["Referrer-Policy"] == "no-referrer"
    assert find(db_of(endpoint.site), email="ann@example.test") is not None  # ...unsubscribes nobody
    status, _, _ = endpoint.request("POST", target, {"List-Unsubscribe": "One-Click"})  # the button
    assert status == 200
    assert find(db_of(endpoint.site), email="ann@example.test") is None


def test_a_post_from_another_site_or_from_nowhere_is_refused(endpoint: Endpoint) -> None:
    assert endpoint.subscribe("ann@example.test", origin=None)[0] == 403  # neither Origin nor Referer
    assert endpoint.subscribe("ann@example.test", origin="https://evil.test")[0] == 403
    assert endpoint.subscribe("ann@example.test", origin="null")[0] == 403
    status, _, _ = endpoint.request(
        "POST", "/subscribe", {"email": "ann@example.test"}, {"Referer": "https://evil.test/status.test/"}
    )
    assert status == 403
    assert endpoint.sink.received == []
    assert find(db_of(endpoint.site), email="ann@example.test") is None
    # The status site's own page, by its Referer when a browser sends no Origin:
    status, _, _ = endpoint.request(
        "POST", "/subscribe", {"email": "ann@example.test"}, {"Referer": SITE_ORIGIN + "/en/subscribe/"}
    )
    assert status == 200
    assert len(endpoint.sink.wait_for("ann@example.test", 1)) == 1


def test_bad_input_is_refused_without_storing(endpoint: Endpoint) -> None:
    assert endpoint.subscribe("not an address")[0] == 400
    assert endpoint.subscribe("ann@example.test", component=["nope"])[0] == 400
    assert endpoint.subscribe("ann@example.test", language="de")[0] == 400
    assert endpoint.sink.received == []
    status, _, _ = endpoint.request("GET", "/confirm?token=made-up")
    assert status == 404
    assert endpoint.subscribe("ann@example.test")[0] == 200
    status, _, _ = endpoint.request("GET", "/confirm?token=ann@example.test")  # the CLI's way, not the link's
    assert status == 404
    subscriber = find(db_of(endpoint.site), email="ann@example.test")
    assert subscriber is not None and not subscriber.confirmed
    status, _, _ = endpoint.request(
        "POST", "/subscribe", {"email": "a" * 20_000 + "@example.test"}, {"Origin": SITE_ORIGIN}
    )
    assert status == 413


def test_the_answer_is_the_same_whether_subscribed_or_not(endpoint: Endpoint) -> None:
    first = endpoint.subscribe("ann@example.test", language="sk")
    [confirmation] = endpoint.sink.wait_for("ann@example.test", 1)
    waiting = endpoint.subscribe("ann@example.test", language="sk")
    endpoint.request("GET", mailed_link(confirmation, "confirm"))
    confirmed = endpoint.subscribe("ann@example.test", language="sk")
    assert first == waiting == confirmed
    assert first[0] == 200
    # A confirmed subscriber's choices are not changed by whoever knows the address, and no mail goes.
    # The first confirmation and its repeat while waiting; none for the confirmed address.
    assert len(endpoint.sink.wait_for("ann@example.test", 2)) == 2
    assert endpoint.subscribe("bob@example.test")[0] == 200  # mails go one after another: once bob's is in...
    endpoint.sink.wait_for("bob@example.test", 1)
    assert len(endpoint.sink.to("ann@example.test")) == 2  # ...no third one for ann is on its way
    subscriber = find(db_of(endpoint.site), email="ann@example.test")
    assert subscriber is not None and subscriber.components == ()


def test_the_limits_answer_429(tmp_path: Path) -> None:
    for endpoint in serve(tmp_path, "--per-client", "5", "--per-address", "2"):
        assert endpoint.subscribe("ann@example.test")[0] == 200
        assert endpoint.subscribe("ann@example.test")[0] == 200
        status, headers, _ = endpoint.request(
            "POST", "/subscribe", {"email": "ANN@example.test"}, {"Origin": SITE_ORIGIN}
        )
        assert status == 429 and int(headers["Retry-After"]) > 0  # per address, whatever its case
        assert endpoint.subscribe("bob@example.test")[0] == 200
        assert endpoint.subscribe("cat@example.test")[0] == 200
        assert endpoint.subscribe("dan@example.test")[0] == 429  # per client: the sixth
        assert endpoint.sink.to("dan@example.test") == []
        assert len(endpoint.sink.wait_for("ann@example.test", 2)) == 2
        assert len(endpoint.sink.wait_for("cat@example.test", 1)) == 1  # the mails go in order: all are in
        assert endpoint.sink.to("dan@example.test") == [] and len(endpoint.sink.to("ann@example.test")) == 2


def test_the_log_holds_no_addresses_or_tokens(endpoint: Endpoint) -> None:
    endpoint.subscribe("ann@example.test")
    [confirmation] = endpoint.sink.wait_for("ann@example.test", 1)
    link = mailed_link(confirmation, "confirm")
    endpoint.request("GET", link)
    endpoint.subscribe("bob@example.test", origin="https://evil.test")
    endpoint.subscribe("not an address")
    log = endpoint.stop()
    assert "POST '/subscribe' 200" in log and "GET '/confirm' 200" in log and "POST '/subscribe' 403" in log
    token = link.split("token=")[1]
    assert "@" not in log and token not in log and "not an address" not in log
    assert "127.0.0.1 " not in log.replace(f"127.0.0.1:{endpoint.port}", "")  # nor the client's address


def test_one_click_unsubscribes_from_one_mail_provider_are_not_limited(endpoint: Endpoint) -> None:
    """RFC 8058's POSTs come from the mail provider's servers: many subscribers, one client address.
    The 61st in an hour was answered 429 and that subscriber stayed subscribed; only unknown tokens
    (guesses) count towards the limit."""
    from statuspage.notify.subscribers import confirm, subscribe

    now = datetime.now(UTC)
    db = db_of(endpoint.site)
    tokens = []
    for number in range(65):
        subscriber, _ = subscribe(db, f"reader{number}@example.test", "sk", (), now)
        confirm(db, subscriber.confirm_token, now)
        tokens.append(subscriber.unsubscribe_token)
    db.close()
    for token in tokens:
        status, _, _ = endpoint.request("POST", f"/unsubscribe?token={token}", {"List-Unsubscribe": "One-Click"})
        assert status == 200
    assert all(find(db_of(endpoint.site), email=f"reader{number}@example.test") is None for number in range(65))
    statuses = [endpoint.request("GET", f"/confirm?token=guess{number}")[0] for number in range(61)]
    assert statuses == [404] * 60 + [429]  # guessing is still limited
