"""The Feeds page's "Test" button against a server that drips its headers: each click is over within
the preview deadline, and clicks beyond the concurrency limit are turned away at once, so they can
never hold every server thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from dashboard import feed_actions
from dashboard.app import create_app
from dashboard.context import PREVIEW_CONCURRENCY, AppContext
from db import Database
from tests.dashboard_server import make_config
from tests.ingest_support import FeedServer, Reply, header_drip, simple_feed


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        s.routes["/drip"] = header_drip(s, seconds=60)
        s.routes["/good"] = Reply(body=simple_feed(2))
        yield s


@pytest.fixture
def ctx(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setattr(feed_actions, "PREVIEW_SECONDS", 2.0)
    app = create_app(make_config(), sqlite_db)
    context: AppContext = app.server.extensions["r2pwatch"]
    context.config = make_config(fetch__allow_private=True, fetch__read_timeout=30.0)
    return context


@pytest.mark.slow
def test_test_button_is_bounded_against_a_header_drip(ctx: AppContext, server: FeedServer) -> None:
    started = time.monotonic()
    outcome = feed_actions.preview(ctx, server.url("/drip"))
    assert time.monotonic() - started < 3.5
    assert not outcome.ok and "timeout" in outcome.message

    results: list[tuple[feed_actions.Outcome, float]] = []

    def click() -> None:
        t = time.monotonic()
        results.append((feed_actions.preview(ctx, server.url("/drip")), time.monotonic() - t))

    clicks = [threading.Thread(target=click) for _ in range(8)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join(10)
    assert len(results) == 8
    assert max(t for _, t in results) < 3.5
    busy = [o for o, _ in results if "already running" in o.message]
    assert len(busy) == 8 - PREVIEW_CONCURRENCY
    assert server.hits("/drip") == 1 + PREVIEW_CONCURRENCY
    # the slots are free again
    assert feed_actions.preview(ctx, server.url("/good")).ok
