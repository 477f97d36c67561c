"""The address guard reaches every connection the fetch client opens: ``make_client`` replaces
httpx's private connection pool with one on the guarded backend, and the backend wraps its socket in
httpcore's private ``SyncStream`` (httpx and httpcore are pinned for this). If an upgrade moved either
hook, these fail: a loopback server would be reached, or the guarded fetch would break."""

from __future__ import annotations

from collections.abc import Iterator

import httpcore
import pytest

from ingest.fetch import FetchConfig, FetchRequest, fetch, make_client
from ingest.netguard import AddressPolicy, GuardedBackend
from tests.ingest_support import FeedServer, Reply, simple_feed

CONFIG = FetchConfig(connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        s.routes["/good"] = Reply(body=simple_feed(2))
        yield s


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_default_client_refuses_loopback_before_sending_a_byte(server: FeedServer, host: str) -> None:
    url = server.url("/good").replace("127.0.0.1", host)
    with make_client(AddressPolicy()) as client:
        result = fetch(client, FetchRequest(url), CONFIG)
    assert result.outcome == "error" and result.error_kind == "blocked", result
    assert server.requests == []


def test_allowed_host_port_is_fetched_through_the_guarded_stream(server: FeedServer) -> None:
    with make_client(AddressPolicy(allowed=frozenset({("127.0.0.1", server.port)}))) as client:
        result = fetch(client, FetchRequest(server.url("/good")), CONFIG)
    assert result.outcome == "ok" and result.body.count(b"<item>") == 2, result


def test_guarded_backend_is_a_public_httpcore_backend() -> None:
    assert isinstance(GuardedBackend(AddressPolicy()), httpcore.SyncBackend)
