"""Colours. Indicators take their colour from the taxonomy (``colour`` in indicators/taxonomy.toml),
so an indicator has one colour everywhere (badges, highlights, charts, sparklines); OTHER is for an
indicator the taxonomy no longer has."""

from __future__ import annotations

OTHER = "#6c757d"
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
