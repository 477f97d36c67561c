"""Colours. Indicators take their colour from the taxonomy; this palette is the fallback, so an
indicator has one colour everywhere (badges, highlights, charts, sparklines)."""

from __future__ import annotations

FALLBACK_INDICATOR_COLOURS: dict[str, str] = {
    "incitement": "#e377c2",
    "membership": "#8c564b",
    "peacekeeping": "#1f77b4",
    "sanctions": "#ff7f0e",
    "icc": "#9467bd",
    "genocide": "#7f0000",
    "war_crimes": "#d62728",
    "ethnic_cleansing": "#bcbd22",
    "crimes_against_humanity": "#17becf",
}
OTHER = "#6c757d"
ALERT = "#b02a37"
COUNTRY = "#495057"
ORGANISATION = "#0f5132"
STATUS_COLOURS: dict[str, str] = {
    "new": "secondary",
    "confirmed": "success",
    "dismissed": "light",
    "escalated": "danger",
}
MAP_SCALE = [[0.0, "#f1f5f9"], [0.25, "#c6dbef"], [0.6, "#4292c6"], [1.0, "#08306b"]]


def tint(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` at ``alpha`` opacity as an rgba() string (for highlight backgrounds)."""
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        return f"rgba(108,117,125,{alpha})"
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
