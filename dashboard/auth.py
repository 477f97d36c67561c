"""Login with server-side sessions, roles, and the server-side guard on every request.

- Not logged in: pages redirect to /login, Dash API calls get 401 — unless ``auth.anonymous_read``
  is on, in which case the visitor is an anonymous viewer.
- A callback that changes data (registered with :func:`dashboard.context.write_callback`) is
  refused with 403 for a user whose role lacks the permission, whatever the page showed.
- The cookie is signed with this database's own key (:mod:`db.secrets`) and carries only a random
  session token, looked up in the database on every request (:mod:`db.sessions`): logout, a password
  or role change, or disabling the user ends the session at once, and a cookie from another instance
  (the demo) means nothing here.
- Failed logins are throttled per user name and per client address (:mod:`db.throttle`).
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup, escape
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from dashboard.config import AuthConfig
from dashboard.context import CurrentUser, get_ctx
from db import Database
from db.audit import log as audit_log
from db.secrets import instance_secret
from db.sessions import end_session, session_user, start_session
from db.throttle import ThrottlePolicy, blocked_for, clear, record_failure
from db.users import authenticate

PUBLIC_PREFIXES = (
    "/assets/",
    "/_dash-component-suites/",
    "/login",
    "/logout",
    "/_favicon.ico",
    "/favicon.ico",
    "/feeds/flagged.atom",
    "/feeds/alerts.atom",
    "/healthz",
)
ANONYMOUS = CurrentUser("anonymous", "viewer", anonymous=True)
SESSION_LIFETIME = timedelta(hours=12)
USER_THROTTLE = ThrottlePolicy(free_failures=5)
ADDRESS_THROTTLE = ThrottlePolicy(free_failures=20)
_G_USER = "r2p_user"


def secret_key(configured: str, database: Database) -> str:
    """``serve.secret_key`` when set, else this database's own random key (created once, atomically)."""
    return configured or instance_secret(database, "session_key")


def cookie_name(key: str) -> str:
    """A cookie name of this instance's own, so instances on one host (ports share cookies) do not
    overwrite each other's sessions."""
    return "r2pwatch_session_" + hashlib.sha256(("cookie:" + key).encode()).hexdigest()[:10]


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure when configured or when the request came over HTTPS."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        return bool(flask.has_request_context() and flask.request.is_secure)


def current_user() -> CurrentUser | None:
    """The user of this request's live session (looked up in the database once per request, so a
    revoked session or changed role applies at once), the anonymous viewer when anonymous reading is
    on, else None."""
    if _G_USER in flask.g:
        cached: CurrentUser | None = flask.g.get(_G_USER)
        return cached
    ctx = get_ctx()
    user: CurrentUser | None = None
    token = flask.session.get("sid")
    if isinstance(token, str):
        info = session_user(ctx.database, token)
        if info is not None:
            user = CurrentUser(info.name, info.role, feed_token=info.feed_token)
        else:
            flask.session.clear()
    if user is None and ctx.config.auth.anonymous_read:
        user = ANONYMOUS
    setattr(flask.g, _G_USER, user)
    return user


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
    if "\\" in target or any(not c.isprintable() for c in target):
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
        try:
            body = flask.request.get_json(silent=True) or {}
        except RecursionError:  # json gives up on absurd nesting with RecursionError, not ValueError
            return flask.jsonify({"error": "request nested too deeply"}), 400  # type: ignore[return-value]
        output = body.get("output") if isinstance(body, dict) else None
        permission = get_ctx().write_outputs.get(str(output)) if output is not None else None
        if permission is not None and not user.can(permission):
            return flask.jsonify({"error": f"your role ({user.role}) may not do this"}), 403  # type: ignore[return-value]
    return None


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · r2pwatch</title><link rel="stylesheet" href="/assets/bootstrap.min.css">
<link rel="stylesheet" href="/assets/r2pwatch.css"></head>
<body class="bg-light"><main class="container login-box">
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
    err = (
        Markup('<div class="alert alert-danger py-2" role="alert" id="login-error">{}</div>').format(error)
        if error
        else ""
    )
    anonymous = ""
    if get_ctx().config.auth.anonymous_read:
        anonymous = Markup(
            '<p class="mt-3 small"><a href="{}">Continue without logging in (read only)</a></p>'
        ).format(next_url)
    return LOGIN_PAGE.format(error=err, next=escape(next_url), anonymous=anonymous)


def _throttle_keys(name: str) -> list[tuple[str, ThrottlePolicy]]:
    address = flask.request.remote_addr or "unknown"
    return [("user:" + name.casefold(), USER_THROTTLE), ("addr:" + address, ADDRESS_THROTTLE)]


def _too_many(next_url: str, wait: float) -> Response:
    seconds = max(1, math.ceil(wait))
    text = (
        f"Too many failed logins for this name or from this address. "
        f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
    )
    response = flask.make_response(_login_page(text, next_url), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def login() -> Response | str:
    if flask.request.method == "GET":
        return _login_page(None, _safe_next(flask.request.args.get("next")))
    database = get_ctx().database
    name = flask.request.form.get("name", "").strip()
    password = flask.request.form.get("password", "")
    next_url = _safe_next(flask.request.form.get("next"))
    keys = _throttle_keys(name)
    wait = blocked_for(database, keys)
    if wait > 0:
        return _too_many(next_url, wait)
    info = authenticate(database, name, password) if name and password else None
    if info is None:
        audit_log(database, name[:100] or None, "login.failed", flask.request.remote_addr)
        wait = record_failure(database, keys)
        if wait > 0:
            return _too_many(next_url, wait)
        return flask.make_response(_login_page("Wrong name or password.", next_url), 401)
    clear(database, keys[0][0])
    audit_log(database, info.name, "login", flask.request.remote_addr)
    flask.session.clear()
    flask.session["sid"] = start_session(database, info.id, SESSION_LIFETIME)
    flask.session.permanent = True
    return flask.redirect(next_url)


LOGOUT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log out · r2pwatch</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container py-5"><form method="post" action="/logout">
<p>Log out of r2pwatch?</p><button type="submit" class="btn btn-primary">Log out</button>
<a class="btn btn-link" href="/">Stay</a></form></main></body></html>"""


def logout() -> Response | str:
    if flask.request.method != "POST":
        return LOGOUT_PAGE  # a GET (a link, an image, a prefetch) asks; only the form's POST logs out
    token = flask.session.get("sid")
    if isinstance(token, str):
        end_session(get_ctx().database, token)
    flask.session.clear()
    return flask.redirect("/login")


def install(server: flask.Flask, database: Database, config: AuthConfig) -> None:
    server.secret_key = secret_key(config.secret_key, database)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME=cookie_name(server.secret_key),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # The largest legitimate request is an OPML upload (2 MB, base64 in a callback).
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if config.trust_proxy:
        proxied: Any = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)
        server.wsgi_app = proxied  # type: ignore[method-assign]
    server.before_request(_guard)
    server.add_url_rule("/login", "r2p_login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "r2p_logout", logout, methods=["GET", "POST"])
    server.add_url_rule("/healthz", "r2p_health", lambda: "ok")
