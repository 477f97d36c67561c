"""``/feeds/flagged.atom?region=&status=&token=…``: flagged items as an Atom feed for feed readers.

Every filter of the review queue works here with the same names (``region country indicator status feed
from to q``); dismissed items are left out unless ``dismissed=1`` (or ``status=dismissed``). Each entry's
``<updated>`` is the item's last change — fetched, updated or reviewed — so readers see review decisions.
The token is a user's feed token (``users.feed_token``); without one the feed is refused unless the
visitor is logged in or anonymous reading is on. Item text goes out as escaped text, never HTML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import flask
from werkzeug.wrappers import Response

from dashboard.auth import current_user
from dashboard.components import safe_href
from dashboard.context import CurrentUser, get_ctx
from dashboard.redact import row_for
from dashboard.urlstate import flag, review_filter, review_state
from db.exports import last_changed
from db.listing import list_items
from db.models import REVIEW_STATUSES
from db.rows import ItemRow
from db.users import user_by_token

ATOM_NS = "http://www.w3.org/2005/Atom"
LIMIT = 200


def build_atom(
    rows: list[ItemRow],
    *,
    title: str,
    self_url: str,
    base_url: str,
    now: datetime,
    changed: Mapping[int, datetime] | None = None,
) -> bytes:
    changed = changed or {}
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
    updated = [changed.get(r.id, r.published_at) for r in rows]
    sub(feed, "updated", (max(updated) if updated else now).isoformat())
    sub(sub(feed, "author"), "name", "r2pwatch")
    for row in rows:
        entry = sub(feed, "entry")
        sub(entry, "title", row.title, type="text")
        sub(entry, "id", f"{base_url}review?item={row.id}")
        href = safe_href(row.link)
        if href:
            sub(entry, "link", href=href)
        sub(entry, "link", rel="related", href=f"{base_url}review?item={row.id}")
        sub(entry, "updated", changed.get(row.id, row.published_at).isoformat())
        sub(entry, "published", row.published_at.isoformat())
        parts = [
            f"Status: {row.status}",
            f"Indicators: {', '.join(row.indicators) or '—'}",
            f"Countries: {', '.join(row.countries) or '—'}",
            f"Source: {row.source}",
            "",
            row.summary,
        ]
        sub(entry, "summary", "\n".join(parts), type="text")
        for ind in row.indicators:
            sub(entry, "category", term=ind)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def feed_reader(path: str) -> CurrentUser | Response:
    """Who reads a feed: the user whose ``token=`` it is, else the logged-in (or anonymous) visitor;
    a 401 response when neither. A wrong token is refused even for a logged-in visitor."""
    token = flask.request.args.get("token", "")
    reader = user_by_token(get_ctx().database, token) if token else None
    viewer = (
        CurrentUser(reader.name, reader.role) if reader is not None else (None if token else current_user())
    )
    if viewer is None:
        return Response(f"a valid token is required: {path}?token=...\n", status=401, mimetype="text/plain")
    return viewer


def base_url() -> str:
    """The dashboard's address for links in feeds: serve.public_url, else the request's host."""
    public = get_ctx().config.public_url.rstrip("/")
    return public + "/" if public else flask.request.host_url


def flagged_atom() -> Response:
    ctx = get_ctx()
    args = flask.request.args
    viewer = feed_reader("/feeds/flagged.atom")
    if isinstance(viewer, Response):
        return viewer
    region = args.get("region") or None
    status = args.get("status") or None
    if region is not None and region not in ctx.meta.regions:
        return Response(
            f"unknown region; use one of {', '.join(ctx.meta.regions)}\n", status=400, mimetype="text/plain"
        )
    if status is not None and status not in REVIEW_STATUSES:
        return Response(
            f"unknown status; use one of {', '.join(REVIEW_STATUSES)}\n", status=400, mimetype="text/plain"
        )
    indicator = args.get("indicator") or None
    if indicator is not None and indicator not in ctx.meta.indicator_ids:
        return Response(
            f"unknown indicator; use one of {', '.join(ctx.meta.indicator_ids)}\n",
            status=400,
            mimetype="text/plain",
        )
    state = review_state(args.to_dict())
    flt = replace(
        review_filter({**state, "flagged": True}),
        exclude_statuses=() if flag(args.get("dismissed"), False) or status else ("dismissed",),
    )
    rows = [row_for(r, viewer) for r in list_items(ctx.database, flt, limit=LIMIT)]
    what = " · ".join(
        x
        for x in (
            ctx.meta.region_name(region) if region else "",
            state["country"] or "",
            ctx.meta.indicator_name(indicator) if indicator else "",
            status or "",
            f"“{state['q']}”" if state["q"] else "",
        )
        if x
    )
    body = build_atom(
        rows,
        title=f"r2pwatch flagged items{' — ' + what if what else ''}",
        self_url=flask.request.url,
        base_url=base_url(),
        now=datetime.now(UTC),
        changed=last_changed(ctx.database, [r.id for r in rows]),
    )
    return Response(body, mimetype="application/atom+xml")


def install(server: flask.Flask) -> None:
    from dashboard.alerts_atom import alerts_atom

    server.add_url_rule("/feeds/flagged.atom", "r2p_flagged_atom", flagged_atom)
    server.add_url_rule("/feeds/alerts.atom", "r2p_alerts_atom", alerts_atom)
