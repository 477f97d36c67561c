"""Saved views per user with counts of new items, and the admins' audit page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dashboard.app import create_app
from dashboard.saved_views import new_items
from db import Database
from db.models import SavedView
from db.users import add_user
from db.views import ViewError, delete_view, list_views, open_view, save_view
from tests.dashboard_seed import Seeder
from tests.dashboard_server import make_config


def test_views_are_per_user_and_count_new_items(db: Database) -> None:
    add_user(db, "ana", "analyst", "analyst-password")
    add_user(db, "bob", "analyst", "analyst-password")
    now = datetime.now(UTC)
    s = Seeder(db, now)
    feed = s.feed("https://a.example.org/rss", "A", region="africa")
    view = save_view(db, "ana", " Sahel  peace ", "/review", "?region=africa&q=peacekeepers")
    assert view.name == "Sahel peace" and view.href == "/review?region=africa&q=peacekeepers"
    assert save_view(db, "ana", "Sahel peace", "/review", "region=africa").id == view.id  # overwrites
    assert [v.name for v in list_views(db, "ana")] == ["Sahel peace"] and list_views(db, "bob") == []
    with pytest.raises(ViewError):
        save_view(db, "ana", "  ", "/review")
    with pytest.raises(ViewError):
        save_view(db, "ana", "x", "https://evil.example/")
    assert open_view(db, "bob", view.id) is None and not delete_view(db, "bob", view.id)

    with db.write() as tx:
        tx.execute(update(SavedView).values(seen_at=now - timedelta(days=2)))
    s.item(feed, "UN peacekeepers deployed", days_ago=1, indicators=["peacekeeping"], countries=["SDN"])
    s.item(feed, "Old news", days_ago=5, indicators=["peacekeeping"], countries=["SDN"])
    s.item(feed, "Elsewhere", days_ago=1, indicators=["peacekeeping"], countries=["HTI"])
    app = create_app(make_config(), db)
    with app.server.test_request_context("/"):
        ctx = app.server.extensions["r2pwatch"]
        (v,) = list_views(db, "ana")
        assert new_items(ctx, v) == 1  # the Sudan item; not the old one, not Haiti
        opened = open_view(db, "ana", v.id)
        assert opened is not None
        (v,) = list_views(db, "ana")
        assert new_items(ctx, v) == 0
    assert delete_view(db, "ana", view.id) and list_views(db, "ana") == []


def test_saved_view_route_and_audit_page(db: Database) -> None:
    add_user(db, "ana", "analyst", "analyst-password")
    add_user(db, "root", "admin", "admin-password")
    view = save_view(db, "ana", "Mine", "/region/africa", "period=30")
    app = create_app(make_config(), db)
    client = app.server.test_client()
    assert client.get(f"/views/{view.id}").status_code == 302  # to the login page
    client.post("/login", data={"name": "ana", "password": "wrong", "next": "/"})
    client.post("/login", data={"name": "ana", "password": "analyst-password", "next": "/"})
    r = client.get(f"/views/{view.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/region/africa?period=30")
    assert client.get("/views/999").status_code == 404
    assert client.get("/audit").status_code == 403  # analysts do not see the audit log
    admin = app.server.test_client()
    admin.post("/login", data={"name": "root", "password": "admin-password", "next": "/"})
    page = admin.get("/audit").get_data(as_text=True)
    assert "login.failed" in page and ">ana<" in page and "user.add" in page
    exported = admin.get("/audit?format=csv").get_data(as_text=True)
    assert exported.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported[1:])))
    assert [r["action"] for r in rows][:4] == ["user.add", "user.add", "login.failed", "login"]
    assert admin.get("/audit?format=jsonl").get_data(as_text=True).count("\n") == len(rows)
