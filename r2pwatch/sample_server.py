"""The demo's feed server: the sample feeds (r2pwatch/sample/feeds/*.json) as RSS 2.0 or Atom 1.0 over
loopback, with ETag/Last-Modified (so 304s happen) and items released over time (so new ones arrive).

The most recent items are held back at start and released one every ``release_every`` seconds,
oldest first; a released item is dated at its release.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from r2pwatch.sample import SampleFeed, SampleItem, load_sample_feeds

DEFAULT_HOLD_BACK = 24


@dataclass(frozen=True, slots=True)
class SampleFeedInfo:
    """What registering a sample feed in a database needs."""

    slug: str
    title: str
    region: str
    language: str
    category: str


def sample_feed_list() -> list[SampleFeedInfo]:
    return [SampleFeedInfo(f.slug, f.title, f.region, f.language, f.category) for f in load_sample_feeds()]


@dataclass(frozen=True, slots=True)
class _Scheduled:
    item: SampleItem
    published: datetime  # for items visible from the start
    release_index: int | None  # held back: released after (index + 1) * release_every seconds


class SampleFeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, feeds: list[SampleFeed], release_every: float, hold_back: int) -> None:
        self.feeds = {f.slug: f for f in feeds}
        self.release_every = max(0.01, release_every)
        self.started = datetime.now(UTC).replace(microsecond=0)
        self.started_monotonic = time.monotonic()
        everything = sorted((i.hours_ago, f.slug, i.guid) for f in feeds for i in f.items)
        held = everything[: min(hold_back, max(0, len(everything) - 1))]
        # Release the held items oldest first, so the newest arrives last.
        order = {(slug, guid): n for n, (_, slug, guid) in enumerate(reversed(held))}
        self.schedule: dict[str, list[_Scheduled]] = {
            f.slug: [
                _Scheduled(i, self.started - timedelta(hours=i.hours_ago), order.get((f.slug, i.guid)))
                for i in f.items
            ]
            for f in feeds
        }
        super().__init__(("127.0.0.1", port), _Handler)

    def released(self) -> int:
        """How many held items are out by now."""
        return int((time.monotonic() - self.started_monotonic) // self.release_every)

    def visible(self, slug: str) -> tuple[list[tuple[SampleItem, datetime]], datetime]:
        """The items of a feed now visible with their dates, and when the feed last changed."""
        out = self.released()
        items: list[tuple[SampleItem, datetime]] = []
        changed = self.started
        for s in self.schedule[slug]:
            if s.release_index is None:
                items.append((s.item, s.published))
            elif s.release_index < out:
                when = self.started + timedelta(seconds=(s.release_index + 1) * self.release_every)
                items.append((s.item, when))
                changed = max(changed, when)
        items.sort(key=lambda pair: pair[1], reverse=True)
        return items, changed.replace(microsecond=0)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that go away mid-response are not worth a traceback in the demo


class _Handler(BaseHTTPRequestHandler):
    server: SampleFeedServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        slug = path.removeprefix("/feeds/").removesuffix(".xml")
        feed = self.server.feeds.get(slug)
        if not path.startswith("/feeds/") or feed is None:
            self._send(404, b"no such sample feed\n", {"Content-Type": "text/plain; charset=utf-8"})
            return
        items, changed = self.server.visible(slug)
        etag = f'"{slug}-{len(items)}"'
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(changed, usegmt=True),
            "Cache-Control": "max-age=0",
        }
        if self._not_modified(etag, changed):
            self._send(304, b"", headers)
            return
        body = render(feed, items, changed, f"http://{self.headers.get('Host', 'localhost')}{path}")
        ctype = "application/atom+xml" if feed.format == "atom" else "application/rss+xml"
        self._send(200, body, {**headers, "Content-Type": f"{ctype}; charset=utf-8"})

    def _not_modified(self, etag: str, changed: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")]
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return changed <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def render(
    feed: SampleFeed, items: list[tuple[SampleItem, datetime]], changed: datetime, self_url: str
) -> bytes:
    if feed.format == "atom":
        return _atom(feed, items, changed, self_url).encode("utf-8")
    return _rss(feed, items, changed).encode("utf-8")


def _rss(feed: SampleFeed, items: list[tuple[SampleItem, datetime]], changed: datetime) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(feed.title)}</title><link>https://example.org/sample/{feed.slug}/</link>",
        f"<description>{escape(feed.title)}</description><language>{feed.language}</language>",
        f"<lastBuildDate>{format_datetime(changed, usegmt=True)}</lastBuildDate>",
    ]
    for item, published in items:
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>'
            f"<description>{escape(item.summary)}</description>"
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts)


def _atom(
    feed: SampleFeed, items: list[tuple[SampleItem, datetime]], changed: datetime, self_url: str
) -> str:
    def iso(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">',
        f'<title type="text">{escape(feed.title)}</title><id>urn:r2pwatch:sample:{feed.slug}</id>',
        f'<updated>{iso(changed)}</updated><link rel="self" href={quoteattr(self_url)}/>',
        f'<link rel="alternate" href="https://example.org/sample/{feed.slug}/"/>',
        "<author><name>r2pwatch sample data</name></author>",
    ]
    for item, published in items:
        parts.append(
            f'<entry><title type="text">{escape(item.title)}</title><id>{escape(item.guid)}</id>'
            f'<link rel="alternate" href={quoteattr(item.link)}/>'
            f"<published>{iso(published)}</published><updated>{iso(published)}</updated>"
            f'<summary type="html">{escape(item.summary)}</summary></entry>'
        )
    parts.append("</feed>\n")
    return "".join(parts)


def start_sample_server(
    port: int = 0, release_every: float = 30.0, *, hold_back: int = DEFAULT_HOLD_BACK
) -> tuple[SampleFeedServer, str, dict[str, str]]:
    """Serve the sample feeds on 127.0.0.1 from a background thread. Returns the server (call
    ``shutdown()`` then ``server_close()`` to stop it), its base URL and each feed's URL by slug."""
    server = SampleFeedServer(port, load_sample_feeds(), release_every, hold_back)
    thread = threading.Thread(target=server.serve_forever, name="sample-feeds", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    return server, base, {slug: f"{base}/feeds/{slug}.xml" for slug in server.feeds}
