"""The Feeds page's table: one row per feed with its health badges, poll interval, item rates and the
row's Edit / Fetch now / Delete buttons."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.auth import current_user
from dashboard.components import ago
from dashboard.context import AppContext
from dashboard.redact import mask_credentials, shown
from db.feeds import FeedInfo, list_feeds

#: the buttons of a row: label, pattern-matching id type, colour
_ROW_ACTIONS = (
    ("Edit", "feeds-edit", "secondary"),
    ("Fetch now", "feeds-fetch", "primary"),
    ("Delete", "feeds-delete", "danger"),
)
STATUS_BADGE = {"ok": "success", "not_modified": "success", "error": "danger", "never": "secondary"}


def _status(f: FeedInfo) -> Any:
    parts: list[Any] = [
        html.Span(
            f.last_status.replace("_", " "),
            className=f"badge bg-{STATUS_BADGE.get(f.last_status, 'secondary')}",
        )
    ]
    if not f.enabled:
        parts.append(html.Span("disabled", className="badge bg-light text-dark border ms-1"))
    if f.stale:
        parts.append(
            html.Span(
                "stale",
                className="badge bg-warning text-dark ms-1",
                title="silent for much longer than usual",
            )
        )
    if f.fetch_requested:
        parts.append(html.Span("fetch requested", className="badge bg-info text-dark ms-1"))
    err = mask_credentials(f.error_text() or f.disabled_reason)
    if err:
        parts.append(html.Div(err, className="small text-danger text-break"))
    return parts


def feed_table(ctx: AppContext, can_edit: bool) -> Any:
    feeds = list_feeds(ctx.database)
    user = current_user()
    if not feeds:
        return html.Div(
            "No feeds yet. Add one above or import an OPML file.", className="text-muted", id="feeds-empty"
        )
    rows = []
    for f in feeds:
        actions = html.Div(
            [
                dbc.Button(
                    label,
                    id={"type": kind, "index": f.id},
                    size="sm",
                    color=colour,
                    outline=True,
                    disabled=not can_edit,
                    **({"className": "me-1"} if n < len(_ROW_ACTIONS) - 1 else {}),
                )
                for n, (label, kind, colour) in enumerate(_ROW_ACTIONS)
            ],
            className="text-nowrap",
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Div(shown(f.title, user) or "(untitled)", className="fw-semibold"),
                            html.Div(shown(f.url, user), className="small text-muted text-break"),
                        ]
                    ),
                    html.Td(ctx.meta.region_name(f.region) if f.region else "—", className="small"),
                    html.Td(f.language or "—", className="small"),
                    html.Td(f"{f.interval_minutes} min", className="small text-nowrap"),
                    html.Td(_status(f)),
                    html.Td(ago(f.last_fetched_at), className="small text-nowrap"),
                    html.Td(f"{f.items_per_day_30d:g}", className="text-end small"),
                    html.Td(str(f.item_count), className="text-end small"),
                    html.Td(actions),
                ],
                id=f"feeds-row-{f.id}",
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Feed"),
                html.Th("Region"),
                html.Th("Lang"),
                html.Th("Every"),
                html.Th("Health"),
                html.Th("Last fetch"),
                html.Th("Items/day", className="text-end"),
                html.Th("Items", className="text-end"),
                html.Th(""),
            ]
        )
    )
    return html.Table([head, html.Tbody(rows)], className="table table-sm align-middle", id="feeds-table")
