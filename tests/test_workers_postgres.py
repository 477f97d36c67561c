"""Several ``r2pwatch ingest`` workers sharing feeds through PostgreSQL row leases, and a PostgreSQL
restart under them, on a private PostgreSQL server (never the shared one)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import Database, open_database
from db.models import Feed, FetchLog, Item, ItemSighting
from db.recount import expected, stored
from tests.ingest_support import FeedServer, Reply, add_feeds, rss, rss_item
from tests.own_postgres import OwnPostgres, own_postgres
from tests.test_ingest_process import ingest_env

pytestmark = pytest.mark.slow
ITEMS = 3


@pytest.fixture
def private_pg() -> Iterator[OwnPostgres]:
    try:
        with own_postgres() as server:
            yield server
    except RuntimeError as exc:
        pytest.skip(str(exc))


class CountingServer(FeedServer):
    """Feeds /feed0.. that answer slowly and count their fetches."""

    def __init__(self, feeds: int, delay: float) -> None:
        super().__init__()
        self.hits: dict[str, int] = {}  # type: ignore[assignment]
        self.lock = threading.Lock()
        for f in range(feeds):
            body = rss(
                rss_item(i, prefix=f"f{f}", summary=f"Sanctions on Sudan, item {i} of feed {f}.")
                for i in range(ITEMS)
            )
            self.routes[f"/feed{f}"] = self._slow(f"/feed{f}", Reply(body=body), delay)

    def _slow(self, path: str, reply: Reply, delay: float) -> object:
        def handle(h: BaseHTTPRequestHandler) -> None:
            with self.lock:
                self.hits[path] = self.hits.get(path, 0) + 1
            time.sleep(delay)
            reply(h)

        return handle


def fetch_logs(db: Database) -> dict[int, int]:
    with db.read() as s:
        rows = s.execute(
            select(FetchLog.feed_id, func.count()).where(FetchLog.status == "ok").group_by(FetchLog.feed_id)
        )
        return {int(f): int(n) for f, n in rows}


def wait_for(cond: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def assert_stored_once(db: Database, feeds: int) -> None:
    with db.read() as s:
        n_items = int(s.scalar(select(func.count()).select_from(Item)) or 0)
        n_sightings = int(s.scalar(select(func.count()).select_from(ItemSighting)) or 0)
        dupes = s.execute(select(Item.link_key).group_by(Item.link_key).having(func.count() > 1)).all()
        have, want = stored(s), expected(s)
    assert (n_items, n_sightings, dupes) == (feeds * ITEMS, feeds * ITEMS, [])
    assert have == want  # the aggregates too


def ingest(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """An ``r2pwatch ingest`` worker logging to a file (a pipe nobody reads would fill and block it)."""
    with (cwd / f"worker-{time.monotonic_ns()}.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "r2pwatch", "ingest"],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()


def test_three_workers_share_feeds_and_take_over_a_killed_ones(
    private_pg: OwnPostgres, tmp_path: Path
) -> None:
    feeds = 240
    db = open_database(private_pg.url)
    with CountingServer(feeds, delay=0.1) as server:
        ids = add_feeds(db, [server.url(f"/feed{f}") for f in range(feeds)])
        # long enough to cover a worker's start (building the tagger on a busy machine): a lease that
        # runs out while its holder is still working lets a second worker fetch the feed again
        lease = 15
        env = ingest_env(tmp_path, private_pg.url, server, lease_seconds=lease)
        workers = [ingest(env, tmp_path) for _ in range(3)]
        try:
            wait_for(lambda: sum(fetch_logs(db).values()) >= 40, 90, "the first fetches")
            victim = workers[0]
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=10)
            with db.read() as s:
                held = {
                    int(i)
                    for i in s.scalars(select(Feed.id).where(Feed.lease_owner.like(f"%:{victim.pid}:%")))
                }
            done_at_kill = set(fetch_logs(db))
            orphans = held - done_at_kill
            wait_for(lambda: len(fetch_logs(db)) == feeds, 150, "every feed fetched")
            time.sleep(2 * 0.5 + 1)  # a few more ticks: nothing may be fetched again
            logs = fetch_logs(db)
            assert all(w.poll() is None for w in workers[1:]), "the surviving workers keep running"
        finally:
            stop(workers)
        assert set(logs) == set(ids), "no feed starved"
        assert set(logs.values()) == {1}, "no feed stored twice within its interval"
        # only the feeds the killed worker held can have been requested twice (its fetch never stored)
        twice = {p for p, n in server.hits.items() if n > 1}
        assert {int(p.removeprefix("/feed")) + ids[0] for p in twice} <= orphans
        assert all(n <= 2 for n in server.hits.values())
    assert_stored_once(db, feeds)
    db.dispose()


def test_workers_ride_out_a_postgresql_restart(private_pg: OwnPostgres, tmp_path: Path) -> None:
    feeds = 80
    db = open_database(private_pg.url)
    with CountingServer(feeds, delay=0.25) as server:
        add_feeds(db, [server.url(f"/feed{f}") for f in range(feeds)])
        env = ingest_env(tmp_path, private_pg.url, server, lease_seconds=15)
        workers = [ingest(env, tmp_path) for _ in range(2)]
        try:
            wait_for(lambda: sum(fetch_logs(db).values()) >= 10, 90, "the first fetches")
            private_pg.stop()
            time.sleep(2)
            private_pg.start()
            try:
                wait_for(lambda: len(fetch_logs(db)) == feeds, 120, "every feed fetched after the restart")
            except AssertionError:
                with db.read() as s:
                    waiting = s.execute(
                        select(
                            Feed.id,
                            Feed.last_status,
                            Feed.last_error,
                            Feed.next_due_at,
                            Feed.lease_expires_at,
                        ).where(Feed.id.not_in(list(fetch_logs(db))))
                    ).all()
                raise AssertionError(f"feeds never stored after the restart: {waiting[:5]}") from None
            assert all(w.poll() is None for w in workers), "workers survive the restart"
        finally:
            stop(workers)
        for w in workers:
            assert w.returncode == 0
    assert_stored_once(db, feeds)
    db.dispose()
