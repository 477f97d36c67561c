"""Login with a Flask session, roles, and the server-side guard on every request.

- Not logged in: pages redirect to /login, Dash API calls get 401 — unless ``auth.anonymous_read``
  is on, in which case the visitor is an anonymous viewer.
- A callback that changes data (registered with :func:`dashboard.context.write_callback`) is
  refused with 403 for a user whose role lacks the permission, whatever the page showed.
- The session cookie is HttpOnly and SameSite=Lax; login rotates the session.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import flask
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from dashboard.context import CurrentUser, get_ctx
from db.audit import log as audit_log
from db.users import authenticate, get_user
from r2pwatch.settings import Settings, data_dir

PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/login", "/logout", "/_favicon.ico",
                   "/favicon.ico", "/feeds/flagged.atom", "/healthz")
ANONYMOUS = CurrentUser("anonymous", "viewer", anonymous=True)


def secret_key(settings: Settings) -> str:
    """``serve.secret_key``, or a random key kept in the user data directory (created once)."""
    configured = str(settings["serve.secret_key"] or "")
    if configured:
        return configured
    path = data_dir() / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def current_user() -> CurrentUser | None:
    """The logged-in user (looked up again on each request, so a role change applies at once),
    the anonymous viewer when anonymous reading is on, else None."""
    ctx = get_ctx()
    name = flask.session.get("user")
    if isinstance(name, str):
        info = get_user(ctx.database, name)
        if info is not None:
            return CurrentUser(info.name, info.role, feed_token=info.feed_token)
        flask.session.clear()
    if ctx.settings["auth.anonymous_read"]:
        return ANONYMOUS
    return None


def require(permission: str) -> CurrentUser:
    """The current user if allowed ``permission``; otherwise abort with 403 (defence in depth: the
    request guard already refuses these callbacks)."""
    user = current_user()
    if user is None or not user.can(permission):
        flask.abort(403)
    return user


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _guard() -> Response | None:
    path = flask.request.path
    if path.startswith(PUBLIC_PREFIXES):
        return None
    user = current_user()
    is_api = path.startswith("/_dash-") or path.startswith("/_reload-hash")
    if user is None:
        if is_api:
            return flask.jsonify({"error": "login required"}), 401  # type: ignore[return-value]
        return flask.redirect(f"/login?next={flask.request.full_path.rstrip('?')}")
    if path.startswith("/_dash-update-component") and flask.request.method == "POST":
        body = flask.request.get_json(silent=True) or {}
        output = body.get("output") if isinstance(body, dict) else None
        permission = get_ctx().write_outputs.get(str(output)) if output is not None else None
        if permission is not None and not user.can(permission):
            return flask.jsonify({"error": f"your role ({user.role}) may not do this"}), 403  # type: ignore[return-value]
    return None


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · r2pwatch</title><link rel="stylesheet" href="/assets/bootstrap.min.css">
<link rel="stylesheet" href="/assets/r2pwatch.css"></head>
<body class="bg-light"><main class="container" style="max-width:380px;margin-top:12vh">
<h1 class="h4 mb-1">r2pwatch</h1><p class="text-muted small">Early warning for the Responsibility to Protect</p>
{error}
<form method="post" action="/login" class="card card-body shadow-sm">
<input type="hidden" name="next" value="{next}">
<label class="form-label" for="login-name">Name</label>
<input class="form-control mb-2" id="login-name" name="name" autocomplete="username" required autofocus>
<label class="form-label" for="login-password">Password</label>
<input class="form-control mb-3" id="login-password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary" id="login-submit" type="submit">Log in</button>
</form>{anonymous}</main></body></html>"""


def _login_page(error: str | None, next_url: str) -> str:
    err = Markup('<div class="alert alert-danger py-2" role="alert">{}</div>').format(error) if error else ""
    anonymous = ""
    if get_ctx().settings["auth.anonymous_read"]:
        anonymous = Markup('<p class="mt-3 small"><a href="{}">Continue without logging in (read only)</a></p>').format(
            next_url
        )
    return LOGIN_PAGE.format(error=err, next=escape(next_url), anonymous=anonymous)


def login() -> Response | str:
    if flask.request.method == "GET":
        return _login_page(None, _safe_next(flask.request.args.get("next")))
    name = flask.request.form.get("name", "").strip()
    password = flask.request.form.get("password", "")
    next_url = _safe_next(flask.request.form.get("next"))
    info = authenticate(get_ctx().database, name, password) if name and password else None
    if info is None:
        audit_log(get_ctx().database, name[:100] or None, "login.failed", flask.request.remote_addr)
        return flask.make_response(_login_page("Wrong name or password.", next_url), 401)
    audit_log(get_ctx().database, info.name, "login", flask.request.remote_addr)
    flask.session.clear()
    flask.session["user"] = info.name
    flask.session.permanent = True
    return flask.redirect(next_url)


def logout() -> Response:
    flask.session.clear()
    return flask.redirect("/login")


def install(server: flask.Flask, settings: Settings) -> None:
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME="r2pwatch_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    server.before_request(_guard)
    server.add_url_rule("/login", "r2p_login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "r2p_logout", logout, methods=["GET", "POST"])
    server.add_url_rule("/healthz", "r2p_health", lambda: "ok")


def user_file_hint() -> Path:
    return data_dir()
