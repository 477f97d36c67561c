"""A feed whose server drips its headers must not stall ``r2pwatch ingest`` (issue 8, high): the pass
ends, a two-worker scheduler still fetches the healthy feeds, and SIGTERM stops it at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db import Database
from tests.ingest_support import FeedServer, Reply, add_feeds, feed_row, header_drip, item_count, simple_feed
from tests.test_ingest_process import ingest, ingest_env

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        for name in ("drip1", "drip2"):
            s.routes[f"/{name}"] = header_drip(s, seconds=120)
        for n in range(3):
            s.routes[f"/good{n}"] = Reply(body=simple_feed(2, prefix=f"good{n}"))
        yield s


def test_once_all_finishes_despite_a_header_drip(db: Database, server: FeedServer, tmp_path: Path) -> None:
    drip, good = add_feeds(db, [server.url("/drip1"), server.url("/good0")])
    env = ingest_env(tmp_path, db.url, server) | {"R2PWATCH_FETCH_TOTAL_TIMEOUT": "3"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "r2pwatch", "ingest", "--once", "--all"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 20
    assert feed_row(db, drip).last_error_kind == "timeout"
    assert "3 s" in (feed_row(db, drip).last_error or "")
    assert item_count(db, good) == 2


def test_two_workers_two_drips_healthy_feeds_still_fetched(
    db: Database, server: FeedServer, tmp_path: Path
) -> None:
    # the drips are claimed first (lowest ids) and take both workers
    ids = add_feeds(db, [server.url(p) for p in ("/drip1", "/drip2", "/good0", "/good1", "/good2")])
    env = ingest_env(tmp_path, db.url, server) | {
        "R2PWATCH_FETCH_TOTAL_TIMEOUT": "3",
        "R2PWATCH_INGEST_WORKERS": "2",
    }
    proc = ingest([], env, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(item_count(db, f) == 2 for f in ids[2:]):
            time.sleep(0.2)
        assert [item_count(db, f) for f in ids[2:]] == [2, 2, 2]
        assert {feed_row(db, f).last_error_kind for f in ids[:2]} == {"timeout"}
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_sigterm_stops_the_scheduler_during_a_stuck_fetch(
    db: Database, server: FeedServer, tmp_path: Path
) -> None:
    (drip,) = add_feeds(db, [server.url("/drip1")])
    env = ingest_env(tmp_path, db.url, server) | {
        "R2PWATCH_FETCH_TOTAL_TIMEOUT": "120",
        "R2PWATCH_FETCH_READ_TIMEOUT": "60",
    }
    proc = ingest([], env, tmp_path)
    deadline = time.monotonic() + 30
    while server.hits("/drip1") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.hits("/drip1") == 1
    time.sleep(1.0)  # well into the drip
    proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 5, err
    assert proc.returncode == 0, err
    assert "stopped cleanly" in err
    row = feed_row(db, drip)
    # the aborted fetch is nobody's fault: no error recorded, the lease given back
    assert row.last_status == "never" and row.consecutive_failures == 0
    assert row.lease_owner is None
