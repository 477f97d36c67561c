"""Country (/country/<iso3>): timeline by indicator, organisations acting, items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import card, empty, graph_config, indicator_badge
from dashboard.context import AppContext, get_ctx
from dashboard.dashtyped import register_page
from dashboard.pages.region import item_list, timeline_figure
from db.aggregates import indicator_counts
from db.filters import ItemFilter
from db.listing import list_items
from db.organisations import organisation_counts
from db.series import daily_series
from db.types import utcnow

PATH_TEMPLATE = "/country/<iso3>"
DAYS = 180


def _organisations(ctx: AppContext, flt: ItemFilter) -> Any:
    rows = organisation_counts(ctx.database, flt)
    if not rows:
        return empty("No organisation mentioned in this period.")
    items = []
    for org, n in rows[:15]:
        tools = indicator_counts(ctx.database, ItemFilter(country=flt.country, since=flt.since, organisation=org))
        tool_badges = [indicator_badge(ctx.meta, t, short=True, extra=f" {tools[t]}")
                       for t in ctx.meta.tools if tools.get(t)]
        items.append(html.Tr([html.Td(ctx.meta.organisation_name(org), title=org), html.Td(str(n), className="text-end"),
                              html.Td(tool_badges or "—")]))
    head = html.Thead(html.Tr([html.Th("Organisation"), html.Th("Items", className="text-end"),
                               html.Th("Pillar-three tools")]))
    return html.Table([head, html.Tbody(items)], className="table table-sm mb-0", id="country-orgs")


def layout(iso3: str = "", **_query: Any) -> html.Div:
    ctx = get_ctx()
    iso3 = (iso3 or "").upper()[:3]
    if not iso3.isalpha():
        return html.Div(html.H1("Unknown country", className="h4"))
    now = utcnow()
    flt = ItemFilter(country=iso3, since=now - timedelta(days=DAYS))
    dates, raw = daily_series(ctx.database, now=now, days=DAYS, country=iso3)
    series = {ind: vals for (_c, ind), vals in raw.items()}
    region = ctx.meta.region_of(iso3)
    rows = list_items(ctx.database, flt, limit=60)
    subtitle: list[Any] = [html.A(ctx.meta.region_name(region), href=f"/region/{region}")] if region else []
    subtitle.append(f"{'' if not region else ' · '}items of the last {DAYS} days")
    return html.Div(
        [
            html.Div([html.H1(ctx.meta.country_name(iso3), className="h4 mb-0", id="country-name"),
                      html.Div(subtitle, className="text-muted small mb-3")]),
            dbc.Row(
                [
                    dbc.Col(card("Indicators over time (weekly)", dcc.Graph(
                        id="country-timeline", figure=timeline_figure(ctx, dates, series, weekly=True),
                        config=graph_config())), lg=7, className="mb-3"),
                    dbc.Col(card("Organisations acting", html.Div(_organisations(ctx, flt), className="scroll-box")),
                            lg=5, className="mb-3"),
                ]
            ),
            card("Items", html.Div(item_list(ctx, rows, id_="country-items", empty_text="No items about this country in this period."), className="scroll-box tall"),
                 header_right=html.A("Open in review →", href=f"/review?country={iso3}", className="small")),
        ]
    )


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path_template=PATH_TEMPLATE, name="Country", title="Country · r2pwatch",
                       layout=layout)
