"""The review queue's controls: filters, the bulk bar, the item panel's actions, the Atom link."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import current_user
from dashboard.components import select_options
from dashboard.context import AppContext, CurrentUser
from dashboard.redact import shown
from dashboard.review_grid import ACTION_LABELS
from dashboard.urlstate import REVIEW_KEYS, query_string, review_state
from db.choices import feed_choices, known_countries
from db.models import REVIEW_STATUSES


def dropdown(id_: str, placeholder: str, value: Any, options: list[dict[str, str]]) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_, placeholder=placeholder, value=value, options=options, clearable=True, className="dd-sm"
    )


def controls(ctx: AppContext, q: dict[str, Any]) -> dbc.Row:
    countries = known_countries(ctx.database)
    return dbc.Row(
        [
            dbc.Col(
                dropdown(
                    "review-f-region",
                    "Region",
                    value=q.get("region"),
                    options=select_options(ctx.meta.regions.items()),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    "review-f-country",
                    "Country",
                    value=q.get("country"),
                    options=select_options((c, f"{ctx.meta.country_name(c)} ({c})") for c in countries),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    "review-f-indicator",
                    "Indicator",
                    value=q.get("indicator"),
                    options=select_options((i.id, i.name) for i in ctx.meta.indicators),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    "review-f-status",
                    "Status",
                    value=q.get("status"),
                    options=select_options((s, s) for s in REVIEW_STATUSES),
                ),
                xl=1,
                lg=2,
                md=3,
            ),
            dbc.Col(
                dropdown(
                    "review-f-feed",
                    "Source",
                    value=q.get("feed"),
                    options=[
                        {"label": shown(t, current_user()), "value": str(i)}
                        for i, t in feed_choices(ctx.database)
                    ],
                ),
                xl=2,
                lg=3,
                md=3,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id="review-f-dates",
                    display_format="YYYY-MM-DD",
                    clearable=True,
                    start_date=q.get("from"),
                    end_date=q.get("to"),
                    start_date_placeholder_text="From",
                    end_date_placeholder_text="To",
                    className="dates-sm",
                ),
                xl=3,
                lg=4,
                md=6,
            ),
            dbc.Col(
                html.Div(
                    dbc.Input(
                        id="review-f-text",
                        placeholder="Search words (all must match)",
                        debounce=True,
                        type="search",
                        size="sm",
                        value=q.get("q"),
                        className="bidi-auto",
                    ),
                    title="Every word must match; stems and other-language place names count "
                    "(Darfur finds Darfour and دارفور)",
                ),
                xl=4,
                lg=3,
                md=6,
            ),
            dbc.Col(
                dbc.RadioItems(
                    id="review-f-view",
                    options=[
                        {"label": "Items", "value": "items"},
                        {"label": "Stories", "value": "stories"},
                    ],
                    value=q.get("view") or "items",
                    inline=True,
                    className="small mb-0",
                ),
                xs="auto",
            ),
            dbc.Col(
                dbc.Switch(
                    id="review-f-flagged",
                    label="Flagged only",
                    value=q.get("flagged", True),
                    className="small mb-0",
                ),
                xs="auto",
            ),
        ],
        className="g-2 mb-2 align-items-center",
    )


def bulk_bar(user: CurrentUser | None) -> html.Div:
    allowed = user is not None and user.can("review")
    buttons = [
        dbc.Button(
            label,
            id=f"review-bulk-{a}",
            color=c,
            size="sm",
            outline=True,
            disabled=not allowed,
            className="me-1",
        )
        for a, label, c in ACTION_LABELS
    ]
    return html.Div(
        [
            html.Span(
                "0 selected", id="review-selected-count", className="small text-muted me-2 text-nowrap"
            ),
            dbc.Input(
                id="review-bulk-note",
                placeholder="Note for the selected items",
                size="sm",
                disabled=not allowed,
                className="me-2",
                style={"maxWidth": "320px"},
            ),
            *buttons,
            html.Span(id="review-bulk-msg", className="small ms-2", role="status"),
            html.Div(
                [
                    dbc.Button(
                        "CSV",
                        id="review-export-csv",
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="me-1",
                    ),
                    dbc.Button("JSON", id="review-export-json", size="sm", color="secondary", outline=True),
                    dcc.Download(id="review-download"),
                ],
                className="ms-auto text-nowrap",
                title="Export what the filters show",
            ),
        ],
        className="d-flex align-items-center mb-2 flex-wrap gap-1",
    )


def item_actions(user: CurrentUser | None) -> html.Div:
    allowed = user is not None and user.can("review")
    return html.Div(
        [
            html.H2("Review", className="h6 mt-3"),
            dbc.Textarea(
                id="review-note", placeholder="Note (why)", rows=2, disabled=not allowed, className="mb-2"
            ),
            html.Div(
                [
                    dbc.Button(
                        label, id=f"review-{a}", color=c, size="sm", disabled=not allowed, className="me-2"
                    )
                    for a, label, c in ACTION_LABELS
                ]
            ),
            html.Div(id="review-action-msg", className="small mt-2", role="status"),
            None if allowed else html.Div("Viewers cannot review items.", className="small text-muted mt-1"),
        ],
        className="border-top pt-2 mt-3",
    )


def atom_href(filters: dict[str, Any] | None, token: str | None) -> str:
    """The Atom feed of the flagged items every filter of the page selects, with the user's token."""
    state = review_state(filters or {})
    query = query_string(
        {**state, "flagged": True, "sort": None, "view": None, "token": token}, keys=(*REVIEW_KEYS, "token")
    )
    return "/feeds/flagged.atom?" + query


def subscribe_link(user: CurrentUser | None, filters: dict[str, Any]) -> html.A:
    token = user.feed_token if user is not None else None
    return html.A(
        "Atom feed of these flagged items",
        id="review-atom",
        href=atom_href(filters, token),
        className="small ms-3",
        hidden=not token,  # anonymous viewers have no token to subscribe with
        title="Subscribe in any feed reader (every filter applies; the link holds your personal token)",
    )
