"""The daily aggregate tables equal the counts from the raw rows after every kind of write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db import Database
from db.aggregates import _raw_country_parts, _raw_indicator_counts, country_table, indicator_counts
from db.attempt import FeedAttempt
from db.counts import expected, rebuild, stored
from db.feeds import remove_feed
from db.filters import ItemFilter
from db.item_tags import ItemTags, replace_tags
from db.organisations import (
    _raw_organisation_counts,
    _raw_organisation_matrix,
    organisation_counts,
    organisation_matrix,
)
from db.reviews import apply_action
from db.series import _raw_series, daily_series
from db.signals import AlertRule, _raw_counts, region_signals
from db.store import store_attempt, store_attempts
from db.values import CountryValues, IndicatorValues
from ingest.dedupe import decide
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
    one = seeded.item(
        a,
        "peacekeepers in Sudan and South Sudan",
        days_ago=1,
        indicators=["peacekeeping"],
        countries=["SDN", "SSD"],
        also_in=[b],
    )
    two = seeded.item(a, "Haiti sanctions", days_ago=3, indicators=["sanctions", "icc"], countries=["HTI"])
    seeded.item(b, "Myanmar genocide", days_ago=40, indicators=["genocide"], countries=["MMR"], language="fr")
    seeded.item(b, "no place", days_ago=2, indicators=["genocide"])
    assert_consistent(db)
    with db.read() as session:
        counts = stored(session)[0]
    day = NOW.date().fromordinal(NOW.date().toordinal() - 1)
    assert counts[(day, "region", "africa", "peacekeeping")] == [1, 1]  # two countries, one item
    assert counts[(day, "country", "SDN", "")][0] == 1
    # retag: new tags and countries replace the old ones
    retagged = ItemTags(
        indicators=(IndicatorValues("war_crimes", 2.0, None, ()),),
        countries=(CountryValues("UKR", "europe-central-asia", "name", ()),),
    )
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
    return FeedAttempt(
        feed_id=feed_id,
        started_at=NOW,
        finished_at=NOW,
        status="ok",
        next_due_at=NOW + timedelta(minutes=15),
        entries=tuple(entries),
        tags=tags,
    )


def test_aggregates_follow_the_ingestion_path(db: Database) -> None:
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    sudan = ItemTags(
        indicators=(IndicatorValues("genocide", 2.0, None, ()),),
        countries=(CountryValues("SDN", "africa", "name", ()), CountryValues("SSD", "africa", "name", ())),
        flagged=True,
    )
    haiti = ItemTags(countries=(CountryValues("HTI", "americas", "name", ()),))
    day = NOW - timedelta(days=2)
    first = [
        Entry("g1", "Sudan warning", day, link="https://n.example/1"),
        Entry("g2", "Haiti market", day - timedelta(days=1), link="https://n.example/2"),
    ]
    store_attempt(db, _attempt(a, first, {"g1": sudan, "g2": haiti}), dedupe=decide)
    assert_consistent(db)
    # the same link from another feed: a sighting, so feed B now covers Sudan
    store_attempt(
        db,
        _attempt(b, [Entry("x9", "Sudan warning (B)", day, link="https://n.example/1")], {}),
        dedupe=decide,
    )
    assert_consistent(db)
    # the same guid with new text: the item is updated and re-tagged in place
    changed = Entry(
        "g2", "Haiti sanctions", day - timedelta(days=1), link="https://n.example/2", content_hash="h2"
    )
    store_attempt(db, _attempt(a, [changed], {"g2": sudan}), dedupe=decide)
    assert_consistent(db)
    with db.read() as session:
        counts = stored(session)[0]
    assert counts[(day.date(), "region", "africa", "genocide")] == [1, 1]
    assert counts[((day - timedelta(days=1)).date(), "region", "africa", "genocide")] == [1, 1]
    assert ((day - timedelta(days=1)).date(), "country", "HTI", "") not in counts


def test_several_feeds_stored_in_one_transaction(db: Database) -> None:
    """``store_attempts`` (the backtest's day) stores what ``store_attempt`` would for each in turn:
    the second feed's copy of the first feed's new link is a sighting, and the aggregates agree."""
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    sudan = ItemTags(countries=(CountryValues("SDN", "africa", "name", ()),), flagged=True)
    day = NOW - timedelta(days=1)
    results = store_attempts(
        db,
        [
            _attempt(a, [Entry("g1", "Sudan warning", day, link="https://n.example/1")], {"g1": sudan}),
            _attempt(b, [Entry("x1", "Sudan warning (B)", day, link="https://n.example/1")], {}),
        ],
        dedupe=decide,
    )
    assert [(r.new_items, r.duplicate_items) for r in results] == [(1, 0), (0, 1)]
    assert_consistent(db)
    with db.read() as session:
        counts, feeds = stored(session)
    assert counts[(day.date(), "country", "SDN", "")] == [1, 1]
    assert {k[3] for k in feeds if k[1] == "country"} == {a, b}  # both feeds carried it


def test_aggregated_answers_equal_the_raw_rows(db: Database) -> None:
    seed_sample(db, NOW)
    tools = ["peacekeeping", "sanctions", "icc", "incitement", "membership"]
    since = NOW - timedelta(days=30, hours=5)  # not on midnight: partial days come from the raw rows
    for place in (
        ItemFilter(region="africa", since=since),
        ItemFilter(country="SDN", since=since),
        ItemFilter(region="americas"),
        ItemFilter(country="UKR", since=since, until=NOW - timedelta(days=2)),
    ):
        with db.read() as s:
            assert organisation_matrix(db, place, tools) == _raw_organisation_matrix(s, place, tools)
            assert organisation_counts(db, place) == sorted(
                _raw_organisation_counts(s, place), key=lambda r: (-r[1], r[0])
            )
            assert indicator_counts(db, place) == _raw_indicator_counts(s, place)
    with db.read() as s:
        raw = _raw_country_parts(s, ItemFilter(region="africa", since=since))
    rows = country_table(db, ItemFilter(region="africa", since=since))
    assert {r.iso3: (r.items, r.flagged, r.sources, r.last_item_at) for r in rows} == {
        k: (p.items, p.flagged, len(p.feeds), p.last) for k, p in raw.items()
    }
    for org in (None, "UN", "AU"):
        for region, country in ((None, None), ("africa", None), (None, "SDN")):
            with db.read() as s:
                want = _raw_series(
                    s, NOW - timedelta(days=60), NOW, organisation=org, region=region, country=country
                )
            _dates, got = daily_series(db, now=NOW, days=61, organisation=org, region=region, country=country)
            assert {(k, i, d): n for k, i, d, n in want if n} == {
                (k, i, _dates[pos]): n for (k, i), vals in got.items() for pos, n in enumerate(vals) if n
            }
        with db.read() as s:
            wanted = {**_raw_counts(s, NOW - timedelta(days=7), NOW, org)}
        signals = region_signals(db, AlertRule(), now=NOW, organisation=org)
        assert {k: s.count for k, s in signals.items() if s.count} == wanted
