"""Each feed's sightings per UTC day of publication (``feed_days``): what the feed list's health reads
(item count, items per day over 30 days, first and last item, staleness) instead of every sighting.

A row holds the sightings the feed made of items published that day, and the earliest and latest of
those items' times. It is kept in the same transaction as the writes that change it: new sightings in
the store path (``add_sightings``: a few upserts per feed pass) and deletions (``refreshed``: the
(feed, day) rows of the items touched are recomputed from the raw rows, since a minimum or maximum
cannot be subtracted). ``rebuild`` fills the table from the raw rows in SQL (the migration that adds
it; bulk loads); ``expected_health`` is the raw-row answer the consistency tests compare with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.filters import as_date, utc_day
from db.models import FeedDay, Item, ItemSighting
from db.types import as_utc

#: per feed: (sightings, sightings of items published in the last 30 days, first item, last item)
Health = dict[int, tuple[int, int, datetime | None, datetime | None]]
_TABLE: Table = FeedDay.__table__  # type: ignore[assignment]
_CHUNK = 500
_COLS = ["feed_id", "day", "items", "first_published", "last_published"]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add each row's sightings to the stored (feed, day) row and widen its first/last times."""
    if not rows:
        return
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(_TABLE)
        first, last = func.least, func.greatest
        stmt = pg.on_conflict_do_update(
            index_elements=["feed_id", "day"],
            set_={
                "items": _TABLE.c["items"] + pg.excluded["items"],
                "first_published": first(_TABLE.c.first_published, pg.excluded.first_published),
                "last_published": last(_TABLE.c.last_published, pg.excluded.last_published),
            },
        )
    else:
        lite = sqlite.insert(_TABLE)
        # SQLite's two-argument min() and max() are scalar; its timestamps are fixed-width ISO text
        stmt = lite.on_conflict_do_update(
            index_elements=["feed_id", "day"],
            set_={
                "items": _TABLE.c["items"] + lite.excluded["items"],
                "first_published": func.min(_TABLE.c.first_published, lite.excluded.first_published),
                "last_published": func.max(_TABLE.c.last_published, lite.excluded.last_published),
            },
        )
    session.connection().execute(stmt, rows)


def add_sightings(
    session: Session, feed_id: int, published: Iterable[datetime], item_ids: Sequence[int] = ()
) -> None:
    """Count new sightings by ``feed_id``: of items published at ``published`` (new items, whose times
    the store knows) and of the stored items ``item_ids`` (their times are read)."""
    times = [t for t in (as_utc(p) for p in published) if t is not None]
    for chunk in chunks(sorted(item_ids), _CHUNK):
        known = dict(session.execute(select(Item.id, Item.published_at).where(Item.id.in_(chunk))).all())
        times += [t for t in (as_utc(known.get(i)) for i in chunk) if t is not None]
    per_day: dict[date, list[Any]] = {}
    for t in times:
        row = per_day.get(t.date())
        if row is None:
            per_day[t.date()] = [1, t, t]
        else:
            row[0] += 1
            row[1] = min(row[1], t)
            row[2] = max(row[2], t)
    rows = [
        {"feed_id": feed_id, "day": d, "items": n, "first_published": lo, "last_published": hi}
        for d, (n, lo, hi) in sorted(per_day.items())  # key order: concurrent writers lock alike
    ]
    _upsert(session, rows)


def add_items(session: Session, item_ids: Iterable[int]) -> None:
    """Count every sighting of these new items (stored with their sightings), read back."""
    ids = sorted(set(item_ids))
    by_feed: dict[int, list[datetime]] = {}
    for chunk in chunks(ids, _CHUNK):
        stmt = (
            select(ItemSighting.feed_id, Item.published_at)
            .join(Item, Item.id == ItemSighting.item_id)
            .where(ItemSighting.item_id.in_(chunk))
        )
        for feed_id, published in session.execute(stmt):
            by_feed.setdefault(int(feed_id), []).append(published)
    for feed_id, times in sorted(by_feed.items()):
        add_sightings(session, feed_id, times)


def _days_of(session: Session, item_ids: Sequence[int]) -> dict[int, set[date]]:
    """The (feed, day) rows these items' sightings count in."""
    out: dict[int, set[date]] = {}
    for chunk in chunks(sorted(set(item_ids)), _CHUNK):
        stmt = (
            select(ItemSighting.feed_id, Item.published_at)
            .join(Item, Item.id == ItemSighting.item_id)
            .where(ItemSighting.item_id.in_(chunk))
        )
        for feed_id, published in session.execute(stmt):
            moment = as_utc(published)
            if moment is not None:
                out.setdefault(int(feed_id), set()).add(moment.date())
    return out


def _raw_rows(*where: Any) -> Any:
    day = utc_day(Item.published_at).label("day")
    return (
        select(
            ItemSighting.feed_id,
            day,
            func.count().label("items"),
            func.min(Item.published_at).label("first_published"),
            func.max(Item.published_at).label("last_published"),
        )
        .join(Item, Item.id == ItemSighting.item_id)
        .where(*where)
        .group_by(ItemSighting.feed_id, day)
    )


def refresh(session: Session, days: dict[int, set[date]]) -> None:
    """Recompute these feeds' rows from the raw rows over the span of the days given (per feed: one
    delete and one grouped insert, set-based)."""
    for feed_id, wanted in sorted(days.items()):
        if not wanted:
            continue
        lo, hi = min(wanted), max(wanted)
        session.execute(
            delete(FeedDay).where(FeedDay.feed_id == feed_id, FeedDay.day >= lo, FeedDay.day <= hi)
        )
        rows = _raw_rows(
            ItemSighting.feed_id == feed_id,
            Item.published_at >= _midnight(lo),
            Item.published_at < _midnight(hi + timedelta(days=1)),
        )
        session.execute(_TABLE.insert().from_select(_COLS, rows))


@contextmanager
def refreshed(session: Session, item_ids: Iterable[int]) -> Iterator[None]:
    """Keep ``feed_days`` right across a deletion of (or of sightings of) these items made inside the
    block: the rows they counted in are recomputed from what is left."""
    days = _days_of(session, list(item_ids))
    yield
    session.flush()
    refresh(session, days)


def rebuild(session: Session) -> None:
    """Recompute the table from the raw rows (the migration that adds it; bulk loads)."""
    session.execute(delete(FeedDay))
    session.execute(_TABLE.insert().from_select(_COLS, _raw_rows()))


def health(session: Session, now: datetime) -> Health:
    """Per feed with sightings, from ``feed_days``: the whole days after the day 30 days ago, plus
    that day's items from its exact moment on (one day of raw rows, read through the date index)."""
    since = now - timedelta(days=30)
    since_day = since.astimezone(UTC).date()
    stmt = select(
        FeedDay.feed_id,
        func.sum(FeedDay.items),
        func.sum(case((FeedDay.day > since_day, FeedDay.items), else_=0)),
        func.min(FeedDay.first_published),
        func.max(FeedDay.last_published),
    ).group_by(FeedDay.feed_id)
    boundary = (
        select(ItemSighting.feed_id, func.count())
        .join(Item, Item.id == ItemSighting.item_id)
        .where(and_(Item.published_at >= since, Item.published_at < _midnight(since_day + timedelta(days=1))))
        .group_by(ItemSighting.feed_id)
    )
    edge = {int(f): int(n) for f, n in session.execute(boundary)}
    return {
        int(f): (int(n), int(n30 or 0) + edge.get(int(f), 0), as_utc(first), as_utc(last))
        for f, n, n30, first, last in session.execute(stmt)
    }


def expected_health(session: Session, now: datetime) -> Health:
    """The same from every sighting and its item (the consistency tests' reference)."""
    since = now - timedelta(days=30)
    stmt = (
        select(
            ItemSighting.feed_id,
            func.count(),
            func.sum(case((Item.published_at >= since, 1), else_=0)),
            func.min(Item.published_at),
            func.max(Item.published_at),
        )
        .join(Item, Item.id == ItemSighting.item_id)
        .group_by(ItemSighting.feed_id)
    )
    return {
        int(f): (int(n), int(n30 or 0), as_utc(first), as_utc(last))
        for f, n, n30, first, last in session.execute(stmt)
    }


def stored(session: Session) -> dict[tuple[int, date], tuple[int, datetime | None, datetime | None]]:
    """What the table holds."""
    return {
        (r.feed_id, as_date(r.day)): (r.items, as_utc(r.first_published), as_utc(r.last_published))
        for r in session.scalars(select(FeedDay))
    }


def expected(session: Session) -> dict[tuple[int, date], tuple[int, datetime | None, datetime | None]]:
    """What the table should hold, from the raw rows."""
    return {
        (int(f), as_date(d)): (int(n), as_utc(lo), as_utc(hi))
        for f, d, n, lo, hi in session.execute(_raw_rows())
    }
