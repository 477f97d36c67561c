"""The daily aggregate tables equal the counts from the raw rows after every kind of write."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db import Database
from db.aggregates import (
    FAR_FUTURE,
    _raw_country_parts,
    _raw_indicator_counts,
    country_table,
    indicator_counts,
)
from db.attempt import FeedAttempt
from db.feeds import remove_feed
from db.filters import ItemFilter
from db.item_tags import ItemTags, replace_tags
from db.models import Story, StoryItem
from db.organisations import (
    _raw_organisation_counts,
    _raw_organisation_matrix,
    organisation_counts,
    organisation_matrix,
)
from db.recount import expected, expected_stories, rebuild, rebuild_stories, stored, stored_stories
from db.reviews import apply_action
from db.series import _raw_series, daily_series
from db.signals import AlertRule, _raw_counts, region_signals
from db.store import store_attempt, store_attempts
from db.story_windows import Where, raw_story_totals
from db.values import CountryValues, IndicatorValues
from ingest.dedupe import decide
from ingest.stories import make_clustering
from tests.dashboard_seed import Seeder, seed_sample

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def assert_consistent(db: Database) -> None:
    with db.read() as session:
        have, want = stored(session), expected(session)
        have_stories, want_stories = stored_stories(session), expected_stories(session)
    assert have[0] == want[0]
    assert have[1] == want[1]
    assert have_stories[0] == want_stories[0]
    assert have_stories[1] == want_stories[1]


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
        assert stored_stories(session) == ({}, {})


def test_rebuild_matches_incremental(db: Database) -> None:
    seed_sample(db, NOW)
    assert_consistent(db)
    with db.read() as session:
        before = stored(session), stored_stories(session)
        assert before[1][0]  # the sample has stories
    with db.write() as session:
        rebuild(session)
        rebuild_stories(session)
    with db.read() as session:
        assert (stored(session), stored_stories(session)) == before


def test_story_aggregates_count_each_story_once_for_the_union_of_its_items(db: Database) -> None:
    """Items joining a story widen its union and can move its day earlier; retags, reviews and
    deletes change it back; the tables equal the raw rows after each write."""
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    c = seeded.feed("https://c.example/rss", "C")
    first = seeded.item(a, "Sudan attack", days_ago=1, indicators=["genocide"], countries=["SDN"])
    story = seeded.story_of[first]
    assert_consistent(db)
    day1, day2 = (NOW - timedelta(days=1)).date(), (NOW - timedelta(days=2)).date()
    # the same story from two more outlets: one more source each, still one story
    seeded.item(b, "Sudan attack (B)", days_ago=1, indicators=["genocide"], countries=["SDN"], story=story)
    second = seeded.item(
        c, "Sudan attack (C)", days_ago=1, indicators=["war_crimes"], countries=["SSD"], story=story
    )
    assert_consistent(db)
    with db.read() as session:
        counts, feeds = stored_stories(session)
    assert counts[(day1, "region", "africa", "")] == 1  # two countries, three items: one story
    assert counts[(day1, "region", "africa", "genocide")] == 1
    assert counts[(day1, "country", "SSD", "war_crimes")] == 1
    assert counts[(day1, "country", "SDN", "war_crimes")] == 1  # the union: SDN from one item
    assert {k[4] for k in feeds if k[:4] == (day1, "region", "africa", "genocide")} == {a, b, c}
    # an item published a day earlier joins: the story now counts on that day only
    early = seeded.item(a, "Sudan attack, first report", days_ago=2, countries=["SDN"], story=story)
    assert_consistent(db)
    with db.read() as session:
        counts, _feeds = stored_stories(session)
        assert session.get(Story, story).first_seen_at.date() == day2  # type: ignore[union-attr]
    assert counts[(day2, "region", "africa", "genocide")] == 1
    assert not [k for k in counts if k[0] == day1]
    # retag the only war-crimes item: the story loses the indicator and South Sudan
    with db.write() as session:
        replace_tags(session, [(second, ItemTags())])
    assert_consistent(db)
    with db.read() as session:
        counts, _feeds = stored_stories(session)
    assert (day2, "country", "SSD", "") not in counts and (
        day2,
        "region",
        "africa",
        "war_crimes",
    ) not in counts
    apply_action(db, [first], "confirm", "ann")
    assert_consistent(db)
    # the earliest item goes with its feed: the story moves back to its next day, loses the source
    remove_feed(db, a)
    assert_consistent(db)
    with db.read() as session:
        counts, feeds = stored_stories(session)
        assert session.get(Story, story).first_seen_at.date() == day1  # type: ignore[union-attr]
        assert session.get(StoryItem, early) is None
    assert counts[(day1, "region", "africa", "genocide")] == 1
    # a story's sources are every outlet that carried one of its items, whichever item had the tag
    assert {k[4] for k in feeds if k[:4] == (day1, "region", "africa", "genocide")} == {b, c}
    remove_feed(db, b)
    remove_feed(db, c)
    assert_consistent(db)
    with db.read() as session:
        assert stored_stories(session) == ({}, {})


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


def test_story_aggregates_follow_clustering_in_the_ingestion_path(db: Database) -> None:
    """New items start stories or join them as they are stored (the clustering of db.store): a
    joined story is counted once, from its earliest item's day, with every outlet as a source."""
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    clustering = make_clustering(threshold=0.25, window_hours=36)
    sudan = ItemTags(
        indicators=(IndicatorValues("genocide", 2.0, None, ()),),
        countries=(CountryValues("SDN", "africa", "name", ()),),
        flagged=True,
    )
    chad = ItemTags(
        indicators=(IndicatorValues("war_crimes", 2.0, None, ()),),
        countries=(CountryValues("TCD", "africa", "name", ()),),
    )
    title = "Militia attack on displaced persons camp near El Fasher kills dozens"
    day = NOW - timedelta(days=2)
    store_attempt(
        db,
        _attempt(a, [Entry("g1", title, day, link="https://n.example/1")], {"g1": sudan}),
        dedupe=decide,
        clustering=clustering,
    )
    assert_consistent(db)
    # the same event from another outlet, published earlier, naming Chad as well
    store_attempt(
        db,
        _attempt(
            b,
            [
                Entry("x1", title + " in Darfur", day - timedelta(hours=20), link="https://m.example/1"),
                Entry("x2", "Central bank of Chad holds rates", day, link="https://m.example/2"),
            ],
            {"x1": chad, "x2": chad},
        ),
        dedupe=decide,
        clustering=clustering,
    )
    assert_consistent(db)
    with db.read() as session:
        counts, feeds = stored_stories(session)
        joined = {sid for (sid,) in session.execute(select(StoryItem.story_id))}
    assert len(joined) == 2  # the attack (two items) and the central bank
    first_day = (day - timedelta(hours=20)).date()
    assert counts[(first_day, "region", "africa", "")] == 1
    assert counts[(first_day, "country", "SDN", "war_crimes")] == 1
    assert counts[(day.date(), "country", "TCD", "war_crimes")] == 1  # the central bank's story
    assert {k[4] for k in feeds if k[:4] == (first_day, "region", "africa", "genocide")} == {a, b}
    # the story's earlier item updated in place and retagged: the union follows
    changed = Entry("x1", title + " in Darfur", day - timedelta(hours=20), link="https://m.example/1")
    store_attempt(
        db,
        _attempt(b, [replace(changed, content_hash="h2")], {"x1": ItemTags()}),
        dedupe=decide,
        clustering=clustering,
    )
    assert_consistent(db)


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
        raw_stories = raw_story_totals(s, since, FAR_FUTURE, Where("country", region="africa"), sources=True)
    rows = country_table(db, ItemFilter(region="africa", since=since))
    assert {r.iso3: (r.items, r.flagged, r.last_item_at) for r in rows} == {
        k: (p.items, p.flagged, p.last) for k, p in raw.items()
    }
    assert {r.iso3: (r.stories, r.sources) for r in rows} == {
        k: (n, len(raw_stories.sources[(k, "")])) for (k, i, _d), n in raw_stories.counts.items() if not i
    }
    assert sum(r.stories for r in rows) > 0
    for r in rows:
        per_indicator = {i: n for (k, i, _d), n in raw_stories.counts.items() if k == r.iso3 and i}
        assert r.top_indicator_count == max(per_indicator.values(), default=0)
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
            past = _raw_counts(s, NOW - timedelta(days=35), NOW - timedelta(days=7), org)
            where = Where("region-org", suffix=f"|{org}") if org else Where("region")
            sources = raw_story_totals(s, NOW - timedelta(days=7), NOW, where, sources=True).sources
        signals = region_signals(db, AlertRule(), now=NOW, organisation=org)
        assert {k: s.count for k, s in signals.items() if s.count} == wanted
        assert {k: s.baseline_total for k, s in signals.items() if s.baseline_total} == past
        assert {k: s.sources for k, s in signals.items() if s.count} == {
            (key.split("|")[0], i): len(f) for (key, i), f in sources.items() if i
        }
