"""Counts for the overview, region, country and indicators pages: daily series, source coverage, the
country table, the organisation x tool matrix, indicator/organisation counts and review shares."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from db.days import DAY, countable, counts_select, feeds_by_key, languages_by_key, last_days, midnight, split
from db.engine import Database
from db.filters import ItemFilter, filtered_ids
from db.models import (
    REVIEW_STATUSES,
    DailyCount,
    Feed,
    Item,
    ItemCountry,
    ItemSighting,
    ItemTag,
    Review,
    StoryItem,
)
from db.story_windows import Where, story_totals
from db.types import as_utc, utcnow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(3000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who covers a region: feeds with the region as hint or that carried items geotagged there."""

    region: str
    sources: int
    languages: tuple[str, ...]
    failing: int
    items: int


def _raw_coverage(
    session: Session,
    start: datetime,
    end: datetime,
    feeds_by_region: dict[str, set[int]],
    languages: dict[str, set[str]],
    items: dict[str, int],
) -> None:
    """Adds the feeds, languages and items of ``[start, end)`` from the raw rows."""
    carried = (
        select(ItemCountry.region, ItemSighting.feed_id)
        .join(Item, Item.id == ItemCountry.item_id)
        .join(ItemSighting, ItemSighting.item_id == Item.id)
        .where(Item.published_at >= start, Item.published_at < end, ItemCountry.region.is_not(None))
        .distinct()
    )
    for region, fid in session.execute(carried):
        feeds_by_region.setdefault(str(region), set()).add(int(fid))
    langs = (
        select(ItemCountry.region, Item.language, func.count(distinct(Item.id)))
        .join(Item, Item.id == ItemCountry.item_id)
        .where(Item.published_at >= start, Item.published_at < end, ItemCountry.region.is_not(None))
        .group_by(ItemCountry.region, Item.language)
    )
    for region, lang, n in session.execute(langs):
        items[str(region)] = items.get(str(region), 0) + int(n)
        if lang:
            languages.setdefault(str(region), set()).add(str(lang))


def region_coverage(
    database: Database, *, now: datetime | None = None, days: int = 30
) -> dict[str, Coverage]:
    """Per region: feeds with it as hint or that carried its items in the last ``days`` days, their
    languages, how many of them fail, and the items."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    feeds_by_region: dict[str, set[int]] = {}
    languages: dict[str, set[str]] = {}
    items: dict[str, int] = {}
    with database.read() as session:
        feed_rows = session.execute(
            select(Feed.id, Feed.region, Feed.language, Feed.last_status, Feed.enabled)
        ).all()
        for fid, region, _lang, _status, enabled in feed_rows:
            if region and enabled:
                feeds_by_region.setdefault(region, set()).add(fid)
        span = split(since, now)
        for region, fids in feeds_by_key(session, span, "region").items():
            feeds_by_region.setdefault(region, set()).update(fids)
        for region, langs_found in languages_by_key(session, span, "region").items():
            languages.setdefault(region, set()).update(x for x in langs_found if x)
        if span.first_day is not None:
            stmt = counts_select(span, "region", DailyCount.key).where(DailyCount.indicator == "")
            for region, n, _flagged in session.execute(stmt):
                items[str(region)] = int(n or 0)
        for lo, hi in span.edges:
            _raw_coverage(session, lo, hi, feeds_by_region, languages, items)
    feed_info = {fid: (lang, status, enabled) for fid, _r, lang, status, enabled in feed_rows}
    out: dict[str, Coverage] = {}
    for region in set(feeds_by_region) | set(languages) | set(items):
        fids = feeds_by_region.get(region, set())
        langs_here = set(languages.get(region, set()))
        langs_here |= {feed_info[f][0] for f in fids if f in feed_info and feed_info[f][0]}  # type: ignore[misc]
        failing = sum(1 for f in fids if f in feed_info and feed_info[f][2] and feed_info[f][1] == "error")
        out[region] = Coverage(region, len(fids), tuple(sorted(langs_here)), failing, items.get(region, 0))
    return out


# --------------------------------------------------------------------------------------------------
# region and country pages


@dataclass(frozen=True, slots=True)
class CountryRow:
    """A country of the region page's table: stories about it (first seen in the period) and the
    distinct sources that carried them, its top indicator by stories, and its items."""

    iso3: str
    stories: int
    sources: int
    top_indicator: str | None
    top_indicator_count: int  # stories
    items: int
    flagged: int
    last_item_at: datetime | None


@dataclass
class _CountryParts:
    items: int = 0
    flagged: int = 0
    stories: int = 0
    indicators: dict[str, int] = field(default_factory=dict)  # stories per indicator
    feeds: set[int] = field(default_factory=set)  # feeds the stories' items were stored from
    last: datetime | None = None

    def merge(self, other: _CountryParts) -> None:
        self.items += other.items
        self.flagged += other.flagged
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last


_STORY = func.coalesce(StoryItem.story_id, -Item.id)  # an item stored without a story is one of its own
_SOURCE = func.coalesce(StoryItem.feed_id, Item.feed_id)


def _raw_country_parts(
    session: Session, flt: ItemFilter, *, read_ids_first: bool = False
) -> dict[str, _CountryParts]:
    """Per country, the items ``flt`` selects and the stories they belong to (by the items' own
    dates and places: the filtered table, which the aggregates cannot answer). ``read_ids_first`` for
    a filter known to select few items (the part-days at a window's ends): with the ids as a list,
    PostgreSQL no longer guesses the subquery selects 170,000 items and hashes all story links
    (380 ms at a million items; a few ms this way)."""
    ids: Any = filtered_ids(flt)
    if read_ids_first:
        ids = [int(i) for i in session.scalars(ids)]
        if not ids:
            return {}
    per_country = (
        select(
            ItemCountry.iso3,
            func.count(distinct(Item.id)),
            func.count(distinct(case((Item.flagged.is_(True), Item.id), else_=None))),
            func.max(Item.published_at),
            func.count(distinct(_STORY)),
        )
        .join(Item, Item.id == ItemCountry.item_id)
        .outerjoin(StoryItem, StoryItem.item_id == Item.id)
        .where(ItemCountry.item_id.in_(ids))
        .group_by(ItemCountry.iso3)
    )
    if flt.region:
        per_country = per_country.where(ItemCountry.region == flt.region)
    out: dict[str, _CountryParts] = {}
    for iso3, n, nf, last, stories in session.execute(per_country):
        out[str(iso3)] = _CountryParts(int(n), int(nf), int(stories), last=as_utc(last))
    sources = (
        select(ItemCountry.iso3, _SOURCE)
        .join(Item, Item.id == ItemCountry.item_id)
        .outerjoin(StoryItem, StoryItem.item_id == Item.id)
        .where(ItemCountry.item_id.in_(ids), ItemCountry.iso3.in_(list(out)))
        .distinct()
    )
    for iso3, feed_id in session.execute(sources):
        if feed_id is not None:
            out[str(iso3)].feeds.add(int(feed_id))
    tops = (
        select(ItemCountry.iso3, ItemTag.indicator, func.count(distinct(_STORY)))
        .join(ItemTag, ItemTag.item_id == ItemCountry.item_id)
        .join(Item, Item.id == ItemCountry.item_id)
        .outerjoin(StoryItem, StoryItem.item_id == Item.id)
        .where(ItemCountry.item_id.in_(ids), ItemCountry.iso3.in_(list(out)))
        .group_by(ItemCountry.iso3, ItemTag.indicator)
    )
    for iso3, indicator, n in session.execute(tops):
        out[str(iso3)].indicators[str(indicator)] = int(n)
    return out


def _counted_country_parts(session: Session, flt: ItemFilter, region: str) -> dict[str, _CountryParts]:
    """Items from the item aggregates; stories first seen in the period, and their sources, from the
    story aggregates."""
    start, end = flt.since or EPOCH, flt.until or FAR_FUTURE
    span = split(start, end)
    out: dict[str, _CountryParts] = {}
    if span.first_day is not None:
        stmt = counts_select(span, "country", DailyCount.key).where(
            DailyCount.region == region, DailyCount.indicator == ""
        )
        for iso3, n, nf in session.execute(stmt):
            parts = out.setdefault(str(iso3), _CountryParts())
            parts.items, parts.flagged = int(n or 0), int(nf or 0)
        # the last item: look only at the last day each country had one
        by_day: dict[date, list[str]] = {}
        for iso3, day in last_days(session, "country", list(out)).items():
            if span.end_day is not None and span.first_day <= day < span.end_day:
                by_day.setdefault(day, []).append(iso3)
        for day, countries in by_day.items():
            # every country of that day, filtered here: with the countries in SQL, SQLite walks each
            # country's whole history by its iso3 index instead of the day's items by date
            stmt_last = (
                select(ItemCountry.iso3, func.max(Item.published_at))
                .join(Item, Item.id == ItemCountry.item_id)
                .where(Item.published_at >= midnight(day), Item.published_at < midnight(day + DAY))
                .group_by(ItemCountry.iso3)
            )
            wanted = set(countries)
            for iso3, last in session.execute(stmt_last):
                if iso3 in wanted:
                    out[str(iso3)].last = as_utc(last)
    for lo, hi in span.edges:
        edge = _raw_country_parts(session, replace(flt, since=lo, until=hi), read_ids_first=True)
        for iso3, parts in edge.items():
            out.setdefault(iso3, _CountryParts()).merge(parts)
    stories = story_totals(
        session, start, end, Where("country", region=region), sources=True, source_indicator=""
    )
    for (iso3, indicator, _day), n in stories.counts.items():
        parts = out.setdefault(iso3, _CountryParts())
        if indicator:
            parts.indicators[indicator] = n
        else:
            parts.stories = n
    for (iso3, indicator), feeds in stories.sources.items():
        if not indicator:
            out[iso3].feeds = feeds
    return {k: v for k, v in out.items() if v.items or v.stories}


def country_table(database: Database, flt: ItemFilter) -> list[CountryRow]:
    """Per country of ``flt.region``, most stories first. For a region and a period, stories first
    seen in the period about the country (a story counts for every place its items name); with other
    filters (indicator, organisation, words…), the stories of the items the filter selects."""
    with database.read() as session:
        if flt.region and not flt.country and countable(flt):
            parts = _counted_country_parts(session, flt, flt.region)
        else:
            parts = _raw_country_parts(session, flt)
    rows = []
    for iso3, p in parts.items():
        best = max(((n, ind) for ind, n in p.indicators.items()), default=None)
        rows.append(
            CountryRow(
                iso3=iso3,
                stories=p.stories,
                sources=len(p.feeds),
                top_indicator=best[1] if best else None,
                top_indicator_count=best[0] if best else 0,
                items=p.items,
                flagged=p.flagged,
                last_item_at=p.last,
            )
        )
    rows.sort(key=lambda r: (-r.stories, -r.items, r.iso3))
    return rows


def _raw_indicator_counts(session: Session, flt: ItemFilter) -> dict[str, int]:
    stmt = (
        select(ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .where(ItemTag.item_id.in_(filtered_ids(flt)))
        .group_by(ItemTag.indicator)
    )
    return {str(i): int(n) for i, n in session.execute(stmt)}


def indicator_counts(database: Database, flt: ItemFilter) -> dict[str, int]:
    """Items per indicator among the filtered items."""
    with database.read() as session:
        if not (flt.country and not flt.region and countable(flt)):
            return _raw_indicator_counts(session, flt)
        span = split(flt.since or EPOCH, flt.until or FAR_FUTURE)
        out: dict[str, int] = {}
        if span.first_day is not None:
            stmt = counts_select(span, "country", DailyCount.indicator).where(
                DailyCount.key == flt.country.upper(), DailyCount.indicator != ""
            )
            out = {str(i): int(n or 0) for i, n, _f in session.execute(stmt)}
        for lo, hi in span.edges:
            for ind, n in _raw_indicator_counts(session, replace(flt, since=lo, until=hi)).items():
                out[ind] = out.get(ind, 0) + n
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True, slots=True)
class ReviewShare:
    indicator: str
    confirmed: int
    dismissed: int
    escalated: int

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.dismissed + self.escalated

    @property
    def confirmed_share(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return self.confirmed / decided if decided else None


def review_shares(database: Database) -> dict[str, ReviewShare]:
    """Per indicator, how many tagged items analysts confirmed, dismissed or escalated."""
    stmt = (
        select(ItemTag.indicator, Review.status, func.count())
        .join(Review, Review.item_id == ItemTag.item_id)
        .where(Review.status.in_([s for s in REVIEW_STATUSES if s != "new"]))
        .group_by(ItemTag.indicator, Review.status)
    )
    counts: dict[str, dict[str, int]] = {}
    with database.read() as session:
        for ind, status, n in session.execute(stmt):
            counts.setdefault(str(ind), {})[str(status)] = int(n)
    return {
        ind: ReviewShare(ind, c.get("confirmed", 0), c.get("dismissed", 0), c.get("escalated", 0))
        for ind, c in counts.items()
    }
