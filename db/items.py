"""Reading stored items for export: streamed in batches, lists gathered per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review

BATCH = 500


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    feed_url: str | None
    guid: str
    link: str | None
    title: str
    summary: str
    published: datetime
    language: str | None
    indicators: list[str]
    countries: list[str]
    regions: list[str]
    organisations: list[str]
    flagged: bool
    review_status: str


def _grouped(session: Session, stmt: object) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for item_id, value in session.execute(stmt):  # type: ignore[call-overload]
        if value is not None and value not in out[item_id]:
            out[item_id].append(value)
    return out


def _rows_for(session: Session, items: Sequence[Item]) -> list[ExportRow]:
    ids = [i.id for i in items]
    first_sighting = (
        select(ItemSighting.item_id, func.min(ItemSighting.id).label("sid"))
        .where(ItemSighting.item_id.in_(ids))
        .group_by(ItemSighting.item_id)
        .subquery()
    )
    feed_urls: dict[int, str] = dict(
        session.execute(
            select(first_sighting.c.item_id, Feed.url)
            .join(ItemSighting, ItemSighting.id == first_sighting.c.sid)
            .join(Feed, Feed.id == ItemSighting.feed_id)
        ).all()
    )
    tags = _grouped(
        session,
        select(ItemTag.item_id, ItemTag.indicator)
        .where(ItemTag.item_id.in_(ids))
        .order_by(ItemTag.item_id, ItemTag.score.desc()),
    )
    countries = _grouped(
        session,
        select(ItemCountry.item_id, ItemCountry.iso3)
        .where(ItemCountry.item_id.in_(ids))
        .order_by(ItemCountry.item_id, ItemCountry.iso3),
    )
    regions = _grouped(
        session,
        select(ItemCountry.item_id, ItemCountry.region)
        .where(ItemCountry.item_id.in_(ids))
        .order_by(ItemCountry.item_id, ItemCountry.region),
    )
    orgs = _grouped(
        session,
        select(ItemOrganisation.item_id, ItemOrganisation.org_id)
        .where(ItemOrganisation.item_id.in_(ids))
        .order_by(ItemOrganisation.item_id, ItemOrganisation.org_id),
    )
    statuses = dict(
        session.execute(select(Review.item_id, Review.status).where(Review.item_id.in_(ids))).all()
    )
    return [
        ExportRow(
            id=i.id,
            feed_url=feed_urls.get(i.id),
            guid=i.guid,
            link=i.link,
            title=i.title,
            summary=i.summary,
            published=i.published_at,
            language=i.language,
            indicators=tags.get(i.id, []),
            countries=countries.get(i.id, []),
            regions=regions.get(i.id, []),
            organisations=orgs.get(i.id, []),
            flagged=i.flagged,
            review_status=statuses.get(i.id, "new"),
        )
        for i in items
    ]


def iter_export(
    database: Database, *, flagged_only: bool = False, since: datetime | None = None
) -> Iterator[ExportRow]:
    """Every stored item (oldest first), in batches so memory stays flat on large databases."""
    last_id = 0
    while True:
        with database.read() as session:
            stmt = select(Item).where(Item.id > last_id).order_by(Item.id).limit(BATCH)
            if flagged_only:
                stmt = stmt.where(Item.flagged.is_(True))
            if since is not None:
                stmt = stmt.where(Item.published_at >= since)
            items = list(session.scalars(stmt))
            if not items:
                return
            rows = _rows_for(session, items)
        last_id = items[-1].id
        yield from rows
