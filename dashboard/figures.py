"""The region and country pages' charts: indicators over time (stacked bars, weekly over long
periods) and the choropleth of stories by country."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from dashboard.colours import MAP_SCALE
from dashboard.context import AppContext


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
            hovertemplate="%{x|%d %b %Y}: %{y} stories<extra>" + ctx.meta.indicator_name(ind) + "</extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=300,
        margin={"l": 32, "r": 8, "t": 8, "b": 28},
        bargap=0.15,
        legend={"font": {"size": 10}, "traceorder": "normal", "itemwidth": 30},
        plot_bgcolor="white",
        yaxis={"gridcolor": "#eef0f2", "title": {"text": "stories", "font": {"size": 10}}},
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
            colorbar={"thickness": 10, "len": 0.7, "title": {"text": "stories", "side": "right"}},
            hovertemplate="%{text}: %{z} stories<extra></extra>",
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
