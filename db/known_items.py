"""Reading what is stored of an attempt's entries (:class:`db.intents.KnownItems`) — inside the
feed's write transaction for the dedupe rule, or outside it for a guess at which entries need tags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.engine import Database
from db.intents import EntryValues, KnownItem, KnownItems
from db.models import Item, ItemSighting

_CHUNK = 400  # bound on IN (...) lists


@cache
def _queries() -> tuple[Executable, Executable, Executable]:
    """By guid (this feed), by link (any feed), by title (this feed): built once, as constructing them
    for every feed cost about as much as running them."""
    by_guid = (
        select(ItemSighting.guid, Item.id, Item.content_hash, Item.link_key)
        .join(Item, Item.id == ItemSighting.item_id)
        .where(
            ItemSighting.feed_id == bindparam("feed_id"),
            ItemSighting.guid.in_(bindparam("keys", expanding=True)),
        )
    )
    by_link = select(Item.link_key, Item.id, Item.content_hash).where(
        Item.link_key.in_(bindparam("keys", expanding=True))
    )
    # driven by the title index: joining the sightings made SQLite read every sighting of the
    # feed, so each attempt cost more as its feed's history grew
    carried = select(ItemSighting.id).where(
        ItemSighting.item_id == Item.id, ItemSighting.feed_id == bindparam("feed_id")
    )
    by_title = (
        select(Item.title_key, Item.id, Item.content_hash, Item.link_key, Item.published_at)
        .where(Item.title_key.in_(bindparam("keys", expanding=True)), carried.exists())
        .order_by(Item.id)
    )
    return by_guid, by_link, by_title


def read_known_items(session: Session, feed_id: int, entries: Sequence[EntryValues]) -> KnownItems:
    """The stored items ``entries`` may be, by guid (this feed), link (any feed), title (this feed)."""
    guids = sorted({e.guid for e in entries})
    links = sorted({e.link_key for e in entries if e.link_key})
    titles = sorted({e.title_key for e in entries if e.title_key})
    by_guid: dict[str, KnownItem] = {}
    by_link: dict[str, KnownItem] = {}
    by_title: dict[str, list[tuple[KnownItem, datetime]]] = {}
    conn = session.connection()  # plain rows, without the ORM's result machinery
    guid_query, link_query, title_query = _queries()
    for chunk in chunks(guids, _CHUNK):
        rows = conn.execute(guid_query, {"feed_id": feed_id, "keys": list(chunk)})
        for guid, item_id, content_hash, link_key in rows:
            by_guid[guid] = KnownItem(item_id, content_hash, link_key)
    for chunk in chunks(links, _CHUNK):
        rows2 = conn.execute(link_query, {"keys": list(chunk)})
        for link_key, item_id, content_hash in rows2:
            if link_key is not None:
                by_link[link_key] = KnownItem(item_id, content_hash, link_key)
    for chunk in chunks(titles, _CHUNK):
        rows3 = conn.execute(title_query, {"feed_id": feed_id, "keys": list(chunk)})
        for key, item_id, content_hash, link_key, published in rows3:
            by_title.setdefault(key, []).append((KnownItem(item_id, content_hash, link_key), published))
    return KnownItems(by_guid, by_link, by_title)


def known_items(database: Database, feed_id: int, entries: Sequence[EntryValues]) -> KnownItems:
    """What is stored of ``entries`` now, read outside the write (for a guess at which entries will
    need tags; the write reads it again and tags any the guess missed)."""
    if not entries:
        return KnownItems({}, {}, {})
    with database.read() as session:
        return read_known_items(session, feed_id, entries)
