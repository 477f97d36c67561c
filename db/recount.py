"""Recounting the aggregates from the raw rows in SQL, set-based (no per-item Python): the items'
(``daily_counts``, ``daily_feed_counts``; ``db.counts`` keeps them) and the stories'
(``daily_story_counts``, ``daily_story_feeds``; ``db.story_counts`` keeps them). ``rebuild*`` after bulk
loads and in the migrations that added the tables; ``expected*`` for the consistency tests (what the
tables should hold) and ``stored*`` (what they hold)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, case, delete, distinct, func, literal, select
from sqlalchemy.orm import Session

from db.counts import CountKey, FeedKey
from db.filters import as_date, utc_day
from db.models import (
    DailyCount,
    DailyFeedCount,
    DailyStoryCount,
    DailyStoryFeed,
    Item,
    ItemCountry,
    ItemOrganisation,
    ItemSighting,
    ItemTag,
    StoryItem,
)
from db.story_counts import StoryFeedKey, StoryKey

_COUNTS: Table = DailyCount.__table__  # type: ignore[assignment]
_FEEDS: Table = DailyFeedCount.__table__  # type: ignore[assignment]
_STORY_COUNTS: Table = DailyStoryCount.__table__  # type: ignore[assignment]
_STORY_FEEDS: Table = DailyStoryFeed.__table__  # type: ignore[assignment]


def _count_selects() -> list[Any]:
    day = utc_day(Item.published_at).label("day")
    flag = case((Item.flagged.is_(True), 1), else_=0)
    country_region = func.coalesce(func.max(ItemCountry.region), literal(""))
    country_all = (
        select(
            day,
            literal("country").label("scope"),
            ItemCountry.iso3.label("key"),
            literal("").label("indicator"),
            country_region.label("region"),
            func.count().label("items"),
            func.sum(flag).label("flagged"),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .group_by(day, ItemCountry.iso3)
    )
    country_tag = (
        select(
            day,
            literal("country"),
            ItemCountry.iso3,
            ItemTag.indicator,
            country_region,
            func.count(),
            func.sum(flag),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .group_by(day, ItemCountry.iso3, ItemTag.indicator)
    )
    flagged_id = case((Item.flagged.is_(True), Item.id), else_=None)
    region_all = (
        select(
            day,
            literal("region"),
            ItemCountry.region,
            literal(""),
            ItemCountry.region,
            func.count(distinct(Item.id)),
            func.count(distinct(flagged_id)),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(ItemCountry.region.is_not(None))
        .group_by(day, ItemCountry.region)
    )
    region_tag = (
        select(
            day,
            literal("region"),
            ItemCountry.region,
            ItemTag.indicator,
            ItemCountry.region,
            func.count(distinct(Item.id)),
            func.count(distinct(flagged_id)),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .where(ItemCountry.region.is_not(None))
        .group_by(day, ItemCountry.region, ItemTag.indicator)
    )
    out = [country_all, country_tag, region_all, region_tag]
    # the same four per organisation mentioned: keys "SDN|UN", "africa|AU"
    country_org = ItemCountry.iso3 + literal("|") + ItemOrganisation.org_id
    region_org = ItemCountry.region + literal("|") + ItemOrganisation.org_id
    by_org = ItemOrganisation.item_id == Item.id
    out += [
        select(
            day,
            literal("country-org"),
            country_org,
            literal(""),
            country_region,
            func.count(),
            func.sum(flag),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemOrganisation, by_org)
        .group_by(day, country_org),
        select(
            day,
            literal("country-org"),
            country_org,
            ItemTag.indicator,
            country_region,
            func.count(),
            func.sum(flag),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemOrganisation, by_org)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .group_by(day, country_org, ItemTag.indicator),
        select(
            day,
            literal("region-org"),
            region_org,
            literal(""),
            func.max(ItemCountry.region),
            func.count(distinct(Item.id)),
            func.count(distinct(flagged_id)),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemOrganisation, by_org)
        .where(ItemCountry.region.is_not(None))
        .group_by(day, region_org),
        select(
            day,
            literal("region-org"),
            region_org,
            ItemTag.indicator,
            func.max(ItemCountry.region),
            func.count(distinct(Item.id)),
            func.count(distinct(flagged_id)),
        )
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .join(ItemOrganisation, by_org)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .where(ItemCountry.region.is_not(None))
        .group_by(day, region_org, ItemTag.indicator),
    ]
    return out


def _feed_selects() -> list[Any]:
    day = utc_day(Item.published_at).label("day")
    lang = func.coalesce(Item.language, literal("")).label("language")
    out = []
    for scope, col in (("country", ItemCountry.iso3), ("region", ItemCountry.region)):
        out.append(
            select(
                day,
                literal(scope).label("scope"),
                col.label("key"),
                ItemSighting.feed_id,
                lang,
                func.count(distinct(Item.id)).label("items"),
            )
            .join(ItemCountry, ItemCountry.item_id == Item.id)
            .join(ItemSighting, ItemSighting.item_id == Item.id)
            .where(col.is_not(None))
            .group_by(day, col, ItemSighting.feed_id, lang)
        )
    return out


def rebuild(session: Session) -> None:
    """Recompute both tables from the raw rows (after bulk loads; the migration that adds them)."""
    session.execute(delete(DailyCount))
    session.execute(delete(DailyFeedCount))
    cols = ["day", "scope", "key", "indicator", "region", "items", "flagged"]
    for stmt in _count_selects():
        session.execute(_COUNTS.insert().from_select(cols, stmt))
    for stmt in _feed_selects():
        session.execute(
            _FEEDS.insert().from_select(["day", "scope", "key", "feed_id", "language", "items"], stmt)
        )


def expected(session: Session) -> tuple[dict[CountKey, list[int]], dict[FeedKey, int]]:
    """What the tables should hold, computed from the raw rows in SQL."""
    counts: dict[CountKey, list[int]] = {}
    for stmt in _count_selects():
        for d, scope, key, indicator, _region, n, nf in session.execute(stmt):
            counts[(as_date(d), str(scope), str(key), str(indicator))] = [int(n), int(nf or 0)]
    feeds: dict[FeedKey, int] = {}
    for stmt in _feed_selects():
        for d, scope, key, feed_id, lang, n in session.execute(stmt):
            feeds[(as_date(d), str(scope), str(key), int(feed_id), str(lang))] = int(n)
    return counts, feeds


def stored(session: Session) -> tuple[dict[CountKey, list[int]], dict[FeedKey, int]]:
    """What the tables hold."""
    counts = {
        (as_date(r.day), r.scope, r.key, r.indicator): [r.items, r.flagged]
        for r in session.scalars(select(DailyCount))
    }
    feeds = {
        (as_date(r.day), r.scope, r.key, r.feed_id, r.language): r.items
        for r in session.scalars(select(DailyFeedCount))
    }
    return counts, feeds


# --------------------------------------------------------------------------------------------------
# stories


def _story_parts() -> tuple[Any, Any, Any, Any, Any]:
    """Per story: its first day; its distinct (ISO3, region), indicators, organisations and feeds."""
    first = (
        select(StoryItem.story_id.label("story_id"), utc_day(func.min(StoryItem.published_at)).label("day"))
        .group_by(StoryItem.story_id)
        .subquery("story_days")
    )

    def union_of(table: Any, *cols: Any, name: str) -> Any:
        return (
            select(StoryItem.story_id.label("story_id"), *cols)
            .join(table, table.item_id == StoryItem.item_id)
            .distinct()
            .subquery(name)
        )

    places = union_of(
        ItemCountry, ItemCountry.iso3.label("iso3"), ItemCountry.region.label("region"), name="sp"
    )
    tags = union_of(ItemTag, ItemTag.indicator.label("indicator"), name="st")
    orgs = union_of(ItemOrganisation, ItemOrganisation.org_id.label("org"), name="so")
    feeds = (
        select(StoryItem.story_id.label("story_id"), StoryItem.feed_id.label("feed_id"))
        .where(StoryItem.feed_id.is_not(None))
        .distinct()
        .subquery("sf")
    )
    return first, places, tags, orgs, feeds


def _story_selects(per_feed: bool) -> list[Any]:
    """``daily_story_counts`` (or, ``per_feed``, ``daily_story_feeds``) rows from the raw rows: 8 set
    queries, each grouping the stories' unions (country/region x alone/with an organisation x every
    story/per indicator)."""
    first, places, tags, orgs, feeds = _story_parts()
    out = []
    for scope in ("country", "region", "country-org", "region-org"):
        by_country = scope.startswith("country")
        place_key: Any = places.c.iso3 if by_country else places.c.region
        if scope.endswith("-org"):
            place_key = place_key + literal("|") + orgs.c.org
        region = func.coalesce(func.max(places.c.region), literal(""))
        # a country x story pair is one row of ``places``; a region may hold several of its countries
        n = func.count() if by_country else func.count(distinct(places.c.story_id))
        for each_indicator in (False, True):
            indicator: Any = tags.c.indicator if each_indicator else literal("")
            cols = [first.c.day, literal(scope), place_key, indicator]
            if not per_feed:  # the per-feed table has no region column
                cols.append(region)
            group = [first.c.day, place_key]
            if each_indicator:
                group.append(tags.c.indicator)
            stmt = select(*cols).select_from(places).join(first, first.c.story_id == places.c.story_id)
            if not by_country:
                stmt = stmt.where(places.c.region.is_not(None))
            if scope.endswith("-org"):
                stmt = stmt.join(orgs, orgs.c.story_id == places.c.story_id)
            if each_indicator:
                stmt = stmt.join(tags, tags.c.story_id == places.c.story_id)
            if per_feed:
                stmt = stmt.join(feeds, feeds.c.story_id == places.c.story_id)
                group.append(feeds.c.feed_id)
                stmt = stmt.add_columns(feeds.c.feed_id)
            out.append(stmt.add_columns(n).group_by(*group))
    return out


_STORY_COLS = ["day", "scope", "key", "indicator", "region", "stories"]
_STORY_FEED_COLS = ["day", "scope", "key", "indicator", "feed_id", "stories"]


def rebuild_stories(session: Session) -> None:
    """Recompute both story tables from the raw rows (the migration that adds them; bulk loads)."""
    session.execute(delete(DailyStoryCount))
    session.execute(delete(DailyStoryFeed))
    for stmt in _story_selects(per_feed=False):
        session.execute(_STORY_COUNTS.insert().from_select(_STORY_COLS, stmt))
    for stmt in _story_selects(per_feed=True):
        session.execute(_STORY_FEEDS.insert().from_select(_STORY_FEED_COLS, stmt))


def expected_stories(session: Session) -> tuple[dict[StoryKey, int], dict[StoryFeedKey, int]]:
    """What the story tables should hold, computed from the raw rows in SQL."""
    counts: dict[StoryKey, int] = {}
    for stmt in _story_selects(per_feed=False):
        for d, scope, key, indicator, _region, n in session.execute(stmt):
            counts[(as_date(d), str(scope), str(key), str(indicator))] = int(n)
    feeds: dict[StoryFeedKey, int] = {}
    for stmt in _story_selects(per_feed=True):
        for d, scope, key, indicator, feed_id, n in session.execute(stmt):
            feeds[(as_date(d), str(scope), str(key), str(indicator), int(feed_id))] = int(n)
    return counts, feeds


def stored_stories(session: Session) -> tuple[dict[StoryKey, int], dict[StoryFeedKey, int]]:
    """What the story tables hold."""
    counts = {
        (as_date(r.day), r.scope, r.key, r.indicator): r.stories
        for r in session.scalars(select(DailyStoryCount))
    }
    feeds = {
        (as_date(r.day), r.scope, r.key, r.indicator, r.feed_id): r.stories
        for r in session.scalars(select(DailyStoryFeed))
    }
    return counts, feeds
