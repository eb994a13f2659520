"""Feeds and API lists pick their newest items without reading every item: check them against full scans.

A seeded random site with many ties in time, items in the future, cancelled and recurring work and
resolved tickets; the limits are made small so that every cut falls among many candidates.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import incident, maintenance, make_site, ticket

from statuspage.outputs import feeds
from statuspage.outputs.api import LIST_LIMIT, Api
from statuspage.outputs.feeds import FeedBuilder, Story, newest, update_anchor
from statuspage.sources.site import load_site
from statuspage.state import IncidentState, SiteState, derive
from statuspage.state.instants import RESOLVED_TICKET_DAYS

START = datetime.fromisoformat("2026-11-01T00:00:00+01:00")
COMPONENTS = ("web", "api", "cdn")
NOWS = ("2026-11-10T12:00:00+01:00", "2026-11-25T12:00:00+01:00", "2027-01-01T00:00:00+01:00")


def _moment(rng: random.Random, days: int = 40) -> datetime:
    """On a coarse grid, so that many items share their times."""
    return START + timedelta(hours=6 * rng.randrange(days * 4))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _components(rng: random.Random) -> str:
    return "[" + ", ".join(rng.sample(COMPONENTS, rng.randint(1, 2))) + "]"


def _updates(rng: random.Random, start: datetime, statuses: tuple[str, ...]) -> str:
    times = sorted({start + timedelta(hours=6 * rng.randrange(0, 12)) for _ in range(rng.randint(0, 4))})
    return "".join(f"## {_stamp(time)} {rng.choice(statuses)}\nText.\n\n" for time in reversed(times))


def _random_site(root: Path, seed: int) -> Path:
    rng = random.Random(seed)
    incidents = []
    for number in range(40):
        start = _moment(rng)
        resolved = _stamp(start + timedelta(hours=6 * rng.randint(1, 8))) if rng.random() < 0.7 else None
        body = "Body.\n\n" + _updates(rng, start, ("investigating", "identified", "monitoring", "resolved"))
        incidents.append(
            incident(f"i{number}", date=_stamp(start), resolved=resolved, components=_components(rng), body=body)
        )
    windows = []
    for number in range(25):
        start = _moment(rng)
        extra = rng.choice(["", "cancelled: true", "rrule: FREQ=WEEKLY;COUNT=4"])
        body = "Work.\n\n" + _updates(rng, start, ("scheduled", "in_progress", "completed"))
        windows.append(
            maintenance(
                f"m{number}",
                start=_stamp(start),
                end=_stamp(start + timedelta(hours=6)),
                components=_components(rng),
                extra=extra,
                body=body,
            )
        )
    tickets = []
    for number in range(1, 40):
        reported = _moment(rng)
        row: dict[str, Any] = {
            "reported_at": _stamp(reported),
            "components": json.dumps(rng.sample(COMPONENTS, rng.randint(1, 2))),
            "status": rng.choice(["reported", "evaluating", "fixing", "resolved"]),
        }
        if row["status"] != "reported":
            row["evaluated_at"] = _stamp(reported + timedelta(hours=6))
        if row["status"] == "resolved":
            row["resolved_at"] = _stamp(reported + timedelta(hours=6 * rng.randint(2, 60)))
        tickets.append(ticket(number, **row))
    return make_site(root, incidents=incidents, maintenance=windows, tickets=tickets)


def _url_for(endpoint: str, **values: object) -> str:
    return f"https://status.test/{endpoint}/" + "/".join(str(value) for value in values.values())


def _expected(builder: FeedBuilder, name: str, component: str | None) -> list[tuple[str, datetime]]:
    """Every entry the feed may hold, made and sorted: what the feed must equal."""
    state, now = builder.state, builder.state.now

    def mine(components: tuple[str, ...]) -> bool:
        return component is None or component in components

    if name == "updates":
        stories: list[Story] = [*state.incidents, *state.maintenance]
        entries = [
            (f"{builder._id(item)}#{update_anchor(update)}", update.time)
            for item in stories
            for update in (item.incident if isinstance(item, IncidentState) else item.maintenance).updates
            if update.time <= now
        ]
        entries.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
        return entries[: feeds.UPDATES_LIMIT]
    since = now - timedelta(days=RESOLVED_TICKET_DAYS)
    tickets = [
        builder.ticket(item)
        for item in state.tickets
        if mine(item.ticket.components)
        and (item.open or (item.ticket.resolved_at is not None and since <= item.ticket.resolved_at <= now))
    ]
    if name == "known-issues":
        return [(entry.id, entry.updated) for entry in newest(tickets, None)]
    made = []
    if name in ("all", "incidents"):
        made += [
            builder.incident(item)
            for item in state.incidents
            if (item.incident.start <= now or item.ongoing) and mine(item.incident.components)
        ]
    if name in ("all", "maintenance"):
        made += [builder.maintenance(item) for item in state.maintenance if mine(item.maintenance.components)]
    chosen = newest(made, feeds.FEED_LIMIT)
    if name == "all":
        chosen = newest(chosen + newest(tickets, feeds.FEED_LIMIT), feeds.FEED_LIMIT)
    return [(entry.id, entry.updated) for entry in chosen]


def _states(tmp_path: Path, seed: int) -> list[SiteState]:
    """The random site at a time before, among and after most of its items."""
    site = load_site(_random_site(tmp_path / "site", seed))
    return [derive(site, datetime.fromisoformat(now)) for now in NOWS]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limits", [(3, 4), (8, 12), (50, 100)])
def test_feeds_hold_the_newest_entries_a_full_scan_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, limits: tuple[int, int]
) -> None:
    monkeypatch.setattr(feeds, "FEED_LIMIT", limits[0])
    monkeypatch.setattr(feeds, "UPDATES_LIMIT", limits[1])
    for state in _states(tmp_path, seed):
        now = state.now
        builder = FeedBuilder(state, "sk", _url_for)
        for name in feeds.FEED_NAMES:
            got = [(entry.id, entry.updated) for entry in builder.entries(name)]
            assert got == _expected(FeedBuilder(state, "sk", _url_for), name, None), (now, name)
        for component in COMPONENTS:
            got = [(entry.id, entry.updated) for entry in builder.entries("all", component)]
            assert got == _expected(FeedBuilder(state, "sk", _url_for), "all", component), (now, component)


@pytest.mark.parametrize("seed", range(4))
def test_api_lists_and_first_seen_match_a_full_scan(tmp_path: Path, seed: int) -> None:
    for state in _states(tmp_path, seed):
        api = Api(state, _url_for, "sk")
        started = [item for item in state.incidents if item.incident.start <= state.now]
        assert api.visible_incidents(LIST_LIMIT) == started[:LIST_LIMIT]
        assert api.visible_incidents(3) == started[:3]
        starts = [item.incident.start for item in state.incidents] + [w.maintenance.start for w in state.maintenance]
        assert api.first_seen() == min([start for start in starts if start <= state.now], default=state.now)
