"""A document over a megabyte is parsed a slice of entries at a time and normalised, tagged and stored a
batch at a time; what is stored is what the whole document holds, once (issue 8: memory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from db import Database
from db.models import FetchLog, Item
from ingest.chunks import MIN_CUT_BYTES, entry_layout
from ingest.pipeline import BATCH_ENTRIES
from ingest.runner import run_pass
from tests.ingest_support import (
    FeedServer,
    Reply,
    add_feeds,
    feed_row,
    ingest_config,
    item_count,
    last_log,
    rss,
    rss_item,
)

pytestmark = pytest.mark.slow

ENTRIES = 3 * BATCH_ENTRIES + 700
PLACEHOLDER = "https://news.example.com/"  # shared by two entries far apart: identifies neither


def _entry(n: int) -> str:
    if n == ENTRIES - 3:  # repeats the guid of entry 5, thousands of entries (many slices) later
        return rss_item(n, guid="big-5", prefix="big")
    if n in (7, ENTRIES - 7):
        return rss_item(n, link=PLACEHOLDER, prefix="big")
    return rss_item(n, prefix="big", summary=f"Sanctions on militia leader {n} debated by the council")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    body = rss(_entry(n) for n in range(ENTRIES))
    layout = entry_layout(body)
    assert len(body) > MIN_CUT_BYTES and layout is not None and len(layout.starts) == ENTRIES  # sliced
    with FeedServer() as s:
        s.routes["/big"] = Reply(body=body, headers={"ETag": '"v1"'})
        yield s


def test_a_big_document_is_stored_fully_and_once(db: Database, server: FeedServer) -> None:
    (feed_id,) = add_feeds(db, [server.url("/big")])
    first = run_pass(db, ingest_config(server), all_feeds=True)
    assert first.failed == 0 and first.new_items == ENTRIES - 1
    assert item_count(db, feed_id) == ENTRIES - 1
    log = last_log(db, feed_id)
    assert (log.status, log.new_items) == ("ok", ENTRIES - 1)
    assert "1 entries repeated a guid within the document" in (log.note or "")
    with db.read() as s:
        assert int(s.scalar(select(func.count()).select_from(FetchLog)) or 0) == 1
        guids = list(s.scalars(select(Item.guid)))
        placeholders = s.scalars(select(Item.link_key).where(Item.link == PLACEHOLDER)).all()
    assert sorted(guids) == sorted({f"big-{n}" for n in range(ENTRIES) if n != ENTRIES - 3})
    assert placeholders == [None, None]  # counted over the whole document, not per slice

    with db.engine.begin() as conn:  # due again, and the server forgets its ETag: same entries again
        conn.exec_driver_sql("UPDATE feeds SET next_due_at = NULL, etag = NULL")
    second = run_pass(db, ingest_config(server), all_feeds=True)
    assert second.new_items == 0 and second.failed == 0
    assert item_count(db, feed_id) == ENTRIES - 1
    assert feed_row(db, feed_id).last_status == "ok"
