"""Queries for ``r2pwatch retag``: read stored items' text in batches, swap their tags.
Reviews are never touched."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from db.engine import Database
from db.item_tags import ItemTags, replace_tags
from db.models import Item, ItemTag
from db.search import reindex


@dataclass(frozen=True, slots=True)
class StoredText:
    id: int
    title: str
    summary: str
    language: str | None
    published_at: datetime
    indicators: frozenset[str]


def count_items(database: Database, *, since: datetime | None = None) -> int:
    stmt = select(func.count()).select_from(Item)
    if since is not None:
        stmt = stmt.where(Item.published_at >= since)
    with database.read() as session:
        return int(session.scalar(stmt) or 0)


def iter_item_texts(
    database: Database, *, since: datetime | None = None, batch: int = 500
) -> Iterator[list[StoredText]]:
    """Items in id order, ``batch`` at a time, each read in its own short transaction."""
    last_id = 0
    while True:
        stmt = (
            select(Item.id, Item.title, Item.summary, Item.language, Item.published_at)
            .where(Item.id > last_id)
            .order_by(Item.id)
            .limit(batch)
        )
        if since is not None:
            stmt = stmt.where(Item.published_at >= since)
        with database.read() as session:
            rows = session.execute(stmt).all()
            if not rows:
                return
            ids = [r[0] for r in rows]
            current: dict[int, set[str]] = {}
            for item_id, indicator in session.execute(
                select(ItemTag.item_id, ItemTag.indicator).where(ItemTag.item_id.in_(ids))
            ):
                current.setdefault(item_id, set()).add(indicator)
        yield [StoredText(r[0], r[1], r[2] or "", r[3], r[4], frozenset(current.get(r[0], ()))) for r in rows]
        last_id = ids[-1]


def save_tags(database: Database, tagged: Sequence[tuple[int, ItemTags]]) -> None:
    """Replace the tags, countries, organisations and flag of these items, and rebuild their search
    documents (the stemming may have changed with the code), in one transaction."""
    with database.write() as session:
        replace_tags(session, tagged)
        reindex(session.connection(), [item_id for item_id, _ in tagged])
