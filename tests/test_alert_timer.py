"""The scheduler computes alerts at most every ``ingest.alerts_seconds`` while new items arrive, keeping
the settled days between computations (dropped hourly); kept days give the very alerts a fresh read
gives."""

from __future__ import annotations

from datetime import timedelta

from db import Database
from db.alert_inputs import SettledDays
from ingest.alerting import compute_alerts
from ingest.runner import AlertTimer
from tests.test_alerts import CFG, EVENTS, SPIKE, _filler, _seed, _spike


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_alerts_are_computed_at_most_every_interval() -> None:
    clock = Clock()
    timer = AlertTimer(60.0, clock)
    assert timer.due()  # the first new items are alerted on at once
    clock.now += 59
    assert not timer.due()
    clock.now += 1
    assert timer.due()
    assert not timer.due()


def test_settled_days_are_kept_then_dropped_hourly() -> None:
    clock = Clock()
    timer = AlertTimer(60.0, clock)
    first = timer.settled()
    clock.now += AlertTimer.SETTLED_SECONDS - 1
    assert timer.settled() is first
    clock.now += 2
    assert timer.settled() is not first


def test_alerts_from_kept_days_equal_a_fresh_read(db: Database) -> None:
    feeds = _seed(db)
    _filler(db, feeds, SPIKE, 1)
    _spike(db, feeds, EVENTS[:4], SPIKE)
    end = SPIKE + timedelta(hours=23, minutes=59)
    cache = SettledDays()
    earlier = compute_alerts(db, CFG, end - timedelta(hours=2), cache)
    assert cache.days  # the first computation kept the settled days
    kept = compute_alerts(db, CFG, end, cache)
    fresh = compute_alerts(db, CFG, end)
    assert kept == fresh and [a.country for a in kept if a.kind == "signal"] == ["SDN"]
    assert len(earlier) <= len(kept)
