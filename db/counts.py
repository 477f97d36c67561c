"""The daily aggregate tables (``DailyCount``, ``DailyFeedCount``) kept equal to the raw rows.

Every write that changes what an item counts for — a new item, new tags or countries, a new sighting,
a deletion — runs inside ``counted(session, ids)`` (or calls ``add_items`` for new items): the items'
contributions are read before and after the change and the difference is added to the tables, in the
same transaction (written once, at commit, in key order, so concurrent writers on PostgreSQL lock rows
in the same order: no deadlocks). ``rebuild`` recomputes both tables from the raw rows in SQL; ``expected``
returns what they should hold (the consistency test compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, delete, distinct, event, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.filters import as_date, utc_day
from db.models import DailyCount, DailyFeedCount, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag
from db.types import as_utc

CountKey = tuple[date, str, str, str]  # day, scope, key, indicator
FeedKey = tuple[date, str, str, int, str]  # day, scope, key, feed id, language
#: counts, feed counts, and the region of each key met (a country's region; "" for none)
Contribution = tuple[dict[CountKey, list[int]], dict[FeedKey, int], dict[str, str]]
_CHUNK = 500
_PENDING = "r2p_pending_counts"
_COUNTS: Table = DailyCount.__table__  # type: ignore[assignment]
_FEEDS: Table = DailyFeedCount.__table__  # type: ignore[assignment]


def contributions(session: Session, item_ids: Iterable[int]) -> Contribution:
    """What these items add to each aggregate row, as they are stored now."""
    counts: dict[CountKey, list[int]] = {}
    feeds: dict[FeedKey, int] = {}
    regions: dict[str, str] = {}
    ids = sorted(set(item_ids))
    for chunk in chunks(ids, _CHUNK):
        items = {
            i: (as_date(as_utc(p)), bool(f), lang or "")
            for i, p, f, lang in session.execute(
                select(Item.id, Item.published_at, Item.flagged, Item.language).where(Item.id.in_(chunk))
            )
        }
        places: dict[int, list[tuple[str, str | None]]] = {}
        for i, iso3, region in session.execute(
            select(ItemCountry.item_id, ItemCountry.iso3, ItemCountry.region).where(
                ItemCountry.item_id.in_(chunk)
            )
        ):
            places.setdefault(i, []).append((str(iso3), region))
        tags: dict[int, list[str]] = {}
        for i, indicator in session.execute(
            select(ItemTag.item_id, ItemTag.indicator).where(ItemTag.item_id.in_(chunk))
        ):
            tags.setdefault(i, []).append(str(indicator))
        carriers: dict[int, set[int]] = {}
        for i, feed_id in session.execute(
            select(ItemSighting.item_id, ItemSighting.feed_id).where(ItemSighting.item_id.in_(chunk))
        ):
            carriers.setdefault(i, set()).add(int(feed_id))
        orgs: dict[int, list[str]] = {}
        for i, org in session.execute(
            select(ItemOrganisation.item_id, ItemOrganisation.org_id).where(
                ItemOrganisation.item_id.in_(chunk)
            )
        ):
            orgs.setdefault(i, []).append(str(org))
        for item_id, (day, flagged, lang) in items.items():
            _count_item(
                (counts, feeds, regions),
                NewCounted(
                    day,
                    flagged,
                    lang,
                    places.get(item_id, ()),
                    tags.get(item_id, ()),
                    carriers.get(item_id, ()),
                    orgs.get(item_id, ()),
                ),
            )
    return counts, feeds, regions


@dataclass(frozen=True, slots=True)
class NewCounted:
    """What an item counts for, as it is (or is being) stored: its UTC day of publication, flag,
    language ("" unknown), (ISO3, region) places, indicators, carrying feeds and organisations."""

    day: date
    flagged: bool
    language: str
    places: Sequence[tuple[str, str | None]]
    indicators: Sequence[str]
    carriers: Iterable[int]
    organisations: Sequence[str]


def _count_item(into: Contribution, item: NewCounted) -> None:
    counts, feeds, regions = into
    day, flagged, lang = item.day, item.flagged, item.language
    here = item.places
    keys = [("country", iso3, r or "") for iso3, r in here]
    keys += [("region", r, r) for r in {r for _i, r in here if r}]
    for scope, key, _region in keys:
        for feed_id in item.carriers:
            fk = (day, scope, key, feed_id, lang)
            feeds[fk] = feeds.get(fk, 0) + 1
    places_only = list(keys)
    for org in item.organisations:
        keys += [(f"{scope}-org", f"{key}|{org}", region) for scope, key, region in places_only]
    for scope, key, region in keys:
        regions[key] = region
        for indicator in ("", *item.indicators):
            row = counts.setdefault((day, scope, key, indicator), [0, 0])
            row[0] += 1
            row[1] += flagged


def _upsert(
    session: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str], add: Sequence[str]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in add}
    )
    session.connection().execute(stmt, rows)
    # Rows that fell to zero count nothing: drop them so the tables stay as small as the data. Only a
    # row whose item count went down can fall to zero (stored rows count at least one item), and each
    # is deleted by its primary key (a row-value IN list made SQLite scan the whole table).
    shrunk = [{f"k_{k}": r[k] for k in keys} for r in rows if r["items"] <= 0]
    if shrunk:
        match = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys), table.c["items"] <= 0)
        session.connection().execute(delete(table).where(match), shrunk)


def _write(session: Session, delta: Contribution) -> None:
    counts_delta, feeds_delta, regions = delta
    counts = [
        {
            "day": k[0],
            "scope": k[1],
            "key": k[2],
            "indicator": k[3],
            "region": regions.get(k[2], ""),
            "items": v[0],
            "flagged": v[1],
        }
        for k, v in sorted(counts_delta.items())
        if v != [0, 0]
    ]
    _upsert(session, _COUNTS, counts, ("day", "scope", "key", "indicator"), ("items", "flagged"))
    feeds = [
        {"day": k[0], "scope": k[1], "key": k[2], "feed_id": k[3], "language": k[4], "items": v}
        for k, v in sorted(feeds_delta.items())
        if v
    ]
    _upsert(session, _FEEDS, feeds, ("day", "scope", "key", "feed_id", "language"), ("items",))


def _pending(session: Session) -> Contribution:
    pending: Contribution = session.info.setdefault(_PENDING, ({}, {}, {}))
    return pending


def apply(session: Session, before: Contribution, after: Contribution) -> None:
    """Add ``after - before`` to the tables when the transaction commits: all of a transaction's changes
    are written at once, in key order, so concurrent writers lock rows in the same order."""
    counts, feeds, regions = _pending(session)
    regions.update(before[2])
    regions.update(after[2])
    for sign, part in ((-1, before), (1, after)):
        for k, (n, nf) in part[0].items():
            row = counts.setdefault(k, [0, 0])
            row[0] += sign * n
            row[1] += sign * nf
        for fk, n in part[1].items():
            feeds[fk] = feeds.get(fk, 0) + sign * n


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    delta = session.info.pop(_PENDING, None)
    if delta is not None:
        _write(session, delta)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


@contextmanager
def counted(session: Session, item_ids: Iterable[int]) -> Iterator[None]:
    """Keep the aggregates right across a change to these (existing) items made inside the block."""
    ids = sorted(set(item_ids))
    before = contributions(session, ids)
    yield
    session.flush()
    apply(session, before, contributions(session, ids))


def add_items(session: Session, item_ids: Iterable[int]) -> None:
    """Count new items (stored with their tags, countries and sightings)."""
    apply(session, ({}, {}, {}), contributions(session, item_ids))


def add_new_items(session: Session, items: Iterable[NewCounted]) -> None:
    """Count new items from the values they were just stored with (what ``add_items`` would read back
    from the rows, without reading them: the store knows them)."""
    delta: Contribution = ({}, {}, {})
    for item in items:
        _count_item(delta, item)
    apply(session, ({}, {}, {}), delta)


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
