"""``/audit``: the audit log for admins — who did what and when — as a page, or exported with
``?format=csv`` (the formula-safe CSV writer) or ``?format=jsonl``."""

from __future__ import annotations

import html
import io
import json

import flask
from werkzeug.wrappers import Response

from dashboard.auth import current_user
from dashboard.context import get_ctx
from db.audit import iter_events, recent_events
from db.exports import write_csv_rows

FIELDS = ("at", "actor", "action", "target", "detail")
PAGE_LIMIT = 500


def audit_page() -> Response:
    user = current_user()
    if user is None or user.anonymous or not user.can("admin"):
        return Response("the audit log is for admins\n", status=403, mimetype="text/plain")
    database = get_ctx().database
    fmt = flask.request.args.get("format")
    if fmt == "csv":
        buf = io.StringIO()
        write_csv_rows(
            FIELDS,
            (
                [json.dumps(d[f], ensure_ascii=False) if f == "detail" else d[f] for f in FIELDS]
                for d in (e.to_json() for e in iter_events(database))
            ),
            buf,
        )
        return Response(
            buf.getvalue(),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": "attachment; filename=r2pwatch-audit.csv"},
        )
    if fmt == "jsonl":
        body = "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in iter_events(database))
        return Response(
            body,
            mimetype="application/x-ndjson",
            headers={"Content-Disposition": "attachment; filename=r2pwatch-audit.jsonl"},
        )
    rows = "".join(
        f"<tr><td class='text-nowrap'>{e.at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(e.actor or '—')}</td>"
        f"<td>{html.escape(e.action)}</td><td dir='auto'>{html.escape(e.target or '')}</td>"
        f"<td class='small text-muted' dir='auto'>{html.escape(json.dumps(e.detail, ensure_ascii=False))}</td></tr>"
        for e in recent_events(database, limit=PAGE_LIMIT)
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Audit log · r2pwatch</title>"
        "<link rel='stylesheet' href='/assets/bootstrap.min.css'></head><body class='p-4'>"
        "<h1 class='h4'>Audit log</h1><p class='small'>The newest "
        f"{PAGE_LIMIT} events (UTC). Export all: <a href='/audit?format=csv'>CSV</a> · "
        "<a href='/audit?format=jsonl'>JSON Lines</a> · <a href='/'>Dashboard</a></p>"
        "<table class='table table-sm' id='audit-table'><thead><tr><th>When</th><th>Who</th><th>What</th>"
        f"<th>Target</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
    return Response(page, mimetype="text/html")


def install(server: flask.Flask) -> None:
    server.add_url_rule("/audit", "r2p_audit", audit_page)
