"""The region page's tables: its countries (stories, their sources, top indicator by stories, items,
flagged items, last item) and
the organisation lens (organisation x pillar-three tool, shaded by count)."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.colours import tint
from dashboard.components import empty, fmt_time, indicator_badge
from dashboard.context import AppContext
from db.aggregates import country_table
from db.filters import ItemFilter
from db.organisations import organisation_matrix


def country_table_view(ctx: AppContext, flt: ItemFilter) -> Any:
    rows = ctx.read(country_table, flt)
    if not rows:
        return empty("No stories about this region's countries in this period.")
    body = [
        html.Tr(
            [
                html.Td(html.A(ctx.meta.country_name(r.iso3), href=f"/country/{r.iso3}")),
                html.Td(str(r.stories), className="text-end fw-semibold"),
                html.Td(str(r.sources), className="text-end"),
                html.Td(
                    indicator_badge(ctx.meta, r.top_indicator, short=True, extra=f" {r.top_indicator_count}")
                    if r.top_indicator
                    else "—"
                ),
                html.Td(str(r.items), className="text-end text-muted"),
                html.Td(str(r.flagged), className="text-end text-muted"),
                html.Td(fmt_time(r.last_item_at), className="text-nowrap small"),
            ]
        )
        for r in rows[:40]
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Country"),
                html.Th(
                    "Stories",
                    className="text-end",
                    title="stories about the country first seen in the period",
                ),
                html.Th("Sources", className="text-end", title="distinct sources that carried those stories"),
                html.Th("Top indicator", title="the indicator with the most stories, and how many"),
                html.Th(
                    "Items", className="text-end", title="items (every outlet's report) about the country"
                ),
                html.Th("Flagged", className="text-end", title="items flagged for review"),
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


def org_matrix_view(ctx: AppContext, flt: ItemFilter) -> Any:
    tools = ctx.meta.tools
    cells = ctx.read(organisation_matrix, flt, tools)
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
