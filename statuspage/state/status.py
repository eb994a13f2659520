"""Component statuses and the overall indicator, with Statuspage's names for both."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from ..model import Severity


class ComponentStatus(Enum):
    """Statuspage's component status values, ordered from best to worst by ``rank``."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return list(ComponentStatus).index(self)


class Indicator(Enum):
    """Statuspage's overall ``status.indicator``."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


SEVERITY_STATUS = {
    Severity.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Severity.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Severity.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}

_INDICATOR_OF_WORST = {
    ComponentStatus.OPERATIONAL: Indicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Indicator.MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
}


def component_status(ongoing_severities: Iterable[Severity], under_maintenance: bool) -> ComponentStatus:
    """Worst ongoing incident; maintenance only when no incident affects the component.

    Any incident status (degraded included) beats maintenance, so a visitor is never told
    "maintenance" while something is actually broken; ``none`` incidents change nothing.
    """
    statuses = [SEVERITY_STATUS[s] for s in ongoing_severities if s in SEVERITY_STATUS]
    if statuses:
        return max(statuses, key=lambda status: status.rank)
    return ComponentStatus.UNDER_MAINTENANCE if under_maintenance else ComponentStatus.OPERATIONAL


def overall_indicator(statuses: Iterable[ComponentStatus]) -> Indicator:
    """``none`` all operational, ``minor``/``major``/``critical`` by the worst outage, else ``maintenance``."""
    worst = max(statuses, key=lambda status: status.rank, default=ComponentStatus.OPERATIONAL)
    return _INDICATOR_OF_WORST[worst]
