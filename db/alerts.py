"""Alerts: storing what the arithmetic raised (with a cooldown), listing them, and their states.

One row per kind, scope, region, country, indicator and UTC day. A later computation the same day
updates the row when the count grows; within ``cooldown_days`` after an alert on earlier days the same
scope and indicator raises no new row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.deliveries import Receiver, queue_deliveries
from db.engine import Database
from db.models import ALERT_STATES, Alert
from db.types import utcnow


class AlertStateError(ValueError):
    """An unknown state or alert."""


@dataclass(frozen=True, slots=True)
class AlertValues:
    """An alert as computed, before it is stored."""

    kind: str  # signal / coverage
    scope: str  # country / region
    region: str
    country: str  # "" for region scope
    indicator: str  # "" for coverage
    day: datetime
    window_start: datetime
    window_end: datetime
    observed: int
    expected: float
    score: float
    threshold: float
    sources: int = 0
    story_ids: tuple[int, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertInfo:
    id: int
    kind: str
    scope: str
    region: str
    country: str
    indicator: str
    day: datetime
    window_start: datetime
    window_end: datetime
    observed: int
    expected: float
    score: float
    threshold: float
    sources: int
    story_ids: tuple[int, ...]
    detail: dict[str, Any]
    state: str
    state_by: str | None
    state_at: datetime | None
    state_note: str | None
    created_at: datetime

    def explain(self) -> str:
        return str(self.detail.get("explain", ""))

    @property
    def stories(self) -> int:
        return len(self.story_ids)

    def arithmetic(self) -> list[str]:
        """The alert's numbers, one per line, then the sentence that explains them (feeds, mail)."""
        coverage = self.kind == "coverage"
        lines = [
            f"Observed: {self.observed} "
            + ("items (any topic)" if coverage else f"stories from {self.sources} sources"),
            f"Expected: {self.expected:.2f}",
            f"Score: {self.score:.2f} (threshold {self.threshold:g}"
            + (", observed/expected at or below it)" if coverage else ", -log10 tail probability)"),
            f"Window: {self.window_start:%Y-%m-%d %H:%M} to {self.window_end:%Y-%m-%d %H:%M} UTC",
        ]
        if self.explain():
            lines.append(self.explain())
        return lines

    def figures(self) -> str:
        """The alert's numbers in one phrase."""
        if self.kind == "coverage":
            return f"{self.observed} items about it, expected {self.expected:.0f} (coverage gap)"
        return (
            f"{self.observed} stories from {self.sources} sources, expected {self.expected:.2f}, "
            f"score {self.score:.1f} (threshold {self.threshold:g})"
        )


def alert_info(a: Alert) -> AlertInfo:
    return AlertInfo(
        a.id,
        a.kind,
        a.scope,
        a.region,
        a.country,
        a.indicator,
        a.day,
        a.window_start,
        a.window_end,
        a.observed,
        a.expected,
        a.score,
        a.threshold,
        a.sources,
        tuple(a.story_ids or ()),
        dict(a.detail or {}),
        a.state,
        a.state_by,
        a.state_at,
        a.state_note,
        a.created_at,
    )


def record_alerts(
    database: Database,
    alerts: Sequence[AlertValues],
    *,
    cooldown_days: int,
    now: datetime | None = None,
    receivers: Sequence[Receiver] = (),
) -> list[AlertInfo]:
    """Store new alerts and grow today's; returns the alerts that are new. Each new alert is queued,
    in the same transaction, for every receiver that wants its region (``db.deliveries``)."""
    now = now or utcnow()
    created: list[AlertInfo] = []
    if not alerts:
        return created
    with database.write() as session:
        for values in alerts:
            key = (
                Alert.kind == values.kind,
                Alert.scope == values.scope,
                Alert.region == values.region,
                Alert.country == values.country,
                Alert.indicator == values.indicator,
            )
            today = session.scalar(select(Alert).where(*key, Alert.day == values.day))
            if today is not None:
                if values.observed > today.observed:
                    _fill(today, values)
                continue
            since = values.day - timedelta(days=cooldown_days)
            recent = session.scalar(select(Alert.id).where(*key, Alert.day > since, Alert.day < values.day))
            if recent is not None:
                continue
            row = Alert(
                kind=values.kind,
                scope=values.scope,
                region=values.region,
                country=values.country,
                indicator=values.indicator,
                day=values.day,
                state="new",
                created_at=now,
            )
            _fill(row, values)
            session.add(row)
            session.flush()
            queue_deliveries(session, row, receivers, now)
            created.append(alert_info(row))
    return created


def _fill(row: Alert, values: AlertValues) -> None:
    row.window_start = values.window_start
    row.window_end = values.window_end
    row.observed = values.observed
    row.expected = values.expected
    row.score = values.score
    row.threshold = values.threshold
    row.sources = values.sources
    row.story_ids = list(values.story_ids)
    row.detail = dict(values.detail)


@dataclass(frozen=True, slots=True)
class AlertQuery:
    since: datetime | None = None
    until: datetime | None = None
    scope: str | None = None
    region: str | None = None
    country: str | None = None
    indicator: str | None = None
    state: str | None = None
    kind: str | None = None
    alert_id: int | None = None
    exclude_states: tuple[str, ...] = ()
    limit: int = 1000


def list_alerts(database: Database, query: AlertQuery | None = None, **kw: Any) -> list[AlertInfo]:
    q = query or AlertQuery(**kw)
    stmt = select(Alert).order_by(Alert.day.desc(), Alert.score.desc(), Alert.id.desc()).limit(q.limit)
    if q.since is not None:
        stmt = stmt.where(Alert.day >= q.since.replace(hour=0, minute=0, second=0, microsecond=0))
    if q.until is not None:
        stmt = stmt.where(Alert.day <= q.until)
    for column, value in (
        (Alert.scope, q.scope),
        (Alert.region, q.region),
        (Alert.indicator, q.indicator),
        (Alert.state, q.state),
        (Alert.kind, q.kind),
    ):
        if value:
            stmt = stmt.where(column == value)
    if q.country:
        stmt = stmt.where(Alert.country == q.country.upper())
    if q.alert_id is not None:
        stmt = stmt.where(Alert.id == q.alert_id)
    if q.exclude_states:
        stmt = stmt.where(Alert.state.not_in(q.exclude_states))
    with database.read() as session:
        return [alert_info(a) for a in session.scalars(stmt)]


def get_alert(database: Database, alert_id: int) -> AlertInfo | None:
    with database.read() as session:
        row = session.get(Alert, alert_id)
        return alert_info(row) if row is not None else None


def set_alert_state(
    database: Database,
    alert_id: int,
    state: str,
    *,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> AlertInfo:
    """Acknowledge or dismiss an alert (or set it back to new), recording who, when and the note.
    Role checks are the caller's: this records what an authorised analyst decided."""
    if state not in ALERT_STATES:
        raise AlertStateError(f"unknown alert state {state!r}; expected one of {', '.join(ALERT_STATES)}")
    with database.write() as session:
        row = session.get(Alert, alert_id)
        if row is None:
            raise AlertStateError(f"no alert {alert_id}")
        row.state = state
        row.state_by = by[:100]
        row.state_at = now or utcnow()
        row.state_note = (note or "").strip()[:4000] or None
        session.flush()
        return alert_info(row)
