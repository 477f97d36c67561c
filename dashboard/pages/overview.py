"""Overview (/): one panel per region — every indicator's stories in the window (and the distinct
sources that carried them) against its baseline, a 90-day sparkline of stories per day, and who covers
the region (sources, languages, failing feeds, items)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard.components import colour_dot, select_options, sparkline_src
from dashboard.context import AppContext, get_ctx
from dashboard.dashtyped import clientside_callback, register_page
from dashboard.saved_views import saved_views_card
from db.aggregates import Coverage, region_coverage
from db.alerts import list_alerts
from db.choices import known_organisations
from db.series import daily_series
from db.signals import Signal, region_signals

PATH = "/"
WINDOWS = (
    (7, "Last 7 days vs previous 28"),
    (14, "Last 14 days vs previous 56"),
    (28, "Last 28 days vs previous 112"),
)


def _coverage_line(cov: Coverage | None) -> html.Div:
    if cov is None or cov.sources == 0:
        return html.Div(
            "No sources cover this region: no news here means nothing is watched.",
            className="small text-danger fw-semibold",
        )
    failing = (
        html.Span(f"{cov.failing} failing", className="text-danger fw-semibold")
        if cov.failing
        else "0 failing"
    )
    langs = ", ".join(cov.languages) if cov.languages else "—"
    return html.Div(
        [
            f"{cov.sources} source{'s' if cov.sources != 1 else ''} · {len(cov.languages)} language"
            f"{'s' if len(cov.languages) != 1 else ''} ({langs}) · ",
            failing,
            f" · {cov.items} items in 30 days",
        ],
        className="small text-muted",
    )


def _signal_row(ctx: AppContext, s: Signal, series: list[int]) -> html.Tr:
    colour = ctx.meta.colour(s.indicator)
    ratio: Any = f"×{s.ratio:.1f}"
    if s.marked:
        ratio = html.Span(f"×{s.ratio:.1f}", className="badge bg-danger", title="well above the baseline")
    return html.Tr(
        [
            html.Td(
                [colour_dot(colour), ctx.meta.short_name(s.indicator)],
                className="ind-name",
                title=ctx.meta.indicator_name(s.indicator),
            ),
            html.Td(str(s.count), className="text-end fw-semibold" if s.marked else "text-end"),
            html.Td(str(s.sources), className="text-end text-muted"),
            html.Td(f"{s.baseline_mean:.1f}", className="text-end text-muted"),
            html.Td(ratio, className="text-end"),
            html.Td(html.Img(src=sparkline_src(series, colour, width=76), alt="", className="spark")),
        ],
        title=s.explain(),
        className="signal-marked" if s.marked else None,
    )


def region_panel(
    ctx: AppContext,
    slug: str,
    signals: dict[tuple[str, str], Signal],
    series: dict[tuple[str, str], list[int]],
    days: int,
    cov: Coverage | None,
) -> dbc.Card:
    rows = []
    for group, ids in (("Pillar-three tools", ctx.meta.tools), ("Atrocity crimes", ctx.meta.crimes)):
        rows.append(html.Tr(html.Th(group, colSpan=6, className="group-row")))
        rows += [_signal_row(ctx, signals[(slug, i)], series.get((slug, i), [0] * days)) for i in ids]
    marked = sum(1 for i in ctx.meta.indicator_ids if signals[(slug, i)].marked)
    head = html.Thead(
        html.Tr(
            [
                html.Th("Indicator"),
                html.Th(
                    "Stories",
                    className="text-end",
                    title="stories first seen in the window (one event reported by many outlets is one story)",
                ),
                html.Th("Src", className="text-end", title="distinct sources that carried those stories"),
                html.Th("Base", className="text-end", title="baseline: mean stories per window"),
                html.Th("Ratio", className="text-end", title="stories ÷ baseline (floored)"),
                html.Th("90 days", title="stories per day over 90 days"),
            ]
        )
    )
    header = html.Div(
        [
            html.A(
                ctx.meta.region_name(slug),
                href=f"/region/{slug}",
                className="fw-semibold stretched-link-off",
                id=f"overview-link-{slug}",
            ),
            html.Span(f"{marked} above baseline", className="badge bg-danger ms-2") if marked else None,
            html.A("Open →", href=f"/region/{slug}", className="ms-auto small"),
        ],
        className="d-flex align-items-center",
    )
    return dbc.Card(
        [
            dbc.CardHeader(header, className="py-2"),
            dbc.CardBody(
                [
                    _coverage_line(cov),
                    html.Table([head, html.Tbody(rows)], className="table table-sm signal-table mb-0 mt-2"),
                ],
                className="py-2",
            ),
        ],
        className="shadow-sm h-100 region-panel",
        id=f"overview-panel-{slug}",
    )


def panels(ctx: AppContext, window: int, organisation: str | None) -> list[Any]:
    now = ctx.now()
    signals = ctx.read(
        region_signals,
        ctx.rule,
        now=now,
        window_days=window,
        organisation=organisation,
        regions=ctx.meta.regions,
        indicators=ctx.meta.indicator_ids,
    )
    _dates, series = ctx.read(daily_series, now=now, days=90, organisation=organisation)
    coverage = ctx.read(region_coverage, now=now)
    return [
        dbc.Col(
            region_panel(ctx, slug, signals, series, 90, coverage.get(slug)),
            xs=12,
            lg=6,
            xl=4,
            className="mb-3",
        )
        for slug in ctx.meta.regions
    ]


def recent_alerts(ctx: AppContext, days: int = 14) -> dbc.Card:
    """Alerts the scheduler recorded (db/alerts.py), newest first, each with its arithmetic."""
    alerts = ctx.read(list_alerts, since=ctx.now() - timedelta(days=days))[:12]
    body: Any
    if not alerts:
        body = html.Div(f"No alerts recorded in the last {days} days.", className="small text-muted")
    else:
        body = html.Ul(
            [
                html.Li(
                    [
                        colour_dot(ctx.meta.colour(a.indicator) if a.indicator else "#888888"),
                        html.A(
                            f"{a.country + ' · ' if a.country else ''}{ctx.meta.region_name(a.region)} · "
                            f"{ctx.meta.indicator_name(a.indicator) if a.indicator else 'coverage gap'}",
                            href=f"/alerts?region={a.region}",
                            className="fw-semibold me-2",
                        ),
                        html.Span(
                            f"{a.observed} {'stories' if a.kind == 'signal' else 'items'}, expected "
                            f"{a.expected:.1f} · {a.day:%Y-%m-%d}",
                            className="small me-2",
                        ),
                        html.Div(a.explain(), className="small text-muted"),
                    ],
                    className="mb-2",
                )
                for a in alerts
            ],
            className="list-unstyled mb-0",
            id="overview-alerts-list",
        )
    header = dbc.CardHeader(
        [
            f"Recorded alerts, last {days} days ",
            html.A("all alerts", href="/alerts", className="small ms-2", id="overview-alerts-link"),
        ]
    )
    return dbc.Card([header, dbc.CardBody(body)], className="mb-3")


def _window(value: Any) -> int:
    try:
        days = int(str(value or 7))
    except ValueError:
        return 7
    return days if days in dict(WINDOWS) else 7


def layout(**query: Any) -> html.Div:
    ctx = get_ctx()
    orgs = ctx.read(known_organisations)
    days = _window(query.get("window"))
    org = query.get("org") if query.get("org") in orgs else None
    rule = ctx.rule
    controls = dbc.Row(
        [
            dbc.Col(
                dbc.Select(
                    id="overview-window",
                    options=select_options((str(d), t) for d, t in WINDOWS),
                    value=str(days),
                ),
                md=4,
                lg=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="overview-org",
                    placeholder="All organisations",
                    clearable=True,
                    value=org,
                    options=select_options((o, ctx.meta.organisation_name(o)) for o in orgs),
                ),
                md=4,
                lg=3,
            ),
            dbc.Col(
                html.Div(
                    "Counts are stories (one event reported by many outlets is one story) and the distinct "
                    f"sources (Src) that carried them. Marked when a count is at least {rule.min_count} and at "
                    f"least ×{rule.ratio:g} the baseline (mean stories per window over the previous four "
                    f"windows, floored at {rule.min_baseline:g}).",
                    className="small text-muted",
                ),
                md=4,
                lg=6,
            ),
        ],
        className="g-2 mb-3 align-items-center",
    )
    return html.Div(
        [
            html.H1("Regional signals", className="h4 mb-3"),
            controls,
            dcc.Store(id="overview-url-spec", data={"keys": ["window", "org"], "defaults": {"window": "7"}}),
            dcc.Store(id="overview-url"),
            saved_views_card(ctx),
            dbc.Row(panels(ctx, days, org), id="overview-panels"),
            recent_alerts(ctx),
        ]
    )


def update_panels(window: str | None, organisation: str | None) -> list[Any]:
    return panels(get_ctx(), _window(window), organisation or None)


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Overview", title="Overview · r2pwatch", layout=layout)
    app.callback(
        Output("overview-panels", "children"),
        Input("overview-window", "value"),
        Input("overview-org", "value"),
        prevent_initial_call=True,
    )(update_panels)
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "syncUrl"),
        Output("overview-url", "data"),
        Input("overview-window", "value"),
        Input("overview-org", "value"),
        State("overview-url-spec", "data"),
    )
