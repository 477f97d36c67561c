"""A short list of items (time, source, review status, title linking to its review, indicator and
country badges), as the region and country pages show their latest flagged items."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.auth import current_user
from dashboard.components import empty, fmt_time, indicator_badge, status_badge
from dashboard.context import AppContext
from dashboard.redact import shown
from db.rows import ItemRow


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
