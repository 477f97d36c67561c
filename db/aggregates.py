"""Counts for the overview, region, country and indicators pages: daily series, source coverage, the
country table, the organisation x tool matrix, indicator/organisation counts and review shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, distinct, exists, func, select

from db.engine import Database
from db.filters import ItemFilter, as_date, filtered_ids, utc_day
from db.models import (
    REVIEW_STATUSES,
    Feed,
    Item,
    ItemCountry,
    ItemOrganisation,
    ItemSighting,
    ItemTag,
    Review,
)
from db.types import as_utc, utcnow


def daily_series(
    database: Database,
    *,
    now: datetime | None = None,
    days: int = 90,
    organisation: str | None = None,
    region: str | None = None,
    country: str | None = None,
) -> tuple[list[date], dict[tuple[str, str], list[int]]]:
    """Items per UTC day for the last ``days`` days, keyed by (region, indicator); with ``country``
    the key's first element is the country's ISO3 instead of the region."""
    now = now or utcnow()
    first = (now - timedelta(days=days - 1)).date()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    key_col = ItemCountry.iso3 if country else ItemCountry.region
    pairs = (
        select(key_col.label("k"), ItemTag.indicator, Item.id, utc_day(Item.published_at).label("day"))
        .join(ItemTag, ItemTag.item_id == Item.id)
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(Item.published_at >= start, Item.published_at < now, key_col.is_not(None))
        .distinct()
    )
    if region:
        pairs = pairs.where(ItemCountry.region == region)
    if country:
        pairs = pairs.where(ItemCountry.iso3 == country.upper())
    if organisation:
        pairs = pairs.where(
            exists().where(ItemOrganisation.item_id == Item.id, ItemOrganisation.org_id == organisation)
        )
    sub = pairs.subquery()
    stmt = select(sub.c.k, sub.c.indicator, sub.c.day, func.count()).group_by(
        sub.c.k, sub.c.indicator, sub.c.day
    )
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[tuple[str, str], list[int]] = {}
    with database.read() as session:
        for key, indicator, day, n in session.execute(stmt):
            pos = index.get(as_date(day))
            if pos is None:
                continue
            series.setdefault((str(key), str(indicator)), [0] * days)[pos] += int(n)
    return dates, series


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who covers a region: feeds with the region as hint or that carried items geotagged there."""

    region: str
    sources: int
    languages: tuple[str, ...]
    failing: int
    items: int


def region_coverage(
    database: Database, *, now: datetime | None = None, days: int = 30
) -> dict[str, Coverage]:
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
        carried = (
            select(ItemCountry.region, ItemSighting.feed_id)
            .join(Item, Item.id == ItemCountry.item_id)
            .join(ItemSighting, ItemSighting.item_id == Item.id)
            .where(Item.published_at >= since, ItemCountry.region.is_not(None))
            .distinct()
        )
        for region, fid in session.execute(carried):
            feeds_by_region.setdefault(str(region), set()).add(int(fid))
        langs = (
            select(ItemCountry.region, Item.language, func.count(distinct(Item.id)))
            .join(Item, Item.id == ItemCountry.item_id)
            .where(Item.published_at >= since, ItemCountry.region.is_not(None))
            .group_by(ItemCountry.region, Item.language)
        )
        for region, lang, n in session.execute(langs):
            items[str(region)] = items.get(str(region), 0) + int(n)
            if lang:
                languages.setdefault(str(region), set()).add(str(lang))
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
    iso3: str
    items: int
    flagged: int
    top_indicator: str | None
    top_indicator_count: int
    sources: int
    last_item_at: datetime | None


def country_table(database: Database, flt: ItemFilter) -> list[CountryRow]:
    """Per country of ``flt.region`` (items matching the rest of the filter), most items first."""
    ids = filtered_ids(flt)
    per_country = (
        select(
            ItemCountry.iso3,
            func.count(distinct(Item.id)),
            func.count(distinct(case((Item.flagged.is_(True), Item.id), else_=None))),
            func.max(Item.published_at),
        )
        .join(Item, Item.id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(ids))
        .group_by(ItemCountry.iso3)
    )
    if flt.region:
        per_country = per_country.where(ItemCountry.region == flt.region)
    sources = (
        select(ItemCountry.iso3, func.count(distinct(ItemSighting.feed_id)))
        .join(ItemSighting, ItemSighting.item_id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(ids))
        .group_by(ItemCountry.iso3)
    )
    tops = (
        select(ItemCountry.iso3, ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .join(ItemTag, ItemTag.item_id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(ids))
        .group_by(ItemCountry.iso3, ItemTag.indicator)
    )
    with database.read() as session:
        base = session.execute(per_country).all()
        src = dict(session.execute(sources).all())
        best: dict[str, tuple[int, str]] = {}
        for iso3, indicator, n in session.execute(tops):
            current = best.get(iso3)
            if current is None or (int(n), str(indicator)) > current:
                best[iso3] = (int(n), str(indicator))
    rows = [
        CountryRow(
            iso3=str(iso3),
            items=int(n),
            flagged=int(nf),
            top_indicator=best[iso3][1] if iso3 in best else None,
            top_indicator_count=best[iso3][0] if iso3 in best else 0,
            sources=int(src.get(iso3, 0)),
            last_item_at=as_utc(last),
        )
        for iso3, n, nf, last in base
    ]
    rows.sort(key=lambda r: (-r.items, r.iso3))
    return rows


def organisation_matrix(
    database: Database, flt: ItemFilter, indicators: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Items per (organisation, indicator) among ``indicators`` (the pillar-three tools) for the filter."""
    ids = filtered_ids(flt)
    stmt = (
        select(ItemOrganisation.org_id, ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .join(ItemTag, ItemTag.item_id == ItemOrganisation.item_id)
        .where(ItemOrganisation.item_id.in_(ids), ItemTag.indicator.in_(list(indicators)))
        .group_by(ItemOrganisation.org_id, ItemTag.indicator)
    )
    with database.read() as session:
        return {(str(o), str(i)): int(n) for o, i, n in session.execute(stmt)}


def organisation_counts(database: Database, flt: ItemFilter) -> list[tuple[str, int]]:
    """Organisations mentioned in the filtered items, with item counts, most first."""
    ids = filtered_ids(flt)
    stmt = (
        select(ItemOrganisation.org_id, func.count(distinct(ItemOrganisation.item_id)))
        .where(ItemOrganisation.item_id.in_(ids))
        .group_by(ItemOrganisation.org_id)
    )
    with database.read() as session:
        rows = [(str(o), int(n)) for o, n in session.execute(stmt)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def indicator_counts(database: Database, flt: ItemFilter) -> dict[str, int]:
    ids = filtered_ids(flt)
    stmt = (
        select(ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .where(ItemTag.item_id.in_(ids))
        .group_by(ItemTag.indicator)
    )
    with database.read() as session:
        return {str(i): int(n) for i, n in session.execute(stmt)}


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
