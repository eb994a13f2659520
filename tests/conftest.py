"""Shared builders: a real site directory with real Markdown files and a real SQLite database."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from statuspage.cli import main

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T12:00:00+01:00"

# This checkout's git history changes with every commit, and the golden snapshot and the
# byte-identical tests build it: they build without git provenance (tests/test_provenance.py
# turns it on where it is the subject).  Subprocesses inherit this too.
os.environ["STATUSPAGE_GIT_PROVENANCE"] = "0"

TICKET_SCHEMA = (REPO / "content" / "tickets.sql").read_text(encoding="utf-8").split(";", 1)[0] + ";"

DEFAULT_CONFIG = """\
[site]
title = "Test Status"
base_url = "https://status.test/"
language = "{language}"
timezone = "Europe/Bratislava"

[[components]]
id = "web"
name = "Web"
group = "Public"

[[components]]
id = "api"
name = "API"
group = "Public"

[[components]]
id = "cdn"
name = "CDN"

[support]
chat_url = "https://example.test/chat"
email = "help@example.test"
phone = "+421 2 000 000"
address = "Example s.r.o., Hlavna 1, Bratislava"
hours = "24/7"

[sla]
fix_hours_min = 24
fix_hours_max = 72

[tickets]
db = "content/tickets.db"
"""


def tree(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``root``."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def incident(
    slug: str = "outage",
    *,
    title: str = "Web outage",
    date: str = "2026-11-20T09:00:00+01:00",
    resolved: str | None = None,
    severity: str = "major",
    components: str = "[web]",
    extra: str = "",
    body: str = "Something broke.\n\n## 2026-11-20T09:30+01:00 identified\nWe found it.\n",
) -> tuple[str, str]:
    """An incident file as (slug, text); keyword overrides change one thing at a time."""
    lines = [f"title: {title}", f"date: {date}", f"severity: {severity}", f"components: {components}"]
    if resolved:
        lines.append(f"resolved: {resolved}")
    if extra:
        lines.append(textwrap.dedent(extra).strip())
    return slug, "---\n" + "\n".join(lines) + "\n---\n" + body


def maintenance(
    slug: str = "upgrade",
    *,
    title: str = "Network innovation",
    start: str = "2026-12-05T22:00:00+01:00",
    end: str = "2026-12-06T02:00:00+01:00",
    components: str = "[cdn]",
    impact: str = "partial",
    extra: str = "",
    body: str = "We upgrade the network.\n",
) -> tuple[str, str]:
    lines = [f"title: {title}", f"start: {start}", f"end: {end}", f"components: {components}", f"impact: {impact}"]
    if extra:
        lines.append(textwrap.dedent(extra).strip())
    return slug, "---\n" + "\n".join(lines) + "\n---\n" + body


def ticket(id: int = 1, **overrides: Any) -> dict[str, Any]:
    """A ticket row with every column, private ones filled with recognisable values."""
    row: dict[str, Any] = {
        "id": id,
        "title": f"Ticket {id}",
        "description": "Steps to reproduce.",
        "severity": "major",
        "channel": "chat",
        "status": "reported",
        "components": json.dumps(["web"]),
        "reported_at": "2026-11-20T08:00:00+01:00",
        "evaluated_at": None,
        "resolved_at": None,
        "maintenance": None,
        "public": 1,
        "reporter_name": f"Reporter {id}",
        "reporter_email": f"reporter{id}@example.com",
        "reporter_phone": "+421 900 000 000",
        "reporter_address": "Private street 1",
    }
    row.update(overrides)
    return row


def write_tickets(db: Path, tickets: list[dict[str, Any]]) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(db)
    with connection:
        connection.executescript(TICKET_SCHEMA)
        for row in tickets:
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            connection.execute(f"INSERT INTO tickets ({columns}) VALUES ({marks})", list(row.values()))
    connection.close()


def make_site(
    root: Path,
    *,
    incidents: list[tuple[str, str]] | None = None,
    maintenance: list[tuple[str, str]] | None = None,
    tickets: list[dict[str, Any]] | None = None,
    config: str | None = None,
    language: str = "sk",
    languages: list[str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """Write a complete site directory; every part can be replaced by keyword.

    The default config builds ``language`` alone; ``languages`` lists every language built instead.
    """
    root.mkdir(parents=True, exist_ok=True)
    if config is None:
        config = DEFAULT_CONFIG.format(language=language)
        if languages is not None:
            config = config.replace(f'language = "{language}"', f"languages = {json.dumps(languages)}", 1)
    (root / "statuspage.toml").write_text(config, encoding="utf-8")
    for folder, items in (("incidents", incidents or []), ("maintenance", maintenance or [])):
        (root / "content" / folder).mkdir(parents=True, exist_ok=True)
        for slug, text in items:
            (root / "content" / folder / f"{slug}.md").write_text(text, encoding="utf-8")
    write_tickets(root / "content" / "tickets.db", tickets or [])
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def site_factory(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def factory(**kwargs: Any) -> Path:
        return make_site(tmp_path / f"site{next(counter)}", **kwargs)

    return factory


def run(*args: str) -> Result:
    """Run the CLI in-process; exceptions are never swallowed so a traceback fails the test."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own example site, built once at the fixed test time."""
    out = tmp_path_factory.mktemp("example") / "build"
    result = run("build", "--site", str(REPO), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,  # not the machine's own config
    "GIT_AUTHOR_NAME": "Desk",
    "GIT_AUTHOR_EMAIL": "desk@example.sk",
    "GIT_COMMITTER_NAME": "Desk",
    "GIT_COMMITTER_EMAIL": "desk@example.sk",
}


def git(cwd: Path, *args: str) -> str:
    """Real git in ``cwd`` as a fixed author; its output, or the test fails with git's message."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout
