"""What each reader may see: credentials in feed URLs for admins only; review notes and reviewers'
names not for anonymous visitors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dash
import flask
import plotly
import pytest
from sqlalchemy import select

from dashboard import feed_actions, feed_dialogs
from dashboard.app import create_app
from dashboard.atom import flagged_atom
from dashboard.context import AppContext, CurrentUser
from dashboard.exports import export_download
from dashboard.pages import feeds, region, review
from dashboard.redact import mask_credentials
from db import Database
from db.filters import ItemFilter
from db.listing import list_items
from db.models import Feed
from db.reviews import apply_action
from db.users import add_user
from tests.dashboard_seed import seed_sample
from tests.dashboard_server import make_config

SECRET_URL = "https://reader:s3cret-pw@creds.example.org/feed.xml"
ADMIN = CurrentUser("root", "admin")
READERS = {
    "analyst": CurrentUser("ana", "analyst"),
    "viewer": CurrentUser("vic", "viewer"),
    "anonymous": CurrentUser("anonymous", "viewer", anonymous=True),
}


@pytest.fixture
def app(db: Database) -> dash.Dash:
    seed_sample(db)
    with db.write() as s:  # the Africa feed turns out to carry credentials and no title
        feed = s.scalar(select(Feed).where(Feed.url == "https://news.example.org/africa.xml"))
        assert feed is not None
        feed.url, feed.title = SECRET_URL, None
        feed.last_status, feed.last_error_kind = "error", "http"
        feed.last_error = f"Server error '503' for url '{SECRET_URL}'"
    return create_app(make_config(anonymous=True), db)


@contextmanager
def as_user(app: dash.Dash, user: CurrentUser) -> Iterator[AppContext]:
    with app.server.test_request_context("/"):
        flask.g.r2p_user = user  # what the request guard would have found for this session
        yield app.server.extensions["r2pwatch"]


def _text(value: Any) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder)


def _everything(app: dash.Dash, user: CurrentUser) -> str:
    with as_user(app, user) as ctx:
        with ctx.database.read() as session:
            feed_id = session.scalar(select(Feed.id).where(Feed.url == SECRET_URL))
        parts = [
            _text(feeds.layout()),
            _text(feed_dialogs.modal_for(feed_id, "feeds-edit")),
            _text(feed_dialogs.modal_for(feed_id, "feeds-delete")),
            _text(review.layout()),
            _text(review.grid_response(ctx, {"startRow": 0, "endRow": 500}, {"flagged": False}, user)),
            _text(region.layout(slug="africa")),
            feed_actions.export_opml(ctx, reveal=user.role == "admin" and not user.anonymous).decode(),
            _text(export_download(ctx, ItemFilter(), "csv", "x")),
            _text(export_download(ctx, ItemFilter(), "json", "x")),
            flagged_atom().get_data(as_text=True),
        ]
        item = list_items(ctx.database, ItemFilter(feed_id=feed_id), limit=1)[0].id
        parts.append(_text(review.detail(item, 0)))
    return "\n".join(parts)


def test_mask_credentials() -> None:
    assert mask_credentials(SECRET_URL) == "https://***@creds.example.org/feed.xml"
    assert (
        mask_credentials("see http://a:b@c@h.example/x and ftp://u@h/")
        == "see http://***@h.example/x and ftp://***@h/"
    )
    assert mask_credentials("mail me at x@example.org") == "mail me at x@example.org"
    assert mask_credentials(None) is None


@pytest.mark.parametrize("who", list(READERS))
def test_only_admins_see_credentials_in_feed_urls(app: dash.Dash, who: str) -> None:
    shown = _everything(app, READERS[who])
    assert "s3cret-pw" not in shown and "reader:" not in shown
    assert "https://***@creds.example.org/feed.xml" in shown


def test_admins_see_the_real_address(app: dash.Dash) -> None:
    assert SECRET_URL in _everything(app, ADMIN)


def test_anonymous_visitors_see_items_but_not_notes_or_reviewers(app: dash.Dash, db: Database) -> None:
    item = list_items(db, ItemFilter(flagged_only=True), limit=1)[0].id
    apply_action(db, [item], "escalate", "analyst-amina", "source is a militia spokesman")
    with as_user(app, READERS["anonymous"]):
        anonymous = _text(review.detail(item, 0))
    with as_user(app, READERS["viewer"]):
        viewer = _text(review.detail(item, 0))
    assert "source is a militia spokesman" in viewer and "analyst-amina" in viewer
    assert "source is a militia spokesman" not in anonymous and "analyst-amina" not in anonymous
    assert "escalated" in anonymous.lower()


def test_anonymous_visitors_over_http(app: dash.Dash, db: Database) -> None:
    add_user(db, "root", "admin", "root-password")
    client = app.server.test_client()
    assert client.get("/feeds/flagged.atom").status_code == 200  # anonymous reading is on
    assert "s3cret-pw" not in client.get("/feeds/flagged.atom").get_data(as_text=True)


def test_briefs_follow_the_same_rules(app: dash.Dash, db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    items = list_items(db, ItemFilter(flagged_only=True, region="africa"), limit=3)
    apply_action(db, [r.id for r in items], "confirm", "analyst-amina", "confirmed by two sources")
    start = min(r.published_at for r in items).date()
    end = datetime.now(UTC).date() + timedelta(days=1)
    url = f"/brief?region=africa&from={start}&to={end}"
    anonymous = app.server.test_client().get(url).get_data(as_text=True)
    assert "confirmed by two sources" not in anonymous and "analyst-amina" not in anonymous
    assert "s3cret-pw" not in anonymous
    add_user(db, "vic", "viewer", "viewer-password")
    viewer = app.server.test_client()
    viewer.post("/login", data={"name": "vic", "password": "viewer-password"})
    page = viewer.get(url).get_data(as_text=True)
    assert "confirmed by two sources" in page and "s3cret-pw" not in page
