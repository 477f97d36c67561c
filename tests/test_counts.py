"""The daily aggregate tables equal the counts from the raw rows after every kind of write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db import Database
from db.counts import expected, rebuild, stored
from db.feeds import remove_feed
from db.reviews import apply_action
from db.store import FeedAttempt, ItemTags, replace_tags, store_attempt
from db.values import CountryValues, IndicatorValues
from tests.dashboard_seed import Seeder, seed_sample

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def assert_consistent(db: Database) -> None:
    with db.read() as session:
        have, want = stored(session), expected(session)
    assert have[0] == want[0]
    assert have[1] == want[1]


def test_aggregates_follow_ingest_update_retag_review_and_delete(db: Database) -> None:
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A", region="africa")
    b = seeded.feed("https://b.example/rss", "B")
    one = seeded.item(a, "peacekeepers in Sudan and South Sudan", days_ago=1, indicators=["peacekeeping"],
                      countries=["SDN", "SSD"], also_in=[b])
    two = seeded.item(a, "Haiti sanctions", days_ago=3, indicators=["sanctions", "icc"], countries=["HTI"])
    seeded.item(b, "Myanmar genocide", days_ago=40, indicators=["genocide"], countries=["MMR"], language="fr")
    seeded.item(b, "no place", days_ago=2, indicators=["genocide"])
    assert_consistent(db)
    with db.read() as session:
        counts = stored(session)[0]
    day = (NOW.date().fromordinal(NOW.date().toordinal() - 1))
    assert counts[(day, "region", "africa", "peacekeeping")] == [1, 1]  # two countries, one item
    assert counts[(day, "country", "SDN", "")][0] == 1
    # retag: new tags and countries replace the old ones
    retagged = ItemTags(indicators=(IndicatorValues("war_crimes", 2.0, None, ()),),
                        countries=(CountryValues("UKR", "europe-central-asia", "name", ()),))
    with db.write() as session:
        replace_tags(session, [(two, retagged), (one, ItemTags())])
    assert_consistent(db)
    apply_action(db, [two], "confirm", "ann")
    assert_consistent(db)
    # a feed removed: its items go, shared items lose a carrier
    remove_feed(db, b)
    assert_consistent(db)
    remove_feed(db, a)
    assert_consistent(db)
    with db.read() as session:
        assert stored(session) == ({}, {})


def test_rebuild_matches_incremental(db: Database) -> None:
    seed_sample(db, NOW)
    assert_consistent(db)
    with db.read() as session:
        before = stored(session)
    with db.write() as session:
        rebuild(session)
    with db.read() as session:
        assert stored(session) == before


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    published_at: datetime
    link: str | None = None
    summary: str = ""
    language: str | None = "en"
    content_hash: str = "h1"

    @property
    def link_key(self) -> str | None:
        return self.link

    @property
    def title_key(self) -> str:
        return self.title.lower()


def _attempt(feed_id: int, entries: list[Entry], tags: dict[str, ItemTags]) -> FeedAttempt:
    return FeedAttempt(feed_id=feed_id, started_at=NOW, finished_at=NOW, status="ok",
                       next_due_at=NOW + timedelta(minutes=15), entries=tuple(entries), tags=tags)


def test_aggregates_follow_the_ingestion_path(db: Database) -> None:
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    sudan = ItemTags(indicators=(IndicatorValues("genocide", 2.0, None, ()),),
                     countries=(CountryValues("SDN", "africa", "name", ()), CountryValues("SSD", "africa", "name", ())),
                     flagged=True)
    haiti = ItemTags(countries=(CountryValues("HTI", "americas", "name", ()),))
    day = NOW - timedelta(days=2)
    first = [Entry("g1", "Sudan warning", day, link="https://n.example/1"),
             Entry("g2", "Haiti market", day - timedelta(days=1), link="https://n.example/2")]
    store_attempt(db, _attempt(a, first, {"g1": sudan, "g2": haiti}))
    assert_consistent(db)
    # the same link from another feed: a sighting, so feed B now covers Sudan
    store_attempt(db, _attempt(b, [Entry("x9", "Sudan warning (B)", day, link="https://n.example/1")], {}))
    assert_consistent(db)
    # the same guid with new text: the item is updated and re-tagged in place
    changed = Entry("g2", "Haiti sanctions", day - timedelta(days=1), link="https://n.example/2", content_hash="h2")
    store_attempt(db, _attempt(a, [changed], {"g2": sudan}))
    assert_consistent(db)
    with db.read() as session:
        counts = stored(session)[0]
    assert counts[(day.date(), "region", "africa", "genocide")] == [1, 1]
    assert counts[((day - timedelta(days=1)).date(), "region", "africa", "genocide")] == [1, 1]
    assert ((day - timedelta(days=1)).date(), "country", "HTI", "") not in counts
