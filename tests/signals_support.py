"""Storing items the way ingestion does (db.store with clustering) for the stories and alerts tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from db import Database
from db.attempt import FeedAttempt, StoreResult
from db.feeds import NewFeed, add_feed
from db.item_tags import ItemTags
from db.store import store_attempt
from db.values import CountryValues, IndicatorValues
from ingest.dedupe import decide
from ingest.normalise import Entry, title_key
from ingest.stories import make_clustering

CLUSTERING = make_clustering(threshold=0.25, window_hours=36)
REGION = {
    "SDN": "africa",
    "TCD": "africa",
    "NER": "africa",
    "FRA": "europe-central-asia",
    "SYR": "middle-east-north-africa",
}


def entry(title: str, published: datetime, summary: str = "", guid: str | None = None) -> Entry:
    guid = guid or hashlib.sha1(f"{title}{published}".encode()).hexdigest()
    return Entry(
        guid=guid,
        link=f"https://example.org/{guid}",
        link_key=f"https://example.org/{guid}",
        title=title,
        title_key=title_key(title),
        summary=summary,
        published_at=published,
        language="en",
        content_hash=guid,
    )


def tags(indicators: Sequence[str] = (), countries: Sequence[str] = ()) -> ItemTags:
    return ItemTags(
        indicators=tuple(IndicatorValues(i, 1.5, None, ()) for i in indicators),
        countries=tuple(CountryValues(c, REGION.get(c), "name", ()) for c in countries),
        flagged=bool(indicators),
        taxonomy_version="test",
    )


def feed(db: Database, name: str) -> int:
    return add_feed(db, NewFeed(url=f"https://{name}.example/rss", title=name))


def store(db: Database, feed_id: int, when: datetime, items: Sequence[tuple[Entry, ItemTags]]) -> StoreResult:
    attempt = FeedAttempt(
        feed_id=feed_id,
        started_at=when,
        finished_at=when,
        status="ok",
        next_due_at=when,
        entries=tuple(e for e, _ in items),
        tags={e.guid: t for e, t in items},
    )
    return store_attempt(db, attempt, dedupe=decide, clustering=CLUSTERING)
