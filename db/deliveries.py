"""Alert deliveries: one row per alert x receiver, queued with the alert, claimed, marked.

A delivery is queued in the transaction that stores its alert (``queue_deliveries`` is called by
``db.alerts.record_alerts``), so an alert is never stored without its deliveries. Senders claim due
rows (``claim_due``): claiming moves ``next_attempt_at`` forward by a lease with a compare-and-set, so
two workers never send the same row at once and a worker that dies leaves the row due again when the
lease runs out. ``failed`` rows are retried; nothing is ever dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Alert, AlertDelivery
from db.types import utcnow

if TYPE_CHECKING:
    from db.alerts import AlertInfo

#: the longest error text kept per delivery
ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Receiver:
    """A configured destination: ``regions`` empty means alerts of every region."""

    channel: str  # webhook / email
    target: str  # URL or mail address
    regions: frozenset[str] = frozenset()

    def wants(self, region: str) -> bool:
        return not self.regions or region in self.regions


@dataclass(frozen=True, slots=True)
class DeliveryInfo:
    id: int
    alert_id: int
    channel: str
    target: str
    status: str  # pending / delivered / failed
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery with the alert it carries."""

    id: int
    channel: str
    target: str
    attempts: int
    alert: AlertInfo


def queue_deliveries(session: Session, alert: Alert, receivers: Iterable[Receiver], now: datetime) -> int:
    """Queue ``alert`` for every receiver that wants its region (inside the caller's transaction)."""
    n = 0
    for receiver in receivers:
        if receiver.wants(alert.region):
            session.add(
                AlertDelivery(
                    alert_id=alert.id,
                    channel=receiver.channel,
                    target=receiver.target,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            n += 1
    return n


def _info(d: AlertDelivery) -> DeliveryInfo:
    return DeliveryInfo(
        d.id,
        d.alert_id,
        d.channel,
        d.target,
        d.status,
        d.attempts,
        d.next_attempt_at,
        d.last_attempt_at,
        d.last_error,
        d.delivered_at,
    )


def claim_due(
    database: Database,
    *,
    channel: str,
    targets: Sequence[str],
    now: datetime,
    lease_seconds: float,
    limit: int = 100,
) -> list[DueDelivery]:
    """Claim up to ``limit`` due deliveries to the configured ``targets`` of ``channel``, oldest first.
    Rows for receivers no longer configured stay as they are (shown, never sent)."""
    if not targets:
        return []
    from db.alerts import alert_info  # db.alerts queues deliveries: import here, not at the top

    until = now + timedelta(seconds=lease_seconds)
    stmt = (
        select(AlertDelivery.id, AlertDelivery.next_attempt_at)
        .where(
            AlertDelivery.status.in_(("pending", "failed")),
            AlertDelivery.next_attempt_at <= now,
            AlertDelivery.channel == channel,
            AlertDelivery.target.in_(list(targets)),
        )
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(limit)
    )
    claimed: list[DueDelivery] = []
    with database.write() as session:
        for row_id, seen in session.execute(stmt).all():
            done = session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.id == row_id,
                    AlertDelivery.next_attempt_at == seen,
                    AlertDelivery.status.in_(("pending", "failed")),
                )
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0) != 1:
                continue  # another worker took it
            d = session.get(AlertDelivery, row_id)
            a = session.get(Alert, d.alert_id) if d is not None else None
            if d is not None and a is not None:
                claimed.append(DueDelivery(d.id, d.channel, d.target, d.attempts, alert_info(a)))
    return claimed


def mark_delivered(database: Database, ids: Sequence[int], *, now: datetime | None = None) -> None:
    now = now or utcnow()
    with database.write() as session:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(list(ids)))
            .values(
                status="delivered",
                delivered_at=now,
                last_attempt_at=now,
                last_error=None,
                attempts=AlertDelivery.attempts + 1,
                next_attempt_at=now,
            )
        )


def mark_failed(
    database: Database,
    ids: Sequence[int],
    error: str,
    *,
    retry_at: datetime,
    now: datetime | None = None,
) -> None:
    """An attempt failed: keep the error, try again at ``retry_at``."""
    now = now or utcnow()
    with database.write() as session:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(list(ids)))
            .values(
                status="failed",
                last_attempt_at=now,
                last_error=error[:ERROR_CHARS],
                attempts=AlertDelivery.attempts + 1,
                next_attempt_at=retry_at,
            )
        )


def postpone(database: Database, ids: Sequence[int], note: str, *, retry_at: datetime) -> None:
    """Not attempted (its receiver just failed on another alert): due again at ``retry_at``; the
    status and attempt count stay as they were."""
    with database.write() as session:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(list(ids)))
            .values(last_error=note[:ERROR_CHARS], next_attempt_at=retry_at)
        )


def deliveries_for(database: Database, alert_ids: Sequence[int]) -> dict[int, list[DeliveryInfo]]:
    """Every delivery of the given alerts, by alert id."""
    out: dict[int, list[DeliveryInfo]] = defaultdict(list)
    ids = list(alert_ids)
    with database.read() as session:
        for start in range(0, len(ids), 500):
            stmt = (
                select(AlertDelivery)
                .where(AlertDelivery.alert_id.in_(ids[start : start + 500]))
                .order_by(AlertDelivery.channel, AlertDelivery.target)
            )
            for d in session.scalars(stmt):
                out[d.alert_id].append(_info(d))
    return dict(out)


def delivery_counts(database: Database) -> dict[str, int]:
    """Deliveries by status (for the CLI's and the page's summary)."""
    from sqlalchemy import func

    with database.read() as session:
        rows = session.execute(
            select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
        ).all()
    return {str(s): int(n) for s, n in rows}


def receiver_label(channel: str, target: str) -> str:
    """A receiver as shown on pages, in the command line and in logs: a webhook URL's path and query
    may be its secret (many services put the key there), so only its scheme, host and port are shown,
    with a short hash that tells two addresses on one host apart."""
    if channel != "webhook":
        return target
    import hashlib
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(target)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "webhook #" + hashlib.sha256(target.encode()).hexdigest()[:6]
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}/… #{hashlib.sha256(target.encode()).hexdigest()[:6]}"
