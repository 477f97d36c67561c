"""Stories: near-duplicate items across feeds become one story; hard cases stay apart."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from db import Database
from db.attempt import FeedAttempt
from db.models import Story, StoryItem, StoryKey
from db.store import store_attempt
from db.stories import StoryValues
from ingest.dedupe import decide
from signals.stories import content_words, fingerprint, numbers_conflict, same_story, similarity
from tests.signals_support import entry, feed, store, tags

T0 = datetime(2023, 4, 15, 9, 0, tzinfo=UTC)


def same(a: str, b: str, sa: str = "", sb: str = "") -> bool:
    return same_story(fingerprint(a, sa), fingerprint(b, sb), threshold=0.25)


def test_one_event_from_two_outlets_is_one_story() -> None:
    assert same(
        "Yemen stampede kills 78 at Ramadan charity event in Sanaa",
        "Stampede in Yemen's capital Sanaa kills at least 78 at charity event",
    )
    assert same(
        "Putin wanted by International Criminal Court for alleged deportation of Ukrainian children",
        "ICC issues arrest warrant for Putin over deportation of Ukrainian children",
    )


def test_hard_cases_stay_apart() -> None:
    # two different attacks in the same country on the same day
    assert not same(
        "Gunmen kill 12 villagers in attack in Burkina Faso's north",
        "Burkina Faso army says drone strike hit market in Boulkiemde",
    )
    # issues of a daily series share nearly every word but not their number
    assert not same(
        "Russia-Ukraine war: List of key events, day 426", "Russia-Ukraine war: List of key events, day 427"
    )
    assert (
        numbers_conflict("426", "427")
        and not numbers_conflict("426", "")
        and not numbers_conflict("4 78", "78")
    )


def test_fingerprints_are_stable_and_fold_case_accents_and_plurals() -> None:
    a = fingerprint("Sanctions on Niger's junta", "ECOWAS leaders")
    b = fingerprint("sanction on niger's JUNTA", "Ecowas leader")
    assert a.signature == b.signature and a.bands == b.bands
    assert content_words("Le président à Niamey") == content_words("le president a niamey")
    assert "سودان" in content_words("الحرب في السودان")
    assert similarity(a.signature, b"") == 0.0
    assert fingerprint("", "").empty


def test_store_clusters_across_feeds_in_the_same_transaction(db: Database) -> None:
    bbc, aj, wsj = feed(db, "bbc"), feed(db, "aj"), feed(db, "wsj")
    e1 = entry("Yemen stampede kills 78 at Ramadan charity event in Sanaa", T0)
    e2 = entry(
        "Stampede in Yemen's capital Sanaa kills at least 78 at charity event", T0 + timedelta(hours=3)
    )
    e3 = entry("Yemen's Sanaa stampede: 78 killed at charity event during Ramadan", T0 + timedelta(hours=50))
    other = entry("Gunmen kill 12 villagers in attack in Burkina Faso's north", T0 + timedelta(hours=1))
    store(db, bbc, T0, [(e1, tags()), (other, tags())])
    store(db, aj, T0, [(e2, tags())])
    store(db, wsj, T0, [(e3, tags())])  # beyond the 36-hour window of the story's first item
    with db.read() as s:
        story_of = dict(s.execute(select(StoryItem.item_id, StoryItem.story_id)).all())
        stories = {st.id: st for st in s.scalars(select(Story))}
        # band keys (written by the driver directly) keep their item's time exactly, as the type stores it
        key_times = s.execute(
            select(StoryKey.published_at, StoryItem.published_at).join(
                StoryItem, StoryItem.item_id == StoryKey.item_id
            )
        ).all()
    assert key_times and all(k == i for k, i in key_times)
    assert len(story_of) == 4 and len(stories) == 3
    big = max(stories.values(), key=lambda st: st.items)
    assert (big.items, big.sources) == (2, 2)
    assert big.first_seen_at == T0 and big.last_seen_at == T0 + timedelta(hours=3)


def test_labelled_pairs_are_well_formed() -> None:
    path = Path(__file__).parent / "data" / "story_pairs.tsv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) >= 300
    assert {r["label"] for r in rows} == {"same", "different"}
    assert all(len(r["id_a"]) == 12 and len(r["id_b"]) == 12 for r in rows)
    assert set(rows[0]) == {"id_a", "id_b", "label"}  # ids and labels only, never corpus text


def test_a_feed_of_look_alike_entries_is_compared_in_linear_time(database_url: str) -> None:
    # A hostile or broken feed: thousands of entries whose titles differ only in a number share every
    # band key. Each item is compared with a bounded number of earlier ones, not with all of them.
    from db.store import Clustering
    from db.stories import StoryRule
    from tests.signals_support import CLUSTERING

    db = Database(database_url)
    comparisons = 0

    def counting_match(a: StoryValues, b: StoryValues) -> bool:
        nonlocal comparisons
        comparisons += 1
        return CLUSTERING.rule.match(a, b)

    clustering = Clustering(StoryRule(CLUSTERING.rule.window, counting_match), CLUSTERING.fingerprint)
    n = 3000
    entries = [entry(f"Report {i} from the region", T0 + timedelta(seconds=i)) for i in range(n)]
    attempt = FeedAttempt(
        feed_id=feed(db, "big"),
        started_at=T0,
        finished_at=T0,
        status="ok",
        next_due_at=T0,
        entries=tuple(entries),
        tags={e.guid: tags() for e in entries},
    )
    result = store_attempt(db, attempt, dedupe=decide, clustering=clustering)
    assert result.new_items == n
    assert 0 < comparisons <= 400 * n  # all pairs would be n * (n - 1) / 2 = 4,498,500
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoryItem)) == n  # every item still has a story
    db.dispose()


def test_only_the_latest_items_of_a_crowded_band_key_leave_the_database(database_url: str) -> None:
    # A key shared by hundreds of items in the window (a boilerplate title) must not have them all read
    # for every new item: memory and time would grow with the crowd (1.4 GB in a load test).
    from db.stories import MAX_CANDIDATES_PER_KEY, _candidates

    db = Database(database_url)
    store(
        db,
        feed(db, "crowd"),
        T0,
        [(entry(f"Report {i} from the region", T0 + timedelta(seconds=i)), tags()) for i in range(800)],
    )
    with db.read() as s:
        sizes = dict(s.execute(select(StoryKey.key, func.count()).group_by(StoryKey.key)).all())
        crowded = [k for k, n in sizes.items() if n > MAX_CANDIDATES_PER_KEY]
        assert crowded  # the look-alike titles do crowd some keys
        found = _candidates(s, crowded, T0 - timedelta(days=1), T0 + timedelta(days=1))
        for key in crowded:
            latest = s.scalars(
                select(StoryKey.item_id)
                .where(StoryKey.key == key)
                .order_by(StoryKey.published_at.desc(), StoryKey.item_id.desc())
                .limit(MAX_CANDIDATES_PER_KEY)
            )
            assert {c.item_id for c in found[key]} == set(latest)
            assert [c.published_at for c in found[key]] == sorted(c.published_at for c in found[key])
    db.dispose()
