"""The sentences a visitor reads about state, in the site language: shared by pages, feeds and JSON."""

from __future__ import annotations

from .i18n import format_time, format_window, translations
from .model import Config, Impact
from .state import Indicator, MaintenanceState, Reason, TicketState
from .state.status import ComponentStatus


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
    """Why the ticket is still open (SPEC §7), following the support process of SPEC §11."""
    zone = config.timezone
    ticket = state.ticket
    reason = state.reason
    if reason is Reason.WAITING:
        assert state.waiting_for is not None
        work = state.waiting_for
        template = (
            N_(
                "This issue stays open on purpose until the service innovation “{title}” is completed. "
                "The work is in progress ({window}); expected impact: {impact}."
            )
            if work.phase.value == "in_progress"
            else N_(
                "This issue stays open on purpose until the service innovation “{title}” is completed. "
                "The work is scheduled for {window}; expected impact: {impact}."
            )
        )
        return _t(language, template).format(
            title=work.maintenance.title,
            window=window_sentence(work, config, language),
            impact=impact_label(work.maintenance.impact, language),
        )
    if reason is Reason.FIXING:
        assert state.expected_fix_from is not None and state.expected_fix_by is not None
        return _t(
            language, "The report was evaluated and the fix is in progress. It is expected between {start} and {end}."
        ).format(
            start=format_time(state.expected_fix_from, zone, language),
            end=format_time(state.expected_fix_by, zone, language),
        )
    if reason is Reason.OVERDUE:
        assert state.expected_fix_by is not None
        text = _t(language, "The fix was expected by {end} and is overdue.").format(
            end=format_time(state.expected_fix_by, zone, language)
        )
        if config.support.phone:
            advice = _t(
                language, "Please call the administrator at {phone} for more information on the work in progress."
            )
            return f"{text} {advice.format(phone=config.support.phone)}"
        advice = _t(language, "Please call the administrator for more information on the work in progress.")
        return f"{text} {advice}"
    if reason is Reason.EVALUATING:
        return _t(language, "The report is being evaluated and consulted with the reporter.")
    if reason is Reason.REPORTED:
        return _t(language, "The report was received on {time} and is waiting for evaluation and consultation.").format(
            time=format_time(ticket.reported_at, zone, language)
        )
    assert ticket.resolved_at is not None
    return _t(language, "Resolved on {time}.").format(time=format_time(ticket.resolved_at, zone, language))


def labels(language: str) -> dict[str, dict[str, str]]:
    """Display names of every status value, by kind, for templates: ``labels.incident["resolved"]``."""
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
            "phone": N_("Phone consultation with the administrator"),
            "letter": N_("Written notice to the operator's address"),
        },
        "reason": {
            "waiting": N_("Waiting for a service innovation"),
            "fixing": N_("In the fix window"),
            "overdue": N_("Overdue"),
            "evaluating": N_("Being evaluated"),
            "reported": N_("Newly reported"),
            "resolved": N_("Resolved"),
        },
    }
    return {kind: {key: _t(language, text) for key, text in values.items()} for kind, values in names.items()}
