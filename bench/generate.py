"""Synthetic sites in the SPEC formats, realistic enough to cost what real content costs.

Deterministic for a given size and seed, so two runs measure the same work.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Bratislava")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZONE)
SPAN = timedelta(days=730)  # two years of history
GROUPS = {
    "Verejné služby": ["web", "api", "cdn", "search", "media"],
    "Účty a notifikácie": ["auth", "mail", "sms", "billing"],
    "Technická podpora": ["support-chat", "support-phone", "docs"],
}
WORDS = (
    "publikačná sieť inovácia správca webové rozhranie prehliadač nastavenia kompatibilita výpadok "
    "oneskorenie požiadavka server databáza certifikát prihlásenie používateľ oprava overenie zmena "
    "konfigurácia monitorovanie záloha kapacita odozva chyba stránka súbor obrázok štýl"
).split()
SEVERITIES = ["none", "minor", "minor", "major", "major", "critical"]
STATUSES = ["identified", "monitoring", "resolved"]


@dataclass(frozen=True)
class Size:
    incidents: int
    maintenance: int
    tickets: int
    public_fraction: float = 0.05


def _sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


CONFIG = """\
[site]
title = "Benchmark"
base_url = "https://status.bench.test/"
languages = ["sk", "en"]  # both, as the benchmarks have always measured
timezone = "Europe/Bratislava"

{components}
[support]
chat_url = "https://bench.test/chat"
email = "help@bench.test"
phone = "+421 2 000 000"
address = "Bench s.r.o., Hlavná 1, Bratislava"
hours = "24/7"

[tickets]
db = "content/tickets.db"
"""


def write_site(root: Path, size: Size, seed: int = 7) -> Path:
    """Write a complete site directory of ``size`` into ``root``."""
    rng = random.Random(seed)
    components = [component for members in GROUPS.values() for component in members]
    blocks = [
        f'[[components]]\nid = "{cid}"\nname = "{cid.replace("-", " ").title()}"\ngroup = "{group}"\n'
        for group, members in GROUPS.items()
        for cid in members
    ]
    (root / "content" / "incidents").mkdir(parents=True, exist_ok=True)
    (root / "content" / "maintenance").mkdir(parents=True, exist_ok=True)
    (root / "statuspage.toml").write_text(CONFIG.format(components="\n".join(blocks)), encoding="utf-8")

    slugs = []
    for number in range(size.maintenance):
        start = NOW - SPAN + timedelta(hours=rng.randint(0, int(SPAN.total_seconds() // 3600) + 24 * 60))
        start = start.replace(minute=0)
        slug = f"{start:%Y-%m-%d}-inovacia-{number}"
        slugs.append(slug)
        end = start + timedelta(hours=rng.choice([1, 2, 4, 6]))
        announced = start - timedelta(days=rng.randint(2, 14))
        body = [_paragraph(rng), "", f"## {_time(announced)} scheduled", _paragraph(rng)]
        if end < NOW:
            body += [
                "",
                f"## {_time(start)} in_progress",
                _sentence(rng),
                "",
                f"## {_time(end)} completed",
                _sentence(rng),
            ]
        front = [
            f"title: Inovácia {rng.choice(WORDS)} {number}",
            f"start: {_time(start)}",
            f"end: {_time(end)}",
            f"components: [{', '.join(rng.sample(components, rng.randint(1, 3)))}]",
            f"impact: {rng.choice(['none', 'degraded', 'partial', 'full'])}",
        ]
        (root / "content" / "maintenance" / f"{slug}.md").write_text(
            "---\n" + "\n".join(front) + "\n---\n" + "\n".join(body) + "\n", encoding="utf-8"
        )

    for number in range(size.incidents):
        start = NOW - SPAN + timedelta(minutes=rng.randint(0, int(SPAN.total_seconds() // 60) - 600))
        ongoing = number < 3
        steps = [start + timedelta(minutes=rng.randint(10, 60) * (k + 1)) for k in range(3)]
        body = [_paragraph(rng), "", "- " + _sentence(rng, 6), "- " + _sentence(rng, 6), ""]
        for moment, status in zip(steps, STATUSES, strict=True):
            if ongoing and status == "resolved":
                continue
            body += [f"## {_time(moment)} {status}", _paragraph(rng), ""]
        front = [
            f"title: {_sentence(rng, 5)[:-1]}",
            f"date: {_time(start)}",
            f"severity: {rng.choice(SEVERITIES)}",
            f"components: [{', '.join(rng.sample(components, rng.randint(1, 2)))}]",
        ]
        if not ongoing:
            front.append(f"resolved: {_time(steps[-1])}")
        slug = f"{start:%Y-%m-%d}-incident-{number}"
        (root / "content" / "incidents" / f"{slug}.md").write_text(
            "---\n" + "\n".join(front) + "\n---\n" + "\n".join(body), encoding="utf-8"
        )

    _write_tickets(root / "content" / "tickets.db", size, components, slugs, rng)
    return root


def _write_tickets(db: Path, size: Size, components: list[str], slugs: list[str], rng: random.Random) -> None:
    schema = (Path(__file__).resolve().parent.parent / "content" / "tickets.sql").read_text(encoding="utf-8")
    connection = sqlite3.connect(db)
    connection.executescript(schema.split(";", 1)[0] + ";")
    future = [slug for slug in slugs if slug > f"{NOW:%Y-%m-%d}"]
    rows = []
    for number in range(size.tickets):
        reported = NOW - timedelta(minutes=rng.randint(60, int(SPAN.total_seconds() // 60)))
        status = rng.choice(["reported", "evaluating", "fixing", "resolved", "resolved", "resolved"])
        evaluated = reported + timedelta(hours=rng.randint(1, 48)) if status in ("fixing", "resolved") else None
        resolved = evaluated + timedelta(hours=rng.randint(1, 96)) if status == "resolved" and evaluated else None
        rows.append(
            (
                1000 + number,
                _sentence(rng, 6)[:-1],
                _paragraph(rng),
                rng.choice(["critical", "major", "minor"]),
                rng.choice(["chat", "email", "phone", "letter"]),
                status,
                json.dumps(rng.sample(components, rng.randint(1, 2))),
                _time(reported),
                _time(evaluated) if evaluated else None,
                _time(resolved) if resolved else None,
                rng.choice(future) if future and status != "resolved" and rng.random() < 0.2 else None,
                1 if rng.random() < size.public_fraction else 0,
                f"Reporter {number}",
                f"reporter{number}@example.com",
                "+421 900 000 000",
                "Private street 1",
            )
        )
    with connection:
        connection.executemany(f"INSERT INTO tickets VALUES ({', '.join('?' * 16)})", rows)
    connection.close()


EDITED = re.compile(r"\nEdited (\d+) times\.\n\Z")  # the last line of the edited incident


def touch_one_incident(site: Path) -> None:
    """The benchmark's edit: the newest incident's last line counts its edits (its pages, feeds and lists change).

    Every edit makes text the site has never had (an edit undone would find its parse cached),
    and the file stays the same size, so the output does not grow from run to run.
    """
    newest = sorted((site / "content" / "incidents").glob("*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    found = EDITED.search(text)
    count = int(found.group(1)) + 1 if found else 1
    text = text[: found.start()] if found else text
    newest.write_text(f"{text}\nEdited {count} times.\n", encoding="utf-8")
