"""Dedupe and storage rules, through real passes over loopback feeds, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db import Database
from db.models import ItemCountry, ItemSighting, ItemTag, Review
from ingest.runner import run_pass
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
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def one_pass(db: Database, server: FeedServer) -> None:
    run_pass(db, ingest_config(server), all_feeds=True)


def sightings(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ItemSighting)) or 0)


def test_same_canonical_link_from_two_feeds_is_one_item(db: Database, server: FeedServer) -> None:
    server.routes["/a"] = Reply(
        body=rss(
            [
                rss_item(
                    1,
                    guid="a-1",
                    link="https://News.Example.com/story/1?utm_source=a#top",
                    title="Council meets on the crisis",
                )
            ]
        )
    )
    server.routes["/b"] = Reply(
        body=rss(
            [
                rss_item(
                    1,
                    guid="b-77",
                    link="https://news.example.com/story/1?utm_medium=rss",
                    title="Council meets on crisis, says agency",
                )
            ]
        )
    )
    a, b = add_feeds(db, [server.url("/a"), server.url("/b")])
    one_pass(db, server)
    assert item_count(db) == 1
    assert item_count(db, a) == 1 and item_count(db, b) == 1
    assert sightings(db) == 2
    assert items(db)[0].link == "https://news.example.com/story/1"
    assert last_log(db, a).new_items + last_log(db, b).new_items == 1
    assert last_log(db, a).duplicate_items + last_log(db, b).duplicate_items == 1


def test_placeholder_link_identifies_nothing(db: Database, server: FeedServer) -> None:
    home = "https://news.example.com/"
    server.routes["/p"] = Reply(
        body=rss(
            [
                rss_item(1, guid=None, link=home, title="First different story"),
                rss_item(2, guid=None, link=home, title="Second different story"),
            ]
        )
    )
    server.routes["/q"] = Reply(body=rss([rss_item(3, link=home, title="Another source's homepage item")]))
    add_feeds(db, [server.url("/p"), server.url("/q")])
    one_pass(db, server)
    stored = items(db)
    assert len(stored) == 3
    placeholders = [i for i in stored if i.title.endswith("different story")]
    assert all(i.link_key is None for i in placeholders)
    one_pass(db, server)
    assert item_count(db) == 3


def test_same_title_same_feed_within_three_days(db: Database, server: FeedServer) -> None:
    now = datetime.now(UTC)
    server.routes["/t"] = Reply(
        body=rss(
            [
                rss_item(
                    1,
                    guid="t-1",
                    link="https://x.example.com/1",
                    title="Ceasefire talks resume",
                    pub=now - timedelta(hours=2),
                ),
                rss_item(
                    2,
                    guid="t-2",
                    link="https://x.example.com/2",
                    title="CEASEFIRE talks resume!",
                    pub=now - timedelta(days=1),
                ),
                rss_item(
                    3,
                    guid="t-3",
                    link="https://x.example.com/3",
                    title="Ceasefire talks resume",
                    pub=now - timedelta(days=9),
                ),
            ]
        )
    )
    server.routes["/u"] = Reply(
        body=rss(
            [
                rss_item(
                    4, guid="u-1", link="https://y.example.com/1", title="Ceasefire talks resume", pub=now
                ),
            ]
        )
    )
    t, u = add_feeds(db, [server.url("/t"), server.url("/u")])
    one_pass(db, server)
    with db.read() as s:
        in_t = s.scalar(
            select(func.count(func.distinct(ItemSighting.item_id))).where(ItemSighting.feed_id == t)
        )
    assert in_t == 2  # t-1 and t-2 merged (both sightings kept); t-3 is a week older
    assert item_count(db, t) == 3
    assert item_count(db) == 3  # the other feed's item with that title is its own
    assert item_count(db, u) == 1


def test_changed_text_updates_in_place_and_keeps_the_review(db: Database, server: FeedServer) -> None:
    server.routes["/c"] = Reply(
        body=rss([rss_item(1, guid="c-1", title="Talks in Geneva", summary="Delegates met.")])
    )
    (c,) = add_feeds(db, [server.url("/c")])
    one_pass(db, server)
    (item,) = items(db)
    with db.write() as s:
        s.add(Review(item_id=item.id, status="confirmed", analyst="ana", note="checked"))
    server.routes["/c"] = Reply(
        body=rss(
            [
                rss_item(
                    1,
                    guid="c-1",
                    title="UN Security Council imposes sanctions on Sudan",
                    summary="The council imposed an arms embargo and sanctions on Sudan after the massacre.",
                )
            ]
        )
    )
    one_pass(db, server)
    (updated,) = items(db)
    assert updated.id == item.id
    assert updated.title.startswith("UN Security Council")
    assert updated.updated_at is not None
    with db.read() as s:
        review = s.get(Review, item.id)
        assert review is not None and review.status == "confirmed"
        tags = set(s.scalars(select(ItemTag.indicator).where(ItemTag.item_id == item.id)))
        countries = set(s.scalars(select(ItemCountry.iso3).where(ItemCountry.item_id == item.id)))
    assert "sanctions" in tags
    assert "SDN" in countries
    assert last_log(db, c).new_items == 0


def test_tags_countries_and_evidence_are_stored(db: Database, server: FeedServer) -> None:
    server.routes["/s"] = Reply(
        body=rss(
            [
                rss_item(
                    1,
                    guid="s-1",
                    title="EU imposes sanctions on Myanmar junta",
                    summary="The European Union imposed new sanctions on Myanmar's military leaders.",
                ),
                rss_item(
                    2,
                    guid="s-2",
                    title="Kenya central bank holds rate",
                    summary="Inflation eased in Nairobi.",
                ),
            ]
        )
    )
    add_feeds(db, [server.url("/s")])
    one_pass(db, server)
    by_guid = {i.guid: i for i in items(db)}
    sanctioned, ordinary = by_guid["s-1"], by_guid["s-2"]
    assert sanctioned.flagged and sanctioned.score > 0 and sanctioned.taxonomy_version
    assert not ordinary.flagged and ordinary.score == 0
    with db.read() as s:
        tag = s.scalars(
            select(ItemTag).where(ItemTag.item_id == sanctioned.id, ItemTag.indicator == "sanctions")
        ).one()
        country = s.scalars(select(ItemCountry).where(ItemCountry.item_id == sanctioned.id)).first()
    assert isinstance(tag.evidence, list) and tag.evidence[0]["text"].lower().startswith("sanction")
    assert {"kind", "id", "field", "text", "start", "end", "weight", "rule"} <= set(tag.evidence[0])
    assert country is not None and country.iso3 == "MMR" and country.region == "asia-pacific"


def test_second_pass_over_unchanged_feeds_adds_nothing(db: Database, server: FeedServer) -> None:
    server.routes["/n"] = Reply(body=rss(rss_item(i, prefix="n") for i in range(20)))
    (n,) = add_feeds(db, [server.url("/n")])
    one_pass(db, server)
    before = (item_count(db), sightings(db))
    one_pass(db, server)
    assert (item_count(db), sightings(db)) == before
    log = last_log(db, n)
    assert log.new_items == 0 and log.duplicate_items == 20
    assert feed_row(db, n).last_status == "ok"


def test_fetch_now_flag_makes_a_feed_due(db: Database, server: FeedServer) -> None:
    from db.feeds import request_fetch

    server.routes["/f"] = Reply(body=rss([rss_item(1, prefix="f")]))
    (f,) = add_feeds(db, [server.url("/f")])
    one_pass(db, server)
    hits = server.hits("/f")
    run_pass(db, ingest_config(server))  # not due: nothing fetched
    assert server.hits("/f") == hits
    request_fetch(db, f)
    run_pass(db, ingest_config(server))
    assert server.hits("/f") == hits + 1
    assert feed_row(db, f).fetch_requested_at is None
