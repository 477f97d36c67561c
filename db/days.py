"""Reading the daily aggregate tables over a time range: whole UTC days come from ``daily_counts`` /
``daily_feed_counts``; the partial days at either end are left to the caller to count from the raw rows
(they hold at most two days of items, found by the index on ``published_at``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db.filters import ItemFilter, as_date
from db.models import DailyCount, DailyFeedCount

DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@dataclass(frozen=True, slots=True)
class Span:
    """``[start, end)`` as whole days ``first_day .. end_day`` (exclusive) and raw edges."""

    first_day: date | None
    end_day: date | None
    edges: tuple[tuple[datetime, datetime], ...]


def split(start: datetime, end: datetime) -> Span:
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start.time() == time() else start.date() + DAY
    last = end.date()  # whole days end at this day's midnight
    if first >= last:
        return Span(None, None, ((start, end),) if start < end else ())
    edges = []
    if midnight(first) > start:
        edges.append((start, midnight(first)))
    if end > midnight(last):
        edges.append((midnight(last), end))
    return Span(first, last, tuple(edges))


def counts_select(span: Span, scope: str, *group: Any) -> Select[Any]:
    """Sums of ``items`` and ``flagged`` over the span's whole days, grouped by ``group`` columns."""
    return (
        select(*group, func.sum(DailyCount.items), func.sum(DailyCount.flagged))
        .where(DailyCount.scope == scope, DailyCount.day >= span.first_day, DailyCount.day < span.end_day)
        .group_by(*group)
    )


def feeds_by_key(
    session: Session, span: Span, scope: str, keys: Iterable[str] | None = None
) -> dict[str, set[int]]:
    """Feeds that carried items of each key over the span's whole days."""
    out: dict[str, set[int]] = {}
    if span.first_day is None:
        return out
    stmt = (
        select(DailyFeedCount.key, DailyFeedCount.feed_id)
        .where(
            DailyFeedCount.scope == scope,
            DailyFeedCount.day >= span.first_day,
            DailyFeedCount.day < span.end_day,
        )
        .distinct()
    )
    if keys is not None:
        stmt = stmt.where(DailyFeedCount.key.in_(list(keys)))
    for key, feed_id in session.execute(stmt):
        out.setdefault(str(key), set()).add(int(feed_id))
    return out


def languages_by_key(session: Session, span: Span, scope: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if span.first_day is None:
        return out
    stmt = (
        select(DailyFeedCount.key, DailyFeedCount.language)
        .where(
            DailyFeedCount.scope == scope,
            DailyFeedCount.day >= span.first_day,
            DailyFeedCount.day < span.end_day,
        )
        .distinct()
    )
    for key, lang in session.execute(stmt):
        out.setdefault(str(key), set()).add(str(lang))
    return out


def last_days(session: Session, scope: str, keys: Iterable[str]) -> dict[str, date]:
    stmt = (
        select(DailyCount.key, func.max(DailyCount.day))
        .where(DailyCount.scope == scope, DailyCount.indicator == "", DailyCount.key.in_(list(keys)))
        .group_by(DailyCount.key)
    )
    return {str(k): as_date(d) for k, d in session.execute(stmt)}


def countable(flt: ItemFilter) -> bool:
    """Whether the aggregates can answer for this filter (a place and a time range, nothing else)."""
    return not (
        flt.indicator
        or flt.status
        or flt.exclude_statuses
        or flt.feed_id is not None
        or flt.organisation
        or (flt.text and flt.text.strip())
        or flt.flagged_only
        or (flt.search is not None and not flt.search.empty)
    )
