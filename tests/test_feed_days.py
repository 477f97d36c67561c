"""The feed list's health read from ``feed_days`` equals the answer from every sighting and its item,
after ingests, new sightings of stored items and deletions, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db import Database
from db.attempt import FeedAttempt
from db.feed_days import expected, expected_health, health, rebuild, stored
from db.feeds import is_stale, list_feeds, remove_feed
from db.item_tags import ItemTags
from db.store import store_attempt
from ingest.dedupe import decide
from tests.dashboard_seed import Seeder, seed_sample

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# moments at which the feed list is read: the 30-day window's first day is cut at 12:00 or 06:00
READ_AT = (NOW, NOW + timedelta(hours=18), NOW + timedelta(days=3), NOW + timedelta(days=40))


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


def _store(db: Database, feed_id: int, entries: list[Entry]) -> None:
    attempt = FeedAttempt(
        feed_id=feed_id,
        started_at=NOW,
        finished_at=NOW,
        status="ok",
        next_due_at=NOW + timedelta(minutes=15),
        entries=tuple(entries),
        tags={e.guid: ItemTags() for e in entries},
    )
    store_attempt(db, attempt, dedupe=decide)


def assert_health_matches_raw_rows(db: Database) -> None:
    with db.read() as session:
        assert stored(session) == expected(session)
        for now in READ_AT:
            assert health(session, now) == expected_health(session, now)
    for now in READ_AT:
        with db.read() as session:
            raw = expected_health(session, now)
        for f in list_feeds(db, now=now):
            n, n30, first, last = raw.get(f.id, (0, 0, None, None))
            assert (f.item_count, f.items_per_day_30d, f.last_item_at, f.stale) == (
                n,
                round(n30 / 30.0, 2),
                last,
                is_stale(first, last, n, now),
            )


def test_feed_health_follows_ingest_sightings_and_deletes(db: Database) -> None:
    seeded = Seeder(db, NOW)
    a = seeded.feed("https://a.example/rss", "A")
    b = seeded.feed("https://b.example/rss", "B")
    since = NOW - timedelta(days=30)
    _store(
        db,
        a,
        [
            # the window's first day holds items before and after its first moment
            Entry("a1", "before the window", since - timedelta(hours=1), link="https://n.example/1"),
            Entry("a2", "inside the window", since + timedelta(hours=1), link="https://n.example/2"),
            Entry("a3", "same day later", since + timedelta(hours=7), link="https://n.example/3"),
            Entry("a4", "old", NOW - timedelta(days=90), link="https://n.example/4"),
            Entry("a5", "recent", NOW - timedelta(days=2), link="https://n.example/5"),
        ],
    )
    assert_health_matches_raw_rows(db)
    # B carries two of A's items (new sightings of stored items) and one of its own
    _store(
        db,
        b,
        [
            Entry("b1", "before the window (B)", since - timedelta(hours=1), link="https://n.example/1"),
            Entry("b2", "recent (B)", NOW - timedelta(days=2), link="https://n.example/5"),
            Entry("b3", "only B", NOW - timedelta(days=400), link="https://n.example/6"),
        ],
    )
    assert_health_matches_raw_rows(db)
    # later fetches: a newer and an older item than any stored, and a repeat (nothing new)
    _store(db, a, [Entry("a6", "newest", NOW - timedelta(minutes=5), link="https://n.example/7")])
    _store(db, b, [Entry("b4", "oldest", NOW - timedelta(days=700), link="https://n.example/8")])
    _store(db, b, [Entry("b3", "only B", NOW - timedelta(days=400), link="https://n.example/6")])
    assert_health_matches_raw_rows(db)
    with db.read() as session:
        health_now = health(session, NOW)
    assert health_now[a][:2] == (6, 4)  # a1 falls before the window's first moment, a4 long before
    assert health_now[b][:2] == (4, 1)
    # deleting A deletes the items only A carried; those B also carried stay, counted for B
    remove_feed(db, a)
    assert_health_matches_raw_rows(db)
    with db.read() as session:
        assert {f for f, _d in stored(session)} == {b}
    remove_feed(db, b)
    with db.read() as session:
        assert stored(session) == {}


def test_feed_health_of_the_seeded_sample_and_rebuild(db: Database) -> None:
    seed_sample(db, NOW)
    assert_health_matches_raw_rows(db)
    with db.read() as session:
        before = stored(session)
    assert before
    with db.write() as session:
        rebuild(session)
    with db.read() as session:
        assert stored(session) == before
