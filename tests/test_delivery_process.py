"""The real ``r2pwatch ingest`` process with a webhook receiver that hangs: feeds are still ingested,
SIGTERM still stops it promptly, and the delivery is kept and sent by ``r2pwatch deliver`` once the
receiver is back."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import Database
from db.deliveries import Receiver
from tests.delivery_support import WebhookServer, queue, state
from tests.ingest_support import FeedServer, Reply, add_feeds, rss, rss_item
from tests.test_ingest_process import counts, ingest, ingest_env


@pytest.mark.slow
def test_hanging_webhook_never_blocks_ingestion(db: Database, tmp_path: Path) -> None:
    with FeedServer() as feeds, WebhookServer() as hook:
        hook.hang = 120.0
        feeds.routes["/a"] = Reply(body=rss([rss_item(i) for i in range(5)]))
        add_feeds(db, [feeds.url("/a")])
        [alert] = queue(db, [Receiver("webhook", hook.url())])
        env = ingest_env(tmp_path, db.url, feeds)
        env.update(
            R2PWATCH_WEBHOOKS_URLS=hook.url(),
            R2PWATCH_WEBHOOKS_SECRET="shared",
            R2PWATCH_WEBHOOKS_ALLOW_PRIVATE=f"127.0.0.1:{hook.port}",
            R2PWATCH_DELIVERY_TIMEOUT="60",
            R2PWATCH_DELIVERY_TICK_SECONDS="0.5",
        )
        proc = ingest([], env, tmp_path)
        try:
            deadline = time.monotonic() + 60
            while not hook.posts and time.monotonic() < deadline:
                time.sleep(0.1)
            assert hook.posts, "the deliver job never ran"
            posted = time.monotonic()
            while counts(db)[0] < 5 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert counts(db)[0] == 5 and time.monotonic() - posted < 30  # while the POST still hangs
            proc.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
            assert time.monotonic() - stopped < 15  # the hanging POST was cut, not waited for
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        [d] = state(db, [alert])
        assert d.status in ("pending", "failed") and d.next_attempt_at is not None  # kept, due again
        hook.hang = 0.0
        again = subprocess.run(
            [sys.executable, "-m", "r2pwatch", "deliver"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        assert "1 delivered" in again.stdout and "delivered 1" in again.stdout
    [d] = state(db, [alert])
    assert d.status == "delivered"
