"""The daily aggregate tables (``DailyCount``, ``DailyFeedCount``) kept equal to the raw rows.

Every write that changes what an item counts for — a new item, new tags or countries, a new sighting,
a deletion — runs inside ``counted(session, ids)`` (or calls ``add_items`` for new items): the items'
contributions are read before and after the change and the difference is added to the tables, in the
same transaction (written once, at commit, in key order, so concurrent writers on PostgreSQL lock rows
in the same order: no deadlocks). ``counted`` keeps the items' stories counted too (``db.story_counts``).
``db.recount`` recomputes the tables from the raw rows in SQL (``rebuild``) and says what they should
hold (``expected``; the consistency tests compare the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from db import story_counts
from db.chunks import chunks
from db.delta_rows import add_rows, write_at_commit
from db.filters import as_date
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
    add_rows(session, _COUNTS, counts, ("day", "scope", "key", "indicator"), ("items", "flagged"))
    feeds = [
        {"day": k[0], "scope": k[1], "key": k[2], "feed_id": k[3], "language": k[4], "items": v}
        for k, v in sorted(feeds_delta.items())
        if v
    ]
    add_rows(session, _FEEDS, feeds, ("day", "scope", "key", "feed_id", "language"), ("items",))


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


write_at_commit(_PENDING, _write)


@contextmanager
def counted(session: Session, item_ids: Iterable[int], *, stories: bool = True) -> Iterator[None]:
    """Keep the aggregates right across a change to these (existing) items made inside the block:
    the items' own and, unless ``stories`` is false (a new sighting changes no story), their stories'
    (whose rows are refreshed too: a deleted item can change a story's first sighting and sources)."""
    ids = sorted(set(item_ids))
    before = contributions(session, ids)
    story_ids = story_counts.stories_of(session, ids) if stories and ids else []
    with story_counts.stories_counted(session, story_ids):
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
