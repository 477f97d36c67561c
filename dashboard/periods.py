"""The periods the region and country pages offer (``?period=DAYS`` in the URL)."""

from __future__ import annotations

from typing import Any

PERIODS = ((30, "Last 30 days"), (90, "Last 90 days"), (180, "Last 180 days"), (365, "Last year"))
DEFAULT_DAYS = 90


def period_of(value: Any) -> int:
    """The period a URL or a select asks for; the default when it is not one of ``PERIODS``."""
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in dict(PERIODS) else DEFAULT_DAYS
