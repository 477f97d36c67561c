"""Alerts: a region x indicator whose 7-day count is well above its baseline, recorded with the
arithmetic that raised it. One row per region, indicator and UTC day (of the window's end); a later
tick that day updates the row when the count grows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Alert
from db.signals import AlertRule, Signal, region_signals
from db.types import utcnow

WINDOW_DAYS = 7
BASELINE_WINDOWS = 4


@dataclass(frozen=True, slots=True)
class AlertInfo:
    id: int
    region: str
    indicator: str
    window_start: datetime
    window_end: datetime
    count: int
    baseline: float
    ratio: float
    detail: dict[str, Any]
    created_at: datetime

    def explain(self) -> str:
        return str(self.detail.get("explain", ""))


def _info(a: Alert) -> AlertInfo:
    return AlertInfo(
        a.id,
        a.region,
        a.indicator,
        a.window_start,
        a.window_end,
        a.count,
        a.baseline,
        a.ratio,
        dict(a.detail or {}),
        a.created_at,
    )


def _detail(signal: Signal, rule: AlertRule, now: datetime) -> dict[str, Any]:
    return {
        "explain": (
            f"{signal.count} items in the {WINDOW_DAYS} days to {now:%Y-%m-%d %H:%M} UTC; the previous "
            f"{signal.baseline_windows} windows of {WINDOW_DAYS} days had {signal.baseline_total} "
            f"({signal.baseline_mean:g} per window, floored at {signal.baseline_used:g}); "
            f"ratio {signal.count} / {signal.baseline_used:g} = {signal.ratio:g} >= {rule.ratio:g} "
            f"and count >= {rule.min_count}"
        ),
        "baseline_total": signal.baseline_total,
        "baseline_windows": signal.baseline_windows,
        "baseline_mean": signal.baseline_mean,
        "baseline_used": signal.baseline_used,
        "rule": {"ratio": rule.ratio, "min_count": rule.min_count, "min_baseline": rule.min_baseline},
        "computed_at": now.isoformat(),
    }


def record_alerts(database: Database, rule: AlertRule, *, now: datetime | None = None) -> list[AlertInfo]:
    """Store the signals that are marked now; returns the alerts that are new or grew."""
    now = now or utcnow()
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    marked = [
        s
        for s in region_signals(
            database, rule, now=now, window_days=WINDOW_DAYS, baseline_windows=BASELINE_WINDOWS
        ).values()
        if s.marked
    ]
    changed: list[AlertInfo] = []
    if not marked:
        return changed
    with database.write() as session:
        for signal in sorted(marked, key=lambda s: (s.region, s.indicator)):
            row = session.scalar(
                select(Alert).where(
                    Alert.region == signal.region,
                    Alert.indicator == signal.indicator,
                    Alert.window_end >= day,
                    Alert.window_end < day + timedelta(days=1),
                )
            )
            if row is not None and row.count >= signal.count:
                continue
            if row is None:
                row = Alert(region=signal.region, indicator=signal.indicator, created_at=now)
                session.add(row)
            row.window_start = now - timedelta(days=WINDOW_DAYS)
            row.window_end = now
            row.count = signal.count
            row.baseline = signal.baseline_used
            row.ratio = signal.ratio
            row.detail = _detail(signal, rule, now)
            session.flush()
            changed.append(_info(row))
    return changed


def list_alerts(
    database: Database, *, since: datetime | None = None, region: str | None = None
) -> list[AlertInfo]:
    stmt = select(Alert).order_by(Alert.window_end.desc(), Alert.ratio.desc())
    if since is not None:
        stmt = stmt.where(Alert.window_end >= since)
    if region is not None:
        stmt = stmt.where(Alert.region == region)
    with database.read() as session:
        return [_info(a) for a in session.scalars(stmt)]
