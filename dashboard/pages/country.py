"""Country profile (/country/<iso3>): indicators over the past year, alerts, reviewed items with the
analysts' notes, the organisations acting there and with which tools, and the sources covering it with
their health. The period (``?period=DAYS``) lives in the URL; an unknown code is a 404 page."""

from __future__ import annotations

from datetime import timedelta
from html import escape as html_escape
from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html
from werkzeug.wrappers import Response

from dashboard.components import (
    card,
    empty,
    fmt_time,
    graph_config,
    indicator_badge,
    select_options,
    status_badge,
)
from dashboard.context import AppContext, get_ctx
from dashboard.dashtyped import clientside_callback, register_page
from dashboard.figures import timeline_figure
from dashboard.item_list import item_list
from dashboard.periods import DEFAULT_DAYS, PERIODS, period_of
from db.aggregates import indicator_counts
from db.alerts import list_alerts
from db.briefs import Scope, covering_feeds, reviewed_items
from db.filters import ItemFilter
from db.listing import list_items
from db.organisations import organisation_counts
from db.series import daily_series

PATH_TEMPLATE = "/country/<iso3>"
YEAR = 364  # 52 whole weeks


def _organisations(ctx: AppContext, flt: ItemFilter) -> Any:
    rows = ctx.read(organisation_counts, flt)
    if not rows:
        return empty("No organisation mentioned in this period.")
    items = []
    for org, n in rows[:15]:
        tools = ctx.read(indicator_counts, ItemFilter(country=flt.country, since=flt.since, organisation=org))
        tool_badges = [
            indicator_badge(ctx.meta, t, short=True, extra=f" {tools[t]}")
            for t in ctx.meta.tools
            if tools.get(t)
        ]
        items.append(
            html.Tr(
                [
                    html.Td(ctx.meta.organisation_name(org), title=org),
                    html.Td(str(n), className="text-end"),
                    html.Td(tool_badges or "—"),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [html.Th("Organisation"), html.Th("Items", className="text-end"), html.Th("Pillar-three tools")]
        )
    )
    return html.Table([head, html.Tbody(items)], className="table table-sm mb-0", id="country-orgs")


def _alerts(ctx: AppContext, region: str | None, since: Any) -> Any:
    alerts = ctx.read(list_alerts, since=since, region=region) if region else []
    if not alerts:
        return empty(f"No alerts for {ctx.meta.region_name(region)} in this period.")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(fmt_time(a.window_end), className="text-muted small me-2"),
                    indicator_badge(ctx.meta, a.indicator, short=True) if a.indicator else "coverage gap",
                    html.Span(f" {a.country or a.region}: {a.figures()}", className="fw-semibold"),
                    html.Div(a.explain(), className="small text-muted"),
                ],
                className="mb-1",
            )
            for a in alerts[:12]
        ],
        className="list-unstyled mb-0",
        id="country-alerts",
    )


def _reviewed(ctx: AppContext, iso3: str, since: Any, now: Any) -> Any:
    records = reviewed_items(
        ctx.database,
        Scope(country=iso3),
        since,
        now,
        statuses=("confirmed", "escalated", "dismissed"),
        limit=30,
    )
    if not records:
        return empty("No item about this country has been reviewed in this period.")
    return html.Ul(
        [
            html.Li(
                [
                    html.Div(
                        [
                            status_badge(r.review_status),
                            html.Span(
                                f" {r.reviewer or ''} · {fmt_time(r.reviewed_at)}",
                                className="small text-muted",
                            ),
                        ]
                    ),
                    html.A(r.title, href=f"/review?item={r.id}", className="item-title", dir="auto"),
                    html.Div(r.review_note, className="small fst-italic", dir="auto")
                    if r.review_note
                    else None,
                ],
                className="list-group-item py-2",
            )
            for r in records
        ],
        className="list-group list-group-flush",
        id="country-reviewed",
    )


def _sources(ctx: AppContext, iso3: str, since: Any, now: Any) -> Any:
    covering = ctx.read(covering_feeds, Scope(country=iso3), since, now, now=now)
    if not covering:
        return empty("No feed carried news about this country in this period: silence here is not calm.")
    rows = [
        html.Tr(
            [
                html.Td(
                    c.feed.title or c.feed.url,
                    className="text-truncate",
                    title=c.feed.url,
                    style={"maxWidth": "16rem"},
                ),
                html.Td(str(c.items), className="text-end"),
                html.Td(c.feed.language or "—"),
                html.Td(
                    html.Span(c.problem, className="text-danger")
                    if c.problem
                    else html.Span("ok", className="text-success")
                ),
            ]
        )
        for c in covering
    ]
    head = html.Thead(
        html.Tr(
            [html.Th("Source"), html.Th("Items", className="text-end"), html.Th("Lang."), html.Th("Health")]
        )
    )
    return html.Table([head, html.Tbody(rows)], className="table table-sm mb-0", id="country-sources")


def content(ctx: AppContext, iso3: str, days: int) -> list[Any]:
    now = ctx.now()
    since = now - timedelta(days=days)
    flt = ItemFilter(country=iso3, since=since)
    dates, raw = ctx.read(daily_series, now=now, days=YEAR, country=iso3)
    series = {ind: vals for (_c, ind), vals in raw.items()}
    region = ctx.meta.region_of(iso3)
    rows = list_items(ctx.database, flt, limit=40)
    return [
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Stories per indicator over the past year (weekly)",
                        dcc.Graph(
                            id="country-timeline",
                            figure=timeline_figure(ctx, dates, series, weekly=True),
                            config=graph_config(),
                        ),
                    ),
                    xl=7,
                    className="mb-3",
                ),
                dbc.Col(
                    card(
                        f"Alerts for {ctx.meta.region_name(region)}",
                        html.Div(_alerts(ctx, region, since), className="scroll-box"),
                    ),
                    xl=5,
                    className="mb-3",
                ),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Organisations acting, and with which tools",
                        html.Div(_organisations(ctx, flt), className="scroll-box"),
                    ),
                    xl=6,
                    className="mb-3",
                ),
                dbc.Col(
                    card(
                        "Sources covering it, and their health",
                        html.Div(_sources(ctx, iso3, since, now), className="scroll-box"),
                    ),
                    xl=6,
                    className="mb-3",
                ),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Reviewed items",
                        html.Div(_reviewed(ctx, iso3, since, now), className="scroll-box tall"),
                    ),
                    xl=6,
                    className="mb-3",
                ),
                dbc.Col(
                    card(
                        "Latest items",
                        html.Div(
                            item_list(
                                ctx,
                                rows,
                                id_="country-items",
                                empty_text="No items about this country in this period.",
                            ),
                            className="scroll-box tall",
                        ),
                        header_right=html.A(
                            "Open in review →", href=f"/review?country={iso3}", className="small"
                        ),
                    ),
                    xl=6,
                    className="mb-3",
                ),
            ]
        ),
    ]


def layout(iso3: str = "", **query: Any) -> html.Div:
    ctx = get_ctx()
    iso3 = (iso3 or "").upper()[:3]
    if not iso3.isalpha() or not ctx.meta.is_country(iso3):
        return html.Div(
            [
                html.H1("Unknown country", className="h4", id="country-unknown"),
                html.P("Use an ISO 3166-1 alpha-3 code, such as /country/SDN."),
            ]
        )
    days = period_of(query.get("period"))
    region = ctx.meta.region_of(iso3)
    subtitle: list[Any] = [html.A(ctx.meta.region_name(region), href=f"/region/{region}")] if region else []
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        f"{ctx.meta.country_name(iso3)} ({iso3})", className="h4 mb-0", id="country-name"
                    ),
                    html.Div(subtitle, className="text-muted small mb-3"),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Select(
                            id="country-period",
                            options=select_options((str(d), t) for d, t in PERIODS),
                            value=str(days),
                            size="sm",
                        ),
                        width="auto",
                    ),
                    dbc.Col(
                        html.A(
                            "Situation brief →",
                            href=f"/brief?country={iso3}",
                            className="small",
                            id="country-brief",
                        ),
                        width="auto",
                        className="ms-auto",
                    ),
                ],
                className="mb-3 align-items-center",
            ),
            dcc.Store(id="country-iso3", data=iso3),
            dcc.Store(
                id="country-url-spec", data={"keys": ["period"], "defaults": {"period": str(DEFAULT_DAYS)}}
            ),
            dcc.Store(id="country-url"),
            dcc.Loading(html.Div(content(ctx, iso3, days), id="country-content"), delay_show=300),
        ]
    )


def update(period: str | None, iso3: str | None) -> list[Any]:
    return content(get_ctx(), str(iso3 or ""), period_of(period))


def unknown_country_404() -> Response | None:
    """A request for /country/XYZ with no such country gets a real 404 page, not an empty profile."""
    path = flask.request.path
    if not path.startswith("/country/"):
        return None
    code = path.removeprefix("/country/").strip("/").upper()
    if code.isalpha() and len(code) == 3 and get_ctx().meta.is_country(code):
        return None
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Unknown country · r2pwatch</title>"
        "<link rel='stylesheet' href='/assets/bootstrap.min.css'></head><body class='p-4'>"
        "<h1 class='h4'>Unknown country</h1><p>There is no country with the code "
        f"<code>{html_escape(code[:12])}</code>. Use an ISO 3166-1 alpha-3 code, such as "
        "<a href='/country/SDN'>/country/SDN</a>.</p><p><a href='/'>Overview</a></p></body></html>"
    )
    return Response(body, status=404, mimetype="text/html")


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(
        __name__, path_template=PATH_TEMPLATE, name="Country", title="Country · r2pwatch", layout=layout
    )
    app.server.before_request(unknown_country_404)
    app.callback(
        Output("country-content", "children"),
        Input("country-period", "value"),
        State("country-iso3", "data"),
        prevent_initial_call=True,
    )(update)
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "syncUrl"),
        Output("country-url", "data"),
        Input("country-period", "value"),
        State("country-url-spec", "data"),
    )
