"""``watch`` notifies after each build: each event once across restarts, retries, and a kill -9 mid-send."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import incident, make_site, run
from receiver import SECRET, Receiver, receiving
from test_notify import webhook_config
from test_watch import wait_for

from statuspage.watch.service import Watcher, WatchSettings


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with receiving() as listening:
        monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("TEST_SLACK_URL", listening.url("/slack"))
        yield listening


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


def add_incident(site: Path, body: str = "Something broke.\n") -> None:
    slug, text = incident("live", title="Login fails", date=ago(60), body=body)
    (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")


def recorded_at(state: Path) -> str | None:
    """When the last notify run recorded what was published (every run does)."""
    if not state.exists():
        return None
    with sqlite3.connect(state) as db:
        try:
            row = db.execute("SELECT recorded_at FROM outbox_published").fetchone()
        except sqlite3.OperationalError:  # being created
            return None
    return row[0] if row else None


def start(site: Path, out: Path) -> Watcher:
    watcher = Watcher(WatchSettings(site, out, interval=0.2, debounce=0.05, provenance=False, jobs=1, notify_retry=0.2))
    watcher.start()
    return watcher


def test_watch_notifies_each_event_once_across_restarts_and_retries(tmp_path: Path, receiver: Receiver) -> None:
    state = tmp_path / "state" / "notify.db"
    site = make_site(tmp_path / "site", config=webhook_config(receiver, state, hub=False))
    out = tmp_path / "out"
    watcher = start(site, out)
    try:
        wait_for(lambda: recorded_at(state) is not None, timeout=30)  # the baseline
        assert receiver.seen == []
        add_incident(site)
        wait_for(lambda: len(receiver.delivered("/hook")) == 2 and len(receiver.delivered("/slack")) == 1, 30)
    finally:
        watcher.stop()

    # A restart with nothing new: the output is rebuilt (or kept), notify runs, nothing is sent.
    before = recorded_at(state)
    watcher = start(site, out)
    try:
        wait_for(lambda: recorded_at(state) != before, timeout=30)
        assert len(receiver.seen) == 5  # statuspage (2), slack, discord, teams: nothing more

        # An update, refused twice: retried by watch itself, delivered once, with the same webhook-id.
        receiver.script["/hook"] = [500, 500]
        add_incident(site, body=f"Something broke.\n\n## {ago(30)} identified\nThe login server.\n")
        wait_for(lambda: len(receiver.delivered("/hook")) == 3, timeout=30)
    finally:
        watcher.stop()
    retried = receiver.requests("/hook")[2:]
    assert [request.status for request in retried] == [500, 500, 200]
    assert len({request.headers["webhook-id"] for request in retried}) == 1
    assert all(request.verified for request in receiver.requests("/hook"))
    assert retried[-1].json["incident"]["incident_updates"][0]["body"] == "The login server."
    assert len(receiver.delivered("/slack")) == 2


def test_kill_9_of_watch_between_swap_and_send_delivers_each_event_once(tmp_path: Path, receiver: Receiver) -> None:
    state = tmp_path / "state" / "notify.db"
    site = make_site(tmp_path / "site", config=webhook_config(receiver, state, hub=False))
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out)).exit_code == 0
    assert run("notify", "--site", str(site), "--out", str(out)).exit_code == 0  # the baseline
    add_incident(site)
    held = receiver.hold["/hook"] = threading.Event()
    command = [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out), "--interval", "1h"]

    # watch builds the new incident, swaps it in, records its events and starts sending: killed mid-send.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.arrived.wait(60), "watch never sent"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    finally:
        process.kill()
    del receiver.hold["/hook"]
    held.set()
    wait_for(lambda: receiver.requests("/hook")[0].status is None and len(receiver.requests("/hook")) == 1, 10)
    assert receiver.delivered("/hook") == []  # the receiver never answered it: not delivered

    # Started again: what was recorded and not acknowledged is sent, once more, with the same id.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(receiver.delivered("/hook")) == 2 and len(receiver.delivered("/slack")) == 1, 60)
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in errors, errors
    killed = receiver.requests("/hook")[0]
    delivered = receiver.delivered("/hook")
    assert killed.headers["webhook-id"] in {request.headers["webhook-id"] for request in delivered}
    assert len({request.headers["webhook-id"] for request in delivered}) == 2  # each event delivered once
    assert all(request.verified for request in receiver.requests("/hook"))

    # And again: nothing new, nothing sent.
    before = recorded_at(state)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: recorded_at(state) != before, timeout=60)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert len(receiver.delivered("/hook")) == 2 and len(receiver.delivered("/slack")) == 1


def test_watch_with_publish_notifies_once_the_page_is_uploaded(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = pytest.importorskip("moto.server", reason="moto[server] is in the test extras")
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    server = moto.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="status")
        state = tmp_path / "state" / "notify.db"
        config = webhook_config(receiver, state, hub=False)
        config += f'\n[[publish]]\nname = "primary"\nurl = "s3://status/site/"\nendpoint_url = "{endpoint}"\n'
        site = make_site(tmp_path / "site", config=config)

        def page_uploaded() -> bool:
            listed = s3.list_objects_v2(Bucket="status", Prefix="site/incidents/live/")
            return bool(listed.get("Contents"))

        receiver.probe = page_uploaded
        watcher = Watcher(
            WatchSettings(site, tmp_path / "out", interval=0.2, debounce=0.05, provenance=False, jobs=1, publish=True)
        )
        watcher.start()
        try:
            wait_for(lambda: recorded_at(state) is not None, timeout=60)  # after the first publish
            add_incident(site)
            wait_for(lambda: len(receiver.delivered("/hook")) == 2, timeout=60)
        finally:
            watcher.stop()
    finally:
        server.stop()
    assert all(request.probed is True for request in receiver.requests("/hook"))
