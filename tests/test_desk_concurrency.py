"""A helpdesk writing while ``statuspage build`` runs: never blocked for long, never seen half-way.

A real second process commits in a loop to the WAL-mode database that ``statuspage tickets init``
prepared.  Each commit renames two tickets to the same generation in one transaction, so any
build that read between the two updates would show them disagreeing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import NOW, run, ticket

BUILDS = 4
MAX_COMMIT_SECONDS = 1.0

# The helpdesk: commit, measure how long the commit took, repeat until told to stop.
WRITER = """
import json, sqlite3, sys, time
from pathlib import Path

db, stop = sys.argv[1], Path(sys.argv[2])
connection = sqlite3.connect(db, timeout=10, isolation_level=None)
generation, slowest = 0, 0.0
deadline = time.monotonic() + 60  # a safety net; the test stops it long before
while not stop.exists() and time.monotonic() < deadline:
    generation += 1
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE tickets SET title = ? WHERE id = 1", (f"Generation {generation}",))
    connection.execute("UPDATE tickets SET title = ? WHERE id = 2", (f"Generation {generation}",))
    connection.execute("COMMIT")
    slowest = max(slowest, time.perf_counter() - started)
    if generation == 1:
        print("ready", flush=True)
    time.sleep(0.001)
print(json.dumps({"commits": generation, "slowest": slowest}), flush=True)
"""


def generations(out: Path) -> tuple[set[str], set[str]]:
    """The titles of tickets 1 and 2 as the JSON API and as the pages show them."""
    data = json.loads((out / "api" / "known-issues.json").read_text(encoding="utf-8"))
    in_json = {item["title"] for item in data["known_issues"] if item["id"] in (1, 2)}
    in_pages = set()
    for number in (1, 2):
        heading = BeautifulSoup((out / "known-issues" / str(number) / "index.html").read_text(), "html.parser").h1
        in_pages.add(heading.get_text().split(" ", 1)[1])
    return in_json, in_pages


def test_builds_see_a_consistent_snapshot_while_a_helpdesk_writes(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    site = site_factory(tickets=[ticket(1, title="Generation 0"), ticket(2, title="Generation 0")])
    assert run("tickets", "init", "--site", str(site)).exit_code == 0  # WAL mode
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(site / "content" / "tickets.db"), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        seen = []
        for number in range(BUILDS):
            out = tmp_path / f"out{number}"
            result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
            assert result.exit_code == 0, result.output
            in_json, in_pages = generations(out)
            assert len(in_json) == 1 and in_json == in_pages, (in_json, in_pages)
            seen.append(int(in_json.pop().split()[1]))
    finally:
        stop.touch()
        report, _ = writer.communicate(timeout=30)
    summary = json.loads(report.strip().splitlines()[-1])
    assert writer.returncode == 0
    assert summary["slowest"] < MAX_COMMIT_SECONDS, summary
    assert summary["commits"] > BUILDS
    assert seen == sorted(seen) and seen[-1] > seen[0]  # each build read the writer's latest commit


def test_a_desk_write_is_in_the_database_file_itself_when_the_command_returns(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    """While serve or watch keeps the database open, a commit would otherwise stay in the -wal file.

    Then `git commit -a`, a copy or a backup of the database file alone misses the desk's change.
    """
    import shutil
    import sqlite3

    site = site_factory(tickets=[ticket(1)])
    assert run("tickets", "init", "--site", str(site)).exit_code == 0  # WAL mode
    db = site / "content" / "tickets.db"
    watcher = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)  # a reader, as watch keeps one
    try:
        assert watcher.execute("SELECT count(*) FROM tickets").fetchone() == (1,)
        added = run(
            "tickets", "add", "--site", str(site), "--title", "Written by the desk", "--severity", "minor",
            "--channel", "email", "--component", "web", "--now", NOW,
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        copy = tmp_path / "copy.db"
        shutil.copyfile(db, copy)  # the main file only, as git or a copy sees it
        titles = [row[0] for row in sqlite3.connect(copy).execute("SELECT title FROM tickets ORDER BY id")]
        assert titles == ["Ticket 1", "Written by the desk"]
    finally:
        watcher.close()
