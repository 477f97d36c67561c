"""Storing one feed attempt: items, sightings, tags, countries, organisations, the fetch-log row and
the feed's new state, all in ONE write transaction — a crash leaves the database as it was.

Which entries are items already stored is the caller's rule (``ingest.dedupe``): inside the
transaction this module reads what it knows of the entries (``db.known_items``), hands it to the
caller's ``dedupe`` and applies the intents that come back (``db.intents``). The unique constraints
stay here, and so does the retry when another worker stored the same link at the same moment. Every
feed that carried an item is recorded as a sighting.

The attempt and result values live in ``db.attempt``, tags in ``db.item_tags``, the feed's new state
in ``db.feed_state``; their names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.attempt import FeedAttempt, Status, StoreResult
from db.counts import NewCounted, add_new_items, counted
from db.engine import Database
from db.feed_days import add_sightings
from db.feed_state import update_feed
from db.filters import as_date
from db.intents import (
    Dedupe,
    EntryValues,
    Intent,
    KnownItem,
    KnownItems,
    NewItem,
    Sighting,
    Unchanged,
    Update,
)
from db.item_tags import ItemTags, Tagger, flag_values, insert_tags, replace_tags
from db.known_items import known_items, read_known_items
from db.models import Base, Feed, FetchLog, Item
from db.new_ids import insert_new_ids
from db.search import index_items, reindex
from db.stories import NewStoryItem, StoryRule, StoryValues, assign_stories
from db.story_counts import add_story_items
from db.types import as_utc

__all__ = [
    "Clustering",
    "Dedupe",
    "EntryValues",
    "FeedAttempt",
    "Intent",
    "ItemTags",
    "KnownItem",
    "KnownItems",
    "NewItem",
    "Sighting",
    "Status",
    "StoreResult",
    "Tagger",
    "Unchanged",
    "Update",
    "known_items",
    "replace_tags",
    "store_attempt",
    "store_attempts",
    "store_batch",
]

T = TypeVar("T")
_ITEMS = Base.metadata.tables["items"]
_SIGHTINGS = Base.metadata.tables["item_sightings"]


@dataclass(frozen=True, slots=True)
class Clustering:
    """How new items join stories in the same transaction: the rule, and the fingerprint of an entry
    the caller did not fingerprint."""

    rule: StoryRule
    fingerprint: Callable[[EntryValues], StoryValues]


def store_attempt(
    database: Database,
    attempt: FeedAttempt,
    *,
    dedupe: Dedupe | None = None,
    tagger: Tagger | None = None,
    clustering: Clustering | None = None,
    earlier: StoreResult | None = None,
) -> StoreResult:
    """Store the attempt in one transaction. ``dedupe`` decides what each entry is (required when
    there are entries). ``tagger`` tags entries found to need tags that the caller did not tag
    (another feed stored the same item in between); without it they get none. With ``clustering``,
    every new item joins a story in the same transaction. ``earlier`` is what ``store_batch`` already
    stored of this fetch: the fetch log and the result count it too."""
    _check(attempt, dedupe)
    return _retry_on_race(partial(_store, database, attempt, dedupe, tagger, clustering, earlier))


def _check(attempt: FeedAttempt, dedupe: Dedupe | None) -> None:
    if attempt.entries and dedupe is None:
        raise TypeError("storing entries needs the dedupe rule (ingest.dedupe.decide)")


def _retry_on_race(store: Callable[[], T]) -> T:
    try:
        return store()
    except IntegrityError:
        # Another worker stored the same link at the same moment (PostgreSQL); now it is visible, and
        # the caller's dedupe, asked again in the new transaction, sees it.
        return store()


def _store(
    database: Database,
    attempt: FeedAttempt,
    dedupe: Dedupe | None,
    tagger: Tagger | None,
    clustering: Clustering | None,
    earlier: StoreResult | None,
) -> StoreResult:
    with database.write() as session:
        return _store_in(session, attempt, dedupe, tagger, clustering, earlier)


def store_attempts(
    database: Database,
    attempts: Sequence[FeedAttempt],
    *,
    dedupe: Dedupe | None = None,
    tagger: Tagger | None = None,
    clustering: Clustering | None = None,
    search: bool = True,
) -> list[StoreResult]:
    """Store several feeds' attempts, in order, in ONE transaction: what ``store_attempt`` would store
    for each in turn (the backtest stores a day of every source at once, with one commit).
    ``search=False`` leaves the new items out of the full-text index (a scratch database nobody
    searches; ``db.search.index_missing`` would add them)."""
    for attempt in attempts:
        _check(attempt, dedupe)

    def store() -> list[StoreResult]:
        with database.write() as session:
            return [_store_in(session, a, dedupe, tagger, clustering, None, search) for a in attempts]

    return _retry_on_race(store)


def _store_in(
    session: Session,
    attempt: FeedAttempt,
    dedupe: Dedupe | None,
    tagger: Tagger | None,
    clustering: Clustering | None,
    earlier: StoreResult | None,
    search: bool = True,
) -> StoreResult:
    feed = session.get(Feed, attempt.feed_id)
    if feed is None:
        return StoreResult(feed_missing=True)
    result = (
        _store_entries(session, attempt, dedupe, tagger, clustering, search)
        if attempt.entries and dedupe is not None
        else StoreResult()
    )
    if earlier is not None:
        result = earlier.plus(result)
    url_changed, notes = update_feed(session, feed, attempt)
    session.add(
        FetchLog(
            feed_id=attempt.feed_id,
            started_at=attempt.started_at,
            status=attempt.status,
            http_status=attempt.http_status,
            bytes=attempt.bytes,
            duration_ms=attempt.duration_ms,
            new_items=result.new_items,
            duplicate_items=result.duplicate_items + attempt.repeated_entries,
            skipped_entries=attempt.skipped_entries,
            error_kind=attempt.error_kind,
            error=attempt.error,
            note="; ".join(notes)[:4000] or None,
        )
    )
    return StoreResult(
        result.new_items,
        result.duplicate_items + attempt.repeated_entries,
        result.updated_items,
        result.new_item_ids,
        url_changed,
    )


def store_batch(
    database: Database,
    attempt: FeedAttempt,
    *,
    dedupe: Dedupe | None = None,
    tagger: Tagger | None = None,
    clustering: Clustering | None = None,
) -> StoreResult:
    """Store some of a big fetch's entries in their own transaction, leaving the feed's state and
    fetch log to the ``store_attempt`` that carries the last of them. Each item is whole (tags, story,
    counts) when its batch commits; after a crash between batches the feed keeps its old ETag, so the
    next fetch brings the rest and the stored ones are recognised as duplicates."""
    _check(attempt, dedupe)
    return _retry_on_race(partial(_store_batch, database, attempt, dedupe, tagger, clustering))


def _store_batch(
    database: Database,
    attempt: FeedAttempt,
    dedupe: Dedupe | None,
    tagger: Tagger | None,
    clustering: Clustering | None,
) -> StoreResult:
    with database.write() as session:
        if session.get(Feed, attempt.feed_id) is None:
            return StoreResult(feed_missing=True)
        return (
            _store_entries(session, attempt, dedupe, tagger, clustering)
            if attempt.entries and dedupe is not None
            else StoreResult()
        )


def _store_entries(
    session: Session,
    attempt: FeedAttempt,
    dedupe: Dedupe,
    tagger: Tagger | None,
    clustering: Clustering | None,
    search: bool = True,
) -> StoreResult:
    intents = dedupe(attempt.entries, read_known_items(session, attempt.feed_id, attempt.entries))
    now = attempt.finished_at

    def tags_of(entry: EntryValues) -> ItemTags:
        tags = attempt.tags.get(entry.guid)
        if tags is None:
            tags = tagger(entry) if tagger is not None else ItemTags()
        return tags

    new_rows: list[dict[str, Any]] = []
    new_tags: list[ItemTags] = []
    new_entries: list[EntryValues] = []
    # (stored item id, or position of the new item) and the guid it was carried under
    sightings: list[tuple[int | None, int | None, str]] = []
    duplicates = updated = 0
    for intent in intents:
        entry = intent.entry
        if isinstance(intent, NewItem):
            sightings.append((None, len(new_rows), entry.guid))
            tags = tags_of(entry)
            new_tags.append(tags)
            new_entries.append(entry)
            new_rows.append({**_item_row(entry, attempt.feed_id, now), **flag_values(tags)})
            continue
        duplicates += 1
        if isinstance(intent, Sighting):
            sightings.append((intent.item_id, intent.new_item, entry.guid))
        elif isinstance(intent, Update):
            _update_item(session, intent.item_id, entry, intent.link_key, now, tags_of(entry))
            updated += 1

    ids: Sequence[int] = ()
    stories: dict[int, int] = {}
    if new_rows:
        # Core inserts on the session's connection: the ORM bulk path costs more than the SQL here.
        ids = insert_new_ids(session.connection(), _ITEMS, new_rows)
        if search:
            index_items(
                session.connection(),
                [(i, r["title"], r["summary"], r["language"]) for i, r in zip(ids, new_rows, strict=True)],
            )
        insert_tags(session, list(zip(ids, new_tags, strict=True)), set_flags=False)
        if clustering is not None:
            stories = assign_stories(
                session,
                [
                    NewStoryItem(
                        i,
                        attempt.feed_id,
                        e.published_at,
                        attempt.fingerprints.get(e.guid) or clustering.fingerprint(e),
                    )
                    for i, e in zip(ids, new_entries, strict=True)
                ],
                clustering.rule,
            )
    if sightings:
        # items stored before this attempt that gain a carrier count for it in the coverage aggregates
        known_before = [item_id for item_id, _new, _guid in sightings if item_id is not None]
        with counted(session, known_before, stories=False):  # a story's sources are its items' feeds
            session.connection().execute(
                insert(_SIGHTINGS),
                [
                    {
                        "item_id": _resolve(item_id, new, ids),
                        "feed_id": attempt.feed_id,
                        "guid": guid,
                        "seen_at": now,
                    }
                    for item_id, new, guid in sightings
                ],
            )
        # the feed's health per day (db.feed_days): new items' times are known, stored items' are read
        add_sightings(
            session,
            attempt.feed_id,
            [new_rows[n]["published_at"] for i, n, _g in sightings if i is None and n is not None],
            known_before,
        )
    if ids:
        # counted from the values just written (every sighting of a new item is this feed's)
        counted_values = [
            NewCounted(
                as_date(as_utc(row["published_at"])),
                bool(tags.flagged),
                row["language"] or "",
                [(c.iso3, c.region) for c in tags.countries],
                [t.id for t in tags.indicators],
                (attempt.feed_id,),
                [o.id for o in tags.organisations],
            )
            for row, tags in zip(new_rows, new_tags, strict=True)
        ]
        add_new_items(session, counted_values)
        add_story_items(session, stories, dict(zip(ids, counted_values, strict=True)))
    return StoreResult(len(new_rows), duplicates, updated, tuple(ids))


def _resolve(item_id: int | None, new: int | None, new_ids: Sequence[int]) -> int:
    """The id of a sighting's item: stored before, or new in this attempt."""
    if item_id is not None:
        return item_id
    assert new is not None, "a sighting names a stored item or a new one"
    return new_ids[new]


def _item_row(entry: EntryValues, feed_id: int, now: datetime) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "guid": entry.guid,
        "link": entry.link,
        "link_key": entry.link_key,
        "title": entry.title,
        "title_key": entry.title_key,
        "summary": entry.summary,
        "published_at": entry.published_at,
        "fetched_at": now,
        "language": entry.language,
        "content_hash": entry.content_hash,
    }


def _update_item(
    session: Session, item_id: int, entry: EntryValues, link_key: str | None, now: datetime, tags: ItemTags
) -> None:
    session.execute(
        update(Item)
        .where(Item.id == item_id)
        .values(
            title=entry.title,
            title_key=entry.title_key,
            summary=entry.summary,
            link=entry.link,
            link_key=link_key,
            language=entry.language,
            content_hash=entry.content_hash,
            updated_at=now,
        )
    )
    reindex(session.connection(), [item_id])
    replace_tags(session, [(item_id, tags)])
