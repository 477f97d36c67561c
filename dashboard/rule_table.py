"""The indicators page's record of each tagging rule in the reviews (db.rule_stats): confirmed,
escalated and dismissed items, precision, and a mark on rules with low precision over enough reviews."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from db.rule_stats import RuleRecord, RuleThresholds

SHOWN = 40  # rows per indicator; the CLI (r2pwatch rules) lists them all


def low_badge() -> html.Span:
    return html.Span("low precision", className="badge bg-warning text-dark ms-1")


def rules_block(ind_id: str, records: list[RuleRecord], thresholds: RuleThresholds) -> Any:
    if not records:
        return html.Div("No reviewed items carry this indicator's rules yet.", className="small text-muted")
    marked = sum(r.low for r in records)
    rows = [
        html.Tr(
            [
                html.Td(r.rule, className="text-break"),
                html.Td(str(r.confirmed), className="text-end"),
                html.Td(str(r.escalated), className="text-end"),
                html.Td(str(r.dismissed), className="text-end"),
                html.Td("" if r.precision is None else f"{r.precision:.0%}", className="text-end"),
                html.Td(low_badge() if r.low else ""),
            ],
            className="table-warning" if r.low else None,
        )
        for r in records[:SHOWN]
    ]
    more = len(records) - SHOWN
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("rule"),
                        html.Th("confirmed", className="text-end"),
                        html.Th("escalated", className="text-end"),
                        html.Th("dismissed", className="text-end"),
                        html.Th("precision", className="text-end"),
                        html.Th(""),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        size="sm",
        className="small mb-1",
        id=f"indicators-rules-{ind_id}",
    )
    summary = f"Rules in reviews: {len(records)}" + (f", {marked} with low precision" if marked else "")
    return html.Details(
        [
            html.Summary([summary] + ([low_badge()] if marked else []), className="small"),
            table,
            html.Div(
                (f"{more} more: r2pwatch rules --indicator {ind_id}. " if more > 0 else "")
                + f"Marked: precision under {thresholds.low_precision:.0%} over at least "
                f"{thresholds.min_reviews} reviewed items. Escalated items count as confirmed.",
                className="small text-muted",
            ),
        ],
        open=bool(marked),
        className="mt-2",
    )
