"""A document with more entries than one batch: stored in batches, each item whole, the fetch logged once.

A failure between batches (here a real database trigger that refuses one item) keeps what earlier
batches stored complete, leaves the feed's ETag alone so the next fetch brings the rest, and the
retry stores each item once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from db import Database
from db.models import FetchLog, ItemTag, StoryItem
from ingest.pipeline import BATCH_ENTRIES
from ingest.runner import run_pass
from tests.ingest_support import (
    FeedServer,
    Reply,
    add_feeds,
    feed_row,
    ingest_config,
    item_count,
    rss,
    rss_item,
)

pytestmark = pytest.mark.slow

ENTRIES = 2 * BATCH_ENTRIES + 500
BAD_GUID = f"big-{BATCH_ENTRIES + 500}"  # in the second batch


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        body = rss(
            rss_item(i, prefix="big", summary=f"Sanctions on militia leader {i} debated by the council")
            for i in range(ENTRIES)
        )
        s.routes["/big"] = Reply(body=body, headers={"ETag": '"v1"'})
        yield s


def _count(db: Database, what: object) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def test_a_big_document_is_stored_in_batches_and_logged_once(db: Database, server: FeedServer) -> None:
    (feed_id,) = add_feeds(db, [server.url("/big")])
    summary = run_pass(db, ingest_config(server), all_feeds=True)
    assert summary.new_items == ENTRIES
    assert item_count(db, feed_id) == ENTRIES and _count(db, StoryItem) == ENTRIES
    assert _count(db, ItemTag) > 0  # tagged batch by batch
    with db.read() as s:
        logs = s.scalars(select(FetchLog).where(FetchLog.feed_id == feed_id)).all()
    assert [(log.status, log.new_items) for log in logs] == [("ok", ENTRIES)]
    assert feed_row(db, feed_id).etag == '"v1"'


def _refuse_one_item(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql(
                f"CREATE TRIGGER r2p_refuse BEFORE INSERT ON items WHEN NEW.guid = '{BAD_GUID}' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION r2p_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.guid = '{BAD_GUID}' THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER r2p_refuse BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION r2p_refuse()"
            )


def _accept_again(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS r2p_refuse")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS r2p_refuse ON items")
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS r2p_refuse()")


def test_a_failure_between_batches_keeps_whole_items_and_the_retry_stores_the_rest_once(
    db: Database, server: FeedServer
) -> None:
    (feed_id,) = add_feeds(db, [server.url("/big")])
    _refuse_one_item(db)
    try:
        first = run_pass(db, ingest_config(server), all_feeds=True)
    finally:
        _accept_again(db)
    assert first.failed == 1
    row = feed_row(db, feed_id)
    assert row.last_status == "error" and row.etag is None  # the next fetch brings the whole document
    stored = item_count(db, feed_id)
    assert stored == BATCH_ENTRIES  # the first batch, committed; nothing of the refused one
    assert _count(db, StoryItem) == stored  # each stored item is whole: it has its story

    with db.engine.begin() as conn:  # due again now
        conn.exec_driver_sql("UPDATE feeds SET next_due_at = NULL")
    second = run_pass(db, ingest_config(server), all_feeds=True)
    assert second.new_items == ENTRIES - BATCH_ENTRIES
    assert item_count(db, feed_id) == ENTRIES and _count(db, StoryItem) == ENTRIES
    assert feed_row(db, feed_id).etag == '"v1"'
