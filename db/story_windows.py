"""Stories and their distinct sources over a time range, per place and indicator: the whole UTC days
from the story aggregates (``daily_story_counts``, ``daily_story_feeds``), the partial days at either
end from the stories first seen in them (the index on ``stories.first_seen_at``; at most two days of
stories). A story counts in the range when its first item was published in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.days import split
from db.filters import as_date, escape_like
from db.models import DailyStoryCount, DailyStoryFeed, Story
from db.story_counts import StoryContribution, StoryShape, contribution, story_shapes

#: (key, indicator, day or None) -> stories
Totals = dict[tuple[str, str, date | None], int]


@dataclass(frozen=True, slots=True)
class Where:
    """Which rows: a scope ("region", "country", "region-org", "country-org") and optionally exact
    keys, keys ending in a suffix ("|UN"), or countries of a region."""

    scope: str
    keys: Sequence[str] | None = None
    suffix: str | None = None
    region: str | None = None

    def wants(self, scope: str, key: str, region: str) -> bool:
        return (
            scope == self.scope
            and (self.keys is None or key in self.keys)
            and (self.suffix is None or key.endswith(self.suffix))
            and (self.region is None or region == self.region)
        )


@dataclass(slots=True)
class StoryTotals:
    counts: Totals = field(default_factory=dict)
    sources: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (key, indicator) -> feeds

    def add(self, k: tuple[str, str, date | None], n: int) -> None:
        self.counts[k] = self.counts.get(k, 0) + n

    def total(self, key: str, indicator: str = "") -> int:
        return sum(n for (k, i, _d), n in self.counts.items() if k == key and i == indicator)


def _filtered(stmt: Any, table: Any, where: Where) -> Any:
    col = table.key
    stmt = stmt.where(table.scope == where.scope)
    if where.keys is not None:
        stmt = stmt.where(col.in_(list(where.keys)))
    if where.suffix is not None:
        stmt = stmt.where(col.like(f"%{escape_like(where.suffix)}", escape="\\"))
    return stmt


def first_seen_between(session: Session, start: datetime, end: datetime) -> StoryContribution:
    """What the stories first seen in ``[start, end)`` contribute, read from the raw rows."""
    ids = list(
        session.scalars(select(Story.id).where(Story.first_seen_at >= start, Story.first_seen_at < end))
    )
    shapes: list[StoryShape] = []
    for chunk in chunks(ids, 2000):
        shapes += story_shapes(session, chunk).values()
    return contribution(shapes)


def _add_raw(out: StoryTotals, part: StoryContribution, where: Where, by_day: bool, sources: bool) -> None:
    counts, feeds, regions = part
    for (day, scope, key, indicator), n in counts.items():
        if where.wants(scope, key, regions.get(key, "")):
            out.add((key, indicator, day if by_day else None), n)
    if sources:
        for _day, scope, key, indicator, feed_id in feeds:
            if where.wants(scope, key, regions.get(key, "")):
                out.sources.setdefault((key, indicator), set()).add(feed_id)


def story_totals(
    session: Session,
    start: datetime,
    end: datetime,
    where: Where,
    *,
    by_day: bool = False,
    sources: bool = False,
    source_indicator: str | None = None,
) -> StoryTotals:
    """Stories first seen in ``[start, end)`` per (key, indicator[, day]); with ``sources`` the feeds
    that carried them per (key, indicator) (every indicator, and "" for all stories; only
    ``source_indicator``'s when it is given)."""
    out = StoryTotals()
    span = split(start, end)
    if span.first_day is not None:
        in_days = (DailyStoryCount.day >= span.first_day, DailyStoryCount.day < span.end_day)
        group = [DailyStoryCount.key, DailyStoryCount.indicator] + ([DailyStoryCount.day] if by_day else [])
        stmt = _filtered(select(*group, func.sum(DailyStoryCount.stories)), DailyStoryCount, where).where(
            *in_days
        )
        if where.region is not None:
            stmt = stmt.where(DailyStoryCount.region == where.region)
        for row in session.execute(stmt.group_by(*group)):
            day = as_date(row[2]) if by_day else None
            out.add((str(row[0]), str(row[1]), day), int(row[-1] or 0))
        if sources:
            keys = where.keys if where.region is None else sorted({k for k, _i, _d in out.counts})
            if keys is None or keys:
                feeds = _filtered(
                    select(DailyStoryFeed.key, DailyStoryFeed.indicator, DailyStoryFeed.feed_id).distinct(),
                    DailyStoryFeed,
                    Where(where.scope, keys, where.suffix),
                ).where(DailyStoryFeed.day >= span.first_day, DailyStoryFeed.day < span.end_day)
                if source_indicator is not None:
                    feeds = feeds.where(DailyStoryFeed.indicator == source_indicator)
                for key, indicator, feed_id in session.execute(feeds):
                    out.sources.setdefault((str(key), str(indicator)), set()).add(int(feed_id))
    for lo, hi in span.edges:
        _add_raw(out, first_seen_between(session, lo, hi), where, by_day, sources)
    return out


def raw_story_totals(
    session: Session,
    start: datetime,
    end: datetime,
    where: Where,
    *,
    by_day: bool = False,
    sources: bool = False,
) -> StoryTotals:
    """``story_totals`` from the raw rows alone (the consistency tests' reference)."""
    out = StoryTotals()
    _add_raw(out, first_seen_between(session, start, end), where, by_day, sources)
    return out
