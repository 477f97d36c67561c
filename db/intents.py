"""The vocabulary between storage and the dedupe rule (``ingest.dedupe``): what storage needs of an
entry (:class:`EntryValues`), what it knows of an attempt's entries (:class:`KnownItems`), and the
intents the rule returns for each entry (:class:`NewItem`, :class:`Sighting`, :class:`Update`,
:class:`Unchanged`), which ``db.store`` applies in the feed's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class EntryValues(Protocol):
    """What storage needs of a normalised entry (ingest.normalise.Entry has these fields)."""

    @property
    def guid(self) -> str: ...
    @property
    def link(self) -> str | None: ...
    @property
    def link_key(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def title_key(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def language(self) -> str | None: ...
    @property
    def content_hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class KnownItem:
    """A stored item as dedupe sees it."""

    item_id: int
    content_hash: str
    link_key: str | None = None


@dataclass(frozen=True, slots=True)
class KnownItems:
    """What storage knows of an attempt's entries: this feed's items by the guids it carried them
    under, any feed's items by canonical link, this feed's items by title key (with their time)."""

    by_guid: dict[str, KnownItem]
    by_link: dict[str, KnownItem]
    by_title: dict[str, list[tuple[KnownItem, datetime]]]


@dataclass(frozen=True, slots=True)
class NewItem:
    """The entry is a new item."""

    entry: EntryValues


@dataclass(frozen=True, slots=True)
class Sighting:
    """The entry is another carrier of an item: a stored one (``item_id``) or one new in this
    attempt (``new_item``: the position of its NewItem among the attempt's NewItems)."""

    entry: EntryValues
    item_id: int | None
    new_item: int | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """The feed's entry of a stored item, with changed text: the item is updated in place and
    re-tagged; ``link_key`` is the link key it keeps."""

    entry: EntryValues
    item_id: int
    link_key: str | None


@dataclass(frozen=True, slots=True)
class Unchanged:
    """The feed's entry of an item it already carries, unchanged: nothing to write."""

    entry: EntryValues


Intent = NewItem | Sighting | Update | Unchanged
#: the caller's dedupe rule: one intent per entry, in order
Dedupe = Callable[[Sequence[EntryValues], KnownItems], Sequence[Intent]]
