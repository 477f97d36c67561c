"""The daily aggregate tables equal the counts from the raw rows after every kind of write."""

from __future__ import annotations

from datetime import UTC, datetime

from db import Database
from db.counts import expected, rebuild, stored
from db.feeds import remove_feed
from db.reviews import apply_action
from db.store import ItemTags, replace_tags
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
