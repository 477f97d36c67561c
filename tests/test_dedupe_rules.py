"""The dedupe rules (ingest.dedupe) on their own: which entries are one item, as the intents storage
applies. No database, no HTTP server: what storage knows is given as values. Then storage applying
them, and retrying when another worker won the race to the same link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db import Database
from db.attempt import FeedAttempt
from db.feeds import NewFeed, add_feed
from db.intents import EntryValues, Intent, KnownItem, KnownItems, NewItem, Sighting, Unchanged, Update
from db.models import Item, ItemSighting
from db.store import store_attempt
from ingest.dedupe import TITLE_WINDOW, decide, needs_tags
from ingest.normalise import Entry

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def entry(
    guid: str, *, link: str | None = None, title: str = "", when: datetime = NOW, content: str = "h"
) -> Entry:
    return Entry(
        guid=guid,
        link=link,
        link_key=link,
        title=title or guid,
        title_key=title,
        summary="",
        published_at=when,
        language="en",
        content_hash=content,
    )


def known(
    *,
    guids: dict[str, KnownItem] | None = None,
    links: dict[str, KnownItem] | None = None,
    titles: dict[str, list[tuple[KnownItem, datetime]]] | None = None,
) -> KnownItems:
    return KnownItems(guids or {}, links or {}, titles or {})


def test_unknown_entries_are_new_items() -> None:
    a, b = entry("a", link="https://n.example/a"), entry("b", link="https://n.example/b")
    assert decide([a, b], known()) == [NewItem(a), NewItem(b)]


def test_same_guid_same_text_is_unchanged_and_changed_text_updates_in_place() -> None:
    stored = KnownItem(7, "h", "https://n.example/a")
    same, changed = (
        entry("a", link="https://n.example/a"),
        entry("a", link="https://n.example/a2", content="h2"),
    )
    assert decide([same], known(guids={"a": stored})) == [Unchanged(same)]
    assert decide([changed], known(guids={"a": stored})) == [Update(changed, 7, "https://n.example/a2")]


def test_an_update_keeps_its_link_when_the_new_link_is_another_items() -> None:
    ours, theirs = KnownItem(7, "h", "https://n.example/a"), KnownItem(9, "x", "https://n.example/b")
    moved = entry("a", link="https://n.example/b", content="h2")
    intents = decide([moved], known(guids={"a": ours}, links={"https://n.example/b": theirs}))
    assert intents == [Update(moved, 7, "https://n.example/a")]


def test_same_link_from_any_feed_is_a_sighting() -> None:
    other = entry("x9", link="https://n.example/a")
    assert decide(
        [other], known(links={"https://n.example/a": KnownItem(7, "h", "https://n.example/a")})
    ) == [Sighting(other, 7)]


def test_same_title_within_the_window_is_a_sighting_and_outside_it_a_new_item() -> None:
    item = KnownItem(7, "h", None)
    titles = {"sudan talks": [(item, NOW)]}
    near = entry("n", title="sudan talks", when=NOW + TITLE_WINDOW)
    far = entry("f", title="sudan talks", when=NOW + TITLE_WINDOW + timedelta(seconds=1))
    assert decide([near], known(titles=titles)) == [Sighting(near, 7)]
    assert decide([far], known(titles=titles)) == [NewItem(far)]


def test_guid_comes_before_link_and_link_before_title() -> None:
    by_guid, by_link, by_title = (
        KnownItem(1, "h"),
        KnownItem(2, "h", "https://n.example/l"),
        KnownItem(3, "h"),
    )
    e = entry("g", link="https://n.example/l", title="t")
    everything = known(
        guids={"g": by_guid}, links={"https://n.example/l": by_link}, titles={"t": [(by_title, NOW)]}
    )
    assert decide([e], everything) == [Unchanged(e)]
    assert decide([e], known(links={"https://n.example/l": by_link}, titles={"t": [(by_title, NOW)]})) == [
        Sighting(e, 2)
    ]


def test_earlier_entries_of_the_same_attempt_count_as_known() -> None:
    first = entry("a", link="https://n.example/a", title="t")
    same_link = entry("b", link="https://n.example/a")
    same_title = entry("c", title="t", when=NOW + timedelta(hours=5))
    second_new = entry("d", link="https://n.example/d")
    again_b = entry("e", link="https://n.example/d")
    assert decide([first, same_link, same_title, second_new, again_b], known()) == [
        NewItem(first),
        Sighting(same_link, None, 0),
        Sighting(same_title, None, 0),
        NewItem(second_new),
        Sighting(again_b, None, 1),
    ]


def test_new_and_updated_entries_need_tags() -> None:
    new, changed, same = entry("n"), entry("a", content="h2"), entry("s")
    intents = decide([new, changed, same], known(guids={"a": KnownItem(1, "h"), "s": KnownItem(2, "h")}))
    assert needs_tags(intents) == [new, changed]


def test_storage_retries_a_lost_race_with_the_rule_run_again(db: Database) -> None:
    """Another worker stored the same link between the read and the insert: the unique constraint
    refuses the insert, the whole transaction is retried, and the rule, asked again, sees the item."""
    first, second = (
        add_feed(db, NewFeed(url="https://a.example/rss")),
        add_feed(db, NewFeed(url="https://b.example/rss")),
    )
    a = entry("a1", link="https://n.example/story", title="sudan talks")
    [stored] = store_attempt(db, attempt(first, a), dedupe=decide).new_item_ids
    calls: list[list[Intent]] = []

    def stale_then_true(entries: Sequence[EntryValues], known_now: KnownItems) -> list[Intent]:
        intents = [NewItem(e) for e in entries] if not calls else decide(entries, known_now)
        calls.append(intents)
        return intents

    b = entry("b7", link="https://n.example/story", title="other words")
    result = store_attempt(db, attempt(second, b), dedupe=stale_then_true)
    assert calls == [[NewItem(b)], [Sighting(b, stored)]]
    assert (result.new_items, result.duplicate_items) == (0, 1)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 1
        assert sorted(s.scalars(select(ItemSighting.feed_id))) == [first, second]


def test_storing_entries_without_a_rule_is_refused(db: Database) -> None:
    feed = add_feed(db, NewFeed(url="https://a.example/rss"))
    with pytest.raises(TypeError, match="dedupe"):
        store_attempt(db, attempt(feed, entry("a1")))


def attempt(feed_id: int, *entries: Entry) -> FeedAttempt:
    return FeedAttempt(
        feed_id=feed_id,
        started_at=NOW,
        finished_at=NOW,
        status="ok",
        next_due_at=NOW + timedelta(minutes=15),
        entries=entries,
    )
