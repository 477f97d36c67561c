"""Alerts (/alerts): country and region alerts with their arithmetic, filtered by the URL
(``?scope=&region=&country=&indicator=&state=&days=``); analysts acknowledge or dismiss them with a note
(the server refuses viewers: the state callback is a write callback needing ``review``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, html

from dashboard.alerts_atom import alerts_atom_href
from dashboard.auth import current_user
from dashboard.context import AppContext, CurrentUser, get_ctx, write_callback
from dashboard.dashtyped import register_page
from db.alerts import AlertInfo, AlertQuery, AlertStateError, list_alerts, set_alert_state
from db.deliveries import DeliveryInfo, deliveries_for, receiver_label
from db.models import ALERT_STATES
from db.types import utcnow

PATH = "/alerts"
DEFAULT_DAYS = 30


def _int(value: Any, default: int) -> int:
    try:
        return max(1, min(3650, int(value)))
    except (TypeError, ValueError):
        return default


def _select(name: str, label: str, options: list[tuple[str, str]], value: str | None) -> html.Label:
    return html.Label(
        [
            html.Span(label, className="small d-block"),
            html.Select(
                [html.Option(text, value=val, selected=val == (value or "")) for val, text in options],
                name=name,
                className="form-select form-select-sm",
                id=f"alerts-f-{name}",
            ),
        ],
        className="me-2",
    )


def _filters(ctx: AppContext, q: dict[str, Any]) -> html.Form:
    meta = ctx.meta
    return html.Form(
        [
            _select(
                "scope", "Scope", [("", "any"), ("country", "country"), ("region", "region")], q.get("scope")
            ),
            _select("region", "Region", [("", "any"), *meta.regions.items()], q.get("region")),
            html.Label(
                [
                    html.Span("Country (ISO3)", className="small d-block"),
                    dbc.Input(
                        name="country",
                        value=q.get("country") or "",
                        maxLength=3,
                        size="sm",
                        id="alerts-f-country",
                        style={"width": "6em"},
                    ),
                ],
                className="me-2",
            ),
            _select(
                "indicator",
                "Indicator",
                [("", "any"), *((i.id, meta.indicator_name(i.id)) for i in meta.indicators)],
                q.get("indicator"),
            ),
            _select("state", "State", [("", "any"), *((s, s) for s in ALERT_STATES)], q.get("state")),
            _select(
                "days",
                "Since",
                [(str(d), f"{d} days") for d in (7, 30, 90, 365, 3650)],
                str(q.get("days") or DEFAULT_DAYS),
            ),
            html.Button("Filter", type="submit", className="btn btn-sm btn-primary align-self-end"),
        ],
        method="get",
        action=PATH,
        className="d-flex flex-wrap align-items-end gap-1 mb-3",
        id="alerts-filters",
    )


STATUS_COLOURS = {"pending": "bg-warning text-dark", "delivered": "bg-success", "failed": "bg-danger"}


def _delivery(d: DeliveryInfo, user: CurrentUser | None) -> html.Div:
    """One receiver's delivery state; anonymous visitors see the channel, not the receiver."""
    who = (
        d.channel if user is None or user.anonymous else f"{d.channel} {receiver_label(d.channel, d.target)}"
    )
    detail = []
    if d.status == "delivered" and d.delivered_at:
        detail.append(f"{d.delivered_at:%Y-%m-%d %H:%M} UTC")
    elif d.status != "delivered":
        detail.append(f"{d.attempts} attempts, next {d.next_attempt_at:%Y-%m-%d %H:%M} UTC")
    if d.last_error and d.status != "delivered":
        detail.append(d.last_error[:200])
    return html.Div(
        [
            html.Span(d.status, className=f"badge {STATUS_COLOURS.get(d.status, 'bg-secondary')} me-1"),
            html.Span(who, className="text-break"),
            html.Div("; ".join(detail), className="text-muted") if detail else None,
        ],
        className=f"small mb-1 delivery-{d.status}",
    )


def _row(
    ctx: AppContext,
    a: AlertInfo,
    can_act: bool,
    deliveries: list[DeliveryInfo] | None = None,
    user: CurrentUser | None = None,
) -> html.Tr:
    meta = ctx.meta
    where: Any = (
        html.A(f"{meta.country_name(a.country)} ({a.country})", href=f"/country/{a.country}")
        if a.scope == "country"
        else html.A(meta.region_name(a.region), href=f"/region/{a.region}")
    )
    what = meta.indicator_name(a.indicator) if a.indicator else "coverage gap"
    state: list[Any] = [
        html.Span(a.state, className="badge bg-secondary me-1", id={"type": "alert-state", "id": a.id})
    ]
    if a.state_by:
        state.append(
            html.Div(
                f"{a.state_by}, {a.state_at:%Y-%m-%d %H:%M} UTC" if a.state_at else a.state_by,
                className="small text-muted",
            )
        )
    if a.state_note:
        state.append(html.Div(a.state_note, className="small", dir="auto"))
    actions = html.Div(
        [
            dbc.Input(
                id={"type": "alert-note", "id": a.id},
                placeholder="Note",
                size="sm",
                disabled=not can_act,
                maxLength=4000,
                className="mb-1",
            ),
            dbc.Button(
                "Acknowledge",
                id={"type": "alert-ack", "id": a.id},
                size="sm",
                color="success",
                outline=True,
                disabled=not can_act,
                className="me-1",
            ),
            dbc.Button(
                "Dismiss",
                id={"type": "alert-dismiss", "id": a.id},
                size="sm",
                color="secondary",
                outline=True,
                disabled=not can_act,
            ),
            html.Div(id={"type": "alert-msg", "id": a.id}, className="small", role="status"),
        ]
    )
    stories = ", ".join(str(s) for s in a.story_ids[:20]) + (" …" if len(a.story_ids) > 20 else "")
    return html.Tr(
        [
            html.Td(f"{a.day:%Y-%m-%d}"),
            html.Td([where, html.Div(a.scope, className="small text-muted")]),
            html.Td(what),
            html.Td(
                [
                    html.Div(a.figures()),
                    html.Div(a.explain(), className="small text-muted"),
                    html.Div(f"stories: {stories}", className="small text-muted") if stories else None,
                ]
            ),
            html.Td(state),
            html.Td(
                [_delivery(d, user) for d in deliveries or ()] or html.Span("—", className="text-muted"),
                id=f"alert-deliveries-{a.id}",
            ),
            html.Td(actions),
        ],
        id=f"alert-row-{a.id}",
    )


def layout(**query: Any) -> html.Div:
    ctx = get_ctx()
    user = current_user()
    can_act = user is not None and user.can("review")
    q = {k: (str(v).strip() or None) for k, v in query.items() if isinstance(v, str)}
    days = _int(q.get("days"), DEFAULT_DAYS)
    one = q.get("alert")
    alerts = (
        list_alerts(ctx.database, AlertQuery(alert_id=int(one), limit=1))
        if one and one.isdigit()
        else list_alerts(
            ctx.database,
            AlertQuery(
                since=utcnow() - timedelta(days=days),
                scope=q.get("scope") if q.get("scope") in ("country", "region") else None,
                region=q.get("region"),
                country=(q.get("country") or "")[:3] or None,
                indicator=q.get("indicator"),
                state=q.get("state") if q.get("state") in ALERT_STATES else None,
                limit=500,
            ),
        )
    )
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Day", "Where", "Indicator", "Arithmetic", "State", "Delivery", "")])
    )
    sent = deliveries_for(ctx.database, [a.id for a in alerts])
    body: Any = (
        html.Table(
            [head, html.Tbody([_row(ctx, a, can_act, sent.get(a.id), user) for a in alerts])],
            className="table table-sm align-top",
            id="alerts-table",
        )
        if alerts
        else html.Div("No alerts match these filters.", className="text-muted", id="alerts-empty")
    )
    hint = (
        None
        if can_act
        else dbc.Alert(
            "Viewing as a viewer: acknowledging or dismissing alerts needs an analyst login.",
            color="info",
            className="py-2",
        )
    )
    feed = alerts_atom_href({**q, "days": str(days)}, user.feed_token if user is not None else None)
    return html.Div(
        [
            html.H1("Alerts", className="h4"),
            hint,
            _filters(ctx, {**q, "days": days}),
            html.Div(
                [
                    f"{len(alerts)} alerts · ",
                    html.A("Atom feed of these alerts", href=feed, id="alerts-atom"),
                ],
                className="small text-muted mb-1",
            ),
            body,
        ]
    )


def change_state(ack: Any, dismiss: Any, note: str | None) -> tuple[Any, str]:
    trigger = dash.callback_context.triggered_id
    if not isinstance(trigger, dict) or not (ack or dismiss):
        raise dash.exceptions.PreventUpdate
    user = current_user()
    if user is None or not user.can("review"):  # the write-callback guard refuses first; belt and braces
        return dash.no_update, "Viewers cannot change alerts."
    state = "acknowledged" if trigger.get("type") == "alert-ack" else "dismissed"
    try:
        done = set_alert_state(get_ctx().database, int(trigger["id"]), state, by=user.name, note=note)
    except AlertStateError as exc:
        return dash.no_update, str(exc)
    return done.state, f"{done.state} by {done.state_by}"


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Alerts", title="Alerts · r2pwatch", layout=layout)
    write_callback(
        app,
        ctx,
        "review",
        Output({"type": "alert-state", "id": MATCH}, "children"),
        Output({"type": "alert-msg", "id": MATCH}, "children"),
        Input({"type": "alert-ack", "id": MATCH}, "n_clicks"),
        Input({"type": "alert-dismiss", "id": MATCH}, "n_clicks"),
        State({"type": "alert-note", "id": MATCH}, "value"),
        prevent_initial_call=True,
    )(change_state)
