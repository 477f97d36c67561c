"""``/feeds/flagged.atom?region=&status=&token=…``: flagged items as an Atom feed for feed readers.

Every filter of the review queue works here with the same names (``region country indicator status feed
from to q``); dismissed items are left out unless ``dismissed=1`` (or ``status=dismissed``). Each entry's
``<updated>`` is the item's last change — fetched, updated or reviewed — so readers see review decisions.
The token is a user's feed token (``users.feed_token``); without one the feed is refused unless the
visitor is logged in or anonymous reading is on. Item text goes out as escaped text, never HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import flask
from werkzeug.wrappers import Response

from dashboard.atom_xml import AtomEntry, feed_title, write_atom
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
    updated = [changed.get(r.id, r.published_at) for r in rows]
    return write_atom(
        title=title,
        self_url=self_url,
        updated=max(updated) if updated else now,
        entries=(_entry(row, base_url, changed) for row in rows),
    )


def _entry(row: ItemRow, base_url: str, changed: Mapping[int, datetime]) -> AtomEntry:
    review = f"{base_url}review?item={row.id}"
    href = safe_href(row.link)
    parts = [
        f"Status: {row.status}",
        f"Indicators: {', '.join(row.indicators) or '—'}",
        f"Countries: {', '.join(row.countries) or '—'}",
        f"Source: {row.source}",
        "",
        row.summary,
    ]
    return AtomEntry(
        title=row.title,
        id=review,
        links=[*([{"href": href}] if href else []), {"rel": "related", "href": review}],
        updated=changed.get(row.id, row.published_at),
        published=row.published_at,
        summary="\n".join(parts),
        categories=row.indicators,
    )


def bad_request(message: str) -> Response:
    """A feed's refusal of its query: 400, the reason as plain text."""
    return Response(message + "\n", status=400, mimetype="text/plain")


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
        return bad_request(f"unknown region; use one of {', '.join(ctx.meta.regions)}")
    if status is not None and status not in REVIEW_STATUSES:
        return bad_request(f"unknown status; use one of {', '.join(REVIEW_STATUSES)}")
    indicator = args.get("indicator") or None
    if indicator is not None and indicator not in ctx.meta.indicator_ids:
        return bad_request(f"unknown indicator; use one of {', '.join(ctx.meta.indicator_ids)}")
    state = review_state(args.to_dict())
    flt = replace(
        review_filter({**state, "flagged": True}),
        exclude_statuses=() if flag(args.get("dismissed"), False) or status else ("dismissed",),
    )
    rows = [row_for(r, viewer) for r in list_items(ctx.database, flt, limit=LIMIT)]
    title = feed_title(
        "r2pwatch flagged items",
        (
            ctx.meta.region_name(region) if region else "",
            state["country"] or "",
            ctx.meta.indicator_name(indicator) if indicator else "",
            status or "",
            f"“{state['q']}”" if state["q"] else "",
        ),
    )
    body = build_atom(
        rows,
        title=title,
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
