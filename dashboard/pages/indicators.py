"""Indicators (/indicators): the taxonomy (definitions, terms and weights), a "try it" box that tags
pasted text and highlights the evidence, and per indicator how reviews went."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard.colours import COUNTRY, ORGANISATION
from dashboard.components import colour_dot, highlight, indicator_badge
from dashboard.context import AppContext, get_ctx
from dashboard.dashtyped import register_page
from dashboard.meta import IndicatorMeta
from dashboard.rule_table import rules_block
from db.aggregates import ReviewShare, review_shares
from db.rule_stats import RuleRecord, RuleThresholds, rule_records

PATH = "/indicators"
MAX_TRY_CHARS = 20_000
KIND_LABEL = {"pillar3": "Pillar-three tool", "crime": "Atrocity crime", "other": "Context"}


def _share_bar(share: ReviewShare | None) -> Any:
    if share is None or share.reviewed == 0:
        return html.Div("No reviews yet.", className="small text-muted")
    total = share.reviewed
    bar = dbc.Progress(
        [
            dbc.Progress(
                value=100 * share.confirmed / total, color="success", bar=True, label=str(share.confirmed)
            ),
            dbc.Progress(
                value=100 * share.escalated / total, color="danger", bar=True, label=str(share.escalated)
            ),
            dbc.Progress(
                value=100 * share.dismissed / total, color="secondary", bar=True, label=str(share.dismissed)
            ),
        ],
        style={"height": "16px"},
    )
    pct = share.confirmed_share
    text = f"{share.confirmed} confirmed, {share.escalated} escalated, {share.dismissed} dismissed"
    if pct is not None:
        text += f" — {pct:.0%} of decided items confirmed"
    return html.Div([bar, html.Div(text, className="small text-muted mt-1")])


def _terms(ind: IndicatorMeta) -> Any:
    if not ind.terms:
        return html.Div("Terms not available.", className="small text-muted")
    blocks = []
    for lang, phrases in sorted(ind.terms.items()):
        ordered = sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))
        blocks.append(
            html.Div(
                [
                    html.Span(lang, className="badge text-bg-light border me-2"),
                    html.Span("; ".join(f"{p} ({w:g})" for p, w in ordered[:80]), className="small"),
                ],
                className="mb-1",
            )
        )
    count = sum(len(p) for p in ind.terms.values())
    return html.Details(
        [
            html.Summary(f"{count} terms in {len(ind.terms)} languages", className="small"),
            html.Div(blocks, className="mt-1 terms"),
        ]
    )


def _indicator_card(
    ind: IndicatorMeta, share: ReviewShare | None, rules: list[RuleRecord], thresholds: RuleThresholds
) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        colour_dot(ind.colour),
                        html.Span(ind.name, className="fw-semibold"),
                        html.Span(
                            KIND_LABEL.get(ind.kind, ind.kind), className="badge text-bg-light border ms-2"
                        ),
                        html.Span(f"threshold {ind.threshold:g}", className="small text-muted ms-2"),
                    ]
                ),
                html.P(ind.description or "", className="small mt-2 mb-2"),
                _terms(ind),
                html.Div(_share_bar(share), className="mt-2"),
                rules_block(ind.id, rules, thresholds),
            ],
            className="py-2",
        ),
        className="shadow-sm mb-2 ind-card",
        style={"borderLeft": f"4px solid {ind.colour}"},
        id=f"indicators-card-{ind.id}",
    )


def layout(**_query: Any) -> html.Div:
    ctx = get_ctx()
    shares = review_shares(ctx.database)
    thresholds = ctx.rule_thresholds
    by_indicator: dict[str, list[RuleRecord]] = {}
    for record in rule_records(ctx.database, thresholds):
        by_indicator.setdefault(record.indicator, []).append(record)
    try_box = dbc.Card(
        [
            dbc.CardHeader("Try it: paste a headline and summary", className="py-2 fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Input(
                        id="indicators-try-title", placeholder="Title", className="mb-2", maxLength=2000
                    ),
                    dbc.Textarea(
                        id="indicators-try-summary",
                        placeholder="Summary (optional)",
                        rows=4,
                        className="mb-2",
                        maxLength=MAX_TRY_CHARS,
                    ),
                    dbc.Button("Tag", id="indicators-try-run", color="primary", size="sm"),
                    html.Div(id="indicators-try-result", className="mt-3"),
                ]
            ),
        ],
        className="shadow-sm sticky-lg-top",
        style={"top": "1rem"},
    )
    return html.Div(
        [
            html.H1("Indicators", className="h4 mb-1"),
            html.Div(
                f"Taxonomy version {ctx.meta.taxonomy_version}. An item is tagged with an indicator when its "
                "matched terms reach the threshold; weights are shown after each term.",
                className="text-muted small mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _indicator_card(i, shares.get(i.id), by_indicator.get(i.id, []), thresholds)
                            for i in ctx.meta.indicators
                        ],
                        lg=7,
                    ),
                    dbc.Col(try_box, lg=5),
                ]
            ),
        ]
    )


def try_tag(ctx: AppContext, title: str | None, summary: str | None) -> Any:
    title = (title or "")[:2000]
    summary = (summary or "")[:MAX_TRY_CHARS]
    if not title.strip() and not summary.strip():
        return html.Div("Paste some text first.", className="small text-muted")
    tagger = ctx.meta.tagger
    if tagger is None:
        return html.Div("The tagger is not available in this installation.", className="small text-danger")
    result = tagger.tag(title, summary, None, None, html=False)
    evidence = [e.to_json() for e in result.evidence()]
    found: list[Any] = [indicator_badge(ctx.meta, t.id, extra=f" {t.score:g}") for t in result.indicators]
    places = [
        html.Span(
            ctx.meta.country_name(c.iso3),
            className="badge text-bg-light border me-1",
            style={"borderBottom": f"2px dotted {COUNTRY}"},
        )
        for c in result.countries
    ]
    orgs = [
        html.Span(
            ctx.meta.organisation_name(o.id),
            className="badge text-bg-light border me-1",
            style={"borderBottom": f"2px dotted {ORGANISATION}"},
        )
        for o in result.organisations
    ]
    verdict = (
        html.Span("flagged", className="badge bg-danger")
        if result.flagged
        else html.Span("not flagged", className="badge bg-secondary")
    )
    return html.Div(
        [
            html.Div(
                [verdict, html.Span(f" language {result.language or '?'}", className="small text-muted")]
            ),
            html.Div(
                found or html.Span("No indicator reached its threshold.", className="small text-muted"),
                className="mt-2",
            ),
            html.Div(places + orgs, className="mt-1"),
            html.Div(
                [
                    html.Div(
                        highlight(result.title, evidence, "title", ctx.meta), className="fw-semibold mt-2"
                    ),
                    html.Div(highlight(result.summary, evidence, "summary", ctx.meta), className="small"),
                ],
                id="indicators-try-highlight",
            ),
        ]
    )


def run_try(_n: int | None, title: str | None, summary: str | None) -> Any:
    return try_tag(get_ctx(), title, summary)


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Indicators", title="Indicators · r2pwatch", layout=layout)
    app.callback(
        Output("indicators-try-result", "children"),
        Input("indicators-try-run", "n_clicks"),
        State("indicators-try-title", "value"),
        State("indicators-try-summary", "value"),
        prevent_initial_call=True,
    )(run_try)
