"""Alerts as the command line shows them: one JSON object each, or a plain table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from db.deliveries import DeliveryInfo, receiver_label
from r2pwatch.backtest import alert_json


def delivery_json(d: DeliveryInfo) -> dict[str, Any]:
    return {
        "channel": d.channel,
        "receiver": receiver_label(d.channel, d.target),
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.status != "delivered" else None,
        "last_attempt_at": d.last_attempt_at.isoformat() if d.last_attempt_at else None,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        "last_error": d.last_error,
    }


def alert_row(alert: Any, deliveries: Sequence[DeliveryInfo] | None = None) -> dict[str, Any]:
    row = alert_json(alert)
    if getattr(alert, "id", None) is not None:
        row = {
            "id": alert.id,
            **row,
            "state": alert.state,
            "state_by": alert.state_by,
            "state_at": alert.state_at.isoformat() if alert.state_at else None,
            "state_note": alert.state_note,
        }
    if deliveries is not None:
        row["deliveries"] = [delivery_json(d) for d in deliveries]
    return row


def alert_table(alerts: Sequence[Any], deliveries: Mapping[int, Sequence[DeliveryInfo]] | None = None) -> str:
    lines = []
    for a in alerts:
        where = f"{a.country} ({a.region})" if a.scope == "country" else a.region
        what = a.indicator or "coverage gap"
        if a.kind == "coverage":
            figures = f"{a.observed} items, expected {a.expected:.0f}"
        else:
            figures = (
                f"{len(a.story_ids)} stories from {a.sources} sources, expected {a.expected:.2f}, "
                f"score {a.score:.1f} >= {a.threshold:g}"
            )
        lines.append(f"{a.day:%Y-%m-%d}  {a.scope:7} {where:22} {what:24} {figures}  [{a.state}]")
        for d in (deliveries or {}).get(getattr(a, "id", -1), ()):
            if d.status == "delivered":
                lines.append(f"    {d.status:9} {receiver_label(d.channel, d.target)}")
            else:
                lines.append(
                    f"    {d.status:9} {receiver_label(d.channel, d.target)}  {d.attempts} attempt{'' if d.attempts == 1 else 's'}, next "
                    f"{d.next_attempt_at:%Y-%m-%d %H:%M} UTC" + (f": {d.last_error}" if d.last_error else "")
                )
    return "".join(line + "\n" for line in lines)
