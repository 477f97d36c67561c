"""Stories: new items join the story of a near-duplicate seen within the time window, else start one.

Runs inside the write transaction that stores the items (db.store), so an item is never stored without
its story. The pairwise rule (how similar two fingerprints must be) is handed in by the caller as a
``StoryRule``; this module only finds candidates (items sharing a band key within the window) and keeps
the story rows and their counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import Executable, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.models import Base, Story, StoryItem, StoryKey
from db.new_ids import insert_new_ids
from db.types import as_utc

_CHUNK = 500
_STORIES = Base.metadata.tables["stories"]
# A band key shared by more items than this in the window says little (a boilerplate title, a feed of
# near-identical entries); only its latest items are compared, so one feed of 80,000 look-alike entries
# costs linear time, not 80,000 x 80,000 comparisons.
MAX_CANDIDATES_PER_KEY = 64
MAX_COMPARISONS_PER_ITEM = 256


@dataclass(frozen=True, slots=True)
class StoryValues:
    """An item's fingerprint: MinHash signature, band keys, the numbers of its title."""

    signature: bytes
    bands: tuple[int, ...]
    numbers: str = ""


@dataclass(frozen=True, slots=True)
class StoryRule:
    """Two fingerprints are the same story when ``match`` says so and the items were published within
    ``window`` of each other and of the story's first item."""

    window: timedelta
    match: Callable[[StoryValues, StoryValues], bool]


@dataclass(frozen=True, slots=True)
class NewStoryItem:
    item_id: int
    feed_id: int | None
    published_at: datetime
    values: StoryValues


@dataclass(slots=True)
class _Candidate:
    item_id: int
    story_id: int
    published_at: datetime
    values: StoryValues
    first_seen: datetime


def assign_stories(session: Session, items: Sequence[NewStoryItem], rule: StoryRule) -> dict[int, int]:
    """Give each new item a story; returns {item_id: story_id}."""
    if not items:
        return {}
    ordered = sorted(items, key=lambda i: (i.published_at, i.item_id))
    lo = ordered[0].published_at - rule.window
    hi = ordered[-1].published_at + rule.window
    by_key = _candidates(session, sorted({k for i in ordered for k in i.values.bands}), lo, hi)

    first_seen: dict[int, datetime] = {}  # story_id -> earliest item, as it moves in this batch
    assigned: dict[int, int] = {}
    new_stories: list[dict[str, object]] = []
    pending_new: dict[int, list[NewStoryItem]] = {}  # provisional negative ids for stories made here
    next_provisional = -1
    touched: set[int] = set()
    for item in ordered:
        best: _Candidate | None = None
        best_sim = -1.0
        seen: set[int] = set()
        for key in item.values.bands:
            if len(seen) >= MAX_COMPARISONS_PER_ITEM:
                break
            for cand in by_key.get(key, ())[-MAX_CANDIDATES_PER_KEY:]:
                if cand.item_id in seen:
                    continue
                seen.add(cand.item_id)
                if abs(item.published_at - cand.published_at) > rule.window:
                    continue
                if abs(item.published_at - first_seen.get(cand.story_id, cand.first_seen)) > rule.window:
                    continue
                if not rule.match(item.values, cand.values):
                    continue
                sim = _agreement(item.values.signature, cand.values.signature)
                if sim > best_sim:
                    best, best_sim = cand, sim
        if best is None:
            story_id = next_provisional
            next_provisional -= 1
            first_seen[story_id] = item.published_at
            pending_new[story_id] = []
        else:
            story_id = best.story_id
            first_seen[story_id] = min(first_seen.get(story_id, best.first_seen), item.published_at)
        assigned[item.item_id] = story_id
        if story_id < 0:
            pending_new[story_id].append(item)
        else:
            touched.add(story_id)
        me = _Candidate(item.item_id, story_id, item.published_at, item.values, first_seen[story_id])
        for key in item.values.bands:
            by_key.setdefault(key, []).append(me)

    # Create the stories made here, then replace provisional ids.
    real: dict[int, int] = {}
    for provisional, members in sorted(pending_new.items(), reverse=True):
        times = [m.published_at for m in members]
        new_stories.append(
            {
                "first_seen_at": min(times),
                "last_seen_at": max(times),
                "items": len(members),
                "sources": len({m.feed_id for m in members}),
            }
        )
        real[provisional] = 0
    if new_stories:
        ids = insert_new_ids(session.connection(), _STORIES, new_stories)
        for provisional, story_id in zip(sorted(pending_new, reverse=True), ids, strict=True):
            real[provisional] = story_id
    result = {item_id: (real[s] if s < 0 else s) for item_id, s in assigned.items()}

    by_id = {i.item_id: i for i in ordered}
    session.connection().execute(
        insert(StoryItem),
        [
            {
                "item_id": item_id,
                "story_id": story_id,
                "feed_id": by_id[item_id].feed_id,
                "published_at": by_id[item_id].published_at,
                "signature": by_id[item_id].values.signature,
                "numbers": by_id[item_id].values.numbers,
            }
            for item_id, story_id in result.items()
        ],
    )
    _insert_keys(session, ordered)
    if touched:
        refresh_stories(session, sorted(touched))
    return result


def _insert_keys(session: Session, items: Sequence[NewStoryItem]) -> None:
    """Sixteen band keys per item: the bulkiest insert of a feed's transaction, so it skips the ORM
    and the per-row type processing and hands the driver plain tuples (values as UTCDateTime stores
    them: naive UTC text on SQLite, aware datetimes on PostgreSQL)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        sql = 'INSERT INTO story_keys (item_id, "key", published_at) VALUES (?, ?, ?)'

        def when(t: datetime) -> object:
            return f"{t.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
    else:
        sql = 'INSERT INTO story_keys (item_id, "key", published_at) VALUES (%s, %s, %s)'

        def when(t: datetime) -> object:
            return t.astimezone(UTC)

    rows = [
        (i.item_id, k, at)
        for i in items
        for at in (when(i.published_at),)  # formatted once per item, not once per key
        for k in dict.fromkeys(i.values.bands)
    ]
    if rows:
        conn.exec_driver_sql(sql, rows)


def _agreement(a: bytes, b: bytes) -> float:
    """The share of equal MinHash values (32-bit words): the estimated Jaccard similarity."""
    if not a or len(a) != len(b) or len(a) % 4:
        return 0.0
    x, y = memoryview(a).cast("I"), memoryview(b).cast("I")
    return sum(1 for p, q in zip(x, y, strict=True) if p == q) / len(x)


@cache
def _candidates_query() -> Executable:
    """Each of the ``keys``' latest MAX_CANDIDATES_PER_KEY items published in [``lo``, ``hi``], with
    their story, oldest first (so a key's ``[-N:]`` are its latest). Built once: constructing it for
    every feed cost more than running it."""
    # only each key's latest MAX_CANDIDATES_PER_KEY items leave the database: a boilerplate key
    # shared by thousands of items in the window had them all read (1.4 GB in a load test)
    latest = (
        select(
            StoryKey.key,
            StoryKey.item_id,
            func.row_number()
            .over(
                partition_by=StoryKey.key,
                order_by=(StoryKey.published_at.desc(), StoryKey.item_id.desc()),
            )
            .label("rank"),
        )
        .where(
            StoryKey.key.in_(bindparam("keys", expanding=True)),
            StoryKey.published_at >= bindparam("lo"),
            StoryKey.published_at <= bindparam("hi"),
        )
        .subquery()
    )
    return (
        select(
            latest.c.key,
            StoryItem.item_id,
            StoryItem.story_id,
            StoryItem.published_at,
            StoryItem.signature,
            StoryItem.numbers,
            Story.first_seen_at,
        )
        .join(StoryItem, StoryItem.item_id == latest.c.item_id)
        .join(Story, Story.id == StoryItem.story_id)
        .where(latest.c.rank <= MAX_CANDIDATES_PER_KEY)
        .order_by(StoryItem.published_at, StoryItem.item_id)
    )


def _candidates(
    session: Session, keys: Sequence[int], lo: datetime, hi: datetime
) -> dict[int, list[_Candidate]]:
    found: dict[int, list[_Candidate]] = {}
    rows: dict[int, _Candidate] = {}
    conn = session.connection()  # plain rows: the ORM's result machinery doubled this query's cost
    stmt = _candidates_query()
    for chunk in chunks(list(keys), _CHUNK):
        params = {"keys": list(chunk), "lo": lo, "hi": hi}
        for key, item_id, story_id, published, signature, numbers, first_seen in conn.execute(stmt, params):
            cand = rows.get(item_id)
            if cand is None:
                cand = rows[item_id] = _Candidate(
                    item_id, story_id, published, StoryValues(bytes(signature), (), numbers or ""), first_seen
                )
            found.setdefault(key, []).append(cand)
    return found


@cache
def _story_stats_query() -> Executable:
    """Items, distinct feeds, first and last publication of the stories ``ids`` (built once)."""
    return (
        select(
            StoryItem.story_id,
            func.count(),
            func.count(func.distinct(StoryItem.feed_id)),
            func.min(StoryItem.published_at),
            func.max(StoryItem.published_at),
        )
        .where(StoryItem.story_id.in_(bindparam("ids", expanding=True)))
        .group_by(StoryItem.story_id)
    )


@cache
def _story_update() -> Executable:
    """One story's counts and first/last seen, by id (Core: the ORM's bulk update costs more here)."""
    return (
        update(_STORIES)
        .where(_STORIES.c.id == bindparam("b_id"))
        .values(
            items=bindparam("b_items"),
            sources=bindparam("b_sources"),
            first_seen_at=bindparam("b_first", type_=_STORIES.c.first_seen_at.type),
            last_seen_at=bindparam("b_last", type_=_STORIES.c.last_seen_at.type),
        )
    )


def refresh_stories(session: Session, story_ids: Sequence[int]) -> None:
    """Recount items and distinct feeds of these stories; move their first/last seen (stories that
    gained items; stories whose items were deleted)."""
    session.flush()  # what session.execute would do before reading: pending ORM changes count
    conn = session.connection()
    for chunk in chunks(list(story_ids), _CHUNK):
        stats = conn.execute(_story_stats_query(), {"ids": list(chunk)}).all()
        if stats:
            conn.execute(
                _story_update(),
                [
                    {
                        "b_id": sid,
                        "b_items": n,
                        "b_sources": max(1, feeds),
                        "b_first": as_utc(first),
                        "b_last": as_utc(last),
                    }
                    for sid, n, feeds, first, last in stats
                ],
            )
