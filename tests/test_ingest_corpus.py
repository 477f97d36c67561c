"""The robustness corpus: every file of feedparser's own test suite served over loopback and ingested
without an unhandled exception; each feed accounted for (items stored, or an error recorded)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from sqlalchemy import func, select

from db import Database
from db.models import Feed, FetchLog, ItemSighting
from ingest.normalise import plain_text
from ingest.runner import run_pass
from tests.conftest import corpus_path
from tests.ingest_support import FeedServer, Reply, add_feeds, ingest_config

_HEADER = re.compile(r"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.M)


def declared_headers(data: bytes) -> tuple[int, dict[str, str]]:
    """feedparser's test files declare the HTTP headers to serve them with in their first comment."""
    head = data[:4000].decode("latin-1")
    status, headers = 200, {}
    for name, value in _HEADER.findall(head):
        if name.lower() == "status":
            status = int(value)
        else:
            headers[name] = value
    return status, headers


def handler_for(server: FeedServer, path: Path) -> Reply:
    data = path.read_bytes()
    status, headers = declared_headers(data)
    if "Location" in headers:  # point the test suite's own server at ours
        target = urlsplit(headers["Location"]).path.removeprefix("/tests")
        headers["Location"] = server.url(target)
    headers.setdefault("Content-type", "application/xml")
    if path.suffix == ".gz":
        headers["Content-Encoding"] = "gzip"
    elif path.suffix == ".z":
        headers["Content-Encoding"] = "deflate"
    headers = {("Content-Type" if k.lower() == "content-type" else k): v for k, v in headers.items()}
    if "ETag" in headers and status == 200:
        headers.setdefault("Cache-Control", "max-age=0")
    return Reply(status, data if status == 200 else b"", headers)


def feedparser_entries(path: Path) -> tuple[int, int]:
    """(entries feedparser finds, those of them with some text or a link; an entry whose summary is only
    markup such as an image or an SVG has nothing to store)."""
    data = path.read_bytes()
    _, headers = declared_headers(data)
    d = feedparser.parse(data, response_headers={k.lower(): v for k, v in headers.items()})
    with_content = sum(
        1
        for e in d.entries
        if str(dict.get(e, "link") or "").strip()
        or any(plain_text(str(dict.get(e, k) or ""), is_html=True, limit=100) for k in ("title", "summary"))
    )
    return len(d.entries), with_content


@pytest.mark.slow
def test_feedparser_corpus(db: Database) -> None:
    root = corpus_path("feedparser-tests")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "LICENSE")
    assert len(files) > 1000
    with FeedServer() as server:
        for path in files:
            server.routes["/" + path.relative_to(root).as_posix()] = handler_for(server, path)
        server.routes["/-/return-304.xml"] = Reply(304)
        urls = [server.url("/" + p.relative_to(root).as_posix()) for p in files]
        add_feeds(db, urls)
        summary = run_pass(db, ingest_config(server, ingest__workers=8), all_feeds=True)

    assert len(summary.outcomes) == len(files)
    internal = [(o.url, o.error) for o in summary.outcomes if o.error_kind == "internal"]
    assert internal == []
    with db.read() as s:
        logged = int(s.scalar(select(func.count(func.distinct(FetchLog.feed_id)))) or 0)
        never = list(s.scalars(select(Feed.url).where(Feed.last_status == "never")))
        per_feed = dict(
            s.execute(select(ItemSighting.feed_id, func.count()).group_by(ItemSighting.feed_id)).all()
        )
        ids = dict(s.execute(select(Feed.url, Feed.id)).all())
    assert logged == len(files) and never == []

    # Entries feedparser itself finds, against those we stored (by sighting) or counted as skipped.
    found = with_content = stored = 0
    by_url = {o.url: o for o in summary.outcomes}
    for path, url in zip(files, urls, strict=True):
        outcome = by_url[url]
        if outcome.status != "ok" or declared_headers(path.read_bytes())[0] != 200:
            continue  # redirects are served by their target, not by the file itself
        n, content = feedparser_entries(path)
        found += n
        with_content += content
        stored += per_feed.get(ids.get(url, -1), 0)
        assert outcome.new_items + outcome.duplicate_items + outcome.skipped_entries == n, url
    assert found > 0
    print(
        f"corpus: {len(files)} files, {summary.ok} ok, {summary.failed} failed {summary.failed_by_kind}; "
        f"feedparser finds {found} entries in the ok ones, {with_content} with text or a link; "
        f"we stored {stored}"
    )
    assert stored >= 0.9 * with_content, f"stored {stored} of {with_content} entries with content"
