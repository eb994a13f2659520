"""Notifications (SPEC §12): events from the published output, the outbox's guarantees, and each format.

Sites are built with the real CLI at different ``--now`` clocks, and ``statuspage notify`` sends to
a real HTTP receiver on 127.0.0.1 that verifies every Standard Webhooks signature.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, incident, maintenance, make_site, run
from receiver import SECRET, Receiver, receiving

from statuspage.config import SETTINGS
from statuspage.notify.chat import discord_escape, slack_escape

# The incident of conftest: starts 20 Nov 09:00, identified 09:30, resolved 12:00 (Bratislava).
BEFORE = "2026-11-19T12:00:00+01:00"
OPENED = "2026-11-20T09:10:00+01:00"
IDENTIFIED = "2026-11-20T09:40:00+01:00"
RESOLVED = "2026-11-20T12:30:00+01:00"
STARTED = "2026-12-05T23:00:00+01:00"  # the maintenance of conftest: 5 Dec 22:00 – 6 Dec 02:00
COMPLETED = "2026-12-06T03:00:00+01:00"
HOSTILE = "<!channel> *bold* @everyone [x](https://evil.test) & `code` :smile:"

INCIDENT_BODY = (
    "Something broke.\n\n## 2026-11-20T09:30+01:00 identified\nWe found it.\n\n"
    "## 2026-11-20T12:00+01:00 resolved\nFixed for good.\n"
)


def bilingual() -> str:
    """The test config building Slovak at the root and English under en/ (``[site] languages`` where it exists)."""
    config = DEFAULT_CONFIG.format(language="sk")
    if "languages" in SETTINGS["site"]:
        config = config.replace('language = "sk"', 'languages = ["sk", "en"]', 1)
    return config


def webhook_config(receiver: Receiver, state: Path, *, hub: bool = True, extra: str = "") -> str:
    config = bilingual() + f'\n[notify]\nstate = "{state}"\n'
    if hub:
        config += f'websub_hub = "{receiver.url("/hub")}"\n'
    config += f"""
[[notify.webhooks]]
url = "{receiver.url("/hook")}"
secret_env = "TEST_WEBHOOK_SECRET"

[[notify.webhooks]]
url_env = "TEST_SLACK_URL"
format = "slack"

[[notify.webhooks]]
url = "{receiver.url("/discord")}"
format = "discord"

[[notify.webhooks]]
url = "{receiver.url("/teams")}"
format = "teams"
components = ["web"]
"""
    return config + extra


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - a generator fixture
    with receiving() as listening:
        monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("TEST_SLACK_URL", listening.url("/slack"))
        yield listening


def notifying_site(tmp_path: Path, receiver: Receiver, *, title: str = "Web outage", **options: object) -> Path:
    return make_site(
        tmp_path / "site",
        config=webhook_config(receiver, tmp_path / "state" / "notify.db", **options),  # type: ignore[arg-type]
        incidents=[incident(title=title, resolved="2026-11-20T12:00:00+01:00", body=INCIDENT_BODY)],
        maintenance=[maintenance()],
    )


def build(site: Path, out: Path, now: str) -> None:
    result = run("build", "--site", str(site), "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output


def notify(site: Path, out: Path, *options: str, code: int = 0) -> str:
    result = run("notify", "--site", str(site), "--out", str(out), *options)
    assert result.exit_code == code, result.output
    return result.output


def hooks(receiver: Receiver) -> list[dict]:
    """The Statuspage-format bodies delivered so far, each signature checked."""
    seen = receiver.requests("/hook")
    assert all(request.verified for request in seen)
    return [request.json for request in receiver.delivered("/hook")]


# --- Events and guarantees --------------------------------------------------------------------


def test_first_run_records_a_baseline_and_sends_nothing_old(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, OPENED)  # the incident is already open when notifications are switched on
    assert "First run" in notify(site, out)
    assert receiver.seen == []
    assert "0 new events" in notify(site, out)
    assert receiver.seen == []


def test_each_event_once_with_its_payload(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)

    # Opened: the incident, and its component turning red.
    build(site, out, OPENED)
    notify(site, out)
    bodies = hooks(receiver)
    assert len(bodies) == 2
    opened = next(body for body in bodies if "incident" in body)
    assert set(opened) == {"meta", "page", "incident"}
    assert set(opened["meta"]) == {"unsubscribe", "documentation"}
    assert set(opened["page"]) == {"id", "status_indicator", "status_description"}
    assert opened["page"]["status_indicator"] == "major"
    item = opened["incident"]
    assert item["id"] == "outage" and item["status"] == "investigating" and item["name"] == "Web outage"
    assert item["shortlink"] == "https://status.test/incidents/outage/"
    assert item["incident_updates"][0]["status"] == "investigating"
    assert item["incident_updates"][0]["affected_components"][0]["code"] == "web"
    assert [component["id"] for component in item["components"]] == ["web"]
    changed = next(body for body in bodies if "component" in body)
    assert changed["component_update"]["old_status"] == "operational"
    assert changed["component_update"]["new_status"] == "partial_outage"  # a major incident
    assert changed["component_update"]["component_id"] == "web" == changed["component"]["id"]
    assert set(changed["component_update"]) == {"created_at", "new_status", "old_status", "id", "component_id"}

    # Nothing new: a rebuild and a second notify send nothing.
    build(site, out, OPENED)
    notify(site, out)
    notify(site, out)
    assert len(hooks(receiver)) == 2

    # An update posted: incident_updates[0] is that update.
    build(site, out, IDENTIFIED)
    notify(site, out)
    updated = hooks(receiver)[2:]
    assert len(updated) == 1
    assert updated[0]["incident"]["status"] == "identified"
    assert updated[0]["incident"]["incident_updates"][0]["body"] == "We found it."

    # Resolved: the incident, and the component back to operational.
    build(site, out, RESOLVED)
    notify(site, out)
    resolved = hooks(receiver)[3:]
    assert len(resolved) == 2
    incident_body = next(body for body in resolved if "incident" in body)["incident"]
    assert incident_body["status"] == "resolved" and incident_body["resolved_at"] is not None
    assert incident_body["incident_updates"][0]["body"] == "Fixed for good."
    back = next(body for body in resolved if "component" in body)["component_update"]
    assert (back["old_status"], back["new_status"]) == ("partial_outage", "operational")

    # The maintenance window starts and ends.
    build(site, out, STARTED)
    notify(site, out)
    started = hooks(receiver)[5:]
    window = next(body for body in started if "incident" in body)["incident"]
    assert window["id"] == "upgrade" and window["status"] == "in_progress" and window["impact"] == "maintenance"
    assert window["scheduled_for"] is not None and window["scheduled_until"] is not None
    assert any(body.get("component_update", {}).get("new_status") == "under_maintenance" for body in started)
    count = len(hooks(receiver))
    build(site, out, COMPLETED)
    notify(site, out)
    completed = [body for body in hooks(receiver)[count:] if "incident" in body]
    assert [body["incident"]["status"] for body in completed] == ["completed"]

    # Every delivery has its own id; the other formats got people's messages, without component noise.
    ids = [request.headers["webhook-id"] for request in receiver.delivered("/hook")]
    assert len(ids) == len(set(ids))
    assert len(receiver.delivered("/slack")) == 5  # opened, updated, resolved, started, completed
    assert len(receiver.delivered("/discord")) == 5
    assert len(receiver.delivered("/teams")) == 3  # only events that affect web


def test_announced_and_cancelled_maintenance(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    window = maintenance("later", title="Database upgrade", start="2026-12-20T22:00:00+01:00",
                         end="2026-12-20T23:00:00+01:00", components="[api]",
                         body="## 2026-11-19T13:00+01:00 scheduled\nPlanned.\n")  # fmt: skip
    (site / "content" / "maintenance" / "later.md").write_text(window[1], encoding="utf-8")
    build(site, out, "2026-11-19T14:00:00+01:00")
    notify(site, out)
    announced = hooks(receiver)
    assert [body["incident"]["id"] for body in announced] == ["later"]
    assert announced[0]["incident"]["status"] == "scheduled"

    cancelled = window[1].replace("components: [api]", "components: [api]\ncancelled: true")
    cancelled += "\n## 2026-11-19T15:00+01:00 cancelled\nNot needed after all.\n"
    (site / "content" / "maintenance" / "later.md").write_text(cancelled, encoding="utf-8")
    build(site, out, "2026-11-19T16:00:00+01:00")
    output = notify(site, out)
    assert "maintenance.cancelled later" in output
    last = hooks(receiver)[1:]
    assert [(body["incident"]["id"], body["incident"]["status"]) for body in last] == [("later", "cancelled")]
    assert last[0]["incident"]["updated_at"] == "2026-11-19T15:00:00.000+01:00"  # when it was cancelled
    build(site, out, "2026-11-19T17:00:00+01:00")
    notify(site, out)
    assert len(hooks(receiver)) == 2


def test_recurring_window_starts_and_completes_each_occurrence(tmp_path: Path, receiver: Receiver) -> None:
    weekly = maintenance(
        "weekly", start="2026-11-01T03:00:00+01:00", end="2026-11-01T03:30:00+01:00", components="[api]",
        extra="rrule: FREQ=WEEKLY;BYDAY=SU;COUNT=3", body="## 2026-10-26T10:00+01:00 scheduled\nEvery Sunday.\n",
    )  # fmt: skip
    site = make_site(
        tmp_path / "site",
        config=webhook_config(receiver, tmp_path / "state" / "notify.db", hub=False),
        maintenance=[weekly],
    )
    out = tmp_path / "out"
    seen: list[tuple[str, str]] = []
    for now in (
        "2026-10-31T12:00:00+01:00",  # the baseline: announced already
        "2026-11-01T03:10:00+01:00",  # the first occurrence runs
        "2026-11-01T04:00:00+01:00",  # it is over: the next one is scheduled
        "2026-11-08T03:10:00+01:00",  # the second runs
        "2026-11-08T03:20:00+01:00",  # still the same occurrence: nothing new
    ):
        build(site, out, now)
        notify(site, out)
    for body in hooks(receiver):
        if "incident" in body:
            seen.append((body["incident"]["status"], body["incident"]["scheduled_for"][:10]))
    assert seen == [("in_progress", "2026-11-01"), ("completed", "2026-11-01"), ("in_progress", "2026-11-08")]


def test_every_language_has_its_payload(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    build(site, out, OPENED)
    notify(site, out)
    with sqlite3.connect(tmp_path / "state" / "notify.db") as db:
        (stored,) = db.execute("SELECT event FROM outbox_events WHERE kind = 'incident.opened'").fetchone()
    event = json.loads(stored)
    assert set(event["payloads"]) == {"sk", "en"}
    assert event["urls"] == {
        "sk": "https://status.test/incidents/outage/",
        "en": "https://status.test/en/incidents/outage/",
    }
    assert event["payloads"]["en"]["page"]["status_description"] == "Partial System Outage"
    assert event["payloads"]["en"]["meta"]["unsubscribe"] == "https://status.test/en/subscribe/"
    assert hooks(receiver)[0]["incident"]["shortlink"] == event["urls"]["sk"]  # webhooks: the site language


def test_an_update_whose_time_alone_moved_is_not_news_but_the_same_words_again_are(
    tmp_path: Path, receiver: Receiver
) -> None:
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    path = site / "content" / "incidents" / "outage.md"
    build(site, out, IDENTIFIED)
    notify(site, out)
    path.write_text(path.read_text().replace("09:30+01:00 identified", "09:35+01:00 identified"), encoding="utf-8")
    build(site, out, IDENTIFIED)
    notify(site, out)
    assert receiver.seen == []
    again = "## 2026-11-20T09:38+01:00 identified\nWe found it.\n\n## 2026-11-20T12:00"
    path.write_text(path.read_text().replace("## 2026-11-20T12:00", again), encoding="utf-8")
    build(site, out, IDENTIFIED)
    notify(site, out)
    (body,) = hooks(receiver)
    assert body["incident"]["incident_updates"][0]["created_at"].startswith("2026-11-20T09:38")


def test_failed_delivery_is_retried_with_the_same_id_and_delivered_once(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    receiver.script["/hook"] = [500, 500]
    build(site, out, OPENED)
    first = notify(site, out, code=1)
    assert "answered HTTP 500" in first and "retried by the next run" in first
    notify(site, out)  # the pause has not passed: nothing is sent
    assert len(receiver.requests("/hook")) == 1  # the endpoint failed: the component's delivery waits behind it
    build(site, out, IDENTIFIED)
    notify(site, out)  # a new event for the same endpoint waits behind them too: never out of order
    assert len(receiver.requests("/hook")) == 1 and len(receiver.delivered("/slack")) == 2
    notify(site, out, "--retry-now", code=1)
    notify(site, out, "--retry-now")
    requests = receiver.requests("/hook")
    assert [request.status for request in requests] == [500, 500, 200, 200, 200]
    by_id: dict[str, list[int | None]] = {}
    for request in requests:
        by_id.setdefault(request.headers["webhook-id"], []).append(request.status)
    assert list(by_id.values()) == [[500, 500, 200], [200], [200]]  # each delivered once, with the same id
    statuses = [request.json.get("incident", {}).get("status") for request in requests[2:]]
    assert statuses == ["investigating", None, "identified"]  # in order: opened, its component, the update
    assert all(request.verified for request in requests)  # each attempt signed afresh
    with sqlite3.connect(tmp_path / "state" / "notify.db") as db:
        rows = db.execute("SELECT state, attempts FROM outbox_deliveries WHERE channel = 'webhook:statuspage'")
        assert sorted(rows) == [("sent", 1), ("sent", 1), ("sent", 3)]
    notify(site, out, "--retry-now")
    assert len(receiver.requests("/hook")) == 5


def test_an_endpoint_answering_410_is_disabled(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    receiver.script["/discord"] = [410]
    build(site, out, OPENED)
    output = notify(site, out, code=1)
    assert "answered HTTP 410" in output
    build(site, out, IDENTIFIED)
    notify(site, out, "--retry-now")
    assert len(receiver.requests("/discord")) == 1  # never again
    assert len(receiver.delivered("/slack")) == 2  # the others go on
    with sqlite3.connect(tmp_path / "state" / "notify.db") as db:
        assert db.execute("SELECT channel, target FROM outbox_disabled").fetchall() == [
            ("webhook:discord", receiver.url("/discord"))
        ]


def test_dry_run_records_and_sends_nothing(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, BEFORE)
    assert "would be recorded" in notify(site, out, "--dry-run")
    assert not (tmp_path / "state" / "notify.db").exists()
    notify(site, out)
    build(site, out, OPENED)
    output = notify(site, out, "--dry-run")
    assert "incident.opened outage" in output and "would be queued: webhook:statuspage" in output
    assert "$TEST_SLACK_URL" in output and receiver.url("/slack") not in output  # the secret address is not shown
    assert receiver.seen == []
    notify(site, out)
    assert len(hooks(receiver)) == 2


def test_websub_hub_is_pinged_for_each_changed_feed(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    build(site, out, OPENED)
    before = {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("feeds/**/*") if path.is_file()}
    notify(site, out)
    pings = receiver.delivered("/hub")
    assert pings and all(ping.form["hub.mode"] == "publish" for ping in pings)
    pinged = sorted(ping.form["hub.url"] for ping in pings)
    assert len(pinged) == len(set(pinged))
    assert "https://status.test/feeds/incidents.atom" in pinged
    assert "https://status.test/en/feeds/components/web.json" in pinged
    assert all(url.removeprefix("https://status.test/") in before for url in pinged)
    build(site, out, OPENED)
    notify(site, out)
    assert len(receiver.delivered("/hub")) == len(pings)  # nothing changed: no ping
    build(site, out, BEFORE)  # the feeds go back to what they were: a change all the same
    notify(site, out)
    back = sorted(ping.form["hub.url"] for ping in receiver.delivered("/hub")[len(pings) :])
    assert back == pinged


def test_concurrent_runs_do_not_send_twice(tmp_path: Path, receiver: Receiver) -> None:
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    build(site, out, OPENED)
    command = [sys.executable, "-m", "statuspage", "notify", "--site", str(site), "--out", str(out)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    for process in runs:
        process.wait(timeout=60)
        assert process.returncode == 0, process.stdout.read() if process.stdout else ""
        if process.stdout is not None:
            process.stdout.close()
    assert len(receiver.requests("/hook")) == 2
    assert len(receiver.requests("/slack")) == 1


# --- People's formats ------------------------------------------------------------------------------


def test_chat_messages_have_their_documented_shapes_and_show_hostile_titles_as_written(
    tmp_path: Path, receiver: Receiver
) -> None:
    site, out = notifying_site(tmp_path, receiver, title=f'"{HOSTILE}"', hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    build(site, out, OPENED)
    notify(site, out)

    (slack,) = [request.json for request in receiver.delivered("/slack")]
    assert set(slack) >= {"text", "blocks"}
    assert "<!channel>" not in slack["text"] and "&lt;!channel&gt;" in slack["text"]
    header = slack["blocks"][0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert header["text"]["text"] == f"Nový incident: {HOSTILE}" and header["text"]["emoji"] is False
    for block in slack["blocks"]:
        for text in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if text and text["type"] == "mrkdwn":
                assert "<!channel>" not in text["text"] and "@everyone" not in text["text"]
    context = slack["blocks"][-1]["elements"][0]["text"]
    assert context.startswith("<https://status.test/incidents/outage/|Zobraziť na stránke stavu>")

    (discord,) = [request.json for request in receiver.delivered("/discord")]
    assert discord["allowed_mentions"] == {"parse": []}
    (embed,) = discord["embeds"]
    assert embed["url"] == "https://status.test/incidents/outage/"
    assert embed["title"] == discord_escape(f"Nový incident: {HOSTILE}")
    assert "@everyone" not in embed["title"] and "\\*bold\\*" in embed["title"] and "\\[x\\]" in embed["title"]
    assert embed["fields"][0]["value"] == "Zisťujeme príčinu"

    (teams,) = [request.json for request in receiver.delivered("/teams")]
    assert teams["type"] == "message"
    (attachment,) = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    runs = [inline for block in card["body"] if block["type"] == "RichTextBlock" for inline in block["inlines"]]
    assert all(inline["type"] == "TextRun" for inline in runs)
    assert HOSTILE in [inline["text"] for inline in runs]  # TextRun has no markup: shown as written
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Zobraziť na stránke stavu", "url": "https://status.test/incidents/outage/"}
    ]


def test_escapes() -> None:
    assert slack_escape("a & <b> > c") == "a &amp; &lt;b&gt; &gt; c"
    assert discord_escape("*x* _y_ @here <@123>") == "\\*x\\* \\_y\\_ @\u200bhere \\<@\u200b123\\>"


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notify_toml", "message"),
    [
        ('[notify]\nsecret = "whsec_abc"\n', "2: 'secret': secrets are not written in statuspage.toml"),
        ('[notify]\nsmtp_url = "smtp://me:hunter2@mail.test:587"\n', "2: smtp_url must not hold the password"),
        ('[notify]\nsmtp_url = "http://mail.test"\n', "2: smtp_url must look like smtp://"),
        ('[notify]\nsignup_url = "http://signup.test/"\n', "2: signup_url must be an absolute https address"),
        ('[notify]\nsmtp_password_env = "hunter2 pass"\n', "2: smtp_password_env must name an environment variable"),
        ('[[notify.webhooks]]\nurl = "https://hooks.slack.com/services/T0/B0/xyz"\nformat = "slack"\n',
         "2: this url holds a secret: put it in an environment variable and name it in url_env"),
        ('[[notify.webhooks]]\nurl = "https://x.test/"\nformat = "irc"\n', "3: format must be one of"),
        ('[[notify.webhooks]]\nurl = "https://x.test/"\ncomponents = ["web", "nope"]\n',
         "3: unknown component 'nope'"),
        ('[[notify.webhooks]]\nurl = "https://x.test/"\ntoken = "abc"\n', "3: 'token': secrets are not written"),
        ('[[notify.webhooks]]\nformat = "discord"\n', "1: a webhook needs url or url_env"),
        ('[[notify.webhooks]]\nurl = "https://x.test/"\nsecret_env = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw="\n',
         "3: secret_env must name an environment variable"),
    ],
)  # fmt: skip
def test_bad_notify_settings_are_path_line_errors(tmp_path: Path, notify_toml: str, message: str) -> None:
    """``message`` starts with the line in ``notify_toml`` the error must point at."""
    config = DEFAULT_CONFIG.format(language="sk")
    site = make_site(tmp_path / "site", config=config + notify_toml)
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    line, text = message.split(": ", 1)
    assert f"statuspage.toml:{len(config.splitlines()) + int(line)}: {text}" in result.output, result.output
    assert "Traceback" not in result.output


def test_good_notify_settings(tmp_path: Path) -> None:
    from statuspage.config import load_config
    from statuspage.errors import Collector

    site = make_site(
        tmp_path / "site",
        config=DEFAULT_CONFIG.format(language="sk")
        + '[notify]\nstate = "../private/notify.db"\nemail_from = "Status <status@status.test>"\n'
        'smtp_url = "smtps://status@mail.test:465"\nsignup_url = "https://signup.status.test/"\n'
        '[[notify.webhooks]]\nurl_env = "SLACK_HOOK"\nformat = "slack"\ncomponents = ["web"]\n',
    )
    problems = Collector()
    config = load_config(site, problems)
    assert problems.problems == [] and config is not None
    settings = config.notify
    assert settings.state == site / "../private/notify.db"
    assert settings.smtp_password_env == "STATUSPAGE_SMTP_PASSWORD"
    (hook,) = settings.webhooks
    assert (hook.url, hook.url_env, hook.format, hook.components) == (None, "SLACK_HOOK", "slack", ("web",))


def test_a_state_file_inside_the_output_is_refused(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site", config=DEFAULT_CONFIG.format(language="sk") + '[notify]\nstate = "build/notify.db"\n'
    )
    build(site, site / "build", BEFORE)
    result = run("notify", "--site", str(site))
    assert result.exit_code == 1 and "is inside the output" in result.output
    assert not (site / "build" / "notify.db").exists()


def test_check_warns_of_a_state_file_git_would_commit(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", config=DEFAULT_CONFIG.format(language="sk") + '[notify]\nstate = "notify.db"\n')
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    result = run("check", "--site", str(site))
    assert result.exit_code == 0
    assert "warning: " in result.output and "state" in result.output and ".gitignore" in result.output
    (site / ".gitignore").write_text("notify.db*\n", encoding="utf-8")
    assert ".gitignore" not in run("check", "--site", str(site)).output


def test_a_secret_address_without_its_scheme_is_not_shown_in_errors(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A url_env address mistyped without https:// is a failure to retry, and its token appears nowhere."""
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    monkeypatch.setenv("TEST_SLACK_URL", "hooks.slack.test/services/T0/B0/TOKENTOKEN")
    build(site, out, OPENED)
    caplog.set_level("DEBUG", logger="statuspage")
    output = notify(site, out, code=1)
    assert "$TEST_SLACK_URL" in output and "TOKENTOKEN" not in output
    assert "TOKENTOKEN" not in caplog.text
    with sqlite3.connect(tmp_path / "state" / "notify.db") as db:
        errors = [row[0] for row in db.execute("SELECT last_error FROM outbox_deliveries WHERE last_error IS NOT NULL")]
    assert errors and not any("TOKENTOKEN" in error for error in errors)


def test_a_cancelled_window_scheduled_again_is_announced_again(tmp_path: Path, receiver: Receiver) -> None:
    """Subscribers told of the cancellation hear that the work is back on, at its new time."""
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    path = site / "content" / "maintenance" / "later.md"
    _, window = maintenance("later", title="Database upgrade", start="2026-12-20T22:00:00+01:00",
                            end="2026-12-20T23:00:00+01:00", components="[api]",
                            body="## 2026-11-19T13:00+01:00 scheduled\nPlanned.\n")  # fmt: skip
    path.write_text(window, encoding="utf-8")
    build(site, out, "2026-11-19T14:00:00+01:00")
    notify(site, out)
    cancelled = window.replace("components: [api]", "components: [api]\ncancelled: true")
    path.write_text(cancelled + "\n## 2026-11-19T15:00+01:00 cancelled\nNot needed.\n", encoding="utf-8")
    build(site, out, "2026-11-19T16:00:00+01:00")
    notify(site, out)
    again = window.replace("2026-12-20T", "2027-01-10T")
    path.write_text(again + "\n## 2026-11-21T10:00+01:00 scheduled\nNeeded after all, in January.\n", encoding="utf-8")
    build(site, out, "2026-11-21T11:00:00+01:00")
    output = notify(site, out)
    assert "maintenance.announced later" in output
    seen = [
        (body["incident"]["status"], body["incident"]["scheduled_for"][:10])
        for body in hooks(receiver)
        if body.get("incident", {}).get("id") == "later"
    ]
    assert seen == [("scheduled", "2026-12-20"), ("cancelled", "2026-12-20"), ("scheduled", "2027-01-10")]
    # Cancelled once more, then the cancellation taken back, for the same time: announced once more.
    cancelled_again = again.replace("components: [api]", "components: [api]\ncancelled: true")
    path.write_text(cancelled_again + "\n## 2026-11-22T10:00+01:00 cancelled\nNot needed.\n", encoding="utf-8")
    build(site, out, "2026-11-22T11:00:00+01:00")
    notify(site, out)
    path.write_text(again + "\n## 2026-11-23T10:00+01:00 scheduled\nBack on.\n", encoding="utf-8")
    build(site, out, "2026-11-23T11:00:00+01:00")
    assert "maintenance.announced later" in notify(site, out)
    build(site, out, "2026-11-23T12:00:00+01:00")
    assert "maintenance.announced" not in notify(site, out)


def test_the_state_file_forgets_what_was_sent_long_ago_and_still_sends_nothing_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Every delivery (a mail's whole text, a ping per feed per build) was kept forever: the file only grew."""
    site, out = notifying_site(tmp_path, receiver), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    build(site, out, OPENED)
    notify(site, out)
    sent = len(receiver.requests("/hook"))
    state = tmp_path / "state" / "notify.db"
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM outbox_deliveries WHERE state = 'sent'").fetchone()[0] > 0
        long_ago = "2000-01-01T00:00:00.000000+00:00"
        db.execute("UPDATE outbox_deliveries SET sent_at = ?, created_at = ?, next_try = ?", (long_ago,) * 3)
        db.execute("UPDATE outbox_events SET recorded_at = ?", (long_ago,))
    db.close()
    build(site, out, OPENED)  # a rebuild with nothing new
    notify(site, out)
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM outbox_deliveries").fetchone()[0] == 0
        kept = db.execute("SELECT kind, event FROM outbox_events").fetchall()
    db.close()
    assert kept and all(kind != "feed.changed" and event == "{}" for kind, event in kept)  # ids only
    build(site, out, IDENTIFIED)
    notify(site, out)
    assert len(receiver.requests("/hook")) == sent + 1  # the update, and nothing sent before again


def test_a_disabled_endpoint_taken_out_of_the_config_and_put_back_is_sent_to_again(
    tmp_path: Path, receiver: Receiver
) -> None:
    """A 410 disabled the endpoint for good, even after the operator removed it and added it again."""
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    build(site, out, BEFORE)
    notify(site, out)
    receiver.script["/discord"] = [410]
    build(site, out, OPENED)
    notify(site, out, code=1)
    config = site / "statuspage.toml"
    full = config.read_text(encoding="utf-8")
    discord = f'[[notify.webhooks]]\nurl = "{receiver.url("/discord")}"\nformat = "discord"\n'
    assert discord in full
    config.write_text(full.replace(discord, ""), encoding="utf-8")
    notify(site, out)  # a run without it forgets that it was disabled
    config.write_text(full, encoding="utf-8")
    build(site, out, IDENTIFIED)
    notify(site, out)
    assert [request.status for request in receiver.requests("/discord")] == [410, 200]


def test_a_window_cancelled_as_the_first_language_changes_is_still_told(tmp_path: Path, receiver: Receiver) -> None:
    """The site's first language changes in the run that also cancels a window: the cancellation is
    made from the window as last published in any language (it stopped every later run before)."""
    site, out = notifying_site(tmp_path, receiver, hub=False), tmp_path / "out"
    path = site / "content" / "maintenance" / "later.md"
    _, window = maintenance("later", title="Database upgrade", start="2026-12-20T22:00:00+01:00",
                            end="2026-12-20T23:00:00+01:00", components="[api]",
                            body="## 2026-11-19T13:00+01:00 scheduled\nPlanned.\n")  # fmt: skip
    path.write_text(window, encoding="utf-8")
    config = site / "statuspage.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('languages = ["sk", "en"]', 'languages = ["sk"]', 1))
    build(site, out, "2026-11-19T14:00:00+01:00")
    notify(site, out)
    cancelled = window.replace("components: [api]", "components: [api]\ncancelled: true")
    path.write_text(cancelled + "\n## 2026-11-19T15:00+01:00 cancelled\nNot needed.\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace('languages = ["sk"]', 'languages = ["en", "sk"]', 1))
    build(site, out, "2026-11-19T16:00:00+01:00")
    assert "maintenance.cancelled later" in notify(site, out)
    build(site, out, "2026-11-19T17:00:00+01:00")
    assert "maintenance.cancelled" not in notify(site, out)
    statuses = [body["incident"]["status"] for body in hooks(receiver) if body.get("incident", {}).get("id") == "later"]
    assert statuses == ["cancelled"]
