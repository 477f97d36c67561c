"""Re-tag stored items after a taxonomy change; reviews stay as they are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from db.engine import Database
from db.retag import count_items, iter_item_texts, save_tags
from ingest.tagging import EntryTagger


@dataclass(frozen=True, slots=True)
class RetagReport:
    """How many items were re-tagged, how many changed their indicators, and per indicator how many
    items gained or lost it."""

    items: int
    changed_items: int
    gained: dict[str, int]
    lost: dict[str, int]


def retag(
    database: Database,
    tagger: EntryTagger,
    *,
    since: datetime | None = None,
    on_total: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RetagReport:
    """Re-tag the items published on or after ``since`` (all when None). ``on_total`` hears how many
    items there are, ``on_batch`` the size of each batch stored (progress)."""
    total = count_items(database, since=since)
    if on_total is not None:
        on_total(total)
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    changed_items = 0
    for batch in iter_item_texts(database, since=since):
        tagged = []
        for item in batch:
            tags = tagger.tag_text(item.title, item.summary, item.language, item.published_at)
            new = {t.id for t in tags.indicators}
            gained.update(new - item.indicators)
            lost.update(item.indicators - new)
            changed_items += new != item.indicators
            tagged.append((item.id, tags))
        save_tags(database, tagged)
        if on_batch is not None:
            on_batch(len(batch))
    return RetagReport(total, changed_items, dict(gained), dict(lost))
