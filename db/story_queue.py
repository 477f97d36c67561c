"""The review queue by story: one row per story with at least one item the filters select, its items
inside (all of them, not only the selected ones), and the items a decision on a story applies to.

An item stored without clustering has no story row; it is shown as a story of its own, keyed by the
negative of its id (``StoryKey``), so nothing the filters select is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from db.engine import Database
from db.filters import ItemFilter, filtered_ids
from db.models import Item, Story, StoryItem
from db.rows import ItemRow, item_rows
from db.types import as_utc, utcnow

#: a story's id, or -item id for an item without a story
StoryKey = int
MAX_STORIES_PAGE = 200
MAX_STORY_ITEMS = 500  # items shown inside one story (a decision still applies to all)


@dataclass(frozen=True, slots=True)
class StoryRow:
    key: StoryKey
    first_seen_at: datetime
    sources: int
    items: int  # all items of the story
    selected: int  # of which the filters select this many
    members: tuple[ItemRow, ...]  # oldest first, at most MAX_STORY_ITEMS

    @property
    def title(self) -> str:
        return self.members[0].title if self.members else ""

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for m in self.members for i in m.indicators))

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for m in self.members for c in m.countries))

    @property
    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.members:
            out[m.status] = out.get(m.status, 0) + 1
        return out


def story_page(
    database: Database, flt: ItemFilter, *, start: int = 0, limit: int = 50
) -> tuple[list[StoryRow], int]:
    """Stories with items ``flt`` selects, newest first (by their latest selected item), rows
    ``start``..``start + limit``, and how many such stories there are."""
    start = max(0, int(start))
    limit = max(1, min(int(limit), MAX_STORIES_PAGE))
    key = func.coalesce(StoryItem.story_id, -Item.id).label("key")
    grouped = (
        select(key, func.max(Item.published_at).label("latest"), func.count().label("selected"))
        .select_from(Item)
        .outerjoin(StoryItem, StoryItem.item_id == Item.id)
        .where(Item.id.in_(filtered_ids(flt)))
        .group_by(key)
    ).subquery()
    with database.read() as session:
        total = int(session.scalar(select(func.count()).select_from(grouped)) or 0)
        found = session.execute(
            select(grouped.c.key, grouped.c.selected)
            .order_by(grouped.c.latest.desc(), grouped.c.key.desc())
            .offset(start)
            .limit(limit)
        ).all()
        keys = [int(k) for k, _n in found]
        selected = {int(k): int(n) for k, n in found}
        stories = {
            int(s.id): s
            for s in session.scalars(select(Story).where(Story.id.in_([k for k in keys if k > 0])))
        }
        members: dict[int, list[int]] = {k: [-k] for k in keys if k < 0}
        for story_id, item_id in session.execute(
            select(StoryItem.story_id, StoryItem.item_id)
            .where(StoryItem.story_id.in_(list(stories)))
            .order_by(StoryItem.story_id, StoryItem.published_at, StoryItem.item_id)
        ):
            members.setdefault(int(story_id), []).append(int(item_id))
        shown = {k: ids[:MAX_STORY_ITEMS] for k, ids in members.items()}
        rows = {r.id: r for r in item_rows(session, [i for ids in shown.values() for i in ids])}
    out: list[StoryRow] = []
    for k in keys:
        items = tuple(rows[i] for i in shown.get(k, []) if i in rows)
        story = stories.get(k)
        if story is not None:
            first, sources, count = as_utc(story.first_seen_at) or utcnow(), story.sources, story.items
        else:
            first = items[0].published_at if items else utcnow()
            sources, count = 1, len(items)
        out.append(StoryRow(k, first, sources, count, selected[k], items))
    return out, total


def story_item_ids(database: Database, keys: Iterable[StoryKey]) -> list[int]:
    """Every item of these stories (a decision on a story applies to all of them)."""
    wanted = sorted({int(k) for k in keys})
    ids = {-k for k in wanted if k < 0}
    stories: Sequence[int] = [k for k in wanted if k > 0]
    if stories:
        with database.read() as session:
            ids.update(
                int(i)
                for i in session.scalars(select(StoryItem.item_id).where(StoryItem.story_id.in_(stories)))
            )
    return sorted(ids)
