"""The sentences a visitor reads about state, in the site language: shared by pages, feeds and JSON."""

from __future__ import annotations

from .i18n import format_time, format_window, translations
from .model import Config, Impact
from .state import Indicator, MaintenanceState, Reason, TicketState
from .state.status import ComponentStatus


def _(language: str, message: str) -> str:
    return translations(language).gettext(message)


def impact_label(impact: Impact, language: str) -> str:
    labels = {
        Impact.NONE: "no noticeable impact",
        Impact.DEGRADED: "degraded performance",
        Impact.PARTIAL: "partial outage",
        Impact.FULL: "full outage",
    }
    return _(language, labels[impact])


def component_status_label(status: ComponentStatus, language: str) -> str:
    labels = {
        ComponentStatus.OPERATIONAL: "Operational",
        ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
        ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
        ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
        ComponentStatus.MAJOR_OUTAGE: "Major outage",
    }
    return _(language, labels[status])


def indicator_label(indicator: Indicator, language: str) -> str:
    """Statuspage's ``status.description`` wording, translated."""
    labels = {
        Indicator.NONE: "All Systems Operational",
        Indicator.MINOR: "Minor Service Outage",
        Indicator.MAJOR: "Partial System Outage",
        Indicator.CRITICAL: "Major System Outage",
        Indicator.MAINTENANCE: "Service Under Maintenance",
    }
    return _(language, labels[indicator])


def window_sentence(state: MaintenanceState, config: Config, language: str) -> str:
    return format_window(state.window.start, state.window.end, config.timezone, language)


def explanation(state: TicketState, config: Config, language: str) -> str:
    """Why the ticket is still open (SPEC §7), following the support process of SPEC §11."""
    zone = config.timezone
    ticket = state.ticket
    reason = state.reason
    if reason is Reason.WAITING:
        assert state.waiting_for is not None
        work = state.waiting_for
        template = (
            "This issue stays open on purpose until the service innovation “{title}” is completed. "
            "The work is in progress ({window}); expected impact: {impact}."
            if work.phase.value == "in_progress"
            else "This issue stays open on purpose until the service innovation “{title}” is completed. "
            "The work is scheduled for {window}; expected impact: {impact}."
        )
        return _(language, template).format(
            title=work.maintenance.title,
            window=window_sentence(work, config, language),
            impact=impact_label(work.maintenance.impact, language),
        )
    if reason is Reason.FIXING:
        assert state.expected_fix_from is not None and state.expected_fix_by is not None
        return _(language, "The report was evaluated and the fix is in progress. It is expected between {start} and {end}.").format(
            start=format_time(state.expected_fix_from, zone, language),
            end=format_time(state.expected_fix_by, zone, language),
        )
    if reason is Reason.OVERDUE:
        assert state.expected_fix_by is not None
        text = _(language, "The fix was expected by {end} and is overdue.").format(
            end=format_time(state.expected_fix_by, zone, language)
        )
        if config.support.phone:
            advice = _(language, "Please call the administrator at {phone} for more information on the work in progress.")
            return f"{text} {advice.format(phone=config.support.phone)}"
        return f"{text} {_(language, 'Please call the administrator for more information on the work in progress.')}"
    if reason is Reason.EVALUATING:
        return _(language, "The report is being evaluated and consulted with the reporter.")
    if reason is Reason.REPORTED:
        return _(language, "The report was received on {time} and is waiting for evaluation and consultation.").format(
            time=format_time(ticket.reported_at, zone, language)
        )
    assert ticket.resolved_at is not None
    return _(language, "Resolved on {time}.").format(time=format_time(ticket.resolved_at, zone, language))


def labels(language: str) -> dict[str, dict[str, str]]:
    """Display names of every status value, by kind, for templates: ``labels.incident["resolved"]``."""
    names = {
        "incident": {
            "investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
            "resolved": "Resolved", "postmortem": "Postmortem",
        },
        "maintenance": {
            "scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying",
            "completed": "Completed", "cancelled": "Cancelled",
        },
        "phase": {"upcoming": "Upcoming", "in_progress": "In progress", "completed": "Completed", "cancelled": "Cancelled"},
        "severity": {"none": "Notice", "minor": "Minor", "major": "Major", "critical": "Critical"},
        "ticket_status": {
            "reported": "Reported", "evaluating": "Evaluation and consultation", "fixing": "Fixing",
            "resolved": "Resolved",
        },
        "channel": {
            "chat": "Live chat", "email": "E-mail", "phone": "Phone consultation with the administrator",
            "letter": "Written notice to the operator's address",
        },
        "reason": {
            "waiting": "Waiting for a service innovation", "fixing": "In the fix window", "overdue": "Overdue",
            "evaluating": "Being evaluated", "reported": "Newly reported", "resolved": "Resolved",
        },
    }
    return {kind: {key: _(language, text) for key, text in values.items()} for kind, values in names.items()}
