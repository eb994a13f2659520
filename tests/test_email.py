"""E-mail subscribers and the e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1.

Double opt-in (one confirmation, nothing before it is confirmed), one mail per event for those
who want the event's components, multipart text + HTML with RFC 8058's headers, hostile titles
escaped, and the SMTP server's refusals told apart (permanent or not).
"""

from __future__ import annotations

import json
import re
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from conftest import DEFAULT_CONFIG, make_site, run
from smtp_sink import Sink, free_port, start_sink, start_tls_sink

from statuspage.config import load_config
from statuspage.errors import Collector
from statuspage.model import Config
from statuspage.notify.channel import DeliveryFailed, Event
from statuspage.notify.email import EmailChannel
from statuspage.notify.smtp import Sender, SmtpServer
from statuspage.notify.subscribers import confirm, connect, find
from statuspage.notify.subscribers import subscribe as store

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def notify_config(smtp_port: int, signup_url: str = "https://status.test/notify/", language: str = "sk") -> str:
    # Both shipped languages are built, so that subscribers may choose either.
    both = json.dumps([language, *(other for other in ("sk", "en") if other != language)])
    config = DEFAULT_CONFIG.format(language=language).replace(f'language = "{language}"', f"languages = {both}", 1)
    return config + (
        "\n[notify]\n"
        'state = "state/notify.db"\n'
        'email_from = "Stav služieb <status@example.test>"\n'
        f'smtp_url = "smtp://127.0.0.1:{smtp_port}"\n'
        f'signup_url = "{signup_url}"\n'
    )


@pytest.fixture
def smtp() -> Iterator[tuple[int, Sink]]:
    controller, sink = start_sink()
    yield controller.port, sink
    controller.stop()


@pytest.fixture
def mail_site(tmp_path: Path, smtp: tuple[int, Sink]) -> Path:
    return make_site(tmp_path / "site", config=notify_config(smtp[0]))


def config_of(site: Path) -> Config:
    config = load_config(site, Collector())
    assert config is not None
    return config


def db_of(site: Path) -> sqlite3.Connection:
    config = config_of(site)
    assert config.notify.state is not None
    return connect(config.notify.state)


def subscribe(site: Path, email: str, *options: str) -> None:
    result = run("subscribers", "add", email, "--site", str(site), *options)
    assert result.exit_code == 0, result.output
    result = run("subscribers", "confirm", email, "--site", str(site))
    assert result.exit_code == 0, result.output


def incident_payload(title: str, components: list[tuple[str, str]], body: str, language: str) -> dict[str, Any]:
    """The Statuspage webhook body the outbox gives a channel, for one language."""
    return {
        "meta": {"unsubscribe": None, "documentation": None},
        "page": {"id": "p1", "status_indicator": "major", "status_description": "Major outage"},
        "incident": {
            "id": "outage",
            "name": title,
            "status": "investigating",
            "impact": "major",
            "shortlink": "https://status.test/incidents/outage/",
            "incident_updates": [
                {
                    "id": "u1",
                    "status": "investigating",
                    "body": body,
                    "created_at": "2026-11-25T12:00:00.000+01:00",
                    "affected_components": [
                        {"code": cid, "name": name, "old_status": "operational", "new_status": "major_outage"}
                        for cid, name in components
                    ],
                }
            ],
            "components": [{"id": cid, "name": name, "status": "major_outage"} for cid, name in components],
        },
    }


def incident_event(
    kind: str = "incident.opened",
    title: str = "Login fails",
    components: tuple[str, ...] = ("web", "api"),
    body: str = "We are looking into it.",
    event_id: str = "e1",
) -> Event:
    names = {"web": "Web", "api": "API", "cdn": "CDN"}
    pairs = [(cid, names[cid]) for cid in components]
    return Event(
        id=event_id,
        kind=kind,
        subject="outage",
        components=components,
        payloads={language: incident_payload(title, pairs, body, language) for language in ("sk", "en")},
        url="https://status.test/incidents/outage/",
        urls={"sk": "https://status.test/incidents/outage/", "en": "https://status.test/en/incidents/outage/"},
    )


def deliver(site: Path, event: Event) -> int:
    """Plan and send an event as the outbox does; the number of deliveries."""
    channel = EmailChannel(config_of(site), clock=lambda: NOW)
    db = db_of(site)
    deliveries = channel.plan(event, db)
    for delivery in deliveries:
        channel.send(delivery, db)
    db.close()
    return len(deliveries)


def test_a_new_subscriber_gets_one_confirmation_and_nothing_before_confirming(
    mail_site: Path, smtp: tuple[int, Sink]
) -> None:
    _, sink = smtp
    result = run("subscribers", "add", "Ann@Example.TEST", "--component", "web", "--site", str(mail_site))
    assert result.exit_code == 0, result.output
    confirmations = sink.wait_for("ann@example.test", 1)
    assert len(confirmations) == 1
    confirmation = confirmations[0]
    assert "Potvrďte odber" in confirmation["Subject"]  # the site language, Slovak
    text = confirmation.get_body(("plain",))
    assert text is not None
    link = next(line for line in text.get_content().splitlines() if "/confirm?token=" in line)
    token = link.rsplit("=", 1)[1]

    assert deliver(mail_site, incident_event()) == 0  # unconfirmed: nothing
    assert len(sink.to("ann@example.test")) == 1

    result = run("subscribers", "confirm", token, "--site", str(mail_site))
    assert result.exit_code == 0, result.output
    assert deliver(mail_site, incident_event()) == 1
    assert len(sink.wait_for("ann@example.test", 2)) == 2
    assert len(sink.received) == 2  # the confirmation and the one event: nothing else was sent


def test_one_mail_per_event_to_those_who_want_its_components(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "web@example.test", "--component", "web")
    subscribe(mail_site, "cdn@example.test", "--component", "cdn")
    subscribe(mail_site, "all@example.test", "--language", "en")
    sink.received.clear()

    # A new incident that turns two components red is one mail, not one per component.
    assert deliver(mail_site, incident_event(components=("web", "api"))) == 2
    # ...and the component changes it caused (their ``cause`` is the incident's event) are none.
    for cid in ("web", "api"):
        changed = Event(
            id=f"c-{cid}",
            kind="component.changed",
            subject=cid,
            components=(cid,),
            payloads={"sk": {}, "en": {}},
            url="https://status.test/",
            cause="e1",
        )
        assert deliver(mail_site, changed) == 0
    assert len(sink.to("web@example.test")) == 1
    assert len(sink.to("all@example.test")) == 1
    assert sink.to("cdn@example.test") == []
    english = sink.to("all@example.test")[0]
    assert english["Subject"] == "[Test Status] Incident: Login fails"
    assert "Incident: Login fails" in sink.to("web@example.test")[0]["Subject"]  # Slovak keeps the word


def test_the_mail_is_multipart_with_one_click_unsubscribe(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "ann@example.test")
    deliver(mail_site, incident_event(body="Prihlásenie nefunguje.\n\nPracujeme na tom."))
    message = sink.to("ann@example.test")[-1]
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    token = find(db_of(mail_site), email="ann@example.test").unsubscribe_token  # type: ignore[union-attr]
    assert message["List-Unsubscribe"] == (
        f"<https://status.test/notify/unsubscribe?token={token}>, "
        f"<mailto:status@example.test?subject=unsubscribe%20{token}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.test>")
    assert message["Date"] is not None
    assert message["From"].addresses[0].addr_spec == "status@example.test"
    assert message["From"].addresses[0].display_name == "Stav služieb"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Pracujeme na tom." in text and "https://status.test/incidents/outage/" in text
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")  # type: ignore[union-attr]
    assert [p.get_text() for p in html.find_all("p")][:2] == ["Prihlásenie nefunguje.", "Pracujeme na tom."]
    links = [a["href"] for a in html.find_all("a")]
    assert "https://status.test/incidents/outage/" in links
    assert f"https://status.test/notify/unsubscribe?token={token}" in links


def test_hostile_titles_and_texts_are_escaped_in_mail(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "ann@example.test")
    title = 'Button <Save> "does" nothing <script>alert(1)</script>'
    body = '<img src=x onerror="alert(2)"> <a href="javascript:alert(3)">click</a> & done'
    deliver(mail_site, incident_event(title=title, body=body))
    message = sink.to("ann@example.test")[-1]
    assert message["Subject"] == f"[Test Status] Incident: {title}"
    html_text = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    page = BeautifulSoup(html_text, "html.parser")
    assert page.find("script") is None and page.find("img") is None
    assert not [a for a in page.find_all("a") if a["href"].startswith("javascript:")]
    assert page.find("h2").get_text() == title  # shown as written
    assert body in page.get_text()
    assert "<script>" not in html_text and "<img" not in html_text
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert title in plain and body in plain


def test_a_mailbox_refused_for_good_is_a_permanent_failure(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "gone@example.test")
    sink.refuse.add("gone@example.test")
    channel = EmailChannel(config_of(mail_site), clock=lambda: NOW)
    db = db_of(mail_site)
    [delivery] = channel.plan(incident_event(), db)
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(delivery, db)
    assert failed.value.permanent
    assert "gone@example.test" not in str(failed.value)
    assert channel.plan(incident_event(event_id="e2"), db) == []  # bouncing: planned no more
    listed = run("subscribers", "list", "--site", str(mail_site)).output
    assert "gone@example.test" in listed and "bounced" in listed


def test_a_server_away_is_a_failure_to_retry(tmp_path: Path, smtp: tuple[int, Sink]) -> None:
    site = make_site(tmp_path / "away", config=notify_config(free_port()))
    db = db_of(site)
    store(db, "ann@example.test", "sk", (), NOW)
    confirm(db, "ann@example.test", NOW)
    channel = EmailChannel(config_of(site), clock=lambda: NOW)
    [delivery] = channel.plan(incident_event(), db)
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(delivery, db)
    assert not failed.value.permanent


def test_unsubscribed_after_planning_gets_nothing(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "ann@example.test")
    sink.received.clear()
    channel = EmailChannel(config_of(mail_site), clock=lambda: NOW)
    db = db_of(mail_site)
    [delivery] = channel.plan(incident_event(), db)
    token = find(db, email="ann@example.test").unsubscribe_token  # type: ignore[union-attr]
    result = run("subscribers", "remove", token, "--site", str(mail_site))  # the mailto: unsubscribe's token
    assert result.exit_code == 0, result.output
    channel.send(delivery, db)
    assert sink.received == []


def test_the_cli_checks_its_input_and_lists_without_tokens(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    site = str(mail_site)
    bad = run("subscribers", "add", "not-an-address", "--site", site)
    assert bad.exit_code == 1 and bad.output.startswith("Error: 'not-an-address' is not an e-mail address")
    unknown = run("subscribers", "add", "ann@example.test", "--component", "nope", "--site", site)
    assert unknown.exit_code == 1 and "unknown component 'nope'" in unknown.output
    language = run("subscribers", "add", "ann@example.test", "--language", "de", "--site", site)
    assert language.exit_code == 1 and "language must be one of" in language.output
    assert smtp[1].received == []  # nothing stored, nothing sent
    assert "No subscribers" in run("subscribers", "list", "--site", site).output

    assert run("subscribers", "add", "ann@example.test", "--component", "web", "--site", site).exit_code == 0
    again = run("subscribers", "add", "ann@example.test", "--site", site)  # unconfirmed: the same link again
    assert again.exit_code == 0 and len(smtp[1].to("ann@example.test")) == 2
    assert run("subscribers", "confirm", "ann@example.test", "--site", site).exit_code == 0
    confirmed = run("subscribers", "add", "ann@example.test", "--site", site)
    assert confirmed.exit_code == 0 and "already subscribed" in confirmed.output
    assert len(smtp[1].to("ann@example.test")) == 2

    listed = run("subscribers", "list", "--site", site)
    subscriber = find(db_of(mail_site), email="ann@example.test")
    assert subscriber is not None
    assert listed.output.split("\t")[:3] == ["ann@example.test", "sk", "all"]
    assert subscriber.confirm_token not in listed.output and subscriber.unsubscribe_token not in listed.output

    missing = run("subscribers", "confirm", "nobody@example.test", "--site", site)
    assert missing.exit_code == 1 and "no subscriber" in missing.output
    assert run("subscribers", "remove", "ann@example.test", "--site", site).exit_code == 0
    assert run("subscribers", "remove", "ann@example.test", "--site", site).exit_code == 1
    assert find(db_of(mail_site), email="ann@example.test") is None


def test_without_notify_state_the_commands_say_what_is_missing(site_factory: Callable[..., Path]) -> None:
    site = site_factory()
    result = run("subscribers", "list", "--site", str(site))
    assert result.exit_code == 1
    assert "[notify] state is not set" in result.output


def test_notify_mails_each_new_incident_once_to_its_subscribers(tmp_path: Path, smtp: tuple[int, Sink]) -> None:
    """End to end: build, ``statuspage notify`` (baseline), subscribers, a new incident, build, notify."""
    port, sink = smtp
    site = make_site(tmp_path / "site", config=notify_config(port), language="sk")
    out = str(site / "build")
    assert run("build", "--site", str(site), "--out", out, "--now", "2026-11-25T10:00:00+01:00").exit_code == 0
    first = run("notify", "--site", str(site))
    assert first.exit_code == 0, first.output
    assert "First run" in first.output
    subscribe(site, "web@example.test", "--component", "web")
    subscribe(site, "cdn@example.test", "--component", "cdn")
    subscribe(site, "api@example.test", "--component", "api")
    assert [len(sink.to(f"{cid}@example.test")) for cid in ("web", "cdn", "api")] == [1, 1, 1]
    sink.received.clear()

    (site / "content" / "incidents" / "login.md").write_text(
        "---\ntitle: Prihlásenie <zlyháva>\ndate: 2026-11-25T10:30:00+01:00\nseverity: major\n"
        "components: [web, api]\n---\nPrihlásenie nefunguje.\n",
        encoding="utf-8",
    )
    assert run("build", "--site", str(site), "--out", out, "--now", "2026-11-25T11:00:00+01:00").exit_code == 0
    sent = run("notify", "--site", str(site))
    assert sent.exit_code == 0, sent.output
    assert "web@example.test" not in sent.output  # the log names subscribers by number only
    [mail] = sink.to("web@example.test")
    assert mail["Subject"] == "[Test Status] Incident: Prihlásenie <zlyháva>"
    assert sink.to("cdn@example.test") == []
    assert len(sink.to("api@example.test")) == 1
    assert len({received.peer for received in sink.received}) == 1  # one connection for the run's mails
    # Nothing is sent twice: not by another run, not by a rebuild with nothing new.
    assert run("notify", "--site", str(site)).exit_code == 0
    assert run("build", "--site", str(site), "--out", out, "--now", "2026-11-25T11:00:00+01:00").exit_code == 0
    assert run("notify", "--site", str(site)).exit_code == 0
    assert len(sink.received) == 2

    # Maintenance announced for the CDN: its subscriber hears of it, with the window.
    (site / "content" / "maintenance" / "cdn.md").write_text(
        "---\ntitle: Výmena serverov\nstart: 2026-11-28T22:00:00+01:00\nend: 2026-11-29T02:00:00+01:00\n"
        "components: [cdn]\nimpact: partial\n---\nVymeníme servery.\n",
        encoding="utf-8",
    )
    assert run("build", "--site", str(site), "--out", out, "--now", "2026-11-25T12:00:00+01:00").exit_code == 0
    assert run("notify", "--site", str(site)).exit_code == 0
    [announced] = sink.to("cdn@example.test")
    assert announced["Subject"] == "[Test Status] Plánovaná údržba: Výmena serverov"
    text = announced.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Kedy: 28. 11. 2026 22:00 – 29. 11. 2026 2:00" in text
    assert len(sink.to("web@example.test")) == 1


def test_the_subscribe_page_has_the_form_only_with_an_endpoint(tmp_path: Path) -> None:
    """With ``signup_url`` the page's form posts there (and its CSP allows just that); without, as before."""
    with_endpoint = make_site(tmp_path / "with", config=notify_config(25, "https://signup.status.test/notify/"))
    without = make_site(tmp_path / "without", languages=["sk", "en"])
    pages = {}
    for name, site in (("with", with_endpoint), ("without", without)):
        out = tmp_path / f"{name}-build"
        assert run("build", "--site", str(site), "--out", str(out), "--now", "2026-11-25T12:00:00+01:00").exit_code == 0
        pages[name] = {
            language: BeautifulSoup((out / prefix / "subscribe" / "index.html").read_text(), "html.parser")
            for language, prefix in (("sk", ""), ("en", "en"))
        }
    for language in ("sk", "en"):
        page = pages["with"][language]
        form = page.select_one("form.subscribe")
        assert form is not None and form["method"] == "post"
        assert form["action"] == "https://signup.status.test/notify/subscribe"
        assert form.select_one("input[name=email][type=email][required]") is not None
        assert [box["value"] for box in form.select("input[name=component]")] == ["web", "api", "cdn"]
        assert [option["value"] for option in form.select("select[name=language] option")] == ["sk", "en"]
        assert form.select_one("select[name=language] option[selected]")["value"] == language
        policy = page.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
        assert policy.endswith("form-action https://signup.status.test")
        assert page.select_one("#feeds-h") is not None  # the feeds and calendars are still there

        plain = pages["without"][language]
        assert plain.select_one("form") is None and plain.select_one("#feeds-h") is not None
        assert plain.select_one('meta[http-equiv="Content-Security-Policy"]')["content"].endswith("form-action 'none'")
    assert pages["with"]["sk"].select_one("#email-h").get_text() == "E-mailom"
    assert pages["with"]["en"].select_one("#email-h").get_text() == "By e-mail"


# aiosmtpd warns of AUTH without STARTTLS even where the whole connection is TLS (smtps).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_mail_goes_over_tls_and_logs_in_with_the_password_from_the_environment(
    tmp_path: Path, scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``smtp://`` upgrades with STARTTLS (the server requires it), ``smtps://`` is TLS from the start;
    the certificate is checked (the test's own authority is trusted through SSL_CERT_FILE)."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    controller, sink = start_tls_sink(server_context, implicit=scheme == "smtps", password="s3cret")
    try:
        config = notify_config(controller.port).replace("smtp://127.0.0.1", f"{scheme}://status@127.0.0.1")
        site = make_site(tmp_path / "site", config=config)
        missing = run("subscribers", "add", "ann@example.test", "--site", str(site))
        assert missing.exit_code == 1 and "$STATUSPAGE_SMTP_PASSWORD is not set" in missing.output
        monkeypatch.setenv("STATUSPAGE_SMTP_PASSWORD", "wrong")
        refused = run("subscribers", "add", "ann@example.test", "--site", str(site))
        assert refused.exit_code == 1 and "535" in refused.output and "wrong" not in refused.output
        monkeypatch.setenv("STATUSPAGE_SMTP_PASSWORD", "s3cret")
        added = run("subscribers", "add", "ann@example.test", "--site", str(site))
        assert added.exit_code == 0, added.output
        assert len(sink.wait_for("ann@example.test", 1)) == 1
    finally:
        controller.stop()


def test_signup_url_is_https_but_on_this_machine(tmp_path: Path) -> None:
    local = make_site(tmp_path / "local", config=notify_config(25, "http://127.0.0.1:8025/"))
    assert run("check", "--site", str(local)).exit_code == 0
    plain = make_site(tmp_path / "plain", config=notify_config(25, "http://status.test/notify/"))
    result = run("check", "--site", str(plain))
    assert result.exit_code == 1
    assert re.search(r"statuspage\.toml:\d+: signup_url must be an absolute https address", result.output)


def test_email_settings_go_together(tmp_path: Path) -> None:
    half = notify_config(25).replace('smtp_url = "smtp://127.0.0.1:25"\n', "")
    result = run("check", "--site", str(make_site(tmp_path / "half", config=half)))
    assert result.exit_code == 1 and "email_from and smtp_url go together" in result.output
    no_mail = half.replace('email_from = "Stav služieb <status@example.test>"\n', "")
    result = run("check", "--site", str(make_site(tmp_path / "no-mail", config=no_mail)))
    assert result.exit_code == 1
    assert re.search(r"statuspage\.toml:\d+: signup_url needs email_from and smtp_url", result.output)


def test_a_connection_the_server_closed_is_replaced(smtp: tuple[int, Sink]) -> None:
    """The sender keeps its connection for the next mail; when the server has dropped it meanwhile,
    the mail goes over a new one."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ready_timeout=10, timeout=0.5)
    controller.start()
    try:
        sender = Sender(SmtpServer("smtp", "127.0.0.1", controller.port, None, None))
        message = EmailMessage()
        message["From"], message["Subject"] = "status@example.test", "x"
        message["To"] = "ann@example.test"
        message.set_content("x")
        sender.send(message)
        sender.send(message)
        time.sleep(1.5)  # the server's idle timeout closes the connection
        sender.send(message)
        sender.close()
        peers = [received.peer for received in sink.received]
        assert len(peers) == 3 and peers[0] == peers[1] != peers[2]
    finally:
        controller.stop()


def test_a_component_change_no_incident_explains_is_mailed_on_its_own(mail_site: Path, smtp: tuple[int, Sink]) -> None:
    _, sink = smtp
    subscribe(mail_site, "web@example.test", "--component", "web", "--language", "en")
    subscribe(mail_site, "cdn@example.test", "--component", "cdn")
    sink.received.clear()
    payload = {
        "component": {"id": "web", "name": "Web", "status": "partial_outage"},
        "component_update": {"old_status": "degraded_performance", "new_status": "partial_outage"},
    }
    changed = Event(
        id="c-web",
        kind="component.changed",
        subject="web",
        components=("web",),
        payloads={"sk": payload, "en": payload},
        url="https://status.test/components/web/",
        urls={"en": "https://status.test/en/components/web/"},
    )
    assert deliver(mail_site, changed) == 1
    [mail] = sink.to("web@example.test")
    assert mail["Subject"] == "[Test Status] Web: Partial outage"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Before: Degraded performance" in text and "https://status.test/en/components/web/" in text


def test_a_mail_server_that_does_not_answer_costs_one_wait_per_run_not_one_per_subscriber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server behind a firewall that drops packets: each subscriber waited the full timeout, holding
    the state file's lock (and watch's notifier) for subscribers × timeout; now the rest wait for the retry."""
    import socket
    import threading

    from conftest import incident

    from statuspage.notify import smtp as smtp_module

    monkeypatch.setattr(smtp_module, "TIMEOUT", 0.5)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    silent.settimeout(0.05)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def hold() -> None:
        while not done.is_set():
            try:
                accepted.append(silent.accept()[0])  # never says a word: the client times out
            except TimeoutError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        site = make_site(
            tmp_path / "site",
            config=notify_config(silent.getsockname()[1]),
            incidents=[incident(resolved="2026-11-20T12:00:00+01:00")],
        )
        db = db_of(site)
        for number in range(5):
            store(db, f"reader{number}@example.test", "sk", (), NOW)
            confirm(db, f"reader{number}@example.test", NOW)
        db.close()
        out = tmp_path / "out"
        for now, code in (("2026-11-19T12:00:00+01:00", 0), ("2026-11-20T09:10:00+01:00", 1)):
            result = run("build", "--site", str(site), "--out", str(out), "--now", now)
            assert result.exit_code == 0, result.output
            result = run("notify", "--site", str(site), "--out", str(out))
            assert result.exit_code == code, result.output
        assert len(accepted) == 1  # one connection tried; the other four mails wait with it
        db = db_of(site)
        rows = db.execute("SELECT state, last_error IS NOT NULL FROM outbox_deliveries WHERE channel = 'email'")
        assert sorted(rows) == [("pending", True)] * 5
        db.close()
    finally:
        done.set()
        holder.join()
        silent.close()
        for connection in accepted:
            connection.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_password_never_goes_in_clear_text_when_the_server_offers_no_starttls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``smtp://`` upgrades when STARTTLS is offered; a server (or someone on the way) that leaves it
    out must not get the password in clear text."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    heard: list[bytes] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            heard.append(data.password)
        return AuthResult(success=True, handled=False)

    sink = Sink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
        ready_timeout=10,
    )
    controller.start()
    try:
        config = notify_config(controller.port).replace("smtp://127.0.0.1", "smtp://status@127.0.0.1")
        site = make_site(tmp_path / "site", config=config)
        monkeypatch.setenv("STATUSPAGE_SMTP_PASSWORD", "s3cret")
        result = run("subscribers", "add", "ann@example.test", "--site", str(site))
        assert result.exit_code == 1 and "STARTTLS" in result.output and "s3cret" not in result.output
        assert heard == [] and sink.received == []
    finally:
        controller.stop()


def test_an_address_never_confirmed_is_forgotten_after_a_while(mail_site: Path) -> None:
    """Anyone can type anyone's address into the form; one never confirmed was kept for good."""
    from datetime import timedelta

    db = db_of(mail_site)
    store(db, "stranger@example.test", "sk", (), NOW - timedelta(days=31))
    store(db, "reader@example.test", "sk", (), NOW - timedelta(days=40))
    confirm(db, "reader@example.test", NOW - timedelta(days=40))
    store(db, "recent@example.test", "sk", (), NOW - timedelta(days=29))
    store(db, "asked-again@example.test", "sk", (), NOW - timedelta(days=45))
    store(db, "asked-again@example.test", "sk", (), NOW - timedelta(days=1))  # a fresh link: a fresh month
    store(db, "new@example.test", "sk", (), NOW)
    left = [row[0] for row in db.execute("SELECT email FROM subscribers ORDER BY email")]
    db.close()
    assert left == ["asked-again@example.test", "new@example.test", "reader@example.test", "recent@example.test"]


def test_a_bounced_subscriber_who_subscribes_again_confirms_and_hears_again(
    tmp_path: Path, smtp: tuple[int, Sink]
) -> None:
    """A mailbox refused once (full, moved) was bounced for good: subscribing again was answered
    "already subscribed" and sent nothing, and the outbox planned nothing for it ever again."""
    from conftest import incident

    _, sink = smtp
    site = make_site(
        tmp_path / "site",
        config=notify_config(smtp[0]),
        incidents=[
            incident(
                resolved="2026-11-20T12:00:00+01:00", body="Broken.\n\n## 2026-11-20T09:30+01:00 identified\nFound.\n"
            )
        ],
    )
    out = tmp_path / "out"

    def publish(now: str) -> None:
        result = run("build", "--site", str(site), "--out", str(out), "--now", now)
        assert result.exit_code == 0, result.output
        run("notify", "--site", str(site), "--out", str(out))

    subscribe(site, "moved@example.test")
    publish("2026-11-19T12:00:00+01:00")
    sink.refuse.add("moved@example.test")
    publish("2026-11-20T09:10:00+01:00")
    assert "bounced" in run("subscribers", "list", "--site", str(site)).output
    sink.refuse.clear()
    sink.received.clear()
    result = run("subscribers", "add", "moved@example.test", "--site", str(site))
    assert result.exit_code == 0 and "Sent the confirmation mail" in result.output, result.output
    assert len(sink.wait_for("moved@example.test", 1)) == 1
    assert run("subscribers", "confirm", "moved@example.test", "--site", str(site)).exit_code == 0
    publish("2026-11-20T09:40:00+01:00")
    mails = sink.wait_for("moved@example.test", 2)
    assert len(mails) == 2 and "Found." in mails[1].get_body(("plain",)).get_content()
