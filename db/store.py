"""Storing one feed attempt: items, sightings, tags, countries, organisations, the fetch-log row and
the feed's new state, all in ONE write transaction — a crash leaves the database as it was.

Which entries are items already stored is the caller's rule (``ingest.dedupe``): inside the
transaction this module reads what it knows of the entries (:class:`KnownItems`), hands it to the
caller's ``dedupe`` and applies the intents that come back (:class:`NewItem`, :class:`Sighting`,
:class:`Update`, :class:`Unchanged`). The unique constraints stay here, and so does the retry when
another worker stored the same link at the same moment. Every feed that carried an item is recorded
as a sighting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.counts import add_items, counted
from db.engine import Database
from db.models import Base, Feed, FetchLog, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag
from db.search import index_items, reindex
from db.stories import NewStoryItem, StoryRule, StoryValues, assign_stories
from db.values import CountryValues, IndicatorValues, OrganisationValues

_ITEMS = Base.metadata.tables["items"]
_SIGHTINGS = Base.metadata.tables["item_sightings"]
_TAGS = Base.metadata.tables["item_tags"]
_COUNTRIES = Base.metadata.tables["item_countries"]
_ORGS = Base.metadata.tables["item_organisations"]
_CHUNK = 400  # bound on IN (...) lists
T = TypeVar("T")


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
class ItemTags:
    indicators: tuple[IndicatorValues, ...] = ()
    countries: tuple[CountryValues, ...] = ()
    organisations: tuple[OrganisationValues, ...] = ()
    flagged: bool = False
    taxonomy_version: str | None = None

    @property
    def score(self) -> float:
        return max((i.score for i in self.indicators), default=0.0)


Tagger = Callable[[EntryValues], ItemTags]
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


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _known_items(session: Session, feed_id: int, entries: Sequence[EntryValues]) -> KnownItems:
    guids = sorted({e.guid for e in entries})
    links = sorted({e.link_key for e in entries if e.link_key})
    titles = sorted({e.title_key for e in entries if e.title_key})
    by_guid: dict[str, KnownItem] = {}
    by_link: dict[str, KnownItem] = {}
    by_title: dict[str, list[tuple[KnownItem, datetime]]] = {}
    conn = session.connection()  # plain rows, without the ORM's result machinery
    for chunk in _chunks(guids):
        rows = conn.execute(
            select(ItemSighting.guid, Item.id, Item.content_hash, Item.link_key)
            .join(Item, Item.id == ItemSighting.item_id)
            .where(ItemSighting.feed_id == feed_id, ItemSighting.guid.in_(chunk))
        )
        for guid, item_id, content_hash, link_key in rows:
            by_guid[guid] = KnownItem(item_id, content_hash, link_key)
    for chunk in _chunks(links):
        rows2 = conn.execute(
            select(Item.link_key, Item.id, Item.content_hash).where(Item.link_key.in_(chunk))
        )
        for link_key, item_id, content_hash in rows2:
            if link_key is not None:
                by_link[link_key] = KnownItem(item_id, content_hash, link_key)
    for chunk in _chunks(titles):
        rows3 = conn.execute(
            select(Item.title_key, Item.id, Item.content_hash, Item.link_key, Item.published_at)
            .join(ItemSighting, ItemSighting.item_id == Item.id)
            .where(ItemSighting.feed_id == feed_id, Item.title_key.in_(chunk))
            .distinct()
        )
        for key, item_id, content_hash, link_key, published in rows3:
            by_title.setdefault(key, []).append((KnownItem(item_id, content_hash, link_key), published))
    return KnownItems(by_guid, by_link, by_title)


def known_items(database: Database, feed_id: int, entries: Sequence[EntryValues]) -> KnownItems:
    """What is stored of ``entries`` now, read outside the write (for a guess at which entries will
    need tags; the write reads it again and tags any the guess missed)."""
    if not entries:
        return KnownItems({}, {}, {})
    with database.read() as session:
        return _known_items(session, feed_id, entries)


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


def _retry_on_race(store: Callable[[], StoreResult]) -> StoreResult:
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
        feed = session.get(Feed, attempt.feed_id)
        if feed is None:
            return StoreResult(feed_missing=True)
        result = (
            _store_entries(session, attempt, dedupe, tagger, clustering)
            if attempt.entries and dedupe is not None
            else StoreResult()
        )
        if earlier is not None:
            result = earlier.plus(result)
        url_changed, notes = _update_feed(session, feed, attempt)
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
) -> StoreResult:
    intents = dedupe(attempt.entries, _known_items(session, attempt.feed_id, attempt.entries))
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
            new_rows.append({**_item_row(entry, attempt.feed_id, now), **_flag_values(tags)})
            continue
        duplicates += 1
        if isinstance(intent, Sighting):
            sightings.append((intent.item_id, intent.new_item, entry.guid))
        elif isinstance(intent, Update):
            _update_item(session, intent.item_id, entry, intent.link_key, now, tags_of(entry))
            updated += 1

    ids: Sequence[int] = ()
    if new_rows:
        # Core inserts on the session's connection: the ORM bulk path costs more than the SQL here.
        ids = (
            session.connection()
            .execute(insert(_ITEMS).returning(_ITEMS.c.id, sort_by_parameter_order=True), new_rows)
            .scalars()
            .all()
        )
        index_items(
            session.connection(),
            [(i, r["title"], r["summary"], r["language"]) for i, r in zip(ids, new_rows, strict=True)],
        )
        _insert_tags(session, list(zip(ids, new_tags, strict=True)), set_flags=False)
        if clustering is not None:
            assign_stories(
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
        with counted(session, known_before):
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
    if ids:
        add_items(session, list(ids))
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


def replace_tags(session: Session, tagged: Sequence[tuple[int, ItemTags]]) -> None:
    """Swap the tags of existing items (reviews are untouched)."""
    ids = [item_id for item_id, _ in tagged]
    with counted(session, ids):
        for chunk in _chunks(ids):
            session.execute(delete(ItemTag).where(ItemTag.item_id.in_(chunk)))
            session.execute(delete(ItemCountry).where(ItemCountry.item_id.in_(chunk)))
            session.execute(delete(ItemOrganisation).where(ItemOrganisation.item_id.in_(chunk)))
        _insert_tags(session, tagged, set_flags=True)


def _flag_values(tags: ItemTags) -> dict[str, Any]:
    return {"flagged": tags.flagged, "score": tags.score, "taxonomy_version": tags.taxonomy_version}


def _insert_tags(session: Session, tagged: Iterable[tuple[int, ItemTags]], *, set_flags: bool) -> None:
    tag_rows: list[dict[str, Any]] = []
    country_rows: list[dict[str, Any]] = []
    org_rows: list[dict[str, Any]] = []
    flag_rows: list[dict[str, Any]] = []
    for item_id, tags in tagged:
        version = tags.taxonomy_version or ""
        flag_rows.append({"id": item_id, **_flag_values(tags)})
        tag_rows += [
            {
                "item_id": item_id,
                "indicator": t.id,
                "score": t.score,
                "stage": t.stage,
                "evidence": [dict(e) for e in t.evidence],
                "taxonomy_version": version,
            }
            for t in tags.indicators
        ]
        country_rows += [
            {
                "item_id": item_id,
                "iso3": c.iso3,
                "region": c.region,
                "method": c.method,
                "evidence": [dict(e) for e in c.evidence],
            }
            for c in tags.countries
        ]
        org_rows += [
            {"item_id": item_id, "org_id": o.id, "evidence": [dict(e) for e in o.evidence]}
            for o in tags.organisations
        ]
    if tag_rows:
        session.connection().execute(insert(_TAGS), tag_rows)
    if country_rows:
        session.connection().execute(insert(_COUNTRIES), country_rows)
    if org_rows:
        session.connection().execute(insert(_ORGS), org_rows)
    if set_flags and flag_rows:
        session.execute(update(Item), flag_rows)  # ORM bulk UPDATE by primary key


def _update_feed(session: Session, feed: Feed, attempt: FeedAttempt) -> tuple[bool, list[str]]:
    notes = list(attempt.notes)
    url_changed = False
    feed.last_fetched_at = attempt.finished_at
    feed.next_due_at = attempt.next_due_at
    feed.lease_owner = None
    feed.lease_expires_at = None
    if feed.fetch_requested_at is not None and feed.fetch_requested_at <= attempt.started_at:
        feed.fetch_requested_at = None
    if attempt.status == "error":
        feed.last_status = "error"
        feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
        feed.last_error_kind = attempt.error_kind
        feed.last_error = attempt.error
    else:
        feed.last_status = attempt.status
        feed.last_success_at = attempt.finished_at
        feed.consecutive_failures = 0
        feed.last_error_kind = None
        feed.last_error = None
        feed.etag = attempt.etag[:500] if attempt.etag else None
        feed.last_modified = attempt.last_modified[:100] if attempt.last_modified else None
        if attempt.title and not feed.title:
            feed.title = attempt.title[:500]
    if attempt.new_url and attempt.new_url != feed.url:
        taken = session.scalar(select(Feed.id).where(Feed.url == attempt.new_url))
        if taken is None and len(attempt.new_url) <= 2048:
            notes.append(f"permanent redirect: URL changed from {feed.url} to {attempt.new_url}")
            feed.url = attempt.new_url
            feed.etag = feed.etag if attempt.status != "error" else None
            url_changed = True
        else:
            notes.append(f"permanent redirect to {attempt.new_url}, already another feed: URL kept")
    if attempt.disable_reason:
        feed.enabled = False
        feed.disabled_reason = attempt.disable_reason
        notes.append(f"feed disabled: {attempt.disable_reason}")
    return url_changed, notes
