"""When two entries are one item: the dedupe rules, as decisions storage applies.

An entry is an item already known when, in this order:

1. the same feed carried the same guid before — nothing new; if its text changed the item is updated
   in place (and re-tagged), keeping its link key when the new link is another item's;
2. an item with the same canonical link (``link_key``) is stored, from any feed — a sighting;
3. the same feed carried an item with the same normalised title published within 3 days — a sighting.

Otherwise it is a new item. Entries earlier in the same attempt count as known for the later ones.
:func:`decide` turns each entry into one intent (``db.intents.NewItem``, ``Sighting``, ``Update``,
``Unchanged``); ``db.store.store_attempt`` reads the known items inside the feed's transaction, calls
it and applies the intents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeAlias

from db.intents import EntryValues, Intent, KnownItem, KnownItems, NewItem, Sighting, Unchanged, Update

__all__ = ["TITLE_WINDOW", "decide", "needs_tags"]

TITLE_WINDOW = timedelta(days=3)

#: an item the decisions refer to: a stored one, or the position of a new one among this attempt's
_Ref: TypeAlias = KnownItem | int


def decide(entries: Sequence[EntryValues], known: KnownItems) -> list[Intent]:
    """One intent per entry, in order."""
    by_guid: dict[str, _Ref] = dict(known.by_guid)
    by_link: dict[str, _Ref] = dict(known.by_link)
    by_title: dict[str, list[tuple[_Ref, datetime]]] = {k: list(v) for k, v in known.by_title.items()}
    intents: list[Intent] = []
    new = 0
    for entry in entries:
        via, ref = _match(entry, by_guid, by_link, by_title)
        if ref is None:
            intents.append(NewItem(entry))
            by_guid[entry.guid] = new
            if entry.link_key:
                by_link[entry.link_key] = new
            if entry.title_key:
                by_title.setdefault(entry.title_key, []).append((new, entry.published_at))
            new += 1
        elif via != "guid":
            intents.append(
                Sighting(entry, ref.item_id, None)
                if isinstance(ref, KnownItem)
                else Sighting(entry, None, ref)
            )
            by_guid[entry.guid] = ref
        elif isinstance(ref, KnownItem) and ref.content_hash != entry.content_hash:
            link_key = entry.link_key
            owner = by_link.get(link_key) if link_key else None
            if owner is not None and _key(owner) != ref.item_id:
                link_key = ref.link_key  # the new link is another item's; keep ours
            intents.append(Update(entry, ref.item_id, link_key))
            by_guid[entry.guid] = KnownItem(ref.item_id, entry.content_hash, ref.link_key)
        else:
            intents.append(Unchanged(entry))
    return intents


def needs_tags(intents: Iterable[Intent]) -> list[EntryValues]:
    """The entries whose item is stored with new tags: new items and items updated in place."""
    return [i.entry for i in intents if isinstance(i, NewItem | Update)]


def _match(
    entry: EntryValues,
    by_guid: dict[str, _Ref],
    by_link: dict[str, _Ref],
    by_title: dict[str, list[tuple[_Ref, datetime]]],
) -> tuple[str, _Ref | None]:
    ref = by_guid.get(entry.guid)
    if ref is not None:
        return "guid", ref
    if entry.link_key:
        ref = by_link.get(entry.link_key)
        if ref is not None:
            return "link", ref
    if entry.title_key:
        for ref, published in by_title.get(entry.title_key, ()):
            if abs(published - entry.published_at) <= TITLE_WINDOW:
                return "title", ref
    return "", None


def _key(ref: _Ref) -> int:
    """A stored item's id; a new item (not stored yet) gets a key no stored item has."""
    return ref.item_id if isinstance(ref, KnownItem) else -1 - ref
