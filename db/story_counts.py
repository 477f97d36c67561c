"""The daily story aggregates (``DailyStoryCount``, ``DailyStoryFeed``) kept equal to the raw rows.

A story counts once, on the UTC day of its earliest item, for the union of its items' places (each
country, and each region once), organisations and indicators; each feed its items were stored from
(``story_items.feed_id``) gets a row too, so a window's distinct sources are the distinct feeds over
its days. What a story contributes changes when items join it (the union grows, its day can move
earlier), when its items are retagged and when they are deleted; every such write computes the
stories' contributions before and after and adds the difference, in the same transaction, written at
commit in key order like ``db.counts``:

* new items (``add_story_items``, from ``db.store``): a story made by the batch counts from the values
  just stored (no reads); a story the batch's items joined is read once without them (its rows are
  locked by then: ``db.stories`` updated them) and the new values are added in memory;
* changes to existing items (``db.counts.counted``): the stories of those items are read before and
  after the change (``story_shapes``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.delta_rows import add_rows, write_at_commit
from db.filters import as_date
from db.models import DailyStoryCount, DailyStoryFeed, ItemCountry, ItemOrganisation, ItemTag, StoryItem
from db.stories import refresh_stories
from db.types import as_utc

if TYPE_CHECKING:
    from db.counts import NewCounted

StoryKey = tuple[date, str, str, str]  # day, scope, key, indicator
StoryFeedKey = tuple[date, str, str, str, int]  # day, scope, key, indicator, feed id
#: story counts, story counts per feed, and the region of each key met ("" for none)
StoryContribution = tuple[dict[StoryKey, int], dict[StoryFeedKey, int], dict[str, str]]
_CHUNK = 500
_PENDING = "r2p_pending_story_counts"
_COUNTS: Table = DailyStoryCount.__table__  # type: ignore[assignment]
_FEEDS: Table = DailyStoryFeed.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class StoryShape:
    """What a story counts for: its first day and the union over its items."""

    day: date
    places: set[tuple[str, str | None]] = field(default_factory=set)  # (ISO3, region)
    indicators: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    feeds: set[int] = field(default_factory=set)

    def add(self, item: NewCounted) -> None:
        self.day = min(self.day, item.day)
        self.places.update(item.places)
        self.indicators.update(item.indicators)
        self.organisations.update(item.organisations)
        self.feeds.update(item.carriers)


def empty() -> StoryContribution:
    return {}, {}, {}


def count_story(into: StoryContribution, shape: StoryShape) -> None:
    """Add one story's contribution."""
    counts, feeds, regions = into
    keys = [("country", iso3, r or "") for iso3, r in shape.places]
    keys += [("region", r, r) for r in {r for _i, r in shape.places if r}]
    places_only = list(keys)
    for org in shape.organisations:
        keys += [(f"{scope}-org", f"{key}|{org}", region) for scope, key, region in places_only]
    day = shape.day
    for scope, key, region in keys:
        regions[key] = region
        for indicator in ("", *shape.indicators):
            k = (day, scope, key, indicator)
            counts[k] = counts.get(k, 0) + 1
            for feed_id in shape.feeds:
                fk = (day, scope, key, indicator, feed_id)
                feeds[fk] = feeds.get(fk, 0) + 1


def contribution(shapes: Iterable[StoryShape]) -> StoryContribution:
    out = empty()
    for shape in shapes:
        count_story(out, shape)
    return out


def stories_of(session: Session, item_ids: Collection[int]) -> list[int]:
    """The stories these items belong to."""
    found: set[int] = set()
    for chunk in chunks(sorted(item_ids), _CHUNK):
        found.update(session.scalars(select(StoryItem.story_id).where(StoryItem.item_id.in_(chunk))))
    return sorted(found)


def story_shapes(
    session: Session, story_ids: Iterable[int], without: Collection[int] = ()
) -> dict[int, StoryShape]:
    """The stories as stored now, leaving out the items ``without`` (a story with no other item is
    left out)."""
    shapes: dict[int, StoryShape] = {}
    for chunk in chunks(sorted(set(story_ids)), _CHUNK):
        members = select(StoryItem.item_id, StoryItem.story_id).where(StoryItem.story_id.in_(chunk))
        first = select(StoryItem.story_id, func.min(StoryItem.published_at)).where(
            StoryItem.story_id.in_(chunk)
        )
        feeds = select(StoryItem.story_id, StoryItem.feed_id).where(
            StoryItem.story_id.in_(chunk), StoryItem.feed_id.is_not(None)
        )
        if without:
            left_out = sorted(without)
            members = members.where(StoryItem.item_id.not_in(left_out))
            first = first.where(StoryItem.item_id.not_in(left_out))
            feeds = feeds.where(StoryItem.item_id.not_in(left_out))
        found = 0
        for story_id, published in session.execute(first.group_by(StoryItem.story_id)):
            shapes[int(story_id)] = StoryShape(as_date(as_utc(published)))
            found += 1
        if not found:
            continue
        for story_id, feed_id in session.execute(feeds.distinct()):
            shapes[int(story_id)].feeds.add(int(feed_id or 0))
        sub = members.subquery()
        for story_id, iso3, region in session.execute(
            select(sub.c.story_id, ItemCountry.iso3, ItemCountry.region)
            .join(ItemCountry, ItemCountry.item_id == sub.c.item_id)
            .distinct()
        ):
            shapes[int(story_id)].places.add((str(iso3), region))
        for story_id, indicator in session.execute(
            select(sub.c.story_id, ItemTag.indicator)
            .join(ItemTag, ItemTag.item_id == sub.c.item_id)
            .distinct()
        ):
            shapes[int(story_id)].indicators.add(str(indicator))
        for story_id, org in session.execute(
            select(sub.c.story_id, ItemOrganisation.org_id)
            .join(ItemOrganisation, ItemOrganisation.item_id == sub.c.item_id)
            .distinct()
        ):
            shapes[int(story_id)].organisations.add(str(org))
    return shapes


def apply(session: Session, before: StoryContribution, after: StoryContribution) -> None:
    """Add ``after - before`` to the tables when the transaction commits."""
    counts, feeds, regions = session.info.setdefault(_PENDING, empty())
    regions.update(before[2])
    regions.update(after[2])
    for sign, part in ((-1, before), (1, after)):
        for k, n in part[0].items():
            counts[k] = counts.get(k, 0) + sign * n
        for fk, n in part[1].items():
            feeds[fk] = feeds.get(fk, 0) + sign * n


@contextmanager
def stories_counted(session: Session, story_ids: Sequence[int]) -> Iterator[None]:
    """Keep the story aggregates (and the stories' rows) right across a change made inside the block
    to these stories' items: items joining or leaving them, retagged, deleted."""
    if not story_ids:
        yield
        return
    before = story_shapes(session, story_ids)
    yield
    session.flush()
    refresh_stories(session, story_ids)
    apply(session, contribution(before.values()), contribution(story_shapes(session, story_ids).values()))


def add_story_items(session: Session, stories: Mapping[int, int], items: Mapping[int, NewCounted]) -> None:
    """Count new items ``{item id: story id}`` with the values they were stored with: stories made for
    them count from those values alone; stories they joined are read without them first."""
    if not stories:
        return
    joined = story_shapes(session, set(stories.values()), without=list(stories))
    after = {
        sid: StoryShape(s.day, set(s.places), set(s.indicators), set(s.organisations), set(s.feeds))
        for sid, s in joined.items()
    }
    for item_id, story_id in stories.items():
        item = items[item_id]
        shape = after.get(story_id)
        if shape is None:
            after[story_id] = shape = StoryShape(item.day)
        shape.add(item)
    apply(session, contribution(joined.values()), contribution(after.values()))


def _write(session: Session, delta: StoryContribution) -> None:
    counts_delta, feeds_delta, regions = delta
    counts = [
        {
            "day": k[0],
            "scope": k[1],
            "key": k[2],
            "indicator": k[3],
            "region": regions.get(k[2], ""),
            "stories": n,
        }
        for k, n in sorted(counts_delta.items())
        if n
    ]
    add_rows(session, _COUNTS, counts, ("day", "scope", "key", "indicator"), ("stories",), "stories")
    feeds = [
        {"day": k[0], "scope": k[1], "key": k[2], "indicator": k[3], "feed_id": k[4], "stories": n}
        for k, n in sorted(feeds_delta.items())
        if n
    ]
    add_rows(session, _FEEDS, feeds, ("day", "scope", "key", "indicator", "feed_id"), ("stories",), "stories")


write_at_commit(_PENDING, _write)
