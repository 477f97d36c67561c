"""The Users page: own token and password for everyone logged in, user management for admins only —
refused by the server for other roles, and every change ends the user's sessions at once."""

from __future__ import annotations

from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard import user_actions
from dashboard.app import create_app
from dashboard.context import AppContext, CurrentUser
from db import Database
from db.users import add_user, authenticate, get_user, user_by_token
from tests.dashboard_server import make_config

ROOT = CurrentUser("root", "admin")
ANA = CurrentUser("ana", "analyst")


@pytest.fixture
def app(db: Database) -> dash.Dash:
    add_user(db, "root", "admin", "root-password")
    add_user(db, "ana", "analyst", "analyst-password")
    return create_app(make_config(), db)


def _ctx(app: dash.Dash) -> AppContext:
    ctx: AppContext = app.server.extensions["r2pwatch"]
    return ctx


def _login(app: dash.Dash, name: str, password: str) -> FlaskClient:
    client = app.server.test_client()
    assert client.post("/login", data={"name": name, "password": password}).status_code == 302
    return client


def _admin_body(ctx: AppContext, target: str, action: str) -> dict[str, Any]:
    key = next(k for k in ctx.write_outputs if "users-admin-msg" in k)
    inputs = [
        {"id": "users-add", "property": "n_clicks", "value": None},
        {"id": "users-apply", "property": "n_clicks", "value": 1},
    ]
    state = [
        {"id": i, "property": "value", "value": v}
        for i, v in (
            ("users-target", target),
            ("users-action", action),
            ("users-password", None),
            ("users-add-name", None),
            ("users-add-role", "analyst"),
            ("users-add-password", None),
        )
    ]
    return {
        "output": key,
        "outputs": [
            {"id": "users-admin-msg", "property": "children"},
            {"id": "users-table", "property": "children"},
        ],
        "inputs": inputs,
        "state": state,
        "changedPropIds": ["users-apply.n_clicks"],
    }


def test_only_admins_manage_users_even_by_forged_requests(app: dash.Dash, db: Database) -> None:
    ctx = _ctx(app)
    analyst = _login(app, "ana", "analyst-password")
    r = analyst.post("/_dash-update-component", json=_admin_body(ctx, "root", "disable"))
    assert r.status_code == 403 and not get_user(db, "root").disabled  # type: ignore[union-attr]
    anonymous = app.server.test_client()
    assert (
        anonymous.post("/_dash-update-component", json=_admin_body(ctx, "root", "disable")).status_code == 401
    )
    anonymous_app = create_app(make_config(anonymous=True), db)
    forged = _admin_body(_ctx(anonymous_app), "root", "disable")
    assert anonymous_app.server.test_client().post("/_dash-update-component", json=forged).status_code == 403
    admin = _login(app, "root", "root-password")
    victim = _login(app, "ana", "analyst-password")
    r = admin.post("/_dash-update-component", json=_admin_body(ctx, "ana", "viewer"))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert get_user(db, "ana").role == "viewer"  # type: ignore[union-attr]
    assert victim.get("/review").status_code == 302  # the role change ended their session


def test_admin_actions(app: dash.Dash, db: Database) -> None:
    ctx = _ctx(app)
    assert user_actions.add(ctx, ANA, "x", "viewer", "long enough").message == "Only admins manage users."
    assert user_actions.add(ctx, ROOT, "omar", "viewer", "short").message.startswith("Not added: password")
    assert user_actions.add(ctx, ROOT, "o" * 101, "viewer", "long enough").message.startswith(
        "Not added: user name is too long"
    )
    assert user_actions.add(ctx, ROOT, "omar", "viewer", "long enough").ok
    assert not user_actions.add(ctx, ROOT, "omar", "viewer", "long enough").ok
    token = get_user(db, "omar").feed_token  # type: ignore[union-attr]
    assert user_actions.manage(ctx, ROOT, "omar", "rotate-token").ok and user_by_token(db, token) is None
    assert user_actions.manage(ctx, ROOT, "omar", "password", "new long password").ok
    assert authenticate(db, "omar", "new long password") is not None
    assert (
        user_actions.manage(ctx, ROOT, "omar", "disable").ok
        and authenticate(db, "omar", "new long password") is None
    )
    assert user_actions.manage(ctx, ROOT, "omar", "enable").ok
    assert user_actions.manage(ctx, ROOT, "omar", "remove").ok and get_user(db, "omar") is None
    assert user_actions.manage(ctx, ROOT, "omar", "enable").message == "No user 'omar'."
    for action in ("viewer", "disable", "remove"):
        assert (
            "cannot demote, disable or remove yourself"
            in user_actions.manage(ctx, ROOT, "root", action).message
        )
    assert get_user(db, "root").role == "admin"  # type: ignore[union-attr]


def test_every_user_rotates_their_own_token_and_password(app: dash.Dash, db: Database) -> None:
    ctx = _ctx(app)
    old = get_user(db, "ana").feed_token  # type: ignore[union-attr]
    outcome = user_actions.rotate_own_token(ctx, ANA)
    new = get_user(db, "ana").feed_token  # type: ignore[union-attr]
    assert outcome.ok and new != old and new in outcome.message
    client = app.server.test_client()
    assert client.get(f"/feeds/flagged.atom?token={old}").status_code == 401
    assert client.get(f"/feeds/flagged.atom?token={new}").status_code == 200
    session = _login(app, "ana", "analyst-password")
    assert not user_actions.change_own_password(ctx, ANA, "wrong", "another password").ok
    assert user_actions.change_own_password(ctx, ANA, "analyst-password", "another password").ok
    assert session.get("/review").status_code == 302
    assert not user_actions.rotate_own_token(ctx, CurrentUser("anonymous", "viewer", anonymous=True)).ok


def test_users_page_renders(app: dash.Dash) -> None:
    from dashboard.pages import users

    client = _login(app, "root", "root-password")
    assert client.get("/users").status_code == 200
    with app.server.test_request_context("/"):
        import flask

        flask.g.r2p_user = ROOT
        assert "users-table" in repr(users.layout())
        flask.g.r2p_user = ANA
        text = repr(users.layout())
        assert "users-own-feed" in text and "users-table" not in text
