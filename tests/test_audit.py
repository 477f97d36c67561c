"""The audit log: review decisions, feed changes, user changes — who and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db import Database
from db.audit import iter_events, log, recent_events
from db.feeds import NewFeed, add_feed, remove_feed, set_enabled, update_feed
from db.models import Item
from db.reviews import apply_action
from db.users import add_user
from r2pwatch.cli import main

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_changes_are_recorded_with_who_and_what(db: Database) -> None:
    feed_id = add_feed(db, NewFeed(url="https://a.example.org/rss", title="A"), actor="ana")
    update_feed(db, feed_id, title="A2", actor="ana")
    set_enabled(db, feed_id, False, actor="bob")
    with db.write() as s:
        s.add(
            Item(
                feed_id=feed_id,
                guid="g",
                link=None,
                link_key=None,
                title="t",
                title_key="t",
                summary="",
                published_at=NOW,
                fetched_at=NOW,
                language="en",
                content_hash="h",
            )
        )
    apply_action(db, [1], "confirm", "ana", "solid")
    add_user(db, "carol", "viewer", "pw-long-enough", actor="admin")
    log(db, "carol", "login")
    remove_feed(db, feed_id, actor="bob")
    events = list(iter_events(db))
    assert [(e.actor, e.action) for e in events] == [
        ("ana", "feed.add"),
        ("ana", "feed.edit"),
        ("bob", "feed.disable"),
        ("ana", "review.confirmed"),
        ("admin", "user.add"),
        ("carol", "login"),
        ("bob", "feed.remove"),
    ]
    assert events[3].detail == {"items": [1], "note": "solid"} and events[3].target == "item 1"
    assert events[1].detail == {"feed": feed_id, "title": "A2"}
    assert [e.action for e in recent_events(db, limit=2)] == ["feed.remove", "login"]
    assert [e.action for e in recent_events(db, action_prefix="feed.")][-1] == "feed.add"
    assert all(e.at.tzinfo is not None for e in events)


def test_a_refused_change_leaves_no_record(db: Database) -> None:
    with pytest.raises(Exception, match="unknown item"):
        apply_action(db, [42], "confirm", "ana")
    assert list(iter_events(db)) == []


def test_command_line_changes_name_the_command_line(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", db.url, "feeds", "add", "https://a.example.org/rss"]) == 0
    (event,) = list(iter_events(db))
    assert event.action == "feed.add" and event.actor is not None and "command line" in event.actor


def test_user_changes_are_recorded(db: Database) -> None:
    from db.users import remove_user, rotate_token, set_disabled, set_password, set_role

    add_user(db, "dana", "viewer", "dana-password-1", actor="root")
    set_role(db, "dana", "analyst", actor="root")
    set_password(db, "dana", "dana-password-2", actor="dana")
    set_disabled(db, "dana", True, actor="root")
    rotate_token(db, "dana", actor="root")
    remove_user(db, "dana", actor="root")
    assert [(e.actor, e.action, e.target) for e in iter_events(db)] == [
        ("root", "user.add", "dana"),
        ("root", "user.role", "dana"),
        ("dana", "user.password", "dana"),
        ("root", "user.disable", "dana"),
        ("root", "user.rotate_token", "dana"),
        ("root", "user.remove", "dana"),
    ]
