"""Status badges: an SVG in the flat style of shields.io, and shields.io's endpoint JSON."""

from __future__ import annotations

from markupsafe import escape

from ..state import ComponentStatus, Indicator

COLORS = {  # shields.io colour names and their hex values
    "brightgreen": "#2b7a0b",
    "yellow": "#8a6d00",
    "orange": "#b35000",
    "red": "#c0392b",
    "blue": "#0b5cad",
}
INDICATOR_COLOR = {
    Indicator.NONE: "brightgreen",
    Indicator.MINOR: "yellow",
    Indicator.MAJOR: "orange",
    Indicator.CRITICAL: "red",
    Indicator.MAINTENANCE: "blue",
}
COMPONENT_COLOR = {
    ComponentStatus.OPERATIONAL: "brightgreen",
    ComponentStatus.DEGRADED_PERFORMANCE: "yellow",
    ComponentStatus.PARTIAL_OUTAGE: "orange",
    ComponentStatus.MAJOR_OUTAGE: "red",
    ComponentStatus.UNDER_MAINTENANCE: "blue",
}
_CHAR_WIDTH = 7  # px per character of 11 px Verdana, generous so text never overflows


def endpoint_json(label: str, message: str, color: str) -> dict[str, object]:
    """https://shields.io/badges/endpoint-badge: shields.io renders this as a badge itself."""
    return {"schemaVersion": 1, "label": label, "message": message, "color": color}


def badge_svg(label: str, message: str, color: str) -> str:
    left = len(label) * _CHAR_WIDTH + 12
    right = len(message) * _CHAR_WIDTH + 12
    width = left + right
    text = escape(f"{label}: {message}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{text}">'
        f"<title>{text}</title>"
        f'<rect width="{left}" height="20" fill="#444"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{COLORS[color]}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left / 2}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(message)}</text>'
        "</g></svg>\n"
    )
