"""Signals per region x indicator: a window's count of items against the mean of the previous windows,
and the rule that marks a signal (the overview page and recorded alerts use both)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from db.days import counts_select, split
from db.engine import Database
from db.filters import escape_like
from db.models import DailyCount, Item, ItemCountry, ItemOrganisation, ItemTag
from db.types import utcnow


@dataclass(frozen=True, slots=True)
class AlertRule:
    ratio: float = 2.0
    min_count: int = 3
    min_baseline: float = 1.0


@dataclass(frozen=True, slots=True)
class Signal:
    """One region x indicator: the window's count against the mean of the previous windows.

    ``baseline_mean`` is the mean count per window over the baseline period; ``ratio`` divides by
    that mean floored at the rule's ``min_baseline`` (``baseline_used``), so an empty past does not
    turn two items into an "infinite" spike.
    """

    region: str
    indicator: str
    count: int
    baseline_total: int
    baseline_windows: int
    baseline_mean: float
    baseline_used: float
    ratio: float
    marked: bool

    def explain(self) -> str:
        return (
            f"{self.count} in the window; previous {self.baseline_windows} windows had "
            f"{self.baseline_total} ({self.baseline_mean:.1f} per window, floored at "
            f"{self.baseline_used:.1f}); ratio {self.ratio:.1f}"
        )


def make_signal(
    region: str, indicator: str, count: int, baseline_total: int, windows: int, rule: AlertRule
) -> Signal:
    mean = baseline_total / windows if windows else 0.0
    used = max(mean, rule.min_baseline)
    ratio = count / used if used > 0 else 0.0
    marked = count >= rule.min_count and ratio >= rule.ratio
    return Signal(
        region,
        indicator,
        count,
        baseline_total,
        windows,
        round(mean, 3),
        round(used, 3),
        round(ratio, 3),
        marked,
    )


def _raw_counts(
    session: Session, start: datetime, end: datetime, organisation: str | None
) -> dict[tuple[str, str], int]:
    """Items per region x indicator published in ``[start, end)``, from the raw rows."""
    pairs = (
        select(ItemCountry.region, ItemTag.indicator, Item.id)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(Item.published_at >= start, Item.published_at < end)
        .where(ItemCountry.region.is_not(None))
        .distinct()
    )
    if organisation:
        pairs = pairs.where(
            exists().where(ItemOrganisation.item_id == Item.id, ItemOrganisation.org_id == organisation)
        )
    sub = pairs.subquery()
    stmt = select(sub.c.region, sub.c.indicator, func.count()).group_by(sub.c.region, sub.c.indicator)
    return {(str(r), str(i)): int(n) for r, i, n in session.execute(stmt)}


def _counts(
    session: Session, start: datetime, end: datetime, organisation: str | None
) -> dict[tuple[str, str], int]:
    """As ``_raw_counts``; whole days from the daily aggregates."""
    span = split(start, end)
    out: dict[tuple[str, str], int] = {}
    if span.first_day is not None:
        if organisation:
            stmt = counts_select(span, "region-org", DailyCount.region, DailyCount.indicator).where(
                DailyCount.key.like(f"%|{escape_like(organisation)}", escape="\\")
            )
        else:
            stmt = counts_select(span, "region", DailyCount.region, DailyCount.indicator)
        for region, indicator, n, _flagged in session.execute(stmt.where(DailyCount.indicator != "")):
            out[(str(region), str(indicator))] = int(n or 0)
    for lo, hi in span.edges:
        for key, n in _raw_counts(session, lo, hi, organisation).items():
            out[key] = out.get(key, 0) + n
    return out


def region_signals(
    database: Database,
    rule: AlertRule,
    *,
    now: datetime | None = None,
    window_days: int = 7,
    baseline_windows: int = 4,
    organisation: str | None = None,
    regions: Iterable[str] = (),
    indicators: Iterable[str] = (),
) -> dict[tuple[str, str], Signal]:
    """Signals for every region x indicator pair (zero-filled over ``regions`` x ``indicators``)."""
    now = now or utcnow()
    window_start = now - timedelta(days=window_days)
    baseline_start = window_start - timedelta(days=window_days * baseline_windows)
    with database.read() as session:
        recent = _counts(session, window_start, now, organisation)
        past = _counts(session, baseline_start, window_start, organisation)
    keys = set(recent) | set(past) | {(r, i) for r in regions for i in indicators}
    return {
        key: make_signal(key[0], key[1], recent.get(key, 0), past.get(key, 0), baseline_windows, rule)
        for key in keys
    }
