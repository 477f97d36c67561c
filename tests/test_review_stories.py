"""The review queue by story: one row per story with its items inside, a decision on a story applied
to every item of it (stored per item, with the reviewer and the time), refused on the server for
viewers. The database half runs on SQLite and PostgreSQL; the page half with Flask's test client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from dashboard.app import create_app
from dashboard.context import AppContext
from dashboard.pages import review
from dashboard.review_stories import story_rows
from db import Database
from db.filters import ItemFilter
from db.listing import list_items
from db.models import Item, StoryItem
from db.reviews import review_history, review_statuses
from db.stories import NewStoryItem, StoryRule, StoryValues, assign_stories
from db.story_queue import story_item_ids, story_page
from db.users import add_user
from tests.dashboard_seed import seed_sample
from tests.dashboard_server import make_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_ANY = StoryRule(window=timedelta(days=3650), match=lambda _a, _b: True)


def make_story(db: Database, item_ids: list[int]) -> int:
    """Put these stored items into one story (as clustering would for near-duplicates), out of the
    stories they had."""
    with db.write() as session:
        session.execute(delete(StoryItem).where(StoryItem.item_id.in_(item_ids)))
        rows = session.execute(Item.__table__.select().where(Item.id.in_(item_ids))).all()
        values = StoryValues(bytes(128), (hash(tuple(item_ids)) & 0xFFFFFFF,))
        made = assign_stories(
            session,
            [NewStoryItem(r.id, r.feed_id, r.published_at, values) for r in rows],
            _ANY,
        )
    assert len(set(made.values())) == 1
    return next(iter(made.values()))


@pytest.fixture
def seeded(db: Database) -> dict[str, Any]:
    seed_sample(db, NOW, stories=False)  # items without a story are rows of their own
    add_user(db, "ana", "analyst", "analyst-password")
    add_user(db, "vic", "viewer", "viewer-password")
    flagged = [r.id for r in list_items(db, ItemFilter(flagged_only=True, status="new"), limit=400)]
    unflagged = [r.id for r in list_items(db, ItemFilter(), limit=400) if r.id not in flagged]
    # a story of two flagged items and one the "flagged only" filter leaves out
    members = [flagged[0], flagged[1], unflagged[0]]
    return {"db": db, "story": make_story(db, members), "members": members, "alone": flagged[2]}


def test_story_page_groups_items_and_shows_every_item(seeded: dict[str, Any]) -> None:
    db: Database = seeded["db"]
    stories, total = story_page(db, ItemFilter(flagged_only=True), limit=200)
    flagged = len(list_items(db, ItemFilter(flagged_only=True), limit=1000))
    assert total == flagged - 1  # two flagged items are one story; every other one its own row
    by_key = {s.key: s for s in stories}
    story = by_key[seeded["story"]]
    assert sorted(m.id for m in story.members) == sorted(seeded["members"])
    assert (story.items, story.selected) == (3, 2)
    assert story.first_seen_at == min(m.published_at for m in story.members)
    assert by_key[-seeded["alone"]].members[0].id == seeded["alone"]  # no story: a row of its own
    assert [m.published_at for m in story.members] == sorted(m.published_at for m in story.members)
    # newest first, and pages follow each other without overlap
    first, _ = story_page(db, ItemFilter(flagged_only=True), start=0, limit=10)
    second, _ = story_page(db, ItemFilter(flagged_only=True), start=10, limit=10)
    assert {s.key for s in first}.isdisjoint({s.key for s in second})
    assert story_item_ids(db, [seeded["story"], -seeded["alone"]]) == sorted(
        [*seeded["members"], seeded["alone"]]
    )


def ctx_of(app: dash.Dash) -> AppContext:
    ctx: AppContext = app.server.extensions["r2pwatch"]
    return ctx


def login(client: FlaskClient, name: str, password: str) -> None:
    r = client.post("/login", data={"name": name, "password": password, "next": "/review"})
    assert r.status_code == 302


def _story_body(ctx: AppContext, story: int, action: str, note: str) -> dict[str, Any]:
    key = next(k for k in ctx.write_outputs if "review-story-msg" in k)
    button = {"type": "review-story-act", "story": story, "action": action}
    return {
        "output": key,
        "outputs": [
            {"id": "review-story-msg", "property": "children"},
            {"id": "review-refresh", "property": "data"},
        ],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [
            {"id": "review-story-note", "property": "value", "value": note},
            {"id": "review-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": [
            '{"action":"' + action + '","story":' + str(story) + ',"type":"review-story-act"}.n_clicks'
        ],
    }


def test_story_decision_applies_to_every_item_and_viewers_are_refused(seeded: dict[str, Any]) -> None:
    db: Database = seeded["db"]
    app = create_app(make_config(), db)
    ctx = ctx_of(app)
    members: list[int] = seeded["members"]
    viewer = app.server.test_client()
    login(viewer, "vic", "viewer-password")
    r = viewer.post("/_dash-update-component", json=_story_body(ctx, seeded["story"], "dismiss", "forged"))
    assert r.status_code == 403
    assert set(review_statuses(db, members).values()) == {"new"}
    assert all(review_history(db, i) == [] for i in members)

    analyst = app.server.test_client()
    login(analyst, "ana", "analyst-password")
    r = analyst.post(
        "/_dash-update-component",
        json=_story_body(ctx, seeded["story"], "confirm", "one event, three outlets"),
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "Confirmed: 3 items" in r.get_data(as_text=True)
    assert set(review_statuses(db, members).values()) == {"confirmed"}
    for item_id in members:  # stored per item, with the reviewer, the note and the time
        (event,) = review_history(db, item_id)
        assert (event.status, event.analyst, event.note) == ("confirmed", "ana", "one event, three outlets")
        assert event.at is not None
    assert review_statuses(db, [seeded["alone"]])[seeded["alone"]] == "new"


def _find(component: Any, id_: str) -> Any:
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


def test_story_view_lives_in_the_url_and_renders_rows(seeded: dict[str, Any]) -> None:
    db: Database = seeded["db"]
    app = create_app(make_config(), db)
    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    assert client.get("/review?view=stories").status_code == 200
    with app.server.test_request_context("/"):
        page = review.layout(view="stories")
        assert _find(page, "review-stories-view").hidden is False
        assert _find(page, "review-items-view").hidden is True
        assert (
            review.collect_filters(None, None, None, None, None, None, None, None, True, "stories")["view"]
            == "stories"
        )
        assert (
            review.collect_filters(None, None, None, None, None, None, None, None, True, "nonsense")["view"]
            is None
        )
    with app.server.test_request_context("/"):
        rows, count = story_rows({"flagged": True, "view": "stories"}, 0, 0)
        with pytest.raises(dash.exceptions.PreventUpdate):  # the items view renders no stories
            story_rows({"flagged": True}, 0, 0)
    text = str(rows)
    assert "Items (3 shown)" in text and "3 items" in text and "2 match the filters" in text
    assert "stories 1–" in count


def test_a_story_row_for_a_deleted_story_decides_nothing(seeded: dict[str, Any]) -> None:
    db: Database = seeded["db"]
    with db.write() as session:
        session.execute(
            StoryItem.__table__.delete().where(StoryItem.story_id == seeded["story"])  # type: ignore[attr-defined]
        )
    assert story_item_ids(db, [seeded["story"]]) == []
