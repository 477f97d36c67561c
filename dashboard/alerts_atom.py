"""``/feeds/alerts.atom?region=&country=&indicator=&scope=&state=&kind=&days=&token=…``: alerts as an
Atom feed, with the same per-user tokens as the flagged-items feed (``dashboard.atom``).

Each entry carries the alert's arithmetic (observed, expected, score, threshold and the sentence that
explains them), its state, and links to the alert on ``/alerts`` and to its country or region page.
Dismissed alerts are left out unless ``state=dismissed`` or ``dismissed=1``. ``<updated>`` is the later
of the alert's creation and its last state change, so readers see acknowledgements.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import flask
from werkzeug.wrappers import Response

from dashboard.atom import bad_request, base_url, feed_reader
from dashboard.atom_xml import AtomEntry, feed_title, write_atom
from dashboard.context import get_ctx
from dashboard.meta import Meta
from dashboard.urlstate import flag
from db.alerts import AlertInfo, AlertQuery, list_alerts
from db.models import ALERT_STATES

LIMIT = 200
DEFAULT_DAYS = 30
SCOPES = ("country", "region")
KINDS = ("signal", "coverage")


def alert_title(meta: Meta, a: AlertInfo) -> str:
    where = (
        f"{meta.country_name(a.country)} ({a.country})"
        if a.scope == "country"
        else meta.region_name(a.region)
    )
    what = meta.indicator_name(a.indicator) if a.indicator else "coverage gap"
    return f"{where} · {what}: {a.figures()}"


def build_alerts_atom(
    alerts: Sequence[AlertInfo], meta: Meta, *, title: str, self_url: str, base: str, now: datetime
) -> bytes:
    return write_atom(
        title=title,
        self_url=self_url,
        links=[{"href": f"{base}alerts"}],
        updated=max(_updated(a) for a in alerts) if alerts else now,
        entries=(_entry(a, meta, base) for a in alerts),
    )


def _updated(a: AlertInfo) -> datetime:
    return max(a.created_at, a.state_at) if a.state_at else a.created_at


def _entry(a: AlertInfo, meta: Meta, base: str) -> AtomEntry:
    link = f"{base}alerts?alert={a.id}&days=3650"
    place = f"{base}country/{a.country}" if a.scope == "country" else f"{base}region/{a.region}"
    state = (
        a.state + (f" by {a.state_by}" if a.state_by else "") + (f": {a.state_note}" if a.state_note else "")
    )
    stories = ", ".join(str(s) for s in a.story_ids)
    parts = [f"Day: {a.day:%Y-%m-%d}", f"Scope: {a.scope}", *a.arithmetic(), f"State: {state}"]
    if stories:
        parts.append(f"Stories ({len(a.story_ids)}): {stories} — listed at {link}")
    return AtomEntry(
        title=alert_title(meta, a),
        id=f"{base}alerts?alert={a.id}",
        links=[{"href": link}, {"rel": "related", "href": place}],
        updated=_updated(a),
        published=a.created_at,
        summary="\n".join(parts),
        categories=[t for t in (a.kind, a.scope, a.region, a.country, a.indicator) if t],
    )


def alerts_atom() -> Response:
    ctx = get_ctx()
    meta = ctx.meta
    args = flask.request.args
    viewer = feed_reader("/feeds/alerts.atom")
    if isinstance(viewer, Response):
        return viewer
    region = args.get("region") or None
    country = (args.get("country") or "").strip().upper() or None
    indicator = args.get("indicator") or None
    scope = args.get("scope") or None
    state = args.get("state") or None
    kind = args.get("kind") or None
    if region is not None and region not in meta.regions:
        return bad_request(f"unknown region; use one of {', '.join(meta.regions)}")
    if country is not None and not meta.is_country(country):
        return bad_request("unknown country; use an ISO3 code such as SDN")
    if indicator is not None and indicator not in meta.indicator_ids:
        return bad_request(f"unknown indicator; use one of {', '.join(meta.indicator_ids)}")
    for name, value, allowed in (
        ("scope", scope, SCOPES),
        ("state", state, ALERT_STATES),
        ("kind", kind, KINDS),
    ):
        if value is not None and value not in allowed:
            return bad_request(f"unknown {name}; use one of {', '.join(allowed)}")
    try:
        days = int(args.get("days") or DEFAULT_DAYS)
    except ValueError:
        return bad_request("days must be a whole number of days")
    if not 1 <= days <= 3650:
        return bad_request("days must be between 1 and 3650")
    now = datetime.now(UTC)
    alerts = list_alerts(
        ctx.database,
        AlertQuery(
            since=now - timedelta(days=days),
            region=region,
            country=country,
            indicator=indicator,
            scope=scope,
            state=state,
            kind=kind,
            limit=LIMIT,
            exclude_states=() if state is not None or flag(args.get("dismissed"), False) else ("dismissed",),
        ),
    )
    title = feed_title(
        "r2pwatch alerts",
        (
            meta.region_name(region) if region else "",
            country or "",
            meta.indicator_name(indicator) if indicator else "",
            scope or "",
            state or "",
            kind or "",
        ),
    )
    body = build_alerts_atom(
        alerts,
        meta,
        title=title,
        self_url=flask.request.url,
        base=base_url(),
        now=now,
    )
    return Response(body, mimetype="application/atom+xml")


def alerts_atom_href(filters: dict[str, str | None], token: str | None) -> str:
    """The feed of the alerts a page's filters select, with the user's token."""
    keys = ("scope", "region", "country", "indicator", "state", "days")
    query = {k: str(filters[k]) for k in keys if filters.get(k)}
    if token:
        query["token"] = token
    return "/feeds/alerts.atom" + ("?" + urlencode(query) if query else "")
