"""One fetch of one feed as storage takes it (:class:`FeedAttempt`) and what storing it gave
(:class:`StoreResult`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from db.intents import EntryValues
from db.item_tags import ItemTags
from db.stories import StoryValues

Status = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True, slots=True)
class FeedAttempt:
    """Everything one fetch of one feed produced, to be stored at once."""

    feed_id: int
    started_at: datetime
    finished_at: datetime
    status: Status
    next_due_at: datetime
    http_status: int | None = None
    bytes: int = 0
    duration_ms: int = 0
    error_kind: str | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    skipped_entries: int = 0
    repeated_entries: int = 0  # repeats of a guid within the same document: logged as duplicates
    entries: tuple[EntryValues, ...] = ()
    tags: Mapping[str, ItemTags] = field(default_factory=dict)  # by entry guid
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None  # permanent redirect target
    disable_reason: str | None = None  # e.g. 410 Gone
    title: str | None = None  # the feed's own title, used when the feed has none yet
    fingerprints: Mapping[str, StoryValues] = field(default_factory=dict)  # by entry guid, for stories


@dataclass(frozen=True, slots=True)
class StoreResult:
    new_items: int = 0
    duplicate_items: int = 0  # entries that were already stored (from this feed or another)
    updated_items: int = 0  # of those, re-fetched with changed text and updated in place
    new_item_ids: tuple[int, ...] = ()
    url_changed: bool = False
    feed_missing: bool = False  # the feed was deleted while it was being fetched

    def plus(self, later: StoreResult) -> StoreResult:
        """This batch's result followed by a later batch's of the same fetch."""
        return StoreResult(
            self.new_items + later.new_items,
            self.duplicate_items + later.duplicate_items,
            self.updated_items + later.updated_items,
            self.new_item_ids + later.new_item_ids,
            later.url_changed,
            self.feed_missing or later.feed_missing,
        )
