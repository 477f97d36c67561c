"""What the alert arithmetic reads: stories with their indicators and countries, item volume per feed
and day, the feeds covering each country and region, and items about each scope per day.

Everything is read per UTC day. A ``SettledDays`` cache keeps the days that can no longer change
(before ``settle_days`` ago: stories only gain items within their time window), so a replay that
computes alerts every day reads each day once; the live scheduler reads everything each time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.filters import as_date, utc_day
from db.models import Item, ItemCountry, ItemTag, Story, StoryItem

_CHUNK = 500


@dataclass(slots=True)
class StoryFacts:
    """A story: its first day, distinct sources, and the union of its items' tags."""

    id: int
    day: date
    sources: int
    indicators: set[str] = field(default_factory=set)
    countries: dict[str, str | None] = field(default_factory=dict)  # iso3 -> region
    feeds: set[int] = field(default_factory=set)


@dataclass(slots=True)
class DayFacts:
    stories: list[StoryFacts] = field(default_factory=list)  # first seen that day, tagged and placed
    volume: dict[int, int] = field(default_factory=dict)  # feed_id -> items published
    covering: set[tuple[int, str, str | None]] = field(default_factory=set)  # (feed, iso3, region)
    mentions: dict[str, int] = field(default_factory=dict)  # ISO3 or region slug -> items about it


@dataclass(slots=True)
class SettledDays:
    """Days read once and kept (for replays); ``settle_days`` back from the newest day read."""

    settle_days: int = 3
    days: dict[date, DayFacts] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertInputs:
    stories: dict[int, StoryFacts]
    volume: dict[tuple[int, date], int]  # (feed_id, day) -> items published
    feeds_by_country: dict[str, set[int]]  # feeds that carried items about the country (baseline)
    feeds_by_region: dict[str, set[int]]
    mentions: dict[tuple[str, date], int]  # (ISO3 or region slug, day) -> items about it, any topic


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def read_inputs(
    database: Database,
    start: datetime,
    end: datetime,
    baseline_end: datetime,
    cache: SettledDays | None = None,
) -> AlertInputs:
    """Stories first seen in [start, end) that carry an indicator and a country; item volume and items
    about each scope per feed and UTC day in [start, end); the feeds covering each country and region
    in [start, baseline_end) (whole days)."""
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    days: dict[date, DayFacts] = {}
    fresh_from = first
    if cache is not None:
        d = first
        while d <= last and d in cache.days:
            days[d] = cache.days[d]
            d += timedelta(days=1)
        fresh_from = d
    if fresh_from <= last:
        with database.read() as session:
            fresh = _read_days(session, max(start, _midnight(fresh_from)), end)
        for n in range((last - fresh_from).days + 1):
            d = fresh_from + timedelta(days=n)
            days[d] = fresh.get(d, DayFacts())
        if cache is not None:
            settled = last - timedelta(days=cache.settle_days)
            for d, facts in days.items():
                if d <= settled:
                    cache.days[d] = facts
            for d in [d for d in cache.days if d < first]:
                del cache.days[d]
    return _assemble(days, baseline_end.date())


def _assemble(days: dict[date, DayFacts], baseline_end: date) -> AlertInputs:
    stories: dict[int, StoryFacts] = {}
    volume: dict[tuple[int, date], int] = {}
    mentions: dict[tuple[str, date], int] = {}
    feeds_by_country: dict[str, set[int]] = defaultdict(set)
    feeds_by_region: dict[str, set[int]] = defaultdict(set)
    for d, facts in days.items():
        for s in facts.stories:
            stories[s.id] = s
        for feed, n in facts.volume.items():
            volume[(feed, d)] = n
        for key, n in facts.mentions.items():
            mentions[(key, d)] = n
        if d < baseline_end:
            for feed, iso3, region in facts.covering:
                feeds_by_country[iso3].add(feed)
                if region:
                    feeds_by_region[region].add(feed)
    return AlertInputs(stories, volume, dict(feeds_by_country), dict(feeds_by_region), mentions)


def _read_days(session: Session, start: datetime, end: datetime) -> dict[date, DayFacts]:
    days: dict[date, DayFacts] = defaultdict(DayFacts)
    stories: dict[int, StoryFacts] = {}
    tagged = (
        select(Story.id, Story.first_seen_at, Story.sources, ItemTag.indicator)
        .join(StoryItem, StoryItem.story_id == Story.id)
        .join(ItemTag, ItemTag.item_id == StoryItem.item_id)
        .where(Story.first_seen_at >= start, Story.first_seen_at < end)
        .distinct()
    )
    for story_id, first_seen, sources, indicator in session.execute(tagged):
        facts = stories.get(story_id)
        if facts is None:
            facts = stories[story_id] = StoryFacts(story_id, first_seen.date(), int(sources))
        facts.indicators.add(indicator)
    ids = sorted(stories)
    for i in range(0, len(ids), _CHUNK):  # only the stories that carry an indicator
        chunk = ids[i : i + _CHUNK]
        placed = (
            select(StoryItem.story_id, ItemCountry.iso3, ItemCountry.region)
            .join(ItemCountry, ItemCountry.item_id == StoryItem.item_id)
            .where(StoryItem.story_id.in_(chunk))
            .distinct()
        )
        for story_id, iso3, region in session.execute(placed):
            stories[story_id].countries[iso3] = region
        carriers = select(StoryItem.story_id, StoryItem.feed_id).where(
            StoryItem.story_id.in_(chunk), StoryItem.feed_id.is_not(None)
        )
        for story_id, feed_id in session.execute(carriers):
            if feed_id is not None:
                stories[story_id].feeds.add(int(feed_id))
    for s in stories.values():
        if s.countries:
            days[s.day].stories.append(s)
    day = utc_day(Item.published_at)
    per_day = (
        select(Item.feed_id, day, func.count())
        .where(Item.published_at >= start, Item.published_at < end, Item.feed_id.is_not(None))
        .group_by(Item.feed_id, day)
    )
    for feed_id, d, n in session.execute(per_day):
        if feed_id is not None:
            days[as_date(d)].volume[int(feed_id)] = int(n)
    about = (
        select(Item.feed_id, ItemCountry.iso3, ItemCountry.region, day, func.count())
        .join(Item, Item.id == ItemCountry.item_id)
        .where(Item.published_at >= start, Item.published_at < end)
        .group_by(Item.feed_id, ItemCountry.iso3, ItemCountry.region, day)
    )
    for feed_id, iso3, region, d, n in session.execute(about):
        day_facts = days[as_date(d)]
        day_facts.mentions[iso3] = day_facts.mentions.get(iso3, 0) + int(n)
        if region:
            day_facts.mentions[region] = day_facts.mentions.get(region, 0) + int(n)
        if feed_id is not None:
            day_facts.covering.add((int(feed_id), iso3, region))
    return dict(days)
