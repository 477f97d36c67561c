"""What a situation brief and a country profile read: counts per indicator against a baseline for a
region or a country, the reviewed items with their notes, and the feeds covering the place with their
health. Names and rendering are the caller's (dashboard/brief.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, distinct, func, select

from db.engine import Database
from db.exports import ExportRecord, export_records
from db.feeds import FeedInfo, list_feeds
from db.models import Feed, Item, ItemCountry, ItemSighting, ItemTag, Review


@dataclass(frozen=True, slots=True)
class Scope:
    """A region (slug) or a country (ISO3); exactly one is set."""

    region: str | None = None
    country: str | None = None

    def condition(self) -> ColumnElement[bool]:
        if self.country:
            return ItemCountry.iso3 == self.country.upper()
        return ItemCountry.region == self.region


@dataclass(frozen=True, slots=True)
class Figure:
    """Items tagged with ``indicator`` in the period, against the mean of the previous periods."""

    indicator: str
    count: int
    baseline_total: int
    baseline_periods: int

    @property
    def baseline_mean(self) -> float:
        return self.baseline_total / self.baseline_periods if self.baseline_periods else 0.0

    @property
    def ratio(self) -> float | None:
        return self.count / self.baseline_mean if self.baseline_mean else None


def _scoped_items(scope: Scope) -> ColumnElement[bool]:
    return Item.id.in_(select(ItemCountry.item_id).where(scope.condition()))


def headline_figures(
    database: Database, scope: Scope, start: datetime, end: datetime, *, periods: int = 4
) -> list[Figure]:
    """Per indicator: items in [start, end) and in the ``periods`` periods of the same length before."""
    length = end - start
    base_start = start - length * periods
    stmt = (
        select(
            ItemTag.indicator,
            func.count(distinct(case((Item.published_at >= start, Item.id), else_=None))),
            func.count(distinct(case((Item.published_at < start, Item.id), else_=None))),
        )
        .join(Item, Item.id == ItemTag.item_id)
        .where(Item.published_at >= base_start, Item.published_at < end, _scoped_items(scope))
        .group_by(ItemTag.indicator)
    )
    with database.read() as session:
        rows = [Figure(str(i), int(n), int(b), periods) for i, n, b in session.execute(stmt)]
    rows.sort(key=lambda f: (-f.count, -f.baseline_total, f.indicator))
    return rows


def item_count(database: Database, scope: Scope, start: datetime, end: datetime) -> tuple[int, int]:
    """(items, flagged items) about the scope published in [start, end)."""
    stmt = select(func.count(), func.coalesce(func.sum(case((Item.flagged.is_(True), 1), else_=0)), 0)).where(
        Item.published_at >= start, Item.published_at < end, _scoped_items(scope)
    )
    with database.read() as session:
        n, flagged = session.execute(stmt).one()
    return int(n or 0), int(flagged or 0)


def reviewed_items(
    database: Database,
    scope: Scope,
    start: datetime,
    end: datetime,
    *,
    statuses: Iterable[str] = ("confirmed", "escalated"),
    limit: int = 500,
) -> list[ExportRecord]:
    """Items about the scope published in the period with one of ``statuses``, highest score first."""
    stmt = (
        select(Item.id)
        .join(Review, Review.item_id == Item.id)
        .where(
            Review.status.in_(list(statuses)),
            Item.published_at >= start,
            Item.published_at < end,
            _scoped_items(scope),
        )
        .order_by(Item.score.desc(), Item.published_at.desc())
        .limit(limit)
    )
    with database.read() as session:
        ids = [int(i) for i in session.scalars(stmt)]
    return list(export_records(database, ids))


@dataclass(frozen=True, slots=True)
class Covering:
    feed: FeedInfo
    items: int  # items about the scope it carried in the period

    @property
    def problem(self) -> str | None:
        f = self.feed
        if not f.enabled:
            return f"disabled{': ' + f.disabled_reason if f.disabled_reason else ''}"
        if f.last_status == "error":
            return f"failing ({f.error_text() or 'error'})"
        if f.stale:
            return "silent for much longer than usual"
        if f.last_status == "never":
            return "never fetched"
        return None


def covering_feeds(
    database: Database, scope: Scope, start: datetime, end: datetime, *, now: datetime | None = None
) -> list[Covering]:
    """Feeds that carried items about the scope in the period, or (for a region) are marked for it."""
    carried = (
        select(ItemSighting.feed_id, func.count(distinct(ItemSighting.item_id)))
        .join(Item, Item.id == ItemSighting.item_id)
        .where(Item.published_at >= start, Item.published_at < end, _scoped_items(scope))
        .group_by(ItemSighting.feed_id)
    )
    with database.read() as session:
        counts = {int(f): int(n) for f, n in session.execute(carried)}
        if scope.region:
            hinted = set(session.scalars(select(Feed.id).where(Feed.region == scope.region)))
        else:
            hinted = set()
    wanted = set(counts) | hinted
    out = [Covering(f, counts.get(f.id, 0)) for f in list_feeds(database, now=now) if f.id in wanted]
    out.sort(key=lambda c: (c.problem is None, -c.items, c.feed.id))
    return out
