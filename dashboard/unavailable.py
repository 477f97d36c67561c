"""A clear "database unavailable" answer instead of an error page while the database is down (a
PostgreSQL restart, a network cut), and recovery by itself: full page loads check the database first and
answer 503 with a page that reloads itself; callbacks that fail on the database answer 503, which the
page's script shows as a banner until a request succeeds again (assets/unavailable.js)."""

from __future__ import annotations

import logging

import flask
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.wrappers import Response

from dashboard.context import get_ctx

log = logging.getLogger(__name__)
MESSAGE = "Database unavailable: r2pwatch cannot reach its database right now. This page retries by itself."
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Database unavailable · r2pwatch</title></head><body style="font-family:sans-serif;margin:3em">
<h1>Database unavailable</h1><p id="db-unavailable">{MESSAGE}</p></body></html>"""


def _unavailable(exc: Exception | None = None) -> Response:
    if exc is not None:
        log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    path = flask.request.path
    if path.startswith("/_dash-") or flask.request.is_json:
        return Response(
            f'{{"error": "{MESSAGE}"}}', status=503, mimetype="application/json", headers={"Retry-After": "5"}
        )
    return Response(PAGE, status=503, mimetype="text/html", headers={"Retry-After": "5"})


def _page_check() -> Response | None:
    request = flask.request
    if request.method != "GET" or request.path.startswith(("/_dash-", "/assets/", "/_favicon", "/healthz")):
        return None
    if not get_ctx().database.reachable():
        return _unavailable()
    return None


def _on_database_error(exc: Exception) -> Response:
    if (
        isinstance(exc, DBAPIError)
        and not exc.connection_invalidated
        and not isinstance(exc, OperationalError)
    ):
        raise exc  # a bug (bad SQL, a constraint): not an outage
    return _unavailable(exc)


def install(server: flask.Flask) -> None:
    # before the login guard, which reads the users table
    server.before_request_funcs.setdefault(None, []).insert(0, _page_check)
    server.register_error_handler(DBAPIError, _on_database_error)
