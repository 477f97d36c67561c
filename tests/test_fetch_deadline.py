"""fetch.total_timeout is a hard deadline over the whole exchange, against a real loopback server that
drips its headers one byte at a time (each read returns in time, so per-read timeouts never fire)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ingest.deadline import StopGroup
from ingest.fetch import FetchConfig, FetchRequest, fetch, make_client
from ingest.netguard import AddressPolicy
from tests.ingest_support import FeedServer, Reply, header_drip, simple_feed

CONFIG = FetchConfig(connect_timeout=2.0, read_timeout=1.5, total_timeout=2.0)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        s.routes["/drip"] = header_drip(s)
        s.routes["/good"] = Reply(body=simple_feed(2))
        yield s


def test_header_drip_is_cut_at_the_total_timeout(server: FeedServer) -> None:
    with make_client(AddressPolicy(allow_all_private=True)) as client:
        started = time.monotonic()
        result = fetch(client, FetchRequest(server.url("/drip")), CONFIG)
        elapsed = time.monotonic() - started
        assert result.outcome == "error" and result.error_kind == "timeout", result
        assert "2 s" in (result.error or "")
        assert 1.9 <= elapsed < 3.5
        # the same client (its pool) still serves a healthy feed afterwards
        assert fetch(client, FetchRequest(server.url("/good")), CONFIG).outcome == "ok"


def test_deadline_spans_redirect_hops(server: FeedServer) -> None:
    # each hop answers quickly, but together they take longer than the total
    def slow_redirect(h: object) -> None:
        time.sleep(0.8)
        Reply(307, headers={"Location": "/slow"})(h)  # type: ignore[arg-type]

    server.routes["/slow"] = slow_redirect
    config = FetchConfig(connect_timeout=2.0, read_timeout=1.5, total_timeout=2.0, max_redirects=50)
    with make_client(AddressPolicy(allow_all_private=True)) as client:
        started = time.monotonic()
        result = fetch(client, FetchRequest(server.url("/slow")), config)
    assert result.error_kind in ("timeout", "redirect"), result
    assert time.monotonic() - started < 3.5


def test_stop_group_aborts_a_stuck_fetch_at_once(server: FeedServer) -> None:
    stop = StopGroup()
    config = FetchConfig(connect_timeout=2.0, read_timeout=30.0, total_timeout=60.0)
    box: list[object] = []
    with make_client(AddressPolicy(allow_all_private=True)) as client:
        worker = threading.Thread(
            target=lambda: box.append(fetch(client, FetchRequest(server.url("/drip")), config, stop=stop))
        )
        worker.start()
        time.sleep(1.0)
        stopped_at = time.monotonic()
        assert stop.stop() == 1
        worker.join(5)
        assert not worker.is_alive()
        assert time.monotonic() - stopped_at < 2
    result = box[0]
    assert result.outcome == "error" and result.error_kind == "interrupted", result  # type: ignore[attr-defined]
    # a fetch started after the stop does not even connect
    with make_client(AddressPolicy(allow_all_private=True)) as client:
        late = fetch(client, FetchRequest(server.url("/good")), config, stop=stop)
    assert late.error_kind == "interrupted"
