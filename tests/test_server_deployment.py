"""The server deployment of docs/deploy.md, end to end with real processes.

An admin pushes content to a bare repository; on the server, `statuspage watch --git-pull`
follows a clone of it while the helpdesk writes tickets into the database beside the checkout
(kept out of git, as `init` sets it up). Every push and every desk write must reach the page,
and no pull may fail on what the watcher or the desk wrote.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

NOW_EPOCH = "1795604400"  # init dates its examples around it; watch itself follows the real clock
PUSHES = 3
DESK_WRITES = 4


def _env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Admin",
        GIT_AUTHOR_EMAIL="admin@example.sk",
        GIT_COMMITTER_NAME="Admin",
        GIT_COMMITTER_EMAIL="admin@example.sk",
        STATUSPAGE_GIT_PROVENANCE="0",
    )
    return env


def _run(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _statuspage(env: dict[str, str], cwd: Path, *args: str) -> str:
    return _run(env, cwd, sys.executable, "-m", "statuspage", *args)


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def _incident(number: int) -> str:
    return (
        f"---\ntitle: Pushed incident {number}\ndate: 2026-11-2{number}T09:00:00+01:00\n"
        f"resolved: 2026-11-2{number}T10:00:00+01:00\nseverity: minor\ncomponents: [web]\n---\n"
        f"Pushed by the admin.\n\n## 2026-11-2{number}T10:00+01:00 resolved\nFixed.\n"
    )


def _known_issue_titles(out: Path) -> set[str]:
    try:
        data = json.loads((out / "api" / "known-issues.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {issue["title"] for issue in data["known_issues"]}


def _incident_titles(out: Path) -> set[str]:
    try:
        data = json.loads((out / "api" / "v2" / "incidents.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {incident["name"] for incident in data["incidents"]}


def test_pushes_and_desk_writes_both_reach_the_page_while_watch_follows_git(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # The admin's repository: a new site as init makes it, pushed to a bare repository.
    admin = tmp_path / "admin"
    _statuspage(
        {**env, "SOURCE_DATE_EPOCH": NOW_EPOCH}, tmp_path, "init", str(admin), "--base-url", "https://s.example/"
    )
    bare = tmp_path / "origin.git"
    _run(env, tmp_path, "git", "init", "-q", "--bare", "-b", "main", str(bare))
    _run(env, admin, "git", "init", "-q", "-b", "main")
    _run(env, admin, "git", "add", "-A")
    _run(env, admin, "git", "commit", "-q", "-m", "A status page")
    _run(env, admin, "git", "remote", "add", "origin", str(bare))
    _run(env, admin, "git", "push", "-q", "origin", "main")

    # The server: a clone, the helpdesk's database beside it (ignored), watch following both.
    server = tmp_path / "server"
    _run(env, tmp_path, "git", "clone", "-q", str(bare), str(server))
    _statuspage(env, server, "tickets", "init")
    out = tmp_path / "www" / "status"
    log_path = tmp_path / "watch.log"
    with log_path.open("w") as log, subprocess.Popen(
        [sys.executable, "-m", "statuspage", "watch", "--out", str(out), "--git-pull", "--every", "500ms",
         "--interval", "300ms", "--jobs", "1"],
        cwd=server, env=env, stdout=log, stderr=subprocess.STDOUT,
    ) as watcher:  # fmt: skip
        try:
            _wait_for(lambda: (out / "index.html").is_file(), 60, "the first build")
            errors: list[BaseException] = []

            def admin_pushes() -> None:
                try:
                    for number in range(1, PUSHES + 1):
                        (admin / "content" / "incidents" / f"pushed-{number}.md").write_text(_incident(number))
                        _run(env, admin, "git", "add", "-A")
                        _run(env, admin, "git", "commit", "-q", "-m", f"Incident {number}")
                        _run(env, admin, "git", "push", "-q", "origin", "main")
                        time.sleep(0.7)
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            pushing = threading.Thread(target=admin_pushes)
            pushing.start()
            for number in range(1, DESK_WRITES + 1):  # the helpdesk, meanwhile
                _statuspage(
                    env, server, "tickets", "add", "--title", f"Desk ticket {number}", "--severity", "minor",
                    "--channel", "email", "--component", "web",
                )  # fmt: skip
                time.sleep(0.5)
            pushing.join(timeout=120)
            assert not errors, errors

            pushed = {f"Pushed incident {number}" for number in range(1, PUSHES + 1)}
            desk = {f"Desk ticket {number}" for number in range(1, DESK_WRITES + 1)}
            _wait_for(lambda: pushed <= _incident_titles(out), 60, f"pushes on the page: {_incident_titles(out)}")
            _wait_for(
                lambda: desk <= _known_issue_titles(out), 60, f"desk writes on the page: {_known_issue_titles(out)}"
            )
        finally:
            watcher.terminate()
            watcher.wait(timeout=60)
    text = log_path.read_text(encoding="utf-8")
    assert "failed" not in text, text
    assert "Traceback" not in text, text
    status = _run(env, server, "git", "status", "--porcelain")
    assert status == "", f"the watcher or the desk left changes git would trip over:\n{status}"


def test_a_pull_that_cannot_apply_is_loud_retried_and_shown_until_it_works(site_factory, tmp_path: Path) -> None:
    """The old layout's trap: the tickets database in git, written on the server and in a push.

    Every pull then fails; the watcher says why and what to do, keeps trying, and once it has
    failed a few times the front page says it may be out of date, until a pull works again.
    """
    import logging

    from bs4 import BeautifulSoup
    from conftest import incident, ticket

    from statuspage.watch import Watcher, WatchSettings
    from statuspage.watch.service import STALE_AFTER_FAILURES

    env = _env(tmp_path)
    admin = site_factory(incidents=[incident("first", title="First incident")], tickets=[ticket(1)])
    (admin / ".gitignore").write_text("/build/\n/.build*\n*.db-wal\n*.db-shm\n", encoding="utf-8")
    _statuspage(env, admin, "tickets", "init")  # the desk's schema, committed with the database
    bare = tmp_path / "origin.git"
    _run(env, tmp_path, "git", "init", "-q", "--bare", "-b", "main", str(bare))
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "Site with its database")):
        _run(env, admin, "git", *args)
    _run(env, admin, "git", "remote", "add", "origin", str(bare))
    _run(env, admin, "git", "push", "-q", "origin", "main")
    server = tmp_path / "server"
    _run(env, tmp_path, "git", "clone", "-q", str(bare), str(server))

    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("statuspage.watch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    out = tmp_path / "www"
    watcher = Watcher(
        WatchSettings(server, out, interval=0.2, git_pull=True, pull_every=0.3, provenance=False, debounce=0.05, jobs=1)
    )
    try:
        watcher.start()

        def front() -> BeautifulSoup:
            return BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")

        assert front().select_one("p.stale") is None
        # The desk writes on the server; the admin commits a database of their own and an incident.
        _statuspage(env, server, "tickets", "update", "1", "--title", "Written on the server")
        (admin / "content" / "incidents" / "second.md").write_text(incident("second", title="Second incident")[1])
        connection = sqlite3.connect(admin / "content" / "tickets.db")
        with connection:
            connection.execute("UPDATE tickets SET title = 'Written by the admin' WHERE id = 1")
        connection.close()
        _run(env, admin, "git", "add", "-A")
        _run(env, admin, "git", "commit", "-q", "-m", "A second incident, and the admin's database")
        _run(env, admin, "git", "push", "-q", "origin", "main")

        _wait_for(lambda: front().select_one("p.stale") is not None, 30, "the page says it may be out of date")
        failures = [line for line in lines if line.startswith("git pull --ff-only failed")]
        assert len(failures) >= STALE_AFTER_FAILURES
        assert "content/tickets.db" in failures[0] and "must not be in git" in failures[0], failures[0]
        assert any("the front page now says that it may be out of date" in line for line in lines)
        assert "Second incident" not in (out / "api" / "v2" / "incidents.json").read_text(encoding="utf-8")

        # Someone sorts it out on the server; the next pull applies and the notice goes.
        _run(env, server, "git", "checkout", "--", "content/tickets.db")
        _wait_for(lambda: front().select_one("p.stale") is None, 30, "the notice gone once a pull works")
        _wait_for(
            lambda: "Second incident" in (out / "api" / "v2" / "incidents.json").read_text(encoding="utf-8"),
            30,
            "the push on the page",
        )
        assert any(line.startswith("git pull works again") for line in lines)
    finally:
        watcher.stop()
        logger.removeHandler(handler)
