"""``/feeds/flagged.atom?region=&status=&token=``: flagged items as an Atom feed for feed readers.

The token is a user's feed token (``users.feed_token``); without one the feed is refused unless the
visitor is logged in or anonymous reading is on. Item text goes out as escaped text, never HTML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import flask
from werkzeug.wrappers import Response

from dashboard.auth import current_user
from dashboard.components import safe_href
from dashboard.context import get_ctx
from db.filters import ItemFilter
from db.listing import list_items
from db.models import REVIEW_STATUSES
from db.rows import ItemRow
from db.users import user_by_token

ATOM_NS = "http://www.w3.org/2005/Atom"
LIMIT = 200


def build_atom(rows: list[ItemRow], *, title: str, self_url: str, base_url: str, now: datetime) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", self_url)
    sub(feed, "link", rel="self", href=self_url)
    sub(feed, "updated", (rows[0].published_at if rows else now).isoformat())
    sub(sub(feed, "author"), "name", "r2pwatch")
    for row in rows:
        entry = sub(feed, "entry")
        sub(entry, "title", row.title, type="text")
        sub(entry, "id", f"{base_url}review?item={row.id}")
        href = safe_href(row.link)
        if href:
            sub(entry, "link", href=href)
        sub(entry, "link", rel="related", href=f"{base_url}review?item={row.id}")
        sub(entry, "updated", row.published_at.isoformat())
        sub(entry, "published", row.published_at.isoformat())
        parts = [f"Status: {row.status}", f"Indicators: {', '.join(row.indicators) or '—'}",
                 f"Countries: {', '.join(row.countries) or '—'}", f"Source: {row.source}", "", row.summary]
        sub(entry, "summary", "\n".join(parts), type="text")
        for ind in row.indicators:
            sub(entry, "category", term=ind)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def flagged_atom() -> Response:
    ctx = get_ctx()
    args = flask.request.args
    token = args.get("token", "")
    allowed = (token and user_by_token(ctx.database, token) is not None) or (not token and current_user() is not None)
    if not allowed:
        return Response("a valid token is required: /feeds/flagged.atom?token=...\n", status=401,
                        mimetype="text/plain")
    region = args.get("region") or None
    status = args.get("status") or None
    if region is not None and region not in ctx.meta.regions:
        return Response(f"unknown region; use one of {', '.join(ctx.meta.regions)}\n", status=400,
                        mimetype="text/plain")
    if status is not None and status not in REVIEW_STATUSES:
        return Response(f"unknown status; use one of {', '.join(REVIEW_STATUSES)}\n", status=400,
                        mimetype="text/plain")
    rows = list_items(ctx.database, ItemFilter(region=region, status=status, flagged_only=True), limit=LIMIT)
    what = " · ".join(x for x in (ctx.meta.region_name(region) if region else "", status or "") if x)
    body = build_atom(rows, title=f"r2pwatch flagged items{' — ' + what if what else ''}",
                      self_url=flask.request.base_url, base_url=flask.request.host_url, now=datetime.now(UTC))
    return Response(body, mimetype="application/atom+xml")


def install(server: flask.Flask) -> None:
    server.add_url_rule("/feeds/flagged.atom", "r2p_flagged_atom", flagged_atom)
