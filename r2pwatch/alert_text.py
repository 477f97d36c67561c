"""Alerts as the command line shows them: one JSON object each, or a plain table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from r2pwatch.backtest import alert_json


def alert_row(alert: Any) -> dict[str, Any]:
    row = alert_json(alert)
    if getattr(alert, "id", None) is not None:
        row = {"id": alert.id, **row, "state": alert.state, "state_by": alert.state_by,
               "state_at": alert.state_at.isoformat() if alert.state_at else None, "state_note": alert.state_note}
    return row


def alert_table(alerts: Sequence[Any]) -> str:
    lines = []
    for a in alerts:
        where = f"{a.country} ({a.region})" if a.scope == "country" else a.region
        what = a.indicator or "coverage gap"
        if a.kind == "coverage":
            figures = f"{a.observed} items, expected {a.expected:.0f}"
        else:
            figures = (f"{len(a.story_ids)} stories from {a.sources} sources, expected {a.expected:.2f}, "
                       f"score {a.score:.1f} >= {a.threshold:g}")
        lines.append(f"{a.day:%Y-%m-%d}  {a.scope:7} {where:22} {what:24} {figures}  [{a.state}]")
    return "".join(line + "\n" for line in lines)
