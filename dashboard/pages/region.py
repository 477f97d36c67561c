"""Region (/region/<slug>): indicators over time, a map of the region's countries, a country table,
the organisation lens (organisation x pillar-three tool), the latest flagged items, exports."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard.components import card, graph_config, select_options
from dashboard.context import AppContext, get_ctx
from dashboard.dashtyped import clientside_callback, get_asset_url, register_page
from dashboard.exports import export_download
from dashboard.figures import map_figure, timeline_figure
from dashboard.item_list import item_list
from dashboard.periods import DEFAULT_DAYS, PERIODS, period_of
from dashboard.region_tables import country_table_view, org_matrix_view
from db.aggregates import country_table, region_coverage
from db.choices import known_organisations
from db.filters import ItemFilter
from db.listing import list_items
from db.series import daily_series

PATH_TEMPLATE = "/region/<slug>"


def _filter(slug: str, days: int, indicator: str | None, org: str | None, now: datetime) -> ItemFilter:
    return ItemFilter(
        region=slug, indicator=indicator or None, organisation=org or None, since=now - timedelta(days=days)
    )


def content(ctx: AppContext, slug: str, days: int, indicator: str | None, org: str | None) -> list[Any]:
    now = ctx.now()
    flt = _filter(slug, days, indicator, org, now)
    dates, raw = ctx.read(daily_series, now=now, days=days, region=slug, organisation=org or None)
    series = {ind: vals for (_r, ind), vals in raw.items() if not indicator or ind == indicator}
    counts = {r.iso3: r.stories for r in ctx.read(country_table, flt)}
    flagged = list_items(ctx.database, replace(flt, flagged_only=True), limit=12)
    topo = get_asset_url("topojson/")
    return [
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Stories per indicator over time",
                        dcc.Graph(
                            id="region-timeline",
                            figure=timeline_figure(ctx, dates, series, weekly=days > 90),
                            config=graph_config(),
                        ),
                    ),
                    lg=7,
                    className="mb-3",
                ),
                dbc.Col(
                    card(
                        "Stories by country",
                        dcc.Graph(
                            id="region-map",
                            figure=map_figure(ctx, counts, ctx.meta.countries_in_region(slug)),
                            config=graph_config(topo),
                        ),
                    ),
                    lg=5,
                    className="mb-3",
                ),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(card("Countries", country_table_view(ctx, flt)), lg=12, xl=6, className="mb-3"),
                dbc.Col(
                    card("Organisation lens: items per organisation and tool", org_matrix_view(ctx, flt)),
                    lg=12,
                    xl=6,
                    className="mb-3",
                ),
            ]
        ),
        card(
            "Latest flagged items",
            item_list(ctx, flagged, id_="region-latest"),
            header_right=html.A("Open in review →", href=f"/review?region={slug}", className="small"),
        ),
    ]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def layout(slug: str = "", **query: Any) -> html.Div:
    ctx = get_ctx()
    if slug not in ctx.meta.regions:
        return html.Div(
            [
                html.H1("Unknown region", className="h4"),
                html.P(
                    ["Use one of: "]
                    + [html.A(n, href=f"/region/{s}", className="me-2") for s, n in ctx.meta.regions.items()]
                ),
            ]
        )
    cov = ctx.read(region_coverage, now=ctx.now()).get(slug)
    subtitle = (
        f"{_n(cov.sources, 'source')} · {_n(len(cov.languages), 'language')} ({', '.join(cov.languages)})"
        f" · {_n(cov.failing, 'failing feed')}"
        if cov
        else "No sources cover this region"
    )
    orgs = ctx.read(known_organisations)
    days = period_of(query.get("period"))
    indicator = query.get("indicator") if query.get("indicator") in ctx.meta.indicator_ids else None
    org = query.get("org") if query.get("org") in orgs else None
    controls = dbc.Row(
        [
            dbc.Col(
                dbc.Select(
                    id="region-period",
                    options=select_options((str(d), t) for d, t in PERIODS),
                    value=str(days),
                ),
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="region-indicator",
                    placeholder="All indicators",
                    options=select_options((i.id, i.name) for i in ctx.meta.indicators),
                    value=indicator,
                ),
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="region-org",
                    placeholder="All organisations",
                    options=select_options((o, ctx.meta.organisation_name(o)) for o in orgs),
                    value=org,
                ),
                md=3,
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            "CSV",
                            id="region-export-csv",
                            size="sm",
                            color="secondary",
                            outline=True,
                            className="me-1",
                        ),
                        dbc.Button(
                            "JSON", id="region-export-json", size="sm", color="secondary", outline=True
                        ),
                        dcc.Download(id="region-download"),
                    ],
                    className="text-end",
                    title="Export the items these filters show",
                ),
                md=3,
            ),
        ],
        className="g-2 mb-3 align-items-center",
    )
    return html.Div(
        [
            dcc.Store(id="region-slug", data=slug),
            dcc.Store(
                id="region-url-spec",
                data={"keys": ["period", "indicator", "org"], "defaults": {"period": str(DEFAULT_DAYS)}},
            ),
            dcc.Store(id="region-url"),
            html.Div(
                [
                    html.H1(ctx.meta.region_name(slug), className="h4 mb-0"),
                    html.Div(subtitle, className="text-muted small mb-3", id="region-coverage"),
                ]
            ),
            controls,
            dcc.Loading(
                html.Div(content(ctx, slug, days, indicator, org), id="region-content"), delay_show=300
            ),
        ]
    )


def update_content(period: str | None, indicator: str | None, org: str | None, slug: str) -> list[Any]:
    ctx = get_ctx()
    if slug not in ctx.meta.regions:
        raise dash.exceptions.PreventUpdate
    return content(ctx, slug, period_of(period), indicator, org)


def export(
    _csv: int | None, _json: int | None, period: str | None, indicator: str | None, org: str | None, slug: str
) -> dict[str, Any]:
    ctx = get_ctx()
    if slug not in ctx.meta.regions:
        raise dash.exceptions.PreventUpdate
    fmt = "json" if dash.ctx.triggered_id == "region-export-json" else "csv"
    flt = _filter(slug, period_of(period), indicator, org, ctx.now())
    return export_download(ctx, flt, fmt, f"r2pwatch-{slug}")


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(
        __name__, path_template=PATH_TEMPLATE, name="Region", title="Region · r2pwatch", layout=layout
    )
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "syncUrl"),
        Output("region-url", "data"),
        Input("region-period", "value"),
        Input("region-indicator", "value"),
        Input("region-org", "value"),
        State("region-url-spec", "data"),
    )
    app.callback(
        Output("region-content", "children"),
        Input("region-period", "value"),
        Input("region-indicator", "value"),
        Input("region-org", "value"),
        State("region-slug", "data"),
        prevent_initial_call=True,
    )(update_content)
    app.callback(
        Output("region-download", "data"),
        Input("region-export-csv", "n_clicks"),
        Input("region-export-json", "n_clicks"),
        State("region-period", "value"),
        State("region-indicator", "value"),
        State("region-org", "value"),
        State("region-slug", "data"),
        prevent_initial_call=True,
    )(export)
