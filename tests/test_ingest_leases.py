"""``ingest --once --all`` right after a worker died: on PostgreSQL its leases still hold, and the pass
says how many feeds it skipped and until when, instead of skipping them silently; on SQLite the file
lock proves the dead worker gone, so its leases are cleared and every feed is fetched."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import Database
from db.claims import claim_feeds
from db.types import utcnow
from r2pwatch.ingest_cli import run_ingest
from tests.ingest_support import FeedServer, Reply, add_feeds, ingest_settings, item_count, simple_feed


def test_once_all_reports_feeds_leased_by_a_dead_worker(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with FeedServer() as server:
        for n in range(3):
            server.routes[f"/f{n}"] = Reply(body=simple_feed(2, prefix=f"f{n}"))
        ids = add_feeds(db, [server.url(f"/f{n}") for n in range(3)])
        now = utcnow()
        held = claim_feeds(db, owner="other-host:123:dead", now=now, lease_seconds=600, limit=2)
        assert len(held) == 2
        code = run_ingest(db, ingest_settings(server), once=True, all_feeds=True)
    assert code == 0
    err = capsys.readouterr().err
    if db.is_sqlite:
        assert "leased" not in err
        assert [item_count(db, f) for f in ids] == [2, 2, 2]
        return
    assert "2 feeds skipped: still leased by another worker until " in err
    until = (now + timedelta(seconds=600)).strftime("%Y-%m-%d %H:%M")
    assert until in err
    assert sorted(item_count(db, f) for f in ids) == [0, 0, 2]
