"""The sentences a visitor reads about state, in the site language: shared by pages, feeds and JSON."""

from __future__ import annotations

from datetime import datetime

from .i18n import format_time, format_window, translations
from .model import Config, Impact
from .state import Indicator, MaintenanceState, Reason, TicketState
from .state.status import ComponentStatus
from .wording import sentence


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later, by ``_t``."""
    return message


def _t(language: str, message: str) -> str:
    return translations(language).gettext(message)


def impact_label(impact: Impact, language: str) -> str:
    labels = {
        Impact.NONE: N_("no noticeable impact"),
        Impact.DEGRADED: N_("degraded performance"),
        Impact.PARTIAL: N_("partial outage"),
        Impact.FULL: N_("full outage"),
    }
    return _t(language, labels[impact])


def component_status_label(status: ComponentStatus, language: str) -> str:
    labels = {
        ComponentStatus.OPERATIONAL: N_("Operational"),
        ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
        ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
        ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
        ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
    }
    return _t(language, labels[status])


def indicator_label(indicator: Indicator, language: str) -> str:
    """Statuspage's ``status.description`` wording, translated."""
    labels = {
        Indicator.NONE: N_("All Systems Operational"),
        Indicator.MINOR: N_("Minor Service Outage"),
        Indicator.MAJOR: N_("Partial System Outage"),
        Indicator.CRITICAL: N_("Major System Outage"),
        Indicator.MAINTENANCE: N_("Service Under Maintenance"),
    }
    return _t(language, labels[indicator])


def window_sentence(state: MaintenanceState, config: Config, language: str) -> str:
    return format_window(state.window.start, state.window.end, config.timezone, language)


def explanation(state: TicketState, config: Config, language: str) -> str:
    """Why the ticket is still open (SPEC §7), as plain text: the site's ``[wording]`` where it set it, else ours."""
    zone = config.timezone
    ticket = state.ticket

    def time(moment: datetime | None) -> str:
        assert moment is not None
        return format_time(moment, zone, language)

    def said(key: str, **values: str) -> str:
        return sentence(config, key, language, **values)

    reason = state.reason
    if reason is Reason.WAITING:
        assert state.waiting_for is not None
        work = state.waiting_for
        key = "why_waiting_in_progress" if work.phase.value == "in_progress" else "why_waiting_scheduled"
        return said(
            key,
            maintenance=work.maintenance.text(language).title,
            window=window_sentence(work, config, language),
            impact=impact_label(work.maintenance.impact, language),
        )
    if reason is Reason.FIXING:
        evaluated = time(ticket.evaluated_at) if ticket.evaluated_at else ""
        return said(
            "why_fixing",
            evaluated=evaluated,
            fix_from=time(state.expected_fix_from),
            fix_by=time(state.expected_fix_by),
        )
    if reason is Reason.OVERDUE:
        evaluated = time(ticket.evaluated_at) if ticket.evaluated_at else ""
        return (
            f"{said('why_overdue', evaluated=evaluated, fix_by=time(state.expected_fix_by))} {said('overdue_advice')}"
        )
    if reason is Reason.EVALUATING:
        return said("why_evaluating", reported=time(ticket.reported_at))
    if reason is Reason.REPORTED:
        return said("why_reported", reported=time(ticket.reported_at))
    return said("why_resolved", resolved=time(ticket.resolved_at))


def labels(language: str, config: Config | None = None) -> dict[str, dict[str, str]]:
    """Display names of every status value, by kind, for templates: ``labels.incident["resolved"]``.

    With ``config``, the channels and the known issues that wait for maintenance are named as the
    site's ``[wording]`` names them.
    """
    names = {
        "incident": {
            "investigating": N_("Investigating"),
            "identified": N_("Identified"),
            "monitoring": N_("Monitoring"),
            "resolved": N_("Resolved"),
            "postmortem": N_("Postmortem"),
        },
        "maintenance": {
            "scheduled": N_("Scheduled"),
            "in_progress": N_("In progress"),
            "verifying": N_("Verifying"),
            "completed": N_("Completed"),
            "cancelled": N_("Cancelled"),
        },
        "phase": {
            "upcoming": N_("Upcoming"),
            "in_progress": N_("In progress"),
            "completed": N_("Completed"),
            "cancelled": N_("Cancelled"),
        },
        "severity": {"none": N_("Notice"), "minor": N_("Minor"), "major": N_("Major"), "critical": N_("Critical")},
        "ticket_status": {
            "reported": N_("Reported"),
            "evaluating": N_("Evaluation and consultation"),
            "fixing": N_("Fixing"),
            "resolved": N_("Resolved"),
        },
        "channel": {
            "chat": N_("Live chat"),
            "email": N_("E-mail"),
            "phone": N_("Phone"),
            "letter": N_("Letter"),
        },
        "reason": {
            "waiting": N_("Waiting for maintenance"),
            "fixing": N_("In the fix window"),
            "overdue": N_("Overdue"),
            "evaluating": N_("Being evaluated"),
            "reported": N_("Newly reported"),
            "resolved": N_("Resolved"),
        },
    }
    made = {kind: {key: _t(language, text) for key, text in values.items()} for kind, values in names.items()}
    if config is not None:
        made["channel"] = {channel: sentence(config, f"channel_{channel}", language) for channel in names["channel"]}
        made["reason"]["waiting"] = sentence(config, "reason_waiting", language)
    return made
