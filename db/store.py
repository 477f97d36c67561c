"""Storing one feed attempt: items, sightings, tags, countries, organisations, the fetch-log row and
the feed's new state, all in ONE write transaction — a crash leaves the database as it was.

Dedupe rules (an entry is an existing item when, in this order):
1. the same guid was seen in the same feed (a sighting); if its text changed it is updated in place;
2. the same canonical link (``link_key``) is stored from any feed;
3. the same normalised title was carried by the same feed within 3 days.
Every feed that carried an item is recorded as a sighting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.counts import add_items, counted
from db.engine import Database
from db.models import Base, Feed, FetchLog, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag
from db.search import index_items, reindex
from db.stories import NewStoryItem, StoryRule, StoryValues, assign_stories
from db.values import CountryValues, IndicatorValues, OrganisationValues

TITLE_WINDOW = timedelta(days=3)
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
            self.new_items + later.new_items, self.duplicate_items + later.duplicate_items,
            self.updated_items + later.updated_items, self.new_item_ids + later.new_item_ids,
            later.url_changed, self.feed_missing or later.feed_missing,
        )


@dataclass(slots=True)
class _Known:
    item_id: int
    content_hash: str
    link_key: str | None = None


@dataclass(slots=True)
class _Lookup:
    by_guid: dict[str, _Known]
    by_link: dict[str, _Known]
    by_title: dict[str, list[tuple[_Known, datetime]]]

    def match(self, entry: EntryValues) -> tuple[str, _Known] | None:
        known = self.by_guid.get(entry.guid)
        if known is not None:
            return "guid", known
        if entry.link_key:
            known = self.by_link.get(entry.link_key)
            if known is not None:
                return "link", known
        if entry.title_key:
            for known, published in self.by_title.get(entry.title_key, ()):
                if abs(published - entry.published_at) <= TITLE_WINDOW:
                    return "title", known
        return None


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _lookup(session: Session, feed_id: int, entries: Sequence[EntryValues]) -> _Lookup:
    guids = sorted({e.guid for e in entries})
    links = sorted({e.link_key for e in entries if e.link_key})
    titles = sorted({e.title_key for e in entries if e.title_key})
    by_guid: dict[str, _Known] = {}
    by_link: dict[str, _Known] = {}
    by_title: dict[str, list[tuple[_Known, datetime]]] = {}
    conn = session.connection()  # plain rows, without the ORM's result machinery
    for chunk in _chunks(guids):
        rows = conn.execute(
            select(ItemSighting.guid, Item.id, Item.content_hash, Item.link_key)
            .join(Item, Item.id == ItemSighting.item_id)
            .where(ItemSighting.feed_id == feed_id, ItemSighting.guid.in_(chunk))
        )
        for guid, item_id, content_hash, link_key in rows:
            by_guid[guid] = _Known(item_id, content_hash, link_key)
    for chunk in _chunks(links):
        rows2 = conn.execute(
            select(Item.link_key, Item.id, Item.content_hash).where(Item.link_key.in_(chunk))
        )
        for link_key, item_id, content_hash in rows2:
            if link_key is not None:
                by_link[link_key] = _Known(item_id, content_hash, link_key)
    for chunk in _chunks(titles):
        rows3 = conn.execute(
            select(Item.title_key, Item.id, Item.content_hash, Item.link_key, Item.published_at)
            .join(ItemSighting, ItemSighting.item_id == Item.id)
            .where(ItemSighting.feed_id == feed_id, Item.title_key.in_(chunk))
            .distinct()
        )
        for key, item_id, content_hash, link_key, published in rows3:
            by_title.setdefault(key, []).append((_Known(item_id, content_hash, link_key), published))
    return _Lookup(by_guid, by_link, by_title)


def entries_to_tag(database: Database, feed_id: int, entries: Sequence[EntryValues]) -> list[EntryValues]:
    """The entries that will need tags when stored: new ones, and re-fetched ones whose text changed.
    A read-only guess made before the write; the write re-checks and tags any it missed."""
    if not entries:
        return []
    with database.read() as session:
        lookup = _lookup(session, feed_id, entries)
    out = []
    for entry in entries:
        m = lookup.match(entry)
        if m is None or (m[0] == "guid" and m[1].content_hash != entry.content_hash):
            out.append(entry)
    return out


@dataclass(frozen=True, slots=True)
class Clustering:
    """How new items join stories in the same transaction: the rule, and the fingerprint of an entry
    the caller did not fingerprint."""

    rule: StoryRule
    fingerprint: Callable[[EntryValues], StoryValues]


def store_attempt(
    database: Database, attempt: FeedAttempt, *, tagger: Tagger | None = None,
    clustering: Clustering | None = None, earlier: StoreResult | None = None,
) -> StoreResult:
    """Store the attempt in one transaction. ``tagger`` tags entries found to need tags that the
    caller did not tag (another feed stored the same item in between); without it they get none.
    With ``clustering``, every new item joins a story in the same transaction. ``earlier`` is what
    ``store_batch`` already stored of this fetch: the fetch log and the result count it too."""
    with database.write() as session:
        feed = session.get(Feed, attempt.feed_id)
        if feed is None:
            return StoreResult(feed_missing=True)
        result = _store_entries(session, attempt, tagger, clustering) if attempt.entries else StoreResult()
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
    database: Database, attempt: FeedAttempt, *, tagger: Tagger | None = None,
    clustering: Clustering | None = None,
) -> StoreResult:
    """Store some of a big fetch's entries in their own transaction, leaving the feed's state and
    fetch log to the ``store_attempt`` that carries the last of them. Each item is whole (tags, story,
    counts) when its batch commits; after a crash between batches the feed keeps its old ETag, so the
    next fetch brings the rest and the stored ones are recognised as duplicates."""
    with database.write() as session:
        if session.get(Feed, attempt.feed_id) is None:
            return StoreResult(feed_missing=True)
        return _store_entries(session, attempt, tagger, clustering) if attempt.entries else StoreResult()


def _store_entries(
    session: Session, attempt: FeedAttempt, tagger: Tagger | None, clustering: Clustering | None
) -> StoreResult:
    lookup = _lookup(session, attempt.feed_id, attempt.entries)
    now = attempt.finished_at

    def tags_of(entry: EntryValues) -> ItemTags:
        tags = attempt.tags.get(entry.guid)
        if tags is None:
            tags = tagger(entry) if tagger is not None else ItemTags()
        return tags

    new_rows: list[dict[str, Any]] = []
    new_tags: list[ItemTags] = []
    pending: list[_Known] = []  # placeholders for new items, ids filled after the insert
    pending_entries: list[EntryValues] = []
    sightings: list[tuple[_Known, str]] = []
    duplicates = updated = 0
    for entry in attempt.entries:
        m = lookup.match(entry)
        if m is None:
            known = _Known(-1, entry.content_hash, entry.link_key)
            pending.append(known)
            pending_entries.append(entry)
            tags = tags_of(entry)
            new_tags.append(tags)
            new_rows.append({**_item_row(entry, attempt.feed_id, now), **_flag_values(tags)})
            sightings.append((known, entry.guid))
            lookup.by_guid[entry.guid] = known
            if entry.link_key:
                lookup.by_link[entry.link_key] = known
            if entry.title_key:
                lookup.by_title.setdefault(entry.title_key, []).append((known, entry.published_at))
            continue
        via, known = m
        duplicates += 1
        if via != "guid":
            sightings.append((known, entry.guid))
            lookup.by_guid[entry.guid] = known
        elif known.content_hash != entry.content_hash and known.item_id > 0:
            link_key = entry.link_key
            owner = lookup.by_link.get(link_key) if link_key else None
            if link_key and owner is not None and owner is not known:
                link_key = known.link_key  # the new link is another item's; keep ours
            _update_item(session, known.item_id, entry, link_key, now, tags_of(entry))
            known.content_hash = entry.content_hash
            updated += 1

    pending_set = {id(k) for k in pending}
    if new_rows:
        # Core inserts on the session's connection: the ORM bulk path costs more than the SQL here.
        ids = (
            session.connection()
            .execute(insert(_ITEMS).returning(_ITEMS.c.id, sort_by_parameter_order=True), new_rows)
            .scalars()
            .all()
        )
        for known, item_id in zip(pending, ids, strict=True):
            known.item_id = item_id
        index_items(
            session.connection(),
            [(i, r["title"], r["summary"], r["language"]) for i, r in zip(ids, new_rows, strict=True)],
        )
        _insert_tags(
            session, [(k.item_id, t) for k, t in zip(pending, new_tags, strict=True)], set_flags=False
        )
        if clustering is not None:
            assign_stories(
                session,
                [
                    NewStoryItem(k.item_id, attempt.feed_id, e.published_at,
                                 attempt.fingerprints.get(e.guid) or clustering.fingerprint(e))
                    for k, e in zip(pending, pending_entries, strict=True)
                ],
                clustering.rule,
            )
    if sightings:
        # items stored before this attempt that gain a carrier count for it in the coverage aggregates
        known_before = [k.item_id for k, _guid in sightings if id(k) not in pending_set]
        with counted(session, known_before):
            session.connection().execute(
                insert(_SIGHTINGS),
                [
                    {"item_id": k.item_id, "feed_id": attempt.feed_id, "guid": guid, "seen_at": now}
                    for k, guid in sightings
                ],
            )
    if pending:
        add_items(session, [k.item_id for k in pending])
    return StoreResult(len(new_rows), duplicates, updated, tuple(k.item_id for k in pending))


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
