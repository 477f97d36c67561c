"""The real ``r2pwatch ingest`` process: SIGKILL mid-pass, single scheduler on SQLite, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import Database
from db.models import FetchLog, Item, ItemSighting
from tests.ingest_support import FeedServer, Reply, add_feeds, rss, rss_item

FEEDS = 40
ITEMS = 150


def ingest_env(tmp_path: Path, url: str, server: FeedServer, lease_seconds: int = 600) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(
        R2PWATCH_DATABASE_URL=url,
        R2PWATCH_FETCH_ALLOW_PRIVATE=f"127.0.0.1:{server.port}",
        R2PWATCH_INGEST_WORKERS="4",
        R2PWATCH_INGEST_TICK_SECONDS="0.5",
        R2PWATCH_INGEST_LEASE_SECONDS=str(lease_seconds),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONUNBUFFERED="1",
    )
    return env


def ingest(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "r2pwatch", "ingest", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def slow_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        for f in range(FEEDS):
            body = rss(
                rss_item(i, prefix=f"f{f}", summary=f"Sanctions on Sudan, item {i} of feed {f}.")
                for i in range(ITEMS)
            )
            reply = Reply(body=body)

            def slow(h: BaseHTTPRequestHandler, reply: Reply = reply) -> None:
                time.sleep(0.15)
                reply(h)

            server.routes[f"/feed{f}"] = slow
        yield server


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        n_items = int(s.scalar(select(func.count()).select_from(Item)) or 0)
        n_sightings = int(s.scalar(select(func.count()).select_from(ItemSighting)) or 0)
        n_logs = int(s.scalar(select(func.count()).select_from(FetchLog)) or 0)
    return n_items, n_sightings, n_logs


def per_feed_sightings(db: Database) -> dict[int, int]:
    with db.read() as s:
        rows = s.execute(select(ItemSighting.feed_id, func.count()).group_by(ItemSighting.feed_id))
        return {int(f): int(n) for f, n in rows}


@pytest.mark.slow
def test_sigkill_mid_pass_then_new_pass(db: Database, slow_server: FeedServer, tmp_path: Path) -> None:
    add_feeds(db, [slow_server.url(f"/feed{f}") for f in range(FEEDS)])
    # On PostgreSQL the dead worker's leases must expire before another worker takes its feeds;
    # on SQLite the file lock proves nobody else runs, so the next process clears them at once.
    lease = 600 if db.is_sqlite else 4
    env = ingest_env(tmp_path, db.url, slow_server, lease_seconds=lease)
    proc = ingest(["--once", "--all"], env, tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, _, logs = counts(db)
        if logs >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()  # the leases were taken before this
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    n_items, n_sightings, logs = counts(db)
    assert 0 < logs < FEEDS, "the kill should land mid-pass"
    # Each feed attempt is one transaction: a feed has all its items or none.
    assert set(per_feed_sightings(db).values()) <= {ITEMS}
    assert n_items == n_sightings == logs * ITEMS

    if not db.is_sqlite:
        time.sleep(max(0.0, killed_at + lease + 0.5 - time.monotonic()))
    again = subprocess.run(
        [sys.executable, "-m", "r2pwatch", "ingest", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    n_items, n_sightings, _ = counts(db)
    assert n_items == n_sightings == FEEDS * ITEMS, (again.stdout, again.stderr[-3000:])
    assert set(per_feed_sightings(db).values()) == {ITEMS}
    with db.read() as s:
        dupes = s.execute(select(Item.link_key).group_by(Item.link_key).having(func.count() > 1)).all()
    assert dupes == []
    assert "new items" in again.stdout


@pytest.mark.slow
def test_second_scheduler_on_sqlite_exits_1_and_sigterm_is_clean(sqlite_db: Database, tmp_path: Path) -> None:
    with FeedServer() as server:
        server.routes["/a"] = Reply(body=rss([rss_item(1)]))
        add_feeds(sqlite_db, [server.url("/a")])
        env = ingest_env(tmp_path, sqlite_db.url, server)
        first = ingest([], env, tmp_path)
        try:
            deadline = time.monotonic() + 30
            while counts(sqlite_db)[2] < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert counts(sqlite_db)[0] == 1
            second = subprocess.run(
                [sys.executable, "-m", "r2pwatch", "ingest", "--once"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 1
            assert "already running" in second.stderr
        finally:
            first.send_signal(signal.SIGTERM)
            _, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
        assert "stopped cleanly" in err
