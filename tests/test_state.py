"""Derived state (SPEC §4, §5, §7): maintenance phases, component status, indicator, pins, uptime, purity.

Every test writes a real site directory with the conftest builders, loads it with ``load_site`` and
derives at a fixed ``now``; boundaries are checked at the instant, one second before and one after.
Tickets and their explanations are in ``test_state_tickets.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW, incident, maintenance, make_site, ticket

from statuspage.model import MaintenanceStatus, Site
from statuspage.sources.site import load_site
from statuspage.state import ComponentStatus, Indicator, Phase, Window, derive

ZONE = ZoneInfo("Europe/Bratislava")
SECOND = timedelta(seconds=1)
DAY = 86_400


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


SiteOf = Callable[..., Site]


@pytest.fixture(scope="module")
def site_of(tmp_path_factory: pytest.TempPathFactory) -> SiteOf:
    """Load a site built with ``make_site`` keywords, once per distinct set of keywords (sites are immutable)."""
    loaded: dict[str, Site] = {}

    def load(**kwargs: Any) -> Site:
        key = repr(sorted(kwargs.items()))
        if key not in loaded:
            loaded[key] = load_site(make_site(tmp_path_factory.mktemp("site"), **kwargs))
        return loaded[key]

    return load


def status_of(site: Site, now: datetime, component: str = "web") -> ComponentStatus:
    return derive(site, now).components_by_id[component].status


# --------------------------------------------------------------------------- maintenance phase

START = at("2026-12-05T22:00:00+01:00")  # the conftest maintenance() window
END = at("2026-12-06T02:00:00+01:00")

UPCOMING = (Phase.UPCOMING, MaintenanceStatus.SCHEDULED)
IN_PROGRESS = (Phase.IN_PROGRESS, MaintenanceStatus.IN_PROGRESS)
VERIFYING = (Phase.IN_PROGRESS, MaintenanceStatus.VERIFYING)
COMPLETED = (Phase.COMPLETED, MaintenanceStatus.COMPLETED)
CANCELLED = (Phase.CANCELLED, MaintenanceStatus.CANCELLED)


def phase_at(site: Site, now: datetime, slug: str = "upgrade") -> tuple[Phase, MaintenanceStatus]:
    state = derive(site, now).maintenance_by_slug[slug]
    return state.phase, state.status


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(START - timedelta(days=30), UPCOMING, id="month-before"),
        pytest.param(START - SECOND, UPCOMING, id="start-1s"),
        pytest.param(START, IN_PROGRESS, id="start"),
        pytest.param(START + SECOND, IN_PROGRESS, id="start+1s"),
        pytest.param(END - SECOND, IN_PROGRESS, id="end-1s"),
        pytest.param(END, COMPLETED, id="end"),
        pytest.param(END + SECOND, COMPLETED, id="end+1s"),
    ],
)
def test_one_off_window_phase_by_time(site_of: SiteOf, now: datetime, expected: tuple) -> None:
    state = derive(site_of(maintenance=[maintenance()]), now).maintenance_by_slug["upgrade"]
    assert (state.phase, state.status) == expected
    assert state.window == Window(START, END)
    assert state.next_windows == ()
    assert not state.recurring


@pytest.mark.parametrize(
    ("now", "component_status"),
    [
        (START - SECOND, ComponentStatus.OPERATIONAL),
        (START, ComponentStatus.UNDER_MAINTENANCE),
        (END - SECOND, ComponentStatus.UNDER_MAINTENANCE),
        (END, ComponentStatus.OPERATIONAL),
    ],
)
def test_components_under_maintenance_only_while_in_progress(
    site_of: SiteOf, now: datetime, component_status: ComponentStatus
) -> None:
    site = site_of(maintenance=[maintenance(components="[web, cdn]")])
    assert status_of(site, now, "web") is component_status
    assert status_of(site, now, "cdn") is component_status
    assert status_of(site, now, "api") is ComponentStatus.OPERATIONAL


@pytest.mark.parametrize("now", [START - timedelta(days=1), START, END - SECOND, END + timedelta(days=1)])
def test_cancelled_flag_cancels_at_any_time(site_of: SiteOf, now: datetime) -> None:
    site = site_of(maintenance=[maintenance(components="[web]", extra="cancelled: true")])
    assert phase_at(site, now) == CANCELLED
    assert status_of(site, now) is ComponentStatus.OPERATIONAL


CANCEL_UPDATE = at("2026-12-01T10:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(CANCEL_UPDATE - SECOND, UPCOMING, id="update-1s"),
        pytest.param(CANCEL_UPDATE, CANCELLED, id="update"),
        pytest.param(START, CANCELLED, id="start"),
        pytest.param(END + SECOND, CANCELLED, id="end+1s"),
    ],
)
def test_cancelled_update_cancels_from_its_time(site_of: SiteOf, now: datetime, expected: tuple) -> None:
    body = "We upgrade.\n\n## 2026-12-01T10:00+01:00 cancelled\nCalled off.\n"
    site = site_of(maintenance=[maintenance(components="[web]", body=body)])
    assert phase_at(site, now) == expected
    assert status_of(site, START) is ComponentStatus.OPERATIONAL


EARLY_END = at("2026-12-06T00:30:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(EARLY_END - SECOND, IN_PROGRESS, id="update-1s"),
        pytest.param(EARLY_END, COMPLETED, id="update"),
        pytest.param(EARLY_END + SECOND, COMPLETED, id="update+1s"),
        pytest.param(END, COMPLETED, id="end"),
    ],
)
def test_completed_update_ends_the_window_early(site_of: SiteOf, now: datetime, expected: tuple) -> None:
    body = (
        "We upgrade.\n\n## 2026-12-05T22:00+01:00 in_progress\nStarted.\n\n"
        "## 2026-12-06T00:30+01:00 completed\nDone early.\n"
    )
    site = site_of(maintenance=[maintenance(components="[web]", body=body)])
    assert phase_at(site, now) == expected
    in_progress = expected == IN_PROGRESS
    assert status_of(site, now) is (ComponentStatus.UNDER_MAINTENANCE if in_progress else ComponentStatus.OPERATIONAL)


EARLY_START = at("2026-12-05T21:30:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(EARLY_START - SECOND, UPCOMING, id="update-1s"),
        pytest.param(EARLY_START, IN_PROGRESS, id="update"),
        pytest.param(START - SECOND, IN_PROGRESS, id="start-1s"),
        pytest.param(START, IN_PROGRESS, id="start"),
    ],
)
def test_in_progress_update_before_start_starts_it_early(site_of: SiteOf, now: datetime, expected: tuple) -> None:
    body = "We upgrade.\n\n## 2026-12-05T21:30+01:00 in_progress\nStarting early.\n"
    site = site_of(maintenance=[maintenance(components="[web]", body=body)])
    assert phase_at(site, now) == expected
    in_progress = expected == IN_PROGRESS
    assert status_of(site, now) is (ComponentStatus.UNDER_MAINTENANCE if in_progress else ComponentStatus.OPERATIONAL)


OVERRUN_DONE = at("2026-12-06T03:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(END - SECOND, IN_PROGRESS, id="end-1s"),
        pytest.param(END, IN_PROGRESS, id="end"),
        pytest.param(END + SECOND, IN_PROGRESS, id="end+1s"),
        pytest.param(OVERRUN_DONE - SECOND, IN_PROGRESS, id="completed-1s"),
        pytest.param(OVERRUN_DONE, COMPLETED, id="completed"),
    ],
)
def test_in_progress_update_keeps_one_off_window_open_past_its_end(
    site_of: SiteOf, now: datetime, expected: tuple
) -> None:
    body = (
        "We upgrade.\n\n## 2026-12-05T22:00+01:00 in_progress\nStarted.\n\n"
        "## 2026-12-06T03:00+01:00 completed\nFinally done.\n"
    )
    site = site_of(maintenance=[maintenance(components="[web]", body=body)])
    assert phase_at(site, now) == expected
    in_progress = expected == IN_PROGRESS
    assert status_of(site, now) is (ComponentStatus.UNDER_MAINTENANCE if in_progress else ComponentStatus.OPERATIONAL)


VERIFY = at("2026-12-06T01:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(VERIFY - SECOND, IN_PROGRESS, id="update-1s"),
        pytest.param(VERIFY, VERIFYING, id="update"),
        pytest.param(END + SECOND, VERIFYING, id="overrun"),
    ],
)
def test_verifying_update_is_in_progress_with_status_verifying(site_of: SiteOf, now: datetime, expected: tuple) -> None:
    body = "We upgrade.\n\n## 2026-12-06T01:00+01:00 verifying\nChecking.\n"
    assert phase_at(site_of(maintenance=[maintenance(body=body)]), now) == expected


@pytest.mark.parametrize(
    ("update", "now", "expected"),
    [
        pytest.param("2026-12-05T23:00+01:00 cancelled", START, IN_PROGRESS, id="cancelled"),
        pytest.param("2026-12-05T23:00+01:00 completed", START, IN_PROGRESS, id="completed"),
        pytest.param("2026-12-05T21:00+01:00 in_progress", START - timedelta(hours=2), UPCOMING, id="in_progress"),
        pytest.param("2026-12-06T04:00+01:00 in_progress", END, COMPLETED, id="in_progress-after-end"),
    ],
)
def test_updates_dated_after_now_are_ignored(site_of: SiteOf, update: str, now: datetime, expected: tuple) -> None:
    body = f"We upgrade.\n\n## {update}\nWritten ahead of time.\n"
    assert phase_at(site_of(maintenance=[maintenance(body=body)]), now) == expected


# --------------------------------------------------------------------------- recurring windows

WEEKLY = maintenance(
    "weekly",
    start="2026-10-18T22:00:00+02:00",  # a Sunday, summer time
    end="2026-10-18T23:00:00+02:00",
    components="[web]",
    extra="rrule: FREQ=WEEKLY;BYDAY=SU;COUNT=4",
)
# 22:00 local every time: CEST (+02:00) on 18 Oct, CET (+01:00) after the change on 25 Oct 03:00.
OCCURRENCES = [
    Window(at("2026-10-18T22:00:00+02:00"), at("2026-10-18T23:00:00+02:00")),
    Window(at("2026-10-25T22:00:00+01:00"), at("2026-10-25T23:00:00+01:00")),
    Window(at("2026-11-01T22:00:00+01:00"), at("2026-11-01T23:00:00+01:00")),
    Window(at("2026-11-08T22:00:00+01:00"), at("2026-11-08T23:00:00+01:00")),
]


@pytest.mark.parametrize("index", range(4))
def test_each_occurrence_is_in_progress_during_its_window(site_of: SiteOf, index: int) -> None:
    site = site_of(maintenance=[WEEKLY])
    occurrence = OCCURRENCES[index]
    for now in (occurrence.start, occurrence.start + SECOND, occurrence.end - SECOND):
        state = derive(site, now).maintenance_by_slug["weekly"]
        assert (state.phase, state.status) == IN_PROGRESS, now
        assert state.window == occurrence
        assert state.next_windows == tuple(OCCURRENCES[index + 1 :])
        assert state.recurring
        assert status_of(site, now) is ComponentStatus.UNDER_MAINTENANCE


@pytest.mark.parametrize("index", range(4))
def test_upcoming_one_second_before_each_occurrence(site_of: SiteOf, index: int) -> None:
    site = site_of(maintenance=[WEEKLY])
    now = OCCURRENCES[index].start - SECOND
    state = derive(site, now).maintenance_by_slug["weekly"]
    assert (state.phase, state.status) == UPCOMING
    assert state.window == OCCURRENCES[index]
    assert status_of(site, now) is ComponentStatus.OPERATIONAL


@pytest.mark.parametrize("index", range(3))
def test_between_occurrences_window_points_at_the_next_one(site_of: SiteOf, index: int) -> None:
    site = site_of(maintenance=[WEEKLY])
    for now in (OCCURRENCES[index].end, OCCURRENCES[index].end + timedelta(days=3)):
        state = derive(site, now).maintenance_by_slug["weekly"]
        assert (state.phase, state.status) == UPCOMING, now
        assert state.window == OCCURRENCES[index + 1]
        assert state.next_windows == tuple(OCCURRENCES[index + 2 :])
        assert status_of(site, now) is ComponentStatus.OPERATIONAL


@pytest.mark.parametrize("now", [OCCURRENCES[3].end, OCCURRENCES[3].end + SECOND, at("2027-06-01T12:00:00+02:00")])
def test_recurring_window_completed_after_its_last_occurrence(site_of: SiteOf, now: datetime) -> None:
    state = derive(site_of(maintenance=[WEEKLY]), now).maintenance_by_slug["weekly"]
    assert (state.phase, state.status) == COMPLETED
    assert state.window == OCCURRENCES[3]
    assert state.next_windows == ()


def test_recurring_window_keeps_local_wall_time_across_dst(site_of: SiteOf) -> None:
    state = derive(site_of(maintenance=[WEEKLY]), at("2026-10-01T12:00:00+02:00")).maintenance_by_slug["weekly"]
    windows = [state.window, *state.next_windows]
    assert windows == OCCURRENCES
    assert [w.start.astimezone(ZONE).strftime("%a %H:%M") for w in windows] == ["Sun 22:00"] * 4
    assert [w.start.astimezone(UTC).hour for w in windows] == [20, 21, 21, 21]
    assert [(w.end.astimezone(UTC) - w.start.astimezone(UTC)) for w in windows] == [timedelta(hours=1)] * 4


def test_recurring_in_progress_update_speaks_only_for_its_occurrence(site_of: SiteOf) -> None:
    slug, text = WEEKLY
    site = site_of(maintenance=[(slug, text + "\n## 2026-10-18T22:05+02:00 in_progress\nFirst run started.\n")])
    # No overrun for recurring work: the first occurrence ends on time ...
    assert phase_at(site, OCCURRENCES[0].end, "weekly") == UPCOMING
    # ... and the old update does not start the next occurrence early.
    assert phase_at(site, OCCURRENCES[1].start - SECOND, "weekly") == UPCOMING
    assert phase_at(site, OCCURRENCES[1].start, "weekly") == IN_PROGRESS


def test_recurring_completed_update_ends_only_its_occurrence(site_of: SiteOf) -> None:
    slug, text = WEEKLY
    site = site_of(maintenance=[(slug, text + "\n## 2026-10-25T22:30+01:00 completed\nSecond run done early.\n")])
    done = at("2026-10-25T22:30:00+01:00")
    assert phase_at(site, done - SECOND, "weekly") == IN_PROGRESS
    # Done early: the next occurrence is what lies ahead, so linked tickets keep waiting.
    early = derive(site, done).maintenance_by_slug["weekly"]
    assert (early.phase, early.window) == (Phase.UPCOMING, OCCURRENCES[2])
    state = derive(site, OCCURRENCES[1].end).maintenance_by_slug["weekly"]
    assert (state.phase, state.window) == (Phase.UPCOMING, OCCURRENCES[2])
    assert phase_at(site, OCCURRENCES[2].start, "weekly") == IN_PROGRESS


# --------------------------------------------------------------------------- component status

INCIDENT_START = at("2026-11-20T09:00:00+01:00")  # the conftest incident() date
INCIDENT_END = at("2026-11-20T11:00:00+01:00")
NOW_ = at(NOW)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("none", ComponentStatus.OPERATIONAL),
        ("minor", ComponentStatus.DEGRADED_PERFORMANCE),
        ("major", ComponentStatus.PARTIAL_OUTAGE),
        ("critical", ComponentStatus.MAJOR_OUTAGE),
    ],
)
def test_severity_maps_to_component_status(site_of: SiteOf, severity: str, expected: ComponentStatus) -> None:
    site = site_of(incidents=[incident(severity=severity, components="[web, api]")])
    state = derive(site, NOW_)
    assert [c.status for c in state.components] == [expected, expected, ComponentStatus.OPERATIONAL]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        (("minor", "major"), ComponentStatus.PARTIAL_OUTAGE),
        (("critical", "minor"), ComponentStatus.MAJOR_OUTAGE),
        (("major", "critical", "minor"), ComponentStatus.MAJOR_OUTAGE),
        (("none", "minor"), ComponentStatus.DEGRADED_PERFORMANCE),
        (("none", "none"), ComponentStatus.OPERATIONAL),
    ],
)
def test_worst_of_several_ongoing_incidents(
    site_of: SiteOf, severities: tuple[str, ...], expected: ComponentStatus
) -> None:
    items = [incident(f"i{n}", severity=severity) for n, severity in enumerate(severities)]
    assert status_of(site_of(incidents=items), NOW_) is expected


@pytest.mark.parametrize(
    ("now", "ongoing"),
    [
        pytest.param(INCIDENT_START - SECOND, False, id="start-1s"),
        pytest.param(INCIDENT_START, True, id="start"),
        pytest.param(INCIDENT_START + SECOND, True, id="start+1s"),
        pytest.param(INCIDENT_END - SECOND, True, id="resolved-1s"),
        pytest.param(INCIDENT_END, False, id="resolved"),
        pytest.param(INCIDENT_END + SECOND, False, id="resolved+1s"),
    ],
)
def test_incident_counts_only_between_start_and_resolved(site_of: SiteOf, now: datetime, ongoing: bool) -> None:
    site = site_of(incidents=[incident(resolved="2026-11-20T11:00:00+01:00")])
    state = derive(site, now)
    assert state.by_slug["outage"].ongoing is ongoing
    assert [s.slug for s in state.ongoing_incidents] == (["outage"] if ongoing else [])
    expected = ComponentStatus.PARTIAL_OUTAGE if ongoing else ComponentStatus.OPERATIONAL
    assert state.components_by_id["web"].status is expected


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("none", ComponentStatus.UNDER_MAINTENANCE),
        ("minor", ComponentStatus.DEGRADED_PERFORMANCE),
        ("major", ComponentStatus.PARTIAL_OUTAGE),
        ("critical", ComponentStatus.MAJOR_OUTAGE),
    ],
)
def test_incident_beats_maintenance(site_of: SiteOf, severity: str, expected: ComponentStatus) -> None:
    site = site_of(
        incidents=[incident(date="2026-12-05T23:00:00+01:00", severity=severity, body="Broke.\n")],
        maintenance=[maintenance(components="[web]")],
    )
    assert status_of(site, START) is ComponentStatus.UNDER_MAINTENANCE  # before the incident
    assert status_of(site, at("2026-12-05T23:00:00+01:00")) is expected


RESOLVED_BY_UPDATE = at("2026-11-20T11:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (RESOLVED_BY_UPDATE - SECOND, ComponentStatus.PARTIAL_OUTAGE),
        (RESOLVED_BY_UPDATE, ComponentStatus.OPERATIONAL),
        (RESOLVED_BY_UPDATE + SECOND, ComponentStatus.OPERATIONAL),
    ],
)
def test_trailing_resolved_update_resolves_without_front_matter(
    site_of: SiteOf, now: datetime, expected: ComponentStatus
) -> None:
    body = "Broke.\n\n## 2026-11-20T11:00+01:00 resolved\nFixed.\n\n## 2026-11-20T09:30+01:00 identified\nFound it.\n"
    site = site_of(incidents=[incident(body=body)])
    assert site.incidents[0].resolved == RESOLVED_BY_UPDATE
    assert status_of(site, now) is expected


@pytest.mark.parametrize(
    ("body", "resolved"),
    [
        pytest.param(
            "x\n\n## 2026-11-20T10:00+01:00 resolved\nA.\n\n## 2026-11-21T09:00+01:00 postmortem\nB.\n",
            at("2026-11-20T10:00:00+01:00"),
            id="postmortem-after-resolved",
        ),
        pytest.param(
            "x\n\n## 2026-11-20T10:00+01:00 resolved\nA.\n\n## 2026-11-20T10:30+01:00 investigating\nBack.\n",
            None,
            id="reopened",
        ),
    ],
)
def test_only_a_trailing_resolved_update_resolves(site_of: SiteOf, body: str, resolved: datetime | None) -> None:
    site = site_of(incidents=[incident(body=body)])
    assert site.incidents[0].resolved == resolved
    assert derive(site, NOW_).by_slug["outage"].ongoing is (resolved is None)


# --------------------------------------------------------------------------- overall indicator

IN_WINDOW_NOW = at("2026-11-25T12:00:00+01:00")
NOW_WINDOW = maintenance("now", start="2026-11-25T11:00:00+01:00", end="2026-11-25T13:00:00+01:00", components="[cdn]")
LATER_WINDOW = maintenance("later")


@pytest.mark.parametrize(
    ("incidents", "windows", "expected"),
    [
        pytest.param([], [], Indicator.NONE, id="nothing"),
        pytest.param([incident(severity="none")], [], Indicator.NONE, id="notice"),
        pytest.param([], [LATER_WINDOW], Indicator.NONE, id="upcoming-maintenance"),
        pytest.param([incident(severity="minor")], [], Indicator.MINOR, id="degraded"),
        pytest.param([incident(severity="major")], [], Indicator.MAJOR, id="partial"),
        pytest.param([incident(severity="critical")], [], Indicator.CRITICAL, id="major-outage"),
        pytest.param([], [NOW_WINDOW], Indicator.MAINTENANCE, id="maintenance-only"),
        pytest.param([incident(severity="minor")], [NOW_WINDOW], Indicator.MINOR, id="maintenance+degraded"),
        pytest.param([incident(severity="none")], [NOW_WINDOW], Indicator.MAINTENANCE, id="maintenance+notice"),
        pytest.param(
            [incident("a", severity="minor"), incident("b", severity="critical", components="[api]")],
            [NOW_WINDOW],
            Indicator.CRITICAL,
            id="worst-wins",
        ),
        pytest.param(
            [incident(severity="critical", resolved="2026-11-20T10:00:00+01:00")], [], Indicator.NONE, id="resolved"
        ),
    ],
)
def test_overall_indicator(site_of: SiteOf, incidents: list, windows: list, expected: Indicator) -> None:
    assert derive(site_of(incidents=incidents, maintenance=windows), IN_WINDOW_NOW).indicator is expected


# --------------------------------------------------------------------------- ongoing and pinned

PIN_UNTIL = at("2026-11-22T00:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "ongoing", "pinned"),
    [
        pytest.param(INCIDENT_END - SECOND, True, False, id="resolved-1s"),
        pytest.param(INCIDENT_END, False, True, id="resolved"),
        pytest.param(PIN_UNTIL - SECOND, False, True, id="pin_until-1s"),
        pytest.param(PIN_UNTIL, False, False, id="pin_until"),
        pytest.param(PIN_UNTIL + SECOND, False, False, id="pin_until+1s"),
    ],
)
def test_pin_until_keeps_resolved_incident_pinned(site_of: SiteOf, now: datetime, ongoing: bool, pinned: bool) -> None:
    pinned_incident = incident(
        resolved="2026-11-20T11:00:00+01:00", extra="pin: true\npin_until: 2026-11-22T00:00:00+01:00"
    )
    state = derive(site_of(incidents=[pinned_incident]), now).by_slug["outage"]
    assert (state.ongoing, state.pinned) == (ongoing, pinned)


@pytest.mark.parametrize(
    ("extra", "pinned_later"),
    [("pin: true", True), ("", False), ("pin: false", False)],
)
def test_pin_without_until_lasts_and_no_pin_is_not_pinned(site_of: SiteOf, extra: str, pinned_later: bool) -> None:
    site = site_of(incidents=[incident(resolved="2026-11-20T11:00:00+01:00", extra=extra)])
    assert derive(site, INCIDENT_END - SECOND).by_slug["outage"].pinned is False
    assert derive(site, at("2027-11-20T11:00:00+01:00")).by_slug["outage"].pinned is pinned_later


# --------------------------------------------------------------------------- uptime

YESTERDAY_10 = "2026-11-24T10:00:00+01:00"  # NOW is 2026-11-25 12:00 CET
YESTERDAY_11 = "2026-11-24T11:00:00+01:00"


def period_seconds(now: datetime) -> float:
    """Real seconds from local midnight 89 days before ``now``'s local day, up to ``now``."""
    first = datetime.combine(now.astimezone(ZONE).date() - timedelta(days=89), datetime.min.time(), ZONE)
    return (now.astimezone(UTC) - first.astimezone(UTC)).total_seconds()


def uptime_of(site: Site, now: datetime = NOW_, component: str = "web"):  # noqa: ANN201 - Uptime
    return derive(site, now).components_by_id[component].uptime


def day_of(site: Site, day: str, now: datetime = NOW_, component: str = "web"):  # noqa: ANN201 - Day
    (found,) = [d for d in uptime_of(site, now, component).days if d.date.isoformat() == day]
    return found


def test_component_without_incidents_has_full_uptime_over_90_local_days(site_of: SiteOf) -> None:
    up = uptime_of(site_of())
    assert up.percent == 100.0
    assert len(up.days) == 90
    assert up.days[-1].date.isoformat() == "2026-11-25"
    assert up.days[0].date.isoformat() == "2026-08-28"
    assert {(d.uptime, d.worst, d.downtime_seconds) for d in up.days} == {(1.0, ComponentStatus.OPERATIONAL, 0.0)}


@pytest.mark.parametrize(
    ("severity", "downtime", "worst"),
    [
        ("critical", 3600.0, ComponentStatus.MAJOR_OUTAGE),
        ("major", 0.3 * 3600, ComponentStatus.PARTIAL_OUTAGE),
        ("minor", 0.0, ComponentStatus.DEGRADED_PERFORMANCE),
    ],
)
def test_one_hour_incident_yesterday_weighted_by_severity(
    site_of: SiteOf, severity: str, downtime: float, worst: ComponentStatus
) -> None:
    site = site_of(incidents=[incident(date=YESTERDAY_10, resolved=YESTERDAY_11, severity=severity, body="x\n")])
    day = day_of(site, "2026-11-24")
    assert day.downtime_seconds == pytest.approx(downtime)
    assert day.uptime == pytest.approx(1 - downtime / DAY)
    assert day.worst is worst
    assert uptime_of(site).percent == pytest.approx(100 * (1 - downtime / period_seconds(NOW_)))
    assert day_of(site, "2026-11-23").uptime == 1.0
    assert uptime_of(site, component="api").percent == 100.0


def test_informational_incident_does_not_touch_uptime(site_of: SiteOf) -> None:
    site = site_of(incidents=[incident(date=YESTERDAY_10, resolved=YESTERDAY_11, severity="none", body="x\n")])
    day = day_of(site, "2026-11-24")
    assert (day.uptime, day.worst) == (1.0, ComponentStatus.OPERATIONAL)


@pytest.mark.parametrize(
    ("second", "downtime"),
    [
        # critical 10:00–11:00 + major 10:30–12:00: 1 h at 100 %, then 1 h at 30 %
        (("major", "2026-11-24T10:30:00+01:00", "2026-11-24T12:00:00+01:00"), 3600 + 0.3 * 3600),
        # two criticals 10:00–11:00 and 10:30–11:30: the overlap counts once
        (("critical", "2026-11-24T10:30:00+01:00", "2026-11-24T11:30:00+01:00"), 5400.0),
        # a partial outage inside the major one adds nothing
        (("major", "2026-11-24T10:15:00+01:00", "2026-11-24T10:45:00+01:00"), 3600.0),
    ],
)
def test_overlapping_incidents_count_once_at_the_heavier_weight(
    site_of: SiteOf, second: tuple[str, str, str], downtime: float
) -> None:
    severity, start, end = second
    site = site_of(
        incidents=[
            incident("a", date=YESTERDAY_10, resolved=YESTERDAY_11, severity="critical", body="x\n"),
            incident("b", date=start, resolved=end, severity=severity, body="x\n"),
        ]
    )
    day = day_of(site, "2026-11-24")
    assert day.downtime_seconds == pytest.approx(downtime)
    assert day.worst is ComponentStatus.MAJOR_OUTAGE


def test_ongoing_incident_counts_up_to_now(site_of: SiteOf) -> None:
    site = site_of(incidents=[incident(date="2026-11-25T10:00:00+01:00", severity="critical", body="x\n")])
    today = day_of(site, "2026-11-25")
    assert today.downtime_seconds == pytest.approx(7200)
    assert today.uptime == pytest.approx(1 - 7200 / (12 * 3600))  # today so far: midnight to noon
    assert uptime_of(site).percent == pytest.approx(100 * (1 - 7200 / period_seconds(NOW_)))
    later = NOW_ + timedelta(hours=1)
    assert day_of(site, "2026-11-25", later).downtime_seconds == pytest.approx(3 * 3600)


def test_uptime_days_are_local_days(site_of: SiteOf) -> None:
    # 23:30–00:30 CET is 22:30–23:30 UTC: in UTC days it would all fall on the 23rd.
    site = site_of(
        incidents=[
            incident(
                date="2026-11-23T23:30:00+01:00", resolved="2026-11-24T00:30:00+01:00", severity="critical", body="x\n"
            )
        ]
    )
    assert day_of(site, "2026-11-23").downtime_seconds == pytest.approx(1800)
    assert day_of(site, "2026-11-24").downtime_seconds == pytest.approx(1800)


@pytest.mark.parametrize(
    ("day", "start", "end", "now", "hours"),
    [
        pytest.param(
            "2026-10-25",
            "2026-10-25T10:00:00+01:00",
            "2026-10-25T11:00:00+01:00",
            "2026-10-27T12:00:00+01:00",
            25,
            id="autumn-25h",
        ),
        pytest.param(
            "2026-03-29",
            "2026-03-29T10:00:00+02:00",
            "2026-03-29T11:00:00+02:00",
            "2026-03-31T12:00:00+02:00",
            23,
            id="spring-23h",
        ),
    ],
)
def test_dst_day_downtime_fraction_uses_its_real_length(
    site_of: SiteOf, day: str, start: str, end: str, now: str, hours: int
) -> None:
    site = site_of(incidents=[incident(date=start, resolved=end, severity="critical", body="x\n")])
    found = day_of(site, day, at(now))
    assert found.downtime_seconds == pytest.approx(3600)
    assert found.uptime == pytest.approx(1 - 3600 / (hours * 3600))


def test_day_after_dst_change_is_24_hours(site_of: SiteOf) -> None:
    site = site_of(
        incidents=[
            incident(
                date="2026-10-26T10:00:00+01:00", resolved="2026-10-26T11:00:00+01:00", severity="critical", body="x\n"
            )
        ]
    )
    assert day_of(site, "2026-10-26", at("2026-10-27T12:00:00+01:00")).uptime == pytest.approx(1 - 3600 / DAY)


def test_local_time_incident_across_dst_change_counts_real_duration(site_of: SiteOf) -> None:
    site = site_of(
        incidents=[
            incident(date="2026-10-25T01:00:00", resolved="2026-10-25T04:00:00", severity="critical", body="x\n")
        ]
    )
    assert day_of(site, "2026-10-25", at("2026-10-27T12:00:00+01:00")).downtime_seconds == pytest.approx(4 * 3600)


# --------------------------------------------------------------------------- purity


def busy_site(site_of: SiteOf) -> Site:
    return site_of(
        incidents=[
            incident(severity="critical"),
            incident("old", date="2026-09-01T10:00:00+02:00", resolved="2026-09-01T12:00:00+02:00", body="x\n"),
        ],
        maintenance=[maintenance(extra="tickets: [1]"), WEEKLY],
        tickets=[ticket(1, status="fixing", evaluated_at="2026-11-20T09:00:00+01:00"), ticket(2)],
    )


def test_derive_twice_gives_equal_results(site_of: SiteOf) -> None:
    site = busy_site(site_of)
    first, second = derive(site, NOW_), derive(site, NOW_)
    assert first == second
    assert first.now == NOW_
    assert first.by_slug == second.by_slug
    assert first.tickets_by_id == second.tickets_by_id


def test_derive_ignores_the_system_clock_zone(site_of: SiteOf) -> None:
    site = busy_site(site_of)
    reference = derive(site, NOW_)
    saved = os.environ.get("TZ")
    try:
        for zone in ("America/New_York", "Asia/Tokyo"):
            os.environ["TZ"] = zone
            time.tzset()
            assert derive(site, NOW_) == reference
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_derive_follows_the_given_now_not_the_real_clock(site_of: SiteOf) -> None:
    site = busy_site(site_of)
    past = derive(site, at("2000-01-01T00:00:00+01:00"))
    future = derive(site, at("2100-01-01T00:00:00+01:00"))
    assert past != future
    assert past.indicator is Indicator.NONE and future.indicator is Indicator.CRITICAL
    assert not past.by_slug["outage"].ongoing and future.by_slug["outage"].ongoing
    assert past.maintenance_by_slug["upgrade"].phase is Phase.UPCOMING
    assert future.maintenance_by_slug["upgrade"].phase is Phase.COMPLETED
    assert past.maintenance_by_slug["weekly"].window == OCCURRENCES[0]
    assert future.maintenance_by_slug["weekly"].window == OCCURRENCES[3]
    assert past.tickets_by_id[1].waiting_for is not None and not future.tickets_by_id[1].waiting_for
    assert future.tickets_by_id[1].overdue
    assert past.components_by_id["web"].uptime.days[-1].date.isoformat() == "2000-01-01"


@pytest.mark.parametrize("zone", [UTC, ZONE], ids=["utc", "site-zone"])
def test_same_instant_in_another_zone_gives_the_same_state(site_of: SiteOf, zone: Any) -> None:
    site = busy_site(site_of)
    other, reference = derive(site, NOW_.astimezone(zone)), derive(site, NOW_)
    assert (other.indicator, other.incidents, other.maintenance, other.tickets) == (
        reference.indicator,
        reference.incidents,
        reference.maintenance,
        reference.tickets,
    )
    assert [(c.status, c.uptime.days) for c in other.components] == [
        (c.status, c.uptime.days) for c in reference.components
    ]


def test_uptime_percent_does_not_depend_on_the_zone_now_is_written_in(site_of: SiteOf) -> None:
    site = site_of(incidents=[incident(date=YESTERDAY_10, resolved=YESTERDAY_11, severity="critical", body="x\n")])
    expected = 100 * (1 - 3600 / period_seconds(NOW_))
    assert uptime_of(site, NOW_).percent == pytest.approx(expected, abs=1e-9)
    assert uptime_of(site, NOW_.astimezone(ZONE)).percent == pytest.approx(expected, abs=1e-9)
