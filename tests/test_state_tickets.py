"""Known-issue tickets (SPEC §6, §7): why each open ticket is still open, its fix window and its sentence.

Real sites from the conftest builders; boundaries at the instant, one second before and one after.
The site config has fix_hours 24/72, time zone Europe/Bratislava and support phone "+421 2 000 000".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, NOW, maintenance, make_site, ticket

from statuspage.explain import explanation
from statuspage.model import Site
from statuspage.sources.site import load_site
from statuspage.state import Phase, Reason, SiteState, TicketState, Window, derive

SECOND = timedelta(seconds=1)
PHONE = "+421 2 000 000"


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


NOW_ = at(NOW)  # 2026-11-25 12:00 CET
REPORTED = "2026-11-20T08:00:00+01:00"  # the conftest ticket() reported_at
EVALUATED = at("2026-11-20T09:00:00+01:00")
FIX_FROM = at("2026-11-21T09:00:00+01:00")  # evaluated_at + 24 h
FIX_BY = at("2026-11-23T09:00:00+01:00")  # evaluated_at + 72 h
START = at("2026-12-05T22:00:00+01:00")  # the conftest maintenance() window, "upgrade"
END = at("2026-12-06T02:00:00+01:00")
TITLE = "Network innovation"
WINDOW_EN = "5 Dec 2026, 22:00 – 6 Dec 2026, 02:00 CET"
WINDOW_SK = "5. 12. 2026 22:00 – 6. 12. 2026 2:00 SEČ"

FIXING = {"status": "fixing", "evaluated_at": "2026-11-20T09:00:00+01:00"}


def state_of(site: Site, now: datetime, ticket_id: int = 1) -> TicketState:
    return derive(site, now).tickets_by_id[ticket_id]


def sentences(site: Site, state: TicketState) -> tuple[str, str]:
    """The explanation in English and Slovak."""
    return explanation(state, site.config, "en"), explanation(state, site.config, "sk")


# --------------------------------------------------------------------------- status-based reasons


def test_reported_ticket_waits_for_evaluation(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1)])
    state = state_of(site, NOW_)
    assert (state.reason, state.open, state.overdue, state.waiting_for) == (Reason.REPORTED, True, False, None)
    assert (state.expected_fix_from, state.expected_fix_by) == (None, None)
    en, sk = sentences(site, state)
    assert en == "The report was received on 20 Nov 2026, 08:00 CET and is waiting to be evaluated."
    assert "20. 11. 2026 8:00 SEČ" in sk
    assert sk != en


def test_evaluating_ticket_is_being_evaluated(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, status="evaluating", evaluated_at="2026-11-20T09:00:00+01:00")])
    state = state_of(site, NOW_ + timedelta(days=30))  # no fix clock before the fix starts
    assert (state.reason, state.open, state.overdue, state.waiting_for) == (Reason.EVALUATING, True, False, None)
    en, sk = sentences(site, state)
    assert en == "The report is being evaluated."
    assert sk and sk != en


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        pytest.param(EVALUATED, Reason.FIXING, id="evaluated"),
        pytest.param(FIX_FROM, Reason.FIXING, id="+24h"),
        pytest.param(FIX_BY - SECOND, Reason.FIXING, id="+72h-1s"),
        pytest.param(FIX_BY, Reason.OVERDUE, id="+72h"),
        pytest.param(FIX_BY + SECOND, Reason.OVERDUE, id="+72h+1s"),
        pytest.param(NOW_ + timedelta(days=365), Reason.OVERDUE, id="year-later"),
    ],
)
def test_fixing_ticket_is_overdue_from_exactly_72_hours(site_of: SiteOf, now: datetime, reason: Reason) -> None:
    state = state_of(site_of(tickets=[ticket(1, **FIXING)]), now)
    assert state.reason is reason
    assert state.overdue is (reason is Reason.OVERDUE)
    assert state.open
    assert (state.expected_fix_from, state.expected_fix_by) == (FIX_FROM, FIX_BY)
    assert state.waiting_for is None


def test_fixing_explanation_names_the_fix_window(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, **FIXING)])
    en, sk = sentences(site, state_of(site, FIX_BY - SECOND))
    assert en == (
        "The report was evaluated and a fix is in progress. "
        "It is expected between 21 Nov 2026, 09:00 CET and 23 Nov 2026, 09:00 CET."
    )
    assert "21. 11. 2026 9:00 SEČ" in sk and "23. 11. 2026 9:00 SEČ" in sk
    assert sk != en


def test_overdue_explanation_advises_calling_support(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, **FIXING)])
    en, sk = sentences(site, state_of(site, FIX_BY))
    assert en == (
        "The fix was expected by 23 Nov 2026, 09:00 CET and is overdue. "
        f"For more information on the work in progress, call technical support at {PHONE}."
    )
    assert PHONE in sk and "23. 11. 2026 9:00 SEČ" in sk
    assert sk != en


def test_overdue_explanation_without_a_phone_advises_writing(site_of: SiteOf) -> None:
    config = DEFAULT_CONFIG.format(language="sk").replace(f'phone = "{PHONE}"\n', "")
    site = site_of(tickets=[ticket(1, **FIXING)], config=config)
    assert site.config.support.phone is None
    en, sk = sentences(site, state_of(site, FIX_BY))
    assert en == (
        "The fix was expected by 23 Nov 2026, 09:00 CET and is overdue. "
        "For more information on the work in progress, write to technical support at help@example.test."
    )
    assert PHONE not in sk and sk != en


@pytest.mark.parametrize("link", ["none", "row", "file"])
def test_resolved_ticket_is_not_open(site_of: SiteOf, link: str) -> None:
    resolved = ticket(
        1,
        status="resolved",
        evaluated_at="2026-11-20T09:00:00+01:00",
        resolved_at="2026-11-21T10:00:00+01:00",
        maintenance="upgrade" if link == "row" else None,
    )
    site = site_of(
        tickets=[resolved, ticket(2)],
        maintenance=[maintenance(extra="tickets: [1]" if link == "file" else "")],
    )
    derived = derive(site, NOW_)
    state = derived.tickets_by_id[1]
    assert (state.reason, state.open, state.overdue, state.waiting_for) == (Reason.RESOLVED, False, False, None)
    assert [s.ticket.id for s in derived.open_tickets] == [2]
    assert [s.ticket.id for s in derived.components_by_id["web"].open_tickets] == [2]
    assert [s.ticket.id for s in derived.tickets] == [1, 2]  # still published, as resolved


def test_open_tickets_are_listed_on_their_components(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, components='["web", "api"]'), ticket(2, components='["cdn"]')])
    derived = derive(site, NOW_)
    by_component = {c.component.id: [s.ticket.id for s in c.open_tickets] for c in derived.components}
    assert by_component == {"web": [1], "api": [1], "cdn": [2]}


# --------------------------------------------------------------------------- waiting for maintenance


def linked_site(site_of: SiteOf, link: str, *, status: dict[str, str] = FIXING, **window: str) -> Site:
    """Ticket 1 linked to the "upgrade" window from the ticket row, the maintenance file, or both."""
    row = ticket(1, maintenance="upgrade" if link in ("row", "both") else None, **status)
    extra = "\n".join(filter(None, [window.pop("extra", ""), "tickets: [1]" if link in ("file", "both") else ""]))
    item = maintenance(extra=extra, **window)
    return site_of(tickets=[row], maintenance=[item])


@pytest.mark.parametrize("link", ["row", "file", "both"])
def test_ticket_linked_to_upcoming_maintenance_waits_for_it(site_of: SiteOf, link: str) -> None:
    state = state_of(linked_site(site_of, link), NOW_)  # NOW is past evaluated_at + 72 h
    assert state.reason is Reason.WAITING
    assert state.open and not state.overdue
    assert state.waiting_for is not None and state.waiting_for.slug == "upgrade"
    assert state.waiting_for.phase is Phase.UPCOMING
    assert (state.expected_fix_from, state.expected_fix_by) == (START, END)
    assert [m.slug for m in state.maintenance] == ["upgrade"]  # merged once from both sides


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        pytest.param(START - SECOND, Reason.WAITING, id="start-1s"),
        pytest.param(START, Reason.WAITING, id="start"),
        pytest.param(END - SECOND, Reason.WAITING, id="end-1s"),
        pytest.param(END, Reason.OVERDUE, id="end"),
        pytest.param(END + SECOND, Reason.OVERDUE, id="end+1s"),
    ],
)
@pytest.mark.parametrize("link", ["row", "file"])
def test_ticket_falls_back_to_its_status_when_the_window_ends(
    site_of: SiteOf, link: str, now: datetime, reason: Reason
) -> None:
    state = state_of(linked_site(site_of, link), now)
    assert state.reason is reason
    assert state.overdue is (reason is Reason.OVERDUE)
    if reason is Reason.WAITING:
        assert (state.expected_fix_from, state.expected_fix_by) == (START, END)
    else:
        assert state.waiting_for is None
        assert (state.expected_fix_from, state.expected_fix_by) == (FIX_FROM, FIX_BY)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"status": "reported"}, Reason.REPORTED),
        ({"status": "evaluating", "evaluated_at": "2026-11-20T09:00:00+01:00"}, Reason.EVALUATING),
        (FIXING, Reason.OVERDUE),
    ],
    ids=["reported", "evaluating", "fixing"],
)
def test_waiting_applies_to_every_open_status_and_falls_back_to_it(
    site_of: SiteOf, status: dict[str, str], reason: Reason
) -> None:
    site = linked_site(site_of, "row", status=status)
    assert state_of(site, END - SECOND).reason is Reason.WAITING
    assert state_of(site, END).reason is reason


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"extra": "cancelled: true"}, id="cancelled-flag"),
        pytest.param({"body": "x\n\n## 2026-11-24T10:00+01:00 cancelled\nCalled off.\n"}, id="cancelled-update"),
        pytest.param(
            {"body": "x\n\n## 2026-12-05T22:00+01:00 in_progress\nGo.\n\n## 2026-12-05T23:00+01:00 completed\nDone.\n"},
            id="completed-early",
        ),
    ],
)
@pytest.mark.parametrize("link", ["row", "file"])
def test_cancelled_or_completed_maintenance_no_longer_explains(
    site_of: SiteOf, link: str, window: dict[str, str]
) -> None:
    site = linked_site(site_of, link, **window)
    now = at("2026-12-06T00:00:00+01:00")  # inside the planned window
    state = state_of(site, now)
    assert derive(site, now).maintenance_by_slug["upgrade"].phase in (Phase.CANCELLED, Phase.COMPLETED)
    assert (state.reason, state.waiting_for) == (Reason.OVERDUE, None)
    assert [m.slug for m in state.maintenance] == ["upgrade"]  # still linked, no longer the reason


def test_overrunning_maintenance_keeps_the_ticket_waiting(site_of: SiteOf) -> None:
    body = "x\n\n## 2026-12-05T22:00+01:00 in_progress\nGo.\n\n## 2026-12-06T03:00+01:00 completed\nDone.\n"
    site = linked_site(site_of, "row", body=body)
    assert state_of(site, END + SECOND).reason is Reason.WAITING
    assert state_of(site, at("2026-12-06T03:00:00+01:00")).reason is Reason.OVERDUE


LATER = maintenance(
    "later",
    title="Later innovation",
    start="2026-12-12T22:00:00+01:00",
    end="2026-12-13T01:00:00+01:00",
    extra="tickets: [1]",
)
LONG = maintenance(
    "long",
    title="Long innovation",
    start="2026-12-04T20:00:00+01:00",
    end="2026-12-08T20:00:00+01:00",
    extra="tickets: [1]",
)


@pytest.mark.parametrize(
    ("other", "now", "waits_for"),
    [
        pytest.param(LATER, NOW_, "later", id="both-upcoming"),
        pytest.param(LATER, at("2026-12-06T00:00:00+01:00"), "later", id="one-in-progress-one-upcoming"),
        pytest.param(LATER, END, "later", id="first-completed"),
        pytest.param(LONG, NOW_, "long", id="starts-first-ends-last"),
        pytest.param(LONG, END, "long", id="other-in-progress"),
    ],
)
def test_with_two_windows_ahead_the_ticket_waits_for_the_one_ending_last(
    site_of: SiteOf, other: tuple[str, str], now: datetime, waits_for: str
) -> None:
    site = site_of(tickets=[ticket(1, maintenance="upgrade", **FIXING)], maintenance=[maintenance(), other])
    derived = derive(site, now)
    state = derived.tickets_by_id[1]
    assert state.reason is Reason.WAITING
    assert state.waiting_for is not None and state.waiting_for.slug == waits_for
    window = derived.maintenance_by_slug[waits_for].window
    assert (state.expected_fix_from, state.expected_fix_by) == (window.start, window.end)
    assert sorted(m.slug for m in state.maintenance) == sorted(["upgrade", waits_for])


def test_ticket_falls_back_after_the_last_linked_window(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, maintenance="upgrade", **FIXING)], maintenance=[maintenance(), LATER])
    end = at("2026-12-13T01:00:00+01:00")
    assert state_of(site, end - SECOND).reason is Reason.WAITING
    assert state_of(site, end).reason is Reason.OVERDUE


def test_ticket_waits_for_a_recurring_window_until_its_last_occurrence(site_of: SiteOf) -> None:
    weekly = maintenance(
        "weekly",
        start="2026-11-01T22:00:00+01:00",
        end="2026-11-01T23:00:00+01:00",
        extra="rrule: FREQ=WEEKLY;BYDAY=SU;COUNT=6\ntickets: [1]",
    )
    site = site_of(tickets=[ticket(1, **FIXING)], maintenance=[weekly])
    state = state_of(site, NOW_)  # Wednesday between the 22 and 29 Nov occurrences
    assert state.reason is Reason.WAITING
    assert state.waiting_for is not None
    assert state.waiting_for.window == Window(at("2026-11-29T22:00:00+01:00"), at("2026-11-29T23:00:00+01:00"))
    assert state.expected_fix_by == at("2026-11-29T23:00:00+01:00")
    last_end = at("2026-12-06T23:00:00+01:00")  # the sixth Sunday
    assert state_of(site, last_end - SECOND).reason is Reason.WAITING
    assert state_of(site, last_end).reason is Reason.OVERDUE


# --------------------------------------------------------------------------- waiting explanations


@pytest.mark.parametrize(
    ("now", "en_middle"),
    [
        pytest.param(START - SECOND, f"It is scheduled for {WINDOW_EN}", id="upcoming"),
        pytest.param(START, f"The work is in progress ({WINDOW_EN})", id="in-progress"),
    ],
)
@pytest.mark.parametrize("link", ["row", "file"])
def test_waiting_explanation_names_the_maintenance_window_and_impact(
    site_of: SiteOf, link: str, now: datetime, en_middle: str
) -> None:
    site = linked_site(site_of, link)
    en, sk = sentences(site, state_of(site, now))
    assert en == (
        f"This issue stays open on purpose until the maintenance “{TITLE}” is completed. "
        f"{en_middle}; expected impact: partial outage."
    )
    assert TITLE in sk and WINDOW_SK in sk
    assert sk != en


def test_upcoming_and_in_progress_sentences_differ_in_both_languages(site_of: SiteOf) -> None:
    site = linked_site(site_of, "row")
    upcoming = sentences(site, state_of(site, START - SECOND))
    in_progress = sentences(site, state_of(site, START))
    assert upcoming[0] != in_progress[0]
    assert upcoming[1] != in_progress[1]


def test_every_reason_has_a_distinct_sentence(site_of: SiteOf) -> None:
    site = site_of(
        tickets=[
            ticket(1),
            ticket(2, status="evaluating", evaluated_at="2026-11-20T09:00:00+01:00"),
            ticket(3, status="fixing", evaluated_at="2026-11-24T09:00:00+01:00"),
            ticket(4, **FIXING),
            ticket(5, maintenance="upgrade", **FIXING),
        ],
        maintenance=[maintenance()],
    )
    derived: SiteState = derive(site, NOW_)
    reasons = [state.reason for state in derived.open_tickets]
    assert reasons == [Reason.REPORTED, Reason.EVALUATING, Reason.FIXING, Reason.OVERDUE, Reason.WAITING]
    for language in ("en", "sk"):
        texts = {explanation(state, site.config, language) for state in derived.open_tickets}
        assert len(texts) == 5


# --------------------------------------------------------------------------- boundaries the desk relies on


def test_fixing_before_the_window_opens_is_not_overdue(site_of: SiteOf) -> None:
    site = site_of(tickets=[ticket(1, **FIXING)])
    for now in (FIX_FROM - SECOND, FIX_FROM, FIX_FROM + SECOND):
        state = state_of(site, now)
        assert (state.reason, state.overdue) == (Reason.FIXING, False)
        assert (state.expected_fix_from, state.expected_fix_by) == (FIX_FROM, FIX_BY)


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"extra": "cancelled: true"}, id="cancelled-flag"),
        pytest.param({"body": "x\n\n## 2026-11-21T10:00+01:00 cancelled\nCalled off.\n"}, id="cancelled-update"),
        pytest.param({"start": "2026-11-20T22:00:00+01:00", "end": "2026-11-21T02:00:00+01:00"}, id="completed"),
    ],
)
@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"status": "reported"}, Reason.REPORTED),
        ({"status": "evaluating", "evaluated_at": "2026-11-20T09:00:00+01:00"}, Reason.EVALUATING),
        (FIXING, Reason.FIXING),
    ],
    ids=["reported", "evaluating", "fixing-in-window"],
)
def test_a_cancelled_or_completed_innovation_leaves_the_tickets_own_explanation(
    site_of: SiteOf, window: dict[str, str], status: dict[str, str], reason: Reason
) -> None:
    site = linked_site(site_of, "row", status=status, **window)
    state = state_of(site, FIX_BY - SECOND)  # inside the ticket's own fix window
    assert (state.reason, state.waiting_for, state.overdue) == (reason, None, False)
    en, sk = sentences(site, state)
    assert TITLE not in en and TITLE not in sk
    if reason is Reason.FIXING:
        assert (state.expected_fix_from, state.expected_fix_by) == (FIX_FROM, FIX_BY)
        assert state_of(site, FIX_BY).reason is Reason.OVERDUE
