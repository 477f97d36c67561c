"""Helpers for the ingestion tests: a loopback feed server we fully control, feed builders, settings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from db import Database
from db.feeds import NewFeed, add_feed
from db.models import Feed, FetchLog, Item, ItemSighting
from ingest.config import IngestConfig
from r2pwatch import config as r2pwatch_config
from r2pwatch.settings import Settings, load_settings
from tests.loopback import LoopbackServer, QuietHandler

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(self.status)
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", **self.headers}
        headers.setdefault("Content-Length", str(len(self.body)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        if self.body and h.command != "HEAD":
            h.wfile.write(self.body)


class FeedServer(LoopbackServer):
    """A threaded HTTP server on 127.0.0.1 with a route table that tests change at will."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class H(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                handler = server.routes.get(path)
                if handler is None:
                    Reply(404, b"not found", {"Content-Type": "text/plain"})(self)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

        super().__init__(H)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p.split("?", 1)[0] == path)

    def __enter__(self) -> FeedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rss_item(
    n: int,
    *,
    guid: str | None = "auto",
    link: str | None = "auto",
    title: str | None = None,
    summary: str | None = None,
    pub: datetime | None | str = "auto",
    prefix: str = "item",
) -> str:
    parts = [f"<title>{escape(title if title is not None else f'{prefix} {n} headline number {n}')}</title>"]
    if link == "auto":
        link = f"https://news.example.com/{prefix}/{n}"
    if link:
        parts.append(f"<link>{escape(link)}</link>")
    if guid == "auto":
        guid = f"{prefix}-{n}"
    if guid:
        parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>')
    body = (
        summary if summary is not None else f"Summary of {prefix} {n}: ordinary news about the weather today."
    )
    parts.append(f"<description>{escape(body)}</description>")
    if pub == "auto":
        pub = datetime.now(UTC) - timedelta(hours=n + 1)
    if isinstance(pub, datetime):
        parts.append(f"<pubDate>{format_datetime(pub, usegmt=True)}</pubDate>")
    elif isinstance(pub, str):
        parts.append(f"<pubDate>{escape(pub)}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: Iterable[str], *, title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://news.example.com/</link><description>d</description>{''.join(items)}</channel></rss>"
    )
    return doc.encode(encoding if encoding.lower() != "bogus" else "utf-8")


def simple_feed(count: int = 3, prefix: str = "item") -> bytes:
    return rss(rss_item(i, prefix=prefix) for i in range(count))


def ingest_settings(server: FeedServer | None = None, **overrides: Any) -> Settings:
    base = load_settings(environ={}, use_default_files=False)
    allow: Any = [f"127.0.0.1:{server.port}"] if server is not None else False
    values: dict[str, Any] = dict(
        fetch__allow_private=allow,
        fetch__connect_timeout=2.0,
        fetch__read_timeout=1.5,
        fetch__total_timeout=4.0,
    )
    values.update(overrides)
    return base.replace(**values)


def ingest_config(server: FeedServer | None = None, **overrides: Any) -> IngestConfig:
    """What ``r2pwatch ingest`` hands the ingester for ``ingest_settings(server, **overrides)``."""
    return r2pwatch_config.ingest_config(ingest_settings(server, **overrides))


def add_feeds(db: Database, urls: Sequence[str]) -> list[int]:
    return [add_feed(db, NewFeed(url=u)) for u in urls]


def feed_row(db: Database, feed_id: int) -> Feed:
    with db.read() as s:
        feed = s.get(Feed, feed_id)
        assert feed is not None
        s.expunge(feed)
        return feed


def last_log(db: Database, feed_id: int) -> FetchLog:
    with db.read() as s:
        row = s.scalars(
            select(FetchLog).where(FetchLog.feed_id == feed_id).order_by(FetchLog.id.desc())
        ).first()
        assert row is not None
        s.expunge(row)
        return row


def item_count(db: Database, feed_id: int | None = None) -> int:
    with db.read() as s:
        if feed_id is None:
            return int(s.scalar(select(func.count()).select_from(Item)) or 0)
        return int(
            s.scalar(select(func.count()).select_from(ItemSighting).where(ItemSighting.feed_id == feed_id))
            or 0
        )


def items(db: Database) -> list[Item]:
    with db.read() as s:
        rows = list(s.scalars(select(Item).order_by(Item.id)))
        for r in rows:
            s.expunge(r)
        return rows


def header_drip(server: FeedServer, *, every: float = 0.3, seconds: float = 60.0) -> Handler:
    """A status line, then a header value that never ends: one byte every ``every`` seconds, so no
    single read ever waits long enough to time out."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        h.wfile.flush()
        for _ in range(int(seconds / every)):
            if server.stopping.wait(every):
                return
            h.wfile.write(b"a")
            h.wfile.flush()

    return handler
