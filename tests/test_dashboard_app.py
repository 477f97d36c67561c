"""The dashboard without a browser: app factory, login and roles, forged callbacks, the Atom feed,
page layouts and callbacks called directly, assets served locally."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dash
import plotly
import pytest
from flask.testing import FlaskClient

from dashboard import feed_actions
from dashboard.app import ASSETS, create_app
from dashboard.components import highlight, safe_href, sparkline_src
from dashboard.context import AppContext, CurrentUser
from dashboard.pages import country, feeds, indicators, overview, region, review
from db import Database
from db.feeds import list_feeds
from db.filters import ItemFilter
from db.listing import list_items
from db.reviews import record_review, review_history, review_statuses
from db.users import add_user, get_user
from tests.dashboard_seed import XSS_SUMMARY, XSS_TITLE, seed_sample
from tests.dashboard_server import make_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded_db(db: Database) -> Database:
    seed_sample(db)
    add_user(db, "ana", "analyst", "analyst-password")
    add_user(db, "vic", "viewer", "viewer-password")
    return db


@pytest.fixture
def app(seeded_db: Database) -> dash.Dash:
    return create_app(make_config(), seeded_db)


def ctx_of(app: dash.Dash) -> AppContext:
    ctx: AppContext = app.server.extensions["r2pwatch"]
    return ctx


def login(client: FlaskClient, name: str, password: str) -> Any:
    return client.post("/login", data={"name": name, "password": password, "next": "/review"})


def test_login_required_and_cookie_flags(app: dash.Dash) -> None:
    client = app.server.test_client()
    r = client.get("/review?region=africa")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=/review")
    assert client.get("/_dash-layout").status_code == 401
    with client.get("/assets/bootstrap.min.css") as asset:
        assert asset.status_code == 200
    assert login(client, "ana", "wrong").status_code == 401
    r = login(client, "ana", "analyst-password")
    assert r.status_code == 302 and r.headers["Location"] == "/review"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/review").status_code == 200
    client.post("/logout")
    assert client.get("/review").status_code == 302


def test_login_next_cannot_leave_the_site(app: dash.Dash) -> None:
    client = app.server.test_client()
    r = client.post(
        "/login", data={"name": "ana", "password": "analyst-password", "next": "//evil.example/x"}
    )
    assert r.headers["Location"] == "/"
    page = client.get('/login?next="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_anonymous_read_views_as_viewer(seeded_db: Database) -> None:
    app = create_app(make_config(anonymous=True), seeded_db)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


def _review_body(ctx: AppContext, item_id: int, note: str) -> dict[str, Any]:
    key = next(k for k in ctx.write_outputs if "review-action-msg" in k)
    outputs = [
        {"id": "review-action-msg", "property": "children"},
        {"id": "review-bulk-msg", "property": "children"},
        {"id": "review-refresh", "property": "data"},
    ]
    inputs = [
        {"id": i, "property": "n_clicks", "value": 1 if i == "review-confirm" else None}
        for i in (
            "review-confirm",
            "review-dismiss",
            "review-escalate",
            "review-bulk-confirm",
            "review-bulk-dismiss",
            "review-bulk-escalate",
        )
    ]
    state = [
        {"id": "review-current", "property": "data", "value": item_id},
        {"id": "review-note", "property": "value", "value": note},
        {"id": "review-grid", "property": "selectedRows", "value": []},
        {"id": "review-bulk-note", "property": "value", "value": None},
        {"id": "review-refresh", "property": "data", "value": 0},
    ]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": inputs,
        "state": state,
        "changedPropIds": ["review-confirm.n_clicks"],
    }


def test_forged_review_callback_from_viewer_is_refused(app: dash.Dash, seeded_db: Database) -> None:
    ctx = ctx_of(app)
    item = list_items(seeded_db, ItemFilter(status="new", flagged_only=True), limit=1)[0].id
    viewer = app.server.test_client()
    login(viewer, "vic", "viewer-password")
    r = viewer.post("/_dash-update-component", json=_review_body(ctx, item, "forged"))
    assert r.status_code == 403
    assert review_statuses(seeded_db, [item])[item] == "new" and review_history(seeded_db, item) == []
    analyst = app.server.test_client()
    login(analyst, "ana", "analyst-password")
    r = analyst.post("/_dash-update-component", json=_review_body(ctx, item, "seen twice"))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert review_statuses(seeded_db, [item])[item] == "confirmed"
    assert [(h.analyst, h.note) for h in review_history(seeded_db, item)] == [("ana", "seen twice")]


def test_every_write_callback_is_guarded(app: dash.Dash) -> None:
    guarded = " ".join(ctx_of(app).write_outputs)
    for output in ("review-action-msg", "feeds-msg", "feeds-preview"):
        assert output in guarded


def test_atom_feed_needs_token_and_escapes_text(app: dash.Dash, seeded_db: Database) -> None:
    client = app.server.test_client()
    assert client.get("/feeds/flagged.atom").status_code == 401
    assert client.get("/feeds/flagged.atom?token=nope").status_code == 401
    token = add_user(seeded_db, "reader", "viewer", "reader-password").feed_token
    r = client.get(f"/feeds/flagged.atom?token={token}&region=africa")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    assert b"<script>" not in r.data and b"<img" not in r.data
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(r.data)
    titles = [e.text for e in root.findall("a:entry/a:title", ns)]
    assert XSS_TITLE in titles
    links = [e.get("href") or "" for e in root.findall("a:entry/a:link", ns)]
    assert not any(h.startswith("javascript:") for h in links)
    r = client.get(f"/feeds/flagged.atom?token={token}&status=confirmed")
    statuses = [e.text or "" for e in ET.fromstring(r.data).findall("a:entry/a:summary", ns)]
    assert statuses and all(s.startswith("Status: confirmed") for s in statuses)
    assert client.get(f"/feeds/flagged.atom?token={token}&region=mars").status_code == 400
    assert client.get(f"/feeds/flagged.atom?token={token}&indicator=nope").status_code == 400


def test_atom_feed_takes_every_filter_and_leaves_out_dismissed(app: dash.Dash, seeded_db: Database) -> None:
    client = app.server.test_client()
    token = add_user(seeded_db, "reader", "viewer", "reader-password").feed_token
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def entries(query: str) -> list[ET.Element]:
        r = client.get(f"/feeds/flagged.atom?token={token}&{query}")
        assert r.status_code == 200
        return ET.fromstring(r.data).findall("a:entry", ns)

    def statuses(query: str) -> set[str]:
        return {(e.findtext("a:summary", "", ns)).split("\n")[0] for e in entries(query)}

    assert "Status: dismissed" not in statuses("")
    assert "Status: dismissed" in statuses("dismissed=1")
    assert statuses("status=dismissed") == {"Status: dismissed"}
    peace = entries("indicator=peacekeeping&country=COD&q=Goma")
    assert peace and all("Goma" in (e.findtext("a:title", "", ns)) for e in peace)
    assert all(c.get("term") == "peacekeeping" for e in peace for c in e.findall("a:category", ns))
    assert entries("q=nothingmatchesthis") == []
    item_id = int(peace[0].findtext("a:id", "", ns).rsplit("=", 1)[1])
    before = peace[0].findtext("a:updated", "", ns)
    record_review(seeded_db, [item_id], "escalated", "ana", "urgent", now=datetime(2031, 1, 1, tzinfo=UTC))
    after = {e.findtext("a:id", "", ns): e.findtext("a:updated", "", ns) for e in entries("country=COD")}
    assert after[peace[0].findtext("a:id", "", ns)] == "2031-01-01T00:00:00+00:00" != before


def test_page_layouts_render(app: dash.Dash, seeded_db: Database) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = [
        (overview.layout, {}),
        (region.layout, {"slug": "africa"}),
        (region.layout, {"slug": "atlantis"}),
        (country.layout, {"iso3": "COD"}),
        (country.layout, {"iso3": "<b>"}),
        (review.layout, {"item": "1"}),
        (review.layout, {"item": "x"}),
        (feeds.layout, {}),
        (indicators.layout, {}),
    ]
    with app.server.test_request_context("/"):
        for fn, kwargs in calls:
            assert json.dumps(fn(**kwargs), cls=plotly.utils.PlotlyJSONEncoder)


def test_pages_render_on_an_empty_database(db: Database) -> None:
    app = create_app(make_config(anonymous=True), db)
    with app.server.test_request_context("/"):
        for fn, kwargs in (
            (overview.layout, {}),
            (region.layout, {"slug": "americas"}),
            (review.layout, {}),
            (feeds.layout, {}),
            (indicators.layout, {}),
            (country.layout, {"iso3": "HTI"}),
        ):
            json.dumps(fn(**kwargs), cls=plotly.utils.PlotlyJSONEncoder)


def test_review_callbacks_directly(app: dash.Dash, seeded_db: Database) -> None:
    ctx = ctx_of(app)
    resp = review.grid_response(
        ctx,
        {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "score", "sort": "desc"}], "filterModel": {}},
        {"region": "africa", "flagged": True},
    )
    assert resp["rowCount"] > 10 and len(resp["rowData"]) == 10
    scores = [r["score"] for r in resp["rowData"]]
    assert scores == sorted(scores, reverse=True)
    assert all("Africa" in r["regions"] for r in resp["rowData"])
    ids = [int(r["id"]) for r in resp["rowData"][:3]]
    viewer = CurrentUser("vic", "viewer")
    assert "cannot" in review.do_review(ctx, viewer, ids, "confirm", "x")
    analyst = CurrentUser("ana", "analyst")
    assert review.do_review(ctx, analyst, ids, "escalate", "bulk") == "Escalated: 3 items."
    assert set(review_statuses(seeded_db, ids).values()) == {"escalated"}
    assert review.do_review(ctx, analyst, [10**9], "confirm", None).startswith("Refused")
    flt = review.filter_from(
        {"start": "2026-01-01", "end": "bad", "feed": "2", "status": "drop", "flagged": False}
    )
    assert flt.since == datetime(2026, 1, 1, tzinfo=UTC) and flt.until is None and flt.feed_id == 2
    assert flt.status is None and not flt.flagged_only


def test_item_panel_shows_feed_text_literally(app: dash.Dash, seeded_db: Database) -> None:
    xss = list_items(seeded_db, ItemFilter(text="<script>"), limit=1)[0].id
    with app.server.test_request_context("/"):
        panel = review.detail(xss, 0)
    text = json.dumps(panel, cls=plotly.utils.PlotlyJSONEncoder)
    assert json.dumps(XSS_TITLE)[1:-1] in text and "javascript:" not in text
    assert "dangerously" not in text


def test_highlight_and_safe_helpers(app: dash.Dash) -> None:
    meta = ctx_of(app).meta
    g = XSS_SUMMARY.index("genocide")
    evidence = [
        {"kind": "indicator", "id": "genocide", "field": "summary", "start": g, "end": g + 8},
        {"kind": "indicator", "id": "war_crimes", "field": "summary", "start": g + 2, "end": g + 9},
        {"kind": "country", "id": "SSD", "field": "title", "start": 0, "end": 4},
    ]
    parts = highlight(XSS_SUMMARY, evidence, "summary", meta)
    assert parts[0] == XSS_SUMMARY[:g] and parts[1].children == "genocide" and parts[-1] == "."
    assert highlight("abc", [{"field": "title", "start": 2, "end": 9}], "title", meta) == ["abc"]
    assert safe_href("javascript:alert(1)") is None and safe_href("data:text/html,x") is None
    assert safe_href("https://example.org/a") == "https://example.org/a" and safe_href("/relative") is None
    src = sparkline_src([0, 3, 1], '#123456" onload="x')
    assert "onload" not in base64.b64decode(src.split(",", 1)[1]).decode()


def test_feed_actions(app: dash.Dash, seeded_db: Database) -> None:
    ctx = ctx_of(app)
    before = len(list_feeds(seeded_db))
    bad = feed_actions.add_from_form(ctx, feed_actions.FeedForm("javascript:alert(1)"))
    assert not bad.ok and "only http and https" in bad.message
    assert not feed_actions.add_from_form(
        ctx, feed_actions.FeedForm("https://ok.example/rss", region="mars")
    ).ok
    assert not feed_actions.add_from_form(
        ctx, feed_actions.FeedForm("https://ok.example/rss", interval="0")
    ).ok
    assert len(list_feeds(seeded_db)) == before
    ok = feed_actions.add_from_form(
        ctx, feed_actions.FeedForm(" https://ok.example/rss ", "OK", "africa", "fr", 30)
    )
    assert ok.ok
    dup = feed_actions.add_from_form(ctx, feed_actions.FeedForm("https://ok.example/rss"))
    assert not dup.ok and "already" in dup.message
    new = next(f for f in list_feeds(seeded_db) if f.url == "https://ok.example/rss")
    assert (new.region, new.language, new.interval_minutes) == ("africa", "fr", 30)
    assert feed_actions.edit(ctx, new.id, region="", language="en", interval="60", enabled=False).ok
    edited = next(f for f in list_feeds(seeded_db) if f.id == new.id)
    assert (edited.region, edited.language, edited.interval_minutes, edited.enabled) == (
        None,
        "en",
        60,
        False,
    )
    assert not feed_actions.edit(
        ctx, new.id, region=None, language="english!", interval=None, enabled=True
    ).ok
    opml = feed_actions.export_opml(ctx)
    assert b"https://ok.example/rss" in opml
    upload = "data:text/xml;base64," + base64.b64encode(opml.replace(b"ok.example", b"new.example")).decode()
    outcome = feed_actions.import_opml(ctx, upload, "feeds.opml")
    assert outcome.ok and "Imported 1 feeds" in outcome.message
    assert not feed_actions.import_opml(ctx, "data:text/xml;base64,bm90IHhtbA==", "x.opml").ok
    assert not feed_actions.preview(ctx, "ftp://x.example/feed").ok


def test_feed_preview_fetches_and_lists_items(app: dash.Dash, tmp_path: Path) -> None:
    from pytest_httpserver import HTTPServer

    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T &lt;b&gt;</title>'
        b"<item><title>First &lt;script&gt;</title><link>https://e.example/1</link></item>"
        b"<item><title>Second</title></item></channel></rss>"
    )
    with HTTPServer(host="127.0.0.1") as server:
        server.expect_request("/rss").respond_with_data(rss, content_type="application/rss+xml")
        ctx = ctx_of(app)
        blocked = feed_actions.preview(ctx, server.url_for("/rss"))
        assert not blocked.ok  # loopback is not allowed by default
        ctx.config = make_config(fetch__allow_private=True)
        outcome = feed_actions.preview(ctx, server.url_for("/rss"))
    assert outcome.ok and outcome.details[1] == "Second" and "2 items" in outcome.message


def test_assets_are_local_and_maps_have_kosovo_and_palestine(app: dash.Dash) -> None:
    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    index = client.get("/").get_data(as_text=True)
    for tag in re.findall(r"<(?:script|link)[^>]+>", index):
        assert "http://" not in tag and "https://" not in tag, tag
    for name in ("world_50m.json", "world_110m.json"):
        topo = json.loads((ASSETS / "topojson" / name).read_text())
        ids = {g.get("id") for g in topo["objects"]["countries"]["geometries"]}
        assert {"XKX", "PSE", "SSD", "COD"} <= ids
        with client.get(f"/assets/topojson/{name}") as asset:
            assert asset.status_code == 200
    css = (ASSETS / "bootstrap.min.css").read_text()
    assert "@import" not in css and "fonts.googleapis" not in css


def test_demo_banner(seeded_db: Database) -> None:
    app = create_app(make_config(anonymous=True, demo=True), seeded_db)
    client = app.server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Sample data" in layout
    plain = create_app(make_config(anonymous=True), seeded_db).server.test_client()
    assert "Sample data" not in plain.get("/_dash-layout").get_data(as_text=True)


def test_indicator_try_box(app: dash.Dash) -> None:
    ctx = ctx_of(app)
    out = repr(indicators.try_tag(ctx, "UN peacekeepers deployed in Sudan", "<b>genocide</b> warning"))
    assert "Peacekeeping" in out and "'<b>'" in out  # the pasted text is shown as typed, as text
    assert "Paste some text" in json.dumps(
        indicators.try_tag(ctx, "", ""), cls=plotly.utils.PlotlyJSONEncoder
    )


def test_review_page_offers_the_users_atom_feed(app: dash.Dash) -> None:
    from dashboard.pages.review import atom_href

    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    user = get_user(ctx_of(app).database, "ana")
    assert user is not None
    href = atom_href(
        {"region": "africa", "status": "confirmed", "q": "UN forces", "flagged": False}, user.feed_token
    )
    assert href == f"/feeds/flagged.atom?region=africa&status=confirmed&q=UN+forces&token={user.feed_token}"
    resp = client.get(href)
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    assert atom_href({}, None) == "/feeds/flagged.atom?"


def test_security_headers_on_every_response(app: dash.Dash) -> None:
    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    for path in (
        "/",
        "/review",
        "/login",
        "/_dash-layout",
        "/assets/bootstrap.min.css",
        "/healthz",
        "/feeds/flagged.atom",
        "/no-such-page",
    ):
        with client.get(path) as r:
            headers = r.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "'unsafe-eval'" not in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
