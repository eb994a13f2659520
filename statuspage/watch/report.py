"""What a rebuild changed for visitors, in words for the watch log."""

from __future__ import annotations

from collections.abc import Mapping

from ..state import SiteState


def _compare(kind: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append(f"{kind} {key} added ({new})")
        elif new is None:
            changes.append(f"{kind} {key} removed")
        elif old != new:
            changes.append(f"{kind} {key}: {old} → {new}")
    return changes


def visible_changes(before: SiteState | None, after: SiteState) -> list[str]:
    """The overall indicator, component statuses, incidents, windows and tickets that changed."""
    if before is None:
        return [f"indicator {after.indicator.value}"]
    changes = []
    if before.indicator is not after.indicator:
        changes.append(f"indicator: {before.indicator.value} → {after.indicator.value}")

    def components(state: SiteState) -> dict[str, str]:
        return {c.component.id: c.status.value for c in state.components}

    def incidents(state: SiteState) -> dict[str, str]:
        return {i.slug: ("ongoing" if i.ongoing else i.status.value) for i in state.incidents}

    def windows(state: SiteState) -> dict[str, str]:
        return {m.slug: m.phase.value for m in state.maintenance}

    def tickets(state: SiteState) -> dict[str, str]:
        return {str(t.ticket.id): t.reason.value for t in state.tickets}

    changes += _compare("component", components(before), components(after))
    changes += _compare("incident", incidents(before), incidents(after))
    changes += _compare("maintenance", windows(before), windows(after))
    changes += _compare("ticket", tickets(before), tickets(after))
    return changes
