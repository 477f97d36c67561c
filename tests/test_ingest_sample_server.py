"""The demo's sample feed server, ingested for real: 304s when nothing changed, new items over time."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from db import Database
from db.feeds import NewFeed, add_feeds
from db.models import Item
from ingest.runner import run_pass
from r2pwatch.sample import load_sample_feeds
from r2pwatch.sample_server import sample_feed_list, start_sample_server
from tests.ingest_support import ingest_config


@pytest.mark.slow
def test_sample_server_releases_items_and_answers_304(db: Database) -> None:
    server, base, urls = start_sample_server(release_every=0.5, hold_back=3)
    try:
        infos = sample_feed_list()
        assert {i.slug for i in infos} == set(urls)
        add_feeds(
            db,
            [
                NewFeed(
                    url=urls[i.slug], title=i.title, region=i.region, language=i.language, category=i.category
                )
                for i in infos
            ],
        )
        port = server.server_address[1]
        config = ingest_config(None, fetch__allow_private=[f"127.0.0.1:{port}"])
        total = sum(len(f.items) for f in load_sample_feeds())

        first = run_pass(db, config, all_feeds=True)
        assert first.failed == 0, first.failed_by_kind
        with db.read() as s:
            stored = int(s.scalar(select(func.count()).select_from(Item)) or 0)
        assert total - 3 - first.duplicate_items <= stored <= total

        time.sleep(2.0)  # all three held items are out now
        later = run_pass(db, config, all_feeds=True)
        assert later.failed == 0 and later.new_items >= 1
        assert later.not_modified >= len(urls) - 3
        quiet = run_pass(db, config, all_feeds=True)
        assert quiet.not_modified == len(urls) and quiet.new_items == 0
    finally:
        server.shutdown()
        server.server_close()
