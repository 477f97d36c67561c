"""Region (/region/<slug>): indicators over time, a map of the region's countries, a country table,
the organisation lens (organisation x pillar-three tool), the latest flagged items, exports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard.auth import current_user
from dashboard.colours import MAP_SCALE, tint
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
from dashboard.dashtyped import clientside_callback, get_asset_url, register_page
from dashboard.exports import export_download
from dashboard.redact import shown
from db.aggregates import country_table, region_coverage
from db.choices import known_organisations
from db.filters import ItemFilter
from db.listing import list_items
from db.organisations import organisation_matrix
from db.rows import ItemRow
from db.series import daily_series
from db.types import utcnow

PATH_TEMPLATE = "/region/<slug>"
PERIODS = ((30, "Last 30 days"), (90, "Last 90 days"), (180, "Last 180 days"), (365, "Last year"))


def timeline_figure(
    ctx: AppContext, dates: list[date], series: dict[str, list[int]], *, weekly: bool
) -> go.Figure:
    fig = go.Figure()
    for ind in ctx.meta.indicator_ids:
        values = series.get(ind)
        if not values or not any(values):
            continue
        xs: list[date] = dates
        ys: list[int] = values
        if weekly:
            xs = dates[::7]
            ys = [sum(values[i : i + 7]) for i in range(0, len(values), 7)]
        fig.add_bar(
            x=xs,
            y=ys,
            name=ctx.meta.short_name(ind),
            marker_color=ctx.meta.colour(ind),
            hovertemplate="%{x|%d %b %Y}: %{y}<extra>" + ctx.meta.indicator_name(ind) + "</extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=300,
        margin={"l": 32, "r": 8, "t": 8, "b": 28},
        bargap=0.15,
        legend={"font": {"size": 10}, "traceorder": "normal", "itemwidth": 30},
        plot_bgcolor="white",
        yaxis={"gridcolor": "#eef0f2", "title": None},
        xaxis={"title": None},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 11},
    )
    return fig


def map_figure(ctx: AppContext, counts: dict[str, int], countries: list[str]) -> go.Figure:
    iso3s = sorted(set(countries) | set(counts))
    names = [ctx.meta.country_name(c) for c in iso3s]
    fig = go.Figure(
        go.Choropleth(
            locations=iso3s,
            z=[counts.get(c, 0) for c in iso3s],
            locationmode="ISO-3",
            text=names,
            colorscale=MAP_SCALE,
            zmin=0,
            marker_line_color="#8a939c",
            marker_line_width=0.5,
            colorbar={"thickness": 10, "len": 0.7, "title": {"text": "items", "side": "right"}},
            hovertemplate="%{text}: %{z} items<extra></extra>",
        )
    )
    fig.update_geos(
        fitbounds="locations",
        resolution=50,
        showcountries=True,
        countrycolor="#c5ccd3",
        showland=True,
        landcolor="#f8f9fa",
        showocean=True,
        oceancolor="#eef4f8",
        showframe=False,
        showcoastlines=False,
        projection_type="natural earth",
    )
    fig.update_layout(height=300, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def _country_table(ctx: AppContext, flt: ItemFilter) -> Any:
    rows = country_table(ctx.database, flt)
    if not rows:
        return empty("No items about this region's countries in this period.")
    body = [
        html.Tr(
            [
                html.Td(html.A(ctx.meta.country_name(r.iso3), href=f"/country/{r.iso3}")),
                html.Td(str(r.items), className="text-end"),
                html.Td(str(r.flagged), className="text-end"),
                html.Td(
                    indicator_badge(ctx.meta, r.top_indicator, short=True, extra=f" {r.top_indicator_count}")
                    if r.top_indicator
                    else "—"
                ),
                html.Td(str(r.sources), className="text-end"),
                html.Td(fmt_time(r.last_item_at), className="text-nowrap small"),
            ]
        )
        for r in rows[:40]
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Country"),
                html.Th("Items", className="text-end"),
                html.Th("Flagged", className="text-end"),
                html.Th("Top indicator"),
                html.Th("Sources", className="text-end"),
                html.Th("Last item"),
            ]
        )
    )
    return html.Div(
        html.Table(
            [head, html.Tbody(body)], className="table table-sm table-hover mb-0", id="region-country-table"
        ),
        className="scroll-box",
    )


def _org_matrix(ctx: AppContext, flt: ItemFilter) -> Any:
    tools = ctx.meta.tools
    cells = organisation_matrix(ctx.database, flt, tools)
    if not cells:
        return empty("No organisation acting with a pillar-three tool in this period.")
    totals: dict[str, int] = {}
    for (org, _tool), n in cells.items():
        totals[org] = totals.get(org, 0) + n
    orgs = sorted(totals, key=lambda o: (-totals[o], o))[:12]
    peak = max(cells.values())
    head = html.Thead(
        html.Tr(
            [html.Th("Organisation")]
            + [
                html.Th(
                    ctx.meta.short_name(t),
                    className="text-center small",
                    style={"borderBottom": f"3px solid {ctx.meta.colour(t)}"},
                    title=ctx.meta.indicator_name(t),
                )
                for t in tools
            ]
        )
    )
    body = []
    for org in orgs:
        tds: list[Any] = [html.Td(ctx.meta.organisation_name(org), className="text-truncate", title=org)]
        for t in tools:
            n = cells.get((org, t), 0)
            style = {"backgroundColor": tint(ctx.meta.colour(t), 0.08 + 0.6 * n / peak)} if n else {}
            tds.append(html.Td(str(n) if n else "", className="text-center", style=style))
        body.append(html.Tr(tds))
    return html.Div(
        html.Table([head, html.Tbody(body)], className="table table-sm matrix mb-0", id="region-org-matrix"),
        className="scroll-box",
    )


def item_list(
    ctx: AppContext, rows: list[ItemRow], *, id_: str, empty_text: str = "No flagged items in this period."
) -> Any:
    if not rows:
        return empty(empty_text)
    user = current_user()
    return html.Ul(
        [
            html.Li(
                [
                    html.Div(
                        [
                            html.Span(fmt_time(r.published_at), className="text-muted small me-2"),
                            html.Span(shown(r.source, user), className="small text-muted me-2"),
                            status_badge(r.status),
                        ]
                    ),
                    html.A(r.title, href=f"/review?item={r.id}", className="item-title", dir="auto"),
                    html.Div(
                        [indicator_badge(ctx.meta, i, short=True) for i in r.indicators]
                        + [
                            html.Span(ctx.meta.country_name(c), className="badge text-bg-light border me-1")
                            for c in r.countries
                        ]
                    ),
                ],
                className="list-group-item py-2",
            )
            for r in rows
        ],
        className="list-group list-group-flush",
        id=id_,
    )


def _filter(slug: str, days: int, indicator: str | None, org: str | None, now: datetime) -> ItemFilter:
    return ItemFilter(
        region=slug, indicator=indicator or None, organisation=org or None, since=now - timedelta(days=days)
    )


def content(ctx: AppContext, slug: str, days: int, indicator: str | None, org: str | None) -> list[Any]:
    now = utcnow()
    flt = _filter(slug, days, indicator, org, now)
    dates, raw = daily_series(ctx.database, now=now, days=days, region=slug, organisation=org or None)
    series = {ind: vals for (_r, ind), vals in raw.items() if not indicator or ind == indicator}
    counts = {r.iso3: r.items for r in country_table(ctx.database, flt)}
    flagged = list_items(ctx.database, replace(flt, flagged_only=True), limit=12)
    topo = get_asset_url("topojson/")
    return [
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Indicators over time",
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
                        "Items by country",
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
                dbc.Col(card("Countries", _country_table(ctx, flt)), lg=12, xl=6, className="mb-3"),
                dbc.Col(
                    card("Organisation lens: who acts with which tool", _org_matrix(ctx, flt)),
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
    cov = region_coverage(ctx.database).get(slug)
    subtitle = (
        f"{_n(cov.sources, 'source')} · {_n(len(cov.languages), 'language')} ({', '.join(cov.languages)})"
        f" · {_n(cov.failing, 'failing feed')}"
        if cov
        else "No sources cover this region"
    )
    orgs = known_organisations(ctx.database)
    days = _days(query.get("period"))
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
                data={"keys": ["period", "indicator", "org"], "defaults": {"period": "90"}},
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


def _days(value: str | None) -> int:
    try:
        days = int(value or 90)
    except ValueError:
        return 90
    return days if days in dict(PERIODS) else 90


def update_content(period: str | None, indicator: str | None, org: str | None, slug: str) -> list[Any]:
    ctx = get_ctx()
    if slug not in ctx.meta.regions:
        raise dash.exceptions.PreventUpdate
    return content(ctx, slug, _days(period), indicator, org)


def export(
    _csv: int | None, _json: int | None, period: str | None, indicator: str | None, org: str | None, slug: str
) -> dict[str, Any]:
    ctx = get_ctx()
    if slug not in ctx.meta.regions:
        raise dash.exceptions.PreventUpdate
    fmt = "json" if dash.ctx.triggered_id == "region-export-json" else "csv"
    flt = _filter(slug, _days(period), indicator, org, utcnow())
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
