"""Every hostile-server scenario of issue 3, each in a pass with a healthy neighbour feed that must be
unaffected: its items stored, its state ok."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from db import Database
from ingest.runner import run_pass
from ingest.summary import PassSummary
from tests.ingest_support import (
    FeedServer,
    Reply,
    add_feeds,
    feed_row,
    ingest_config,
    item_count,
    items,
    last_log,
    rss,
    rss_item,
    simple_feed,
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        s.routes["/good"] = Reply(body=simple_feed(3, prefix="good"))
        yield s


def run(db: Database, server: FeedServer, bad_path: str, **overrides: Any) -> tuple[int, int, PassSummary]:
    """Register the bad feed and the good neighbour, run one pass, check the neighbour."""
    bad, good = add_feeds(db, [server.url(bad_path), server.url("/good")])
    summary = run_pass(db, ingest_config(server, **overrides), all_feeds=True)
    assert_good(db, good)
    return bad, good, summary


def assert_good(db: Database, good: int) -> None:
    row = feed_row(db, good)
    assert row.last_status in ("ok", "not_modified"), row.last_error
    assert row.consecutive_failures == 0
    assert item_count(db, good) == 3


def assert_error(db: Database, feed_id: int, kind: str) -> None:
    row = feed_row(db, feed_id)
    assert row.last_status == "error"
    assert row.last_error_kind == kind, (row.last_error_kind, row.last_error)
    assert row.consecutive_failures >= 1
    log = last_log(db, feed_id)
    assert log.status == "error" and log.error_kind == kind
    assert row.next_due_at is not None and row.next_due_at > datetime.now(UTC)


def hang(server: FeedServer) -> Any:
    def handler(h: BaseHTTPRequestHandler) -> None:
        server.stopping.wait(20)

    return handler


def test_server_hangs_times_out(db: Database, server: FeedServer) -> None:
    server.routes["/hang"] = hang(server)
    started = time.monotonic()
    bad, _, _ = run(db, server, "/hang", fetch__read_timeout=1.0)
    assert time.monotonic() - started < 8
    assert_error(db, bad, "timeout")


@pytest.mark.slow
def test_slow_drip_hits_total_timeout(db: Database, server: FeedServer) -> None:
    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(200):
            if server.stopping.wait(0.3):
                return
            h.wfile.write(b" ")
            h.wfile.flush()

    server.routes["/drip"] = drip
    started = time.monotonic()
    bad, _, _ = run(db, server, "/drip", fetch__read_timeout=1.0, fetch__total_timeout=2.0)
    assert time.monotonic() - started < 8
    assert_error(db, bad, "timeout")


def test_404(db: Database, server: FeedServer) -> None:
    bad, _, _ = run(db, server, "/missing")
    assert_error(db, bad, "http_status")
    assert "404" in (feed_row(db, bad).last_error or "")
    assert last_log(db, bad).http_status == 404


def test_410_disables_the_feed(db: Database, server: FeedServer) -> None:
    server.routes["/gone"] = Reply(410, b"gone", {"Content-Type": "text/plain"})
    bad, _, _ = run(db, server, "/gone")
    assert_error(db, bad, "gone")
    row = feed_row(db, bad)
    assert row.enabled is False
    assert row.disabled_reason and "410" in row.disabled_reason


def test_429_honours_retry_after(db: Database, server: FeedServer) -> None:
    server.routes["/busy"] = Reply(429, b"slow down", {"Content-Type": "text/plain", "Retry-After": "7200"})
    bad, _, _ = run(db, server, "/busy")
    assert_error(db, bad, "http_status")
    due = feed_row(db, bad).next_due_at
    assert due is not None and due >= datetime.now(UTC) + timedelta(seconds=7100)


def test_500_then_recovery(db: Database, server: FeedServer) -> None:
    server.routes["/flaky"] = Reply(500, b"oops", {"Content-Type": "text/plain"})
    bad, _, _ = run(db, server, "/flaky")
    assert_error(db, bad, "http_status")
    server.routes["/flaky"] = Reply(body=simple_feed(4, prefix="flaky"))
    run_pass(db, ingest_config(server), all_feeds=True)
    row = feed_row(db, bad)
    assert row.last_status == "ok" and row.consecutive_failures == 0 and row.last_error is None
    assert item_count(db, bad) == 4


def test_redirect_loop(db: Database, server: FeedServer) -> None:
    server.routes["/a"] = Reply(302, headers={"Location": "/b"})
    server.routes["/b"] = Reply(302, headers={"Location": "/a"})
    bad, _, _ = run(db, server, "/a")
    assert_error(db, bad, "redirect")


def test_too_many_redirects(db: Database, server: FeedServer) -> None:
    for i in range(8):
        server.routes[f"/r{i}"] = Reply(307, headers={"Location": f"/r{i + 1}"})
    server.routes["/r8"] = Reply(body=simple_feed(1))
    bad, _, _ = run(db, server, "/r0")
    assert_error(db, bad, "redirect")


def test_301_updates_the_stored_url(db: Database, server: FeedServer) -> None:
    server.routes["/old"] = Reply(301, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=simple_feed(2, prefix="moved"))
    bad, _, _ = run(db, server, "/old")
    row = feed_row(db, bad)
    assert row.last_status == "ok"
    assert row.url == server.url("/new")
    assert "permanent redirect" in (last_log(db, bad).note or "")
    assert item_count(db, bad) == 2


def test_308_to_a_file_url_keeps_the_stored_url(db: Database, server: FeedServer) -> None:
    server.routes["/moved"] = Reply(308, headers={"Location": "file:///etc/passwd"})
    bad, _, _ = run(db, server, "/moved")
    assert_error(db, bad, "bad_url")
    assert feed_row(db, bad).url == server.url("/moved")


@pytest.mark.parametrize("target", ["/broken", "/gone", "http://127.0.0.1:1/elsewhere"])
def test_301_to_a_failing_address_keeps_the_stored_url(db: Database, server: FeedServer, target: str) -> None:
    # the new address answers 500, 410, or is refused by the address guard (a port not allowed)
    server.routes["/old"] = Reply(301, headers={"Location": target})
    server.routes["/broken"] = Reply(500, b"oops", {"Content-Type": "text/plain"})
    server.routes["/gone"] = Reply(410, b"", {"Content-Type": "text/plain"})
    bad, _, _ = run(db, server, "/old")
    row = feed_row(db, bad)
    assert row.last_status == "error"
    assert row.url == server.url("/old")


def test_302_keeps_the_stored_url(db: Database, server: FeedServer) -> None:
    server.routes["/tmp"] = Reply(302, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=simple_feed(2, prefix="moved"))
    bad, _, _ = run(db, server, "/tmp")
    assert feed_row(db, bad).url == server.url("/tmp")
    assert item_count(db, bad) == 2


def test_oversized_body(db: Database, server: FeedServer) -> None:
    server.routes["/big"] = Reply(body=rss(rss_item(i, summary="x" * 2000) for i in range(200)))
    bad, _, _ = run(db, server, "/big", fetch__max_bytes=100_000)
    assert_error(db, bad, "too_large")


def test_oversized_body_without_content_length(db: Database, server: FeedServer) -> None:
    body = rss(rss_item(i, summary="x" * 2000) for i in range(200))

    def chunked(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.close_connection = True

    server.routes["/big"] = chunked
    bad, _, _ = run(db, server, "/big", fetch__max_bytes=100_000)
    assert_error(db, bad, "too_large")


def test_gzip_bomb(db: Database, server: FeedServer) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 200_000_000, compresslevel=9)  # 200 MB inflated
    assert len(bomb) < 400_000
    server.routes["/bomb"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    started = time.monotonic()
    bad, _, _ = run(db, server, "/bomb", fetch__max_bytes=1_000_000)
    assert time.monotonic() - started < 10
    assert_error(db, bad, "too_large")


def test_gzip_feed_is_decompressed(db: Database, server: FeedServer) -> None:
    server.routes["/gz"] = Reply(
        body=gzip.compress(simple_feed(5, prefix="gz")), headers={"Content-Encoding": "gzip"}
    )
    bad, _, _ = run(db, server, "/gz")
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) == 5


def test_html_page_instead_of_feed(db: Database, server: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Welcome</h1><p>News</p></body></html>"
    server.routes["/page"] = Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"})
    bad, _, _ = run(db, server, "/page")
    assert_error(db, bad, "not_a_feed")


def test_invalid_xml_without_entries(db: Database, server: FeedServer) -> None:
    server.routes["/broken"] = Reply(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>a</titl')
    bad, _, _ = run(db, server, "/broken")
    assert_error(db, bad, "parse_error")


def test_invalid_xml_with_readable_entries_is_used(db: Database, server: FeedServer) -> None:
    body = simple_feed(3, prefix="bozo").replace(b"</channel></rss>", b"<item><title>unclosed & bad</item>")
    server.routes["/bozo"] = Reply(body=body)
    bad, _, _ = run(db, server, "/bozo")
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) >= 3
    assert "ill-formed" in (last_log(db, bad).note or "")


def test_wrong_declared_encoding(db: Database, server: FeedServer) -> None:
    text = rss([rss_item(1, title="Café société à Genève", prefix="enc")], encoding="iso-8859-1")
    server.routes["/enc"] = Reply(
        body=text.replace(b"iso-8859-1", b"utf-8"),
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
    )
    bad, _, _ = run(db, server, "/enc")
    row = feed_row(db, bad)
    assert row.last_status == "ok", row.last_error
    assert item_count(db, bad) == 1
    stored = [i for i in items(db) if i.guid == "enc-1"][0]
    assert stored.title.startswith("Caf") and "Gen" in stored.title


def test_billion_laughs_does_not_blow_up(db: Database, server: FeedServer) -> None:
    ents = '<!ENTITY lol "lollollollollollollollollollol">'
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        ents += f'<!ENTITY lol{i} "{("&" + prev + ";") * 10}">'
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{ents}]><rss version="2.0"><channel><title>&lol9;</title>'
        "<item><title>laugh &lol9;</title><guid>l1</guid><description>d</description></item></channel></rss>"
    )
    server.routes["/lol"] = Reply(body=doc.encode())
    import tracemalloc

    tracemalloc.start()
    started = time.monotonic()
    try:
        bad, _, _ = run(db, server, "/lol")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 30
    assert peak < 200_000_000
    row = feed_row(db, bad)
    assert row.last_status in ("ok", "error")  # accounted for either way
    for item in items(db):
        assert len(item.title) <= 1000


def test_empty_feed(db: Database, server: FeedServer) -> None:
    server.routes["/empty"] = Reply(body=rss([]))
    bad, _, _ = run(db, server, "/empty")
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) == 0
    assert last_log(db, bad).new_items == 0


@pytest.mark.slow
def test_ten_thousand_items(db: Database, server: FeedServer) -> None:
    server.routes["/huge"] = Reply(body=rss(rss_item(i, prefix="huge") for i in range(10_000)))
    bad, _, _ = run(db, server, "/huge", fetch__total_timeout=30.0)
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) == 10_000
    assert last_log(db, bad).new_items == 10_000


def test_duplicate_guids_in_one_document(db: Database, server: FeedServer) -> None:
    entries = [
        rss_item(1, guid="same", link=f"https://news.example.com/d/{i}", title=f"Dup {i} story")
        for i in range(3)
    ]
    server.routes["/dups"] = Reply(body=rss(entries))
    bad, _, _ = run(db, server, "/dups")
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) == 1
    assert "repeated a guid" in (last_log(db, bad).note or "")


def test_entries_without_guid_link_or_date(db: Database, server: FeedServer) -> None:
    started = datetime.now(UTC)
    entries = [
        rss_item(1, guid=None, prefix="noguid"),
        rss_item(2, guid=None, link=None, prefix="nolink"),
        rss_item(3, pub=None, prefix="nodate"),
        rss_item(4, guid=None, link=None, pub=None, prefix="bare"),
        "<item><description></description></item>",  # nothing at all: skipped, counted
    ]
    server.routes["/sparse"] = Reply(body=rss(entries))
    bad, _, _ = run(db, server, "/sparse")
    assert feed_row(db, bad).last_status == "ok"
    assert item_count(db, bad) == 4
    assert last_log(db, bad).skipped_entries == 1
    by_title = {i.title.split(" ")[0]: i for i in items(db)}
    assert by_title["nodate"].published_at >= started - timedelta(seconds=1)
    assert by_title["bare"].link is None
    # The same pass again adds nothing (no ETag here, so the body is re-read).
    run_pass(db, ingest_config(server), all_feeds=True)
    assert item_count(db, bad) == 4
    assert last_log(db, bad).new_items == 0


def test_future_and_1970_dates(db: Database, server: FeedServer) -> None:
    started = datetime.now(UTC)
    entries = [
        rss_item(1, pub=datetime(2999, 1, 1, tzinfo=UTC), prefix="future"),
        rss_item(2, pub="Thu, 01 Jan 1970 00:00:00 GMT", prefix="epoch"),
    ]
    server.routes["/dates"] = Reply(body=rss(entries))
    bad, _, _ = run(db, server, "/dates")
    assert item_count(db, bad) == 2
    after = datetime.now(UTC)
    for item in items(db):
        if item.title.startswith(("future", "epoch")):
            assert started - timedelta(seconds=1) <= item.published_at <= after


def test_conditional_get_gives_304(db: Database, server: FeedServer) -> None:
    body = simple_feed(3, prefix="etag")

    def cached(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            Reply(304, headers={"ETag": '"v1"', "Content-Length": "0"})(h)
        else:
            Reply(
                body=body,
                headers={
                    "ETag": '"v1"',
                    "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
                    "Cache-Control": "max-age=3600",
                },
            )(h)

    server.routes["/etag"] = cached
    bad, _, _ = run(db, server, "/etag")
    row = feed_row(db, bad)
    assert row.etag == '"v1"' and row.last_status == "ok"
    assert row.next_due_at is not None and row.next_due_at >= datetime.now(UTC) + timedelta(minutes=59)
    summary = run_pass(db, ingest_config(server), all_feeds=True)
    assert feed_row(db, bad).last_status == "not_modified"
    assert summary.not_modified >= 1
    assert server.requests[-1][1].get("if-none-match") == '"v1"' or any(
        r[1].get("if-none-match") == '"v1"' for r in server.requests
    )
    assert item_count(db, bad) == 3


def test_user_agent_names_r2pwatch(db: Database, server: FeedServer) -> None:
    run(db, server, "/missing")
    agents = {headers.get("user-agent", "") for _, headers in server.requests}
    assert all(a.startswith("r2pwatch/") and "github.com/r2pwatch" in a for a in agents)


def test_refused_when_private_not_allowed(db: Database, server: FeedServer) -> None:
    bad = add_feeds(db, [server.url("/good")])[0]
    run_pass(db, ingest_config(None), all_feeds=True)
    assert_error(db, bad, "blocked")
    assert server.requests == []


def test_redirect_to_a_disallowed_port_is_refused(db: Database, server: FeedServer) -> None:
    with FeedServer() as other:
        other.routes["/secret"] = Reply(body=simple_feed(2, prefix="secret"))
        server.routes["/jump"] = Reply(302, headers={"Location": other.url("/secret")})
        bad, _, _ = run(db, server, "/jump")
        assert_error(db, bad, "blocked")
        assert other.requests == []
