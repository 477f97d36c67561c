"""``/feeds/alerts.atom?region=&country=&indicator=&scope=&state=&kind=&days=&token=…``: alerts as an
Atom feed, with the same per-user tokens as the flagged-items feed (``dashboard.atom``).

Each entry carries the alert's arithmetic (observed, expected, score, threshold and the sentence that
explains them), its state, and links to the alert on ``/alerts`` and to its country or region page.
Dismissed alerts are left out unless ``state=dismissed`` or ``dismissed=1``. ``<updated>`` is the later
of the alert's creation and its last state change, so readers see acknowledgements.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import flask
from werkzeug.wrappers import Response

from dashboard.atom import ATOM_NS, base_url, feed_reader
from dashboard.context import get_ctx
from dashboard.meta import Meta
from dashboard.urlstate import flag
from db.alerts import AlertInfo, AlertQuery, list_alerts
from db.models import ALERT_STATES

LIMIT = 200
DEFAULT_DAYS = 30
SCOPES = ("country", "region")
KINDS = ("signal", "coverage")


def _bad(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


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
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    def updated(a: AlertInfo) -> datetime:
        return max(a.created_at, a.state_at) if a.state_at else a.created_at

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", self_url)
    sub(feed, "link", rel="self", href=self_url)
    sub(feed, "link", href=f"{base}alerts")
    sub(feed, "updated", (max(updated(a) for a in alerts) if alerts else now).isoformat())
    sub(sub(feed, "author"), "name", "r2pwatch")
    for a in alerts:
        entry = sub(feed, "entry")
        link = f"{base}alerts?alert={a.id}&days=3650"
        place = f"{base}country/{a.country}" if a.scope == "country" else f"{base}region/{a.region}"
        sub(entry, "title", alert_title(meta, a), type="text")
        sub(entry, "id", f"{base}alerts?alert={a.id}")
        sub(entry, "link", href=link)
        sub(entry, "link", rel="related", href=place)
        sub(entry, "updated", updated(a).isoformat())
        sub(entry, "published", a.created_at.isoformat())
        state = (
            a.state
            + (f" by {a.state_by}" if a.state_by else "")
            + (f": {a.state_note}" if a.state_note else "")
        )
        stories = ", ".join(str(s) for s in a.story_ids)
        parts = [f"Day: {a.day:%Y-%m-%d}", f"Scope: {a.scope}", *a.arithmetic(), f"State: {state}"]
        if stories:
            parts.append(f"Stories ({len(a.story_ids)}): {stories} — listed at {link}")
        sub(entry, "summary", "\n".join(parts), type="text")
        for term in (a.kind, a.scope, a.region, a.country, a.indicator):
            if term:
                sub(entry, "category", term=term)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


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
        return _bad(f"unknown region; use one of {', '.join(meta.regions)}")
    if country is not None and not meta.is_country(country):
        return _bad("unknown country; use an ISO3 code such as SDN")
    if indicator is not None and indicator not in meta.indicator_ids:
        return _bad(f"unknown indicator; use one of {', '.join(meta.indicator_ids)}")
    for name, value, allowed in (
        ("scope", scope, SCOPES),
        ("state", state, ALERT_STATES),
        ("kind", kind, KINDS),
    ):
        if value is not None and value not in allowed:
            return _bad(f"unknown {name}; use one of {', '.join(allowed)}")
    try:
        days = int(args.get("days") or DEFAULT_DAYS)
    except ValueError:
        return _bad("days must be a whole number of days")
    if not 1 <= days <= 3650:
        return _bad("days must be between 1 and 3650")
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
    what = " · ".join(
        x
        for x in (
            meta.region_name(region) if region else "",
            country or "",
            meta.indicator_name(indicator) if indicator else "",
            scope or "",
            state or "",
            kind or "",
        )
        if x
    )
    body = build_alerts_atom(
        alerts,
        meta,
        title=f"r2pwatch alerts{' — ' + what if what else ''}",
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
