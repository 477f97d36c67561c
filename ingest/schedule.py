"""When a feed is next due: its interval after a success (at least the server's max-age), and an
exponential backoff with jitter after failures (at least the server's Retry-After), capped."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    max_backoff_hours: float = 24.0

    @property
    def cap_seconds(self) -> float:
        return self.max_backoff_hours * 3600.0


def next_due(
    now: datetime,
    policy: SchedulePolicy,
    *,
    interval_minutes: int,
    failed: bool,
    failures_before: int = 0,
    retry_after: float | None = None,
    max_age: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    rng = rng or random.Random()
    cap = policy.cap_seconds
    base = max(60.0, interval_minutes * 60.0)
    if not failed:
        delay = max(base, min(max_age or 0.0, cap))
        # A little spread so feeds added together do not stay in lock-step.
        return now + timedelta(seconds=delay * rng.uniform(1.0, 1.05))
    exponent = min(failures_before, 30)
    delay = min(cap, base * (2.0**exponent)) * rng.uniform(0.75, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return now + timedelta(seconds=delay)
