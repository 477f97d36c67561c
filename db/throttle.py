"""Login throttle: failed attempts counted per key ("user:NAME", "addr:ADDRESS") in the database, so
every web worker of an instance sees the same counts.

After ``free_failures`` failures within ``forget_after`` of each other, each further failure refuses
the key for a delay that doubles from ``base_delay`` up to ``max_delay``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.models import LoginThrottle
from db.types import utcnow

KEY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_delay: float = 2.0
    max_delay: float = 900.0
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, failures: int) -> float:
        extra = failures - self.free_failures
        if extra <= 0:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** min(extra - 1, 30)))


Keys = Sequence[tuple[str, ThrottlePolicy]]


def _key(key: str) -> str:
    return key[:KEY_LIMIT]


def blocked_for(database: Database, keys: Keys, *, now: datetime | None = None) -> float:
    """Seconds until every key may try again (0 when none is blocked)."""
    now = now or utcnow()
    with database.read() as session:
        rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_([_key(k) for k, _ in keys])))
        waits = [(r.blocked_until - now).total_seconds() for r in rows if r.blocked_until is not None]
    return max([0.0, *waits])


def record_failure(database: Database, keys: Keys, *, now: datetime | None = None) -> float:
    """Count a failed attempt against each key; returns the seconds the attempt is now blocked for."""
    now = now or utcnow()
    for attempt in range(3):
        try:
            return _record(database, keys, now)
        except IntegrityError:  # another worker inserted the same key first; count again on its row
            if attempt == 2:
                raise
    return 0.0


def _record(database: Database, keys: Keys, now: datetime) -> float:
    wait = 0.0
    with database.write() as session:
        stale = now - max(p.forget_after for _, p in keys)
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.last_failure_at < stale,
                or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
            )
        )
        for raw, policy in keys:
            key = _key(raw)
            row = session.get(LoginThrottle, key)
            if row is None:
                row = LoginThrottle(key=key, failures=0, last_failure_at=now)
                session.add(row)
            elif row.last_failure_at < now - policy.forget_after:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            delay = policy.delay(row.failures)
            row.blocked_until = now + timedelta(seconds=delay) if delay else None
            wait = max(wait, delay)
            session.flush()
    return wait


def clear(database: Database, key: str) -> None:
    with database.write() as session:
        session.execute(delete(LoginThrottle).where(and_(LoginThrottle.key == _key(key))))
