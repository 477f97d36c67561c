"""Bidirectional control characters (U+202A-U+202E, U+2066-U+2069) never reach stored titles,
summaries or feed titles: they can make a text read differently from what it is."""

from __future__ import annotations

from db import Database
from db.feeds import NewFeed, add_feed, list_feeds, update_feed
from ingest.normalise import plain_text

BIDI = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def test_removed_from_item_titles_and_summaries() -> None:
    assert plain_text("Evil\u202egnp.exe \u2066x\u2069", is_html=True, limit=100) == "Evilgnp.exe x"
    assert plain_text(f"a{BIDI}b", is_html=False, limit=100) == "ab"
    assert plain_text(f"<p>a{BIDI}</p><p>b</p>", is_html=True, limit=100) == "a b"


def test_removed_from_feed_titles(db: Database) -> None:
    feed_id = add_feed(db, NewFeed(url="https://news.example.org/rss", title=f"Daily\u202e news{BIDI}"))
    assert [f.title for f in list_feeds(db)] == ["Daily news"]
    update_feed(db, feed_id, title="\u2067Renamed\u2069")
    assert [f.title for f in list_feeds(db)] == ["Renamed"]
